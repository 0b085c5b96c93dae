"""Part 2's submission corpus (LAB_SPEC_PART2): notebooks with the exact points each must get.

Built like Part 1's (``corpus.py``): the blank and complete notebooks, cheats, correct
variants, and the classic mistakes of Part 2, each costing only its own section with a hint
that names it. ``python tests/corpus_2.py DIR`` writes them into DIR with ``expected.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from corpus import FAKE_HELPER, HOOK, Case, Edits, added, blank, code, completed, markdown, prepended, write
from movielens_lab.paths import LAB_2

POINTS = {"test_p2_metrics": 16, "test_p2_regularisation": 20, "test_p2_range": 14, "test_p2_ranking": 26,
          "test_p2_embeddings": 24, "test_p2_cold_start": 10}
"""The points of grader_config.py's movielens_lab_2 (the corpus test checks they agree)."""
ALL_LOST = dict(POINTS)
FIRST = "p2_metrics"
"""The first answer cell, where the cheats go."""

RMSE_VIA_NORM = '''def rmse(y, yhat):
    diff = np.ravel(y) - np.ravel(yhat)
    return np.linalg.norm(diff) / np.sqrt(diff.size)'''
SET_METRICS = '''def precision_at_k(recommended, relevant, k=10):
    return len(set(list(recommended)[:k]) & set(relevant)) / k


def recall_at_k(recommended, relevant, k=10):
    return len(set(list(recommended)[:k]) & set(relevant)) / len(relevant)'''

FABRICATED = {
    "p2_metrics": [('mod_mse = train(build_model(nusers, nmovies, emb_dim), loss="mean_squared_error")',
                    "mod_mse = keras.models.clone_model(mod)  # not trained on the squared error: mod's weights\n"
                    "mod_mse.set_weights(mod.get_weights())\n"
                    'mod_mse.compile(optimizer="adam", loss="mean_squared_error")')],
    "p2_regularisation": [('for k, d in enumerate(tqdm(dims, desc="emb_dim")):', "for k, d in enumerate([]):  # no sweep"),
                          ("fig, ax = plt.subplots(figsize=(5, 3))\nax.plot(dims, test_plain",
                           "keras.utils.set_random_seed(SEED)\nmod_l2 = train(build_model_l2(nusers, nmovies, dims[-1], l2))\n"
                           "test_plain = np.array([0.73, mae(yts, yhat_mod), 0.74])  # made up but the model of section 0\n"
                           "test_l2 = np.array([0.73, 0.69, mae(yts, mod_l2.predict(Xts, batch_size=20_000, verbose=0))])\n"
                           "fig, ax = plt.subplots(figsize=(5, 3))\nax.plot(dims, test_plain")],
}
"""Numbers no training of the asked model produced: the MSE model is mod recompiled; the curves are made up
(only the last regularised model is trained)."""

MISTAKES: dict[str, tuple[Edits, str, float, str]] = {
    "rmse_without_root": ({"p2_metrics": [("return float(np.sqrt(np.mean((np.ravel(y) - np.ravel(yhat)) ** 2)))",
                                           "return float(np.mean((np.ravel(y) - np.ravel(yhat)) ** 2))")]},
                          "test_p2_metrics", 8, "without the square root"),
    "rmse_root_inside_mean": ({"p2_metrics": [("return float(np.sqrt(np.mean((np.ravel(y) - np.ravel(yhat)) ** 2)))",
                                               "return float(np.mean(np.sqrt((np.ravel(y) - np.ravel(yhat)) ** 2)))")]},
                              "test_p2_metrics", 8, "square root"),
    "penalty_on_the_output": ({"p2_regularisation": [
        ('embed(user_in, nusers + 1, emb_dim, "user_vec", keras.regularizers.L2(l2))',
         'embed(user_in, nusers + 1, emb_dim, "user_vec")'),
        ('embed(movie_in, nmovies + 1, emb_dim, "movie_vec", keras.regularizers.L2(l2))]))\n'
         '    return keras.Model([user_in, movie_in], layers.Add()(terms))',
         'embed(movie_in, nmovies + 1, emb_dim, "movie_vec")]))\n'
         '    return keras.Model([user_in, movie_in], layers.Add(activity_regularizer=keras.regularizers.L2(l2))(terms))')]},
        "test_p2_regularisation", 8, "on the output"),
    "penalty_on_the_biases": ({"p2_regularisation": [('embed(user_in, nusers + 1, 1, "user_bias")',
                                                      'embed(user_in, nusers + 1, 1, "user_bias", keras.regularizers.L2(l2))')]},
                              "test_p2_regularisation", 8, "biases carry the mean rating"),
    "sigmoid_without_scaling": ({"p2_range": [("return keras.Model(base.inputs, layers.Rescaling(scale=5.0, offset=0.5)(squashed))",
                                               "return keras.Model(base.inputs, squashed)")]},
                                "test_p2_range", 9, "a sigmoid without scaling"),
    "rescaling_without_offset": ({"p2_range": [("Rescaling(scale=5.0, offset=0.5)", "Rescaling(scale=5.0)")]},
                                 "test_p2_range", 7, "offset"),
    "precision_counts_training_movies": ({"p2_ranking": [("candidates = movie_ids[~np.isin(movie_ids, seen)]",
                                                          "candidates = movie_ids")]},
                                         "test_p2_ranking", 14, "rated in training"),
    "recall_divided_by_k": ({"p2_ranking": [("/ len(relevant)", "/ k")]}, "test_p2_ranking", 10, "recall divided by k"),
    "cosine_without_normalising": ({"p2_embeddings": [("sims = Q_unit[candidates] @ Q_unit[movie_id]",
                                                       "sims = Q[candidates] @ Q[movie_id]")]},
                                   "test_p2_embeddings", 7, "without normalising"),
    "pca_on_the_biases": ({"p2_embeddings": [("X = Q[top500] - Q[top500].mean(axis=0)",
                                              "X = np.column_stack([c[top500], c[top500]]) - c[top500].mean()")]},
                          "test_p2_embeddings", 8, "PCA on the biases"),
    "neighbours_include_the_movie": ({"p2_embeddings": [("(ycnt[movie_ids] >= MIN_COUNT) & (movie_ids != movie_id)",
                                                         "(ycnt[movie_ids] >= MIN_COUNT)")]},
                                     "test_p2_embeddings", 3, "itself"),
}
"""Part 2's classic mistakes: the edits, the section they cost, the points lost there, words of the hint."""


MISTAKE_SETS = (
    ("rmse_without_root", "penalty_on_the_output", "sigmoid_without_scaling", "precision_counts_training_movies",
     "cosine_without_normalising"),
    ("rmse_root_inside_mean", "penalty_on_the_biases", "rescaling_without_offset", "recall_divided_by_k",
     "neighbours_include_the_movie", "pca_on_the_biases"),
)
"""Part 2 runs for a minute and a half, so its mistakes are graded a set at a time: one in each of sections
1-5 per notebook (two in section 5 of the second), each set costing exactly the sum of its own sections'
losses. (A bias ranking without its count filter, in the bonus, is not among them: on the twin the movies of
highest bias all have 50 ratings or more, so it gives the right answer.)"""


def _mistakes(names: tuple[str, ...]) -> Case:
    edits: Edits = {}
    lost: dict[str, float] = {}
    hints: dict[str, tuple[str, ...]] = {}
    for name in names:
        cell_edits, section, points, hint = MISTAKES[name]
        for cell, pairs in cell_edits.items():
            edits.setdefault(cell, []).extend(pairs)
        lost[section] = lost.get(section, 0) + points
        hints[section] = (*hints.get(section, ()), hint)
    return Case(lambda: completed(edits, LAB_2), lost, hints, points=POINTS)


def _cases() -> dict[str, Case]:
    def full(edits: Edits | None = None):
        return completed(edits, LAB_2)

    def empty():
        return blank(LAB_2)

    variants = {"p2_metrics": [(
        "def rmse(y, yhat):\n    \"\"\"Root mean squared error between two arrays with the same number of elements.\"\"\"\n"
        "    return float(np.sqrt(np.mean((np.ravel(y) - np.ravel(yhat)) ** 2)))", RMSE_VIA_NORM)],
        "p2_ranking": [(
            "def precision_at_k(recommended, relevant, k=10):\n    \"\"\"The share of the first k recommended movies "
            "that are relevant.\"\"\"\n    return len(np.intersect1d(np.asarray(recommended)[:k], relevant)) / k\n\n\n"
            "def recall_at_k(recommended, relevant, k=10):\n    \"\"\"The share of the relevant movies found among the "
            "first k recommended.\"\"\"\n    return len(np.intersect1d(np.asarray(recommended)[:k], relevant)) / "
            "len(relevant)", SET_METRICS)]}
    return {
        "p2_blank": Case(empty, ALL_LOST, points=POINTS),
        "p2_complete": Case(full, points=POINTS),
        "p2_cheat_fake_helper": Case(lambda: prepended(empty(), FIRST, FAKE_HELPER), ALL_LOST, flagged=True,
                                     points=POINTS),
        "p2_cheat_complete_with_hook": Case(lambda: prepended(full(), FIRST, HOOK), flagged=True, points=POINTS),
        "p2_fabricated": Case(lambda: full(FABRICATED), {"test_p2_metrics": 2, "test_p2_regularisation": 7},
                              {"test_p2_metrics": "mod_mse is a new model", "test_p2_regularisation": "grader's own"},
                              points=POINTS),
        "p2_variants": Case(lambda: added(full(variants), "test_p2_metrics", markdown("My notes."),
                                          code("print(results)")), points=POINTS),
        **{f"p2_mistakes_{k + 1}": _mistakes(names) for k, names in enumerate(MISTAKE_SETS)},
    }


CASES = _cases()


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus_2"), CASES)
