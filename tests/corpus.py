"""The submission corpus: real notebooks of the lab with the exact points each must get.

Built from the solution and the released student notebook: the blank notebook, the
complete one, cheats (they must earn exactly what their answers earn, and be flagged),
correct variants a student could reasonably write (full marks), and the classic mistakes
(each costs only its own section, with a hint that names it). ``python tests/corpus.py DIR``
writes every notebook into DIR with ``expected.json``, to grade by hand.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from fixtures import submissions
from movielens_lab.paths import LAB, solution_notebook, student_notebook

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
POINTS = {"test_movies": 8, "test_ratings": 8, "test_sparse": 6, "test_split": 10, "test_baselines": 14,
          "test_model": 12, "test_training": 12, "test_curves": 6, "test_existing_user": 12, "test_new_user": 12,
          "test_bonus_sweep": 10}
"""The points of grader_config.py (the corpus test checks they agree)."""
Edits = dict[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class Case:
    """One submission: how to build it, the points it loses per section, the hints it must get."""

    build: Callable[[], NotebookNode]
    lost: dict[str, float] = field(default_factory=dict)
    hints: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    """Words the hints of a section must hold (one text, or several)."""
    flagged: bool = False
    note: str = ""
    """Words the row's reason must hold (how the submission was read)."""
    points: dict[str, float] = field(default_factory=lambda: POINTS)
    """The points of the assignment it is a submission of."""

    def expected(self) -> dict[str, float]:
        return {g: p - self.lost.get(g, 0.0) for g, p in self.points.items()}


def _answers(assignment: str = LAB) -> dict[str, str]:
    """The solution's answer cells, by grade_id, with the solution markers removed."""
    source = nbformat.read(solution_notebook(assignment), as_version=4)
    return {c.metadata.nbgrader["grade_id"]: "\n".join(line for line in c.source.splitlines()
                                                       if line.strip() not in MARKERS)
            for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}


def blank(assignment: str = LAB) -> NotebookNode:
    """The student notebook as released."""
    return nbformat.read(student_notebook(assignment), as_version=4)


def completed(edits: Edits | None = None, assignment: str = LAB) -> NotebookNode:
    """The student notebook with every TODO answered from the solution, then ``edits`` applied."""
    nb, answers = blank(assignment), _answers(assignment)
    for grade_id, source in answers.items():
        submissions.cell(nb, grade_id).source = source
    return edited(nb, edits or {})


def edited(nb: NotebookNode, edits: Edits) -> NotebookNode:
    """``nb`` with text replaced in cells (by grade_id); every replaced text must be there."""
    nb = copy.deepcopy(nb)
    for grade_id, pairs in edits.items():
        cell = submissions.cell(nb, grade_id)
        for old, new in pairs:
            assert old in cell.source, f"{old!r} not in cell {grade_id}"
            cell.source = cell.source.replace(old, new)
    return nb


def prepended(nb: NotebookNode, grade_id: str, code: str) -> NotebookNode:
    """``nb`` with ``code`` put at the top of the answer cell ``grade_id``."""
    nb = copy.deepcopy(nb)
    cell = submissions.cell(nb, grade_id)
    cell.source = code.rstrip("\n") + "\n" + cell.source
    return nb


def without_metadata(nb: NotebookNode) -> NotebookNode:
    """``nb`` as an editor that drops cell metadata saves it."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def retyped(nb: NotebookNode) -> NotebookNode:
    """``nb`` with every answer cell deleted and typed again in a new cell in its place."""
    nb = copy.deepcopy(nb)
    nb.cells = [code(c.source) if c.metadata.get("nbgrader", {}).get("solution") else c for c in nb.cells]
    return nb


def pasted_into_a_new_notebook() -> NotebookNode:
    """The answers alone, pasted in order into a fresh notebook."""
    return nbformat.v4.new_notebook(cells=[code(answer) for answer in _answers().values()])


def with_a_copied_answer(nb: NotebookNode, grade_id: str, extra: str) -> NotebookNode:
    """``nb`` with the answer cell ``grade_id`` copied (metadata and all) below its test cell, then edited."""
    nb = copy.deepcopy(nb)
    k = nb.cells.index(submissions.cell(nb, grade_id))
    twin = copy.deepcopy(nb.cells[k])
    twin.source += "\n" + extra
    nb.cells.insert(k + 2, twin)
    return nb


def another_assignment() -> NotebookNode:
    """A notebook of some other course."""
    return nbformat.v4.new_notebook(cells=[markdown("# Homework 3"), code("def square(x):\n    return x * x")])


def added(nb: NotebookNode, after: str, *cells: NotebookNode) -> NotebookNode:
    """``nb`` with new cells (no nbgrader metadata) after the cell ``after``."""
    nb = copy.deepcopy(nb)
    k = nb.cells.index(submissions.cell(nb, after))
    nb.cells[k + 1:k + 1] = list(cells)
    return nb


code, markdown = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
ALL_LOST = dict(POINTS)

# Cheats: code in the student's kernel that rewrites what the tests there use.
PATCH_PART = ("LabCheck.part = lambda self, points, test, hint: "
              "(setattr(self, 'got', self.got + points), setattr(self, 'total', self.total + points))[0] or True")
FAKE_HELPER = """class Fake:
    def __init__(self, section):
        self.got = 0
    def part(self, points, *args):
        self.got += points
        return True
    def compute(self, fn):
        return None
    def score(self):
        return self.got
_LabCheck = Fake"""
PATCH_NUMPY = "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True"
PATCH_BUILTINS = "import builtins\nbuiltins.abs = lambda x: 0"
HOOK = "get_ipython().events.register('pre_run_cell', lambda info: print(info.raw_cell))"
LEAK = "LEAK_7f3a9"
"""Text the leak cases try to get into what the student reads; no output of the grader may hold it."""
REEXPORT = '''for grade_id, names in [("test_movies", ["movies", "movie_ids", "titles"]), ("test_baselines", ["y0", "ymean",
                          "ycnt", "top_movies", "mae_movie", "mae_user"]), ("test_training", ["mod", "hist"])]:
    _mlk.export(grade_id, names, globals())  # after the tests, from what the kernel holds then'''
FORGED_BUILTINS = '''_real_export = _mlk.export


def _forged_export(grade_id, names, namespace):
    extra = {"abs": lambda x: 0, "round": lambda *a: 5, "len": lambda x: 10, "_np": None, "t": None}
    _real_export(grade_id, list(names) + list(extra), {**namespace, **extra})


_mlk.export = _forged_export'''
FORGED_REASONS = f"_mlk._node = lambda value: {{'t': 'unavailable', 'code': '{LEAK}' * 100, 'why': '{LEAK}' * 100}}"
"""Every value sent as "unavailable", with a reason of the student's own."""
LEAKY_CLIPPED = f'''class {LEAK}_Error(ValueError):
    pass


def clipped(table):
    raise {LEAK}_Error("{LEAK} " * 50)'''
FABRICATED_TRAINING = '''mod.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mean_absolute_error",
            steps_per_execution=100)
# no fit: biases set from the means, and a History written by hand
mod.get_layer("user_bias").set_weights([np.full((nusers + 1, 1), 0.0)])
mod.get_layer("movie_bias").set_weights([ymean.reshape(-1, 1)])
hist = keras.callbacks.History()
test_loss_now = mod.evaluate(Xts, yts, batch_size=10000, verbose=0)
hist.history = {"loss": list(np.linspace(0.85, 0.68, 8)), "val_loss": list(np.linspace(0.86, test_loss_now, 8))}
hist.params = {"verbose": 2, "epochs": 8, "steps": -(-len(ytr) // 1000)}'''
MADE_UP_SWEEP = '''train_loss, test_loss = np.zeros(len(dims)), np.zeros(len(dims))
for k in (0, 4):  # only two trained; the others made up between them
    keras.utils.set_random_seed(SEED)
    m = build_model(nusers, nmovies, k)
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mean_absolute_error", steps_per_execution=100)
    train_loss[k] = m.fit(Xtr, ytr, epochs=8, batch_size=1000, verbose=0).history["loss"][-1]
    test_loss[k] = m.evaluate(Xts, yts, batch_size=1000, verbose=0)
for k in (1, 2, 3):
    train_loss[k] = train_loss[0] + (train_loss[4] - train_loss[0]) * k / 4
    test_loss[k] = test_loss[0] + (test_loss[4] - test_loss[0]) * k / 4
for k in (5, 6, 7, 8):
    train_loss[k] = train_loss[4] - 0.004 * (k - 4)
    test_loss[k] = test_loss[4] + 0.003 * (k - 4)'''
PLOTTER = '''class Plotter:
    def curves(self, history):
        """Training and test loss against the epoch number."""
        epochs = np.arange(1, len(history["loss"]) + 1)
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot(epochs, history["loss"], "o-", label="training")
        ax.plot(epochs, history["val_loss"], "s-", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MAE")
        ax.legend()
        return ax


plot_learning_curves = Plotter().curves'''
TENSOR_AND_PARTIAL = '''import functools
import tensorflow as tf

yhat_user = tf.reshape(mod([np.full(len(movie_ids), uid), movie_ids], training=False), [-1])
best = np.argsort(-np.asarray(yhat_user))[:10]
top10 = pd.DataFrame({"title": [titles[i] for i in best], "pred": np.asarray(yhat_user)[best],
                      "mean": ymean[movie_ids[best]], "count": ycnt[movie_ids[best]]})


def clip_to(table, low, high):
    return table.assign(pred=np.clip(table["pred"], low, high))


clipped = functools.partial(clip_to, low=1, high=5)'''
"""Answers that are callables of other kinds (a bound method, a functools.partial) and a tensor for an array."""

# Correct variants.
PER_ID_MEAN = '''def per_id_mean(ids, values, size, default):
    """Mean and count of values per id 0..size-1 (default where an id has none)."""
    count = np.bincount(ids, minlength=size)
    total = np.bincount(ids, weights=values, minlength=size)
    return np.where(count > 0, total / np.maximum(count, 1), default), count'''
PANDAS_MEANS = '''y0 = ytr.mean()
stats = pd.DataFrame({"movie": movietr, "rating": ytr}).groupby("movie")["rating"].agg(["mean", "count"])
stats = stats.reindex(range(nmovies + 1))
ymean = stats["mean"].fillna(y0).to_numpy()
ycnt = stats["count"].fillna(0).astype(int).to_numpy()
top_movies = (pd.DataFrame({"title": [get_movie_title(i) for i in range(nmovies + 1)], "mean": ymean, "count": ycnt})
              .query("mean > 4.8").sort_values("mean", ascending=False))
mae_movie = (pd.Series(yts) - pd.Series(ymean[moviets])).abs().mean()
umean = pd.Series(ytr).groupby(usertr).mean().reindex(range(nusers + 1)).fillna(y0).to_numpy()
mae_user = np.abs(yts - umean[userts]).mean()'''
STYLED_MODEL = '''def build_model(nusers, nmovies, emb_dim):
    u = keras.Input(shape=(1,), dtype="int32")
    m = keras.Input(shape=(1,), dtype="int32")
    ub = keras.layers.Flatten()(keras.layers.Embedding(int(nusers) + 1, 1, name="user_bias")(u))
    mb = keras.layers.Flatten()(keras.layers.Embedding(int(nmovies) + 1, 1, name="movie_bias")(m))
    out = keras.layers.Add()([ub, mb])
    if emb_dim:
        uv = keras.layers.Flatten()(keras.layers.Embedding(int(nusers) + 1, int(emb_dim), name="user_vec")(u))
        mv = keras.layers.Flatten()(keras.layers.Embedding(int(nmovies) + 1, int(emb_dim), name="movie_vec")(m))
        out = out + keras.layers.Dot(axes=1)([uv, mv])
    return keras.Model(inputs=[u, m], outputs=out)'''
LSTSQ = '''Q = mod.get_layer("movie_vec").get_weights()[0]
c = mod.get_layer("movie_bias").get_weights()[0].ravel()
rated = np.array(list(new_ratings))
r = np.array([new_ratings[m] for m in rated], dtype=float)
A = np.hstack([np.ones((len(rated), 1)), Q[rated]])
stacked = np.vstack([A, np.sqrt(lam) * np.eye(A.shape[1])])
w = np.linalg.lstsq(stacked, np.r_[r - c[rated], np.zeros(A.shape[1])], rcond=None)[0]
bu_new, u_new = w[0], w[1:]
yhat_new = Q[movie_ids] @ u_new + bu_new + c[movie_ids]
table = pd.DataFrame({"title": titles, "pred": yhat_new})[~np.isin(movie_ids, rated)]
top10_new = table.sort_values("pred", ascending=False).head(10)'''
SWEEP_LISTS = '''train_loss, test_loss = [], []
for d in tqdm(dims):
    keras.utils.set_random_seed(SEED)
    m = build_model(nusers, nmovies, int(d))
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mae", steps_per_execution=100)
    h = m.fit(Xtr, ytr, epochs=8, batch_size=1000, verbose=0)
    train_loss.append(h.history["loss"][-1])
    test_loss.append(m.evaluate(Xts, yts, batch_size=1000, verbose=0))
plt.plot(dims, train_loss, label="train")
plt.plot(dims, test_loss, label="test")
plt.xlabel("d")
plt.ylabel("MAE")
plt.legend()
plt.show()'''
TOP10_SORTED = '''yhat_user = mod.predict([np.full(len(movie_ids), uid), movie_ids], batch_size=10000, verbose=0)[:, 0]
table = pd.DataFrame({"title": titles, "pred": yhat_user, "mean": ymean[movie_ids], "count": ycnt[movie_ids]})
top10 = table.sort_values("pred", ascending=False).head(10)


def clipped(table):
    out = table.copy()
    out["pred"] = out["pred"].clip(1, 5)
    return out'''

# A student of the seed lab: loops, lists, and its classic indexing by id - 1.
SEED_BASELINES = '''y0 = np.mean(ytr)
ymean, ycnt = [], []
for i in range(1, nmovies + 1):
    mask = movietr == i
    ycnt.append(int(mask.sum()))
    ymean.append(ytr[mask].mean() if mask.any() else y0)
ids = [i + 1 for i in range(nmovies) if ymean[i] > 4.8]
top_movies = pd.DataFrame({"title": [get_movie_title(i) for i in ids], "mean": [ymean[i - 1] for i in ids],
                           "count": [ycnt[i - 1] for i in ids]}).sort_values("mean", ascending=False)
mae_movie = np.mean(np.abs(yts - np.array(ymean)[moviets - 1]))
umean = np.full(nusers + 1, y0)
for u in np.unique(usertr):
    umean[u] = ytr[usertr == u].mean()
mae_user = np.mean(np.abs(yts - umean[userts]))'''
SEED_RATINGS = '''ratings = pd.read_csv(ML_DIR / "ratings.dat", sep="::", engine="python", header=None,
                      names=["UserID", "MovieID", "Rating", "Timestamp"])
user = np.array(ratings["UserID"])
movie = np.array(ratings["MovieID"])
y = np.array(ratings["Rating"], dtype=np.float32)
nusers = int(np.max(user))
nmovies = int(np.max(movie))
nratings = y.shape[0]
frac_rated = nratings / nusers / nmovies'''


def _cases() -> dict[str, Case]:
    full = completed
    cases = {
        "blank": Case(blank, ALL_LOST),
        "complete": Case(full),
        # Cheats on a blank notebook earn nothing; on a complete one, exactly full marks.
        "cheat_patched_helper": Case(lambda: prepended(blank(), "movies", PATCH_PART), ALL_LOST, flagged=True),
        "cheat_fake_helper": Case(lambda: prepended(blank(), "movies", FAKE_HELPER), ALL_LOST, flagged=True),
        "cheat_patched_numpy": Case(lambda: prepended(blank(), "movies", PATCH_NUMPY), ALL_LOST, flagged=True),
        "cheat_patched_builtins": Case(lambda: prepended(blank(), "movies", PATCH_BUILTINS), ALL_LOST, flagged=True),
        "cheat_hook_prints_hidden_tests": Case(lambda: prepended(blank(), "movies", HOOK), ALL_LOST, flagged=True),
        "cheat_silenced_exporter": Case(lambda: prepended(blank(), "movies", "_mlk.section = lambda *a, **k: None"),
                                        ALL_LOST, flagged=True),
        "cheat_reads_cell_history": Case(lambda: prepended(blank(), "movies", "print(_ih[-1])"), ALL_LOST,
                                         flagged=True),
        "cheat_complete_with_hook": Case(lambda: prepended(full(), "movies", HOOK), flagged=True),
        # The judge calls the student's functions itself: a fake helper in the kernel changes nothing at all.
        "cheat_complete_with_fake_helper": Case(lambda: prepended(full(), "movies", FAKE_HELPER), flagged=True),
        # What the judge gets for a test is sealed when the test runs: exporting again afterwards earns nothing.
        "cheat_reexport_after_tests": Case(lambda: added(blank(), "test_bonus_sweep", code(REEXPORT)), ALL_LOST,
                                           flagged=True),
        # No hidden test runs in the kernel: the names its reference values had there do not exist.
        "cheat_harvests_references": Case(lambda: full({"baselines": [(
            "ycnt = np.bincount(movietr, minlength=nmovies + 1)", "ymean, ycnt = _mean, _cnt  # left by the tests?")]}),
            {"test_baselines": 12}),
        # Names the test does not read (builtins, the helper, given names) are never taken from the export.
        "cheat_forged_builtins": Case(lambda: prepended(full({"existing_user": [(
            'return table.assign(pred=np.clip(table["pred"], 1, 5))', "return table.copy()")]}), "movies",
            FORGED_BUILTINS), {"test_existing_user": 3}, {"test_existing_user": "clipped to [1, 5]"}, flagged=True),
        # Nothing the student wrote reaches what the student reads: reasons, error messages, class names.
        "cheat_forged_reasons": Case(lambda: prepended(full(), "movies", FORGED_REASONS), ALL_LOST, flagged=True),
        "leaky_error_messages": Case(lambda: full({"existing_user": [(
            'def clipped(table):\n    """A copy of a recommendation table with its predictions clipped to the star range."""\n'
            '    return table.assign(pred=np.clip(table["pred"], 1, 5))', LEAKY_CLIPPED)]}),
            {"test_existing_user": 3}, {"test_existing_user": "[ValueError: your code raised this error]"}),
        # Points need evidence of the work: numbers no training produced earn nothing.
        "fabricated_training": Case(lambda: edited(full(), {"training": [(_answers()["training"].split(
            "\nprint(")[0], FABRICATED_TRAINING)]}), {"test_training": 12}, {"test_training": "must be trained"}),
        "made_up_sweep": Case(lambda: edited(full(), {"bonus_sweep": [(_answers()["bonus_sweep"].split(
            "dims = list(range(9))  # plain ints, as Keras wants\n", 1)[1].split("\n\nfig, ax")[0], MADE_UP_SWEEP)]}),
            {"test_bonus_sweep": 10}, {"test_bonus_sweep": "must come from training"}),
        # Correct variants.
        "variant_added_helper_cell": Case(lambda: added(
            full({"baselines": [("ycnt = np.bincount(movietr, minlength=nmovies + 1)\n"
                                 "ysum = np.bincount(movietr, weights=ytr, minlength=nmovies + 1)\n"
                                 "ymean = np.where(ycnt > 0, ysum / np.maximum(ycnt, 1), y0)",
                                 "ymean, ycnt = per_id_mean(movietr, ytr, nmovies + 1, y0)")]}),
            "test_split", markdown("My helper for the means:"), code(PER_ID_MEAN))),
        "variant_reused_names": Case(lambda: full({
            "baselines": [("mae_user = np.mean(np.abs(yts - umean[userts]))",
                           "mae_user = np.mean(np.abs(yts - umean[userts]))\nwarnings = ['few ratings']\n"
                           "t = top_movies.head()")],
            "model": [("layers.", "keras.layers.")],
            "existing_user": [('return table.assign(pred=np.clip(table["pred"], 1, 5))',
                               'return table.assign(pred=np.clip(table["pred"], 1, 5))\n\n\n'
                               'layers = [layer.name for layer in mod.layers]')]})),
        "variant_float32_ratings": Case(lambda: full({"ratings": [('y = ratings["Rating"].to_numpy(dtype=float)',
                                                                   'y = ratings["Rating"].to_numpy(dtype="float32")')]})),
        "variant_pandas_means": Case(lambda: edited(full(), {"baselines": [(_answers()["baselines"], PANDAS_MEANS)]})),
        "variant_compile_metrics": Case(lambda: full({"training": [("steps_per_execution=100)",
                                                                    "steps_per_execution=100, metrics=['mae'])")]})),
        "variant_styled_model": Case(lambda: edited(full(), {"model": [(_answers()["model"].split("\n\nkeras.utils")[0]
                                                                        .split("emb_dim = 4\n", 1)[1], STYLED_MODEL)]})),
        "variant_lstsq_new_user": Case(lambda: edited(full(), {"new_user": [(_answers()["new_user"].split(
            "    print(f\"  {r} stars  {get_movie_title(mid)}\")\n", 1)[1], LSTSQ)]})),
        "variant_sweep_lists": Case(lambda: edited(full(), {"bonus_sweep": [(_answers()["bonus_sweep"].split(
            "dims = list(range(9))  # plain ints, as Keras wants\n", 1)[1].rsplit("\nprint(", 1)[0], SWEEP_LISTS)]})),
        "variant_top10_sorted_table": Case(lambda: edited(full(), {"existing_user": [(_answers()["existing_user"].split(
            'movies")\n', 1)[1].rsplit("\nclipped(top10)", 1)[0], TOP10_SORTED)]})),
        "variant_every_callable": Case(lambda: edited(full(), {
            "curves": [(_answers()["curves"].split("\n\nplot_learning_curves(hist.history)")[0], PLOTTER)],
            "existing_user": [(_answers()["existing_user"].split('movies")\n', 1)[1].rsplit("\nclipped(top10)", 1)[0],
                               TENSOR_AND_PARTIAL)]})),
        # A baseline drawn before the curves (the prose does not forbid it): the curves are found by their data.
        "variant_baseline_line_first": Case(lambda: full({"curves": [
            ('    ax.plot(epochs, history["loss"], "o-", label="training")',
             '    ax.plot(epochs, [0.78] * len(epochs), "k:", label="movie-mean baseline")\n'
             '    ax.plot(epochs, history["loss"], "o-", label="training")')]})),
        "variant_scratch_cells": Case(lambda: added(added(full(), "test_movies", code("print(movies.shape)")),
                                                    "test_bonus_sweep", code("print('done', test_loss.min())"),
                                                    markdown("Notes to self."))),
        # Notebooks whose cells lost their nbgrader metadata, or were copied.
        "variant_metadata_stripped": Case(lambda: without_metadata(full()), note="matched by content"),
        "variant_answers_retyped": Case(lambda: retyped(full()), note="matched by content"),
        "variant_pasted_into_new_notebook": Case(pasted_into_a_new_notebook, note="matched by content"),
        "variant_copied_answer_cell": Case(lambda: with_a_copied_answer(full(), "baselines", "print(y0)"),
                                           note="baselines appears 2 times"),
        "another_assignment": Case(another_assignment, ALL_LOST, note="none of the assignment's answer cells"),
        # The classic mistakes of LAB_SPEC, each costing only its own section.
        "seed_like_student": Case(lambda: edited(full(), {
            "ratings": [(_answers()["ratings"].split("\nprint(")[0], SEED_RATINGS)],
            "baselines": [(_answers()["baselines"].split("\nprint(")[0], SEED_BASELINES)]}),
            {"test_baselines": 7}, {"test_baselines": "indexed by id - 1"}),
        "no_split": Case(lambda: full({"split": [("usertr, movietr, ytr = user[tr], movie[tr], y[tr]",
                                                  "usertr, movietr, ytr = user, movie, y")]}),
                         {"test_split": 10}, {"test_split": "holds ALL the ratings"}),
        "trained_on_test_set": Case(lambda: full({"training": [("mod.fit(Xtr, ytr,", "mod.fit(Xts, yts,")]}),
                                    {"test_training": 4}, {"test_training": "not on the test set"}),
        "batch_size_500": Case(lambda: full({"training": [("epochs=8, batch_size=1000, validation_data",
                                                           "epochs=8, batch_size=500, validation_data")]}),
                               {"test_training": 2}, {"test_training": "batches of 1000"}),
        "five_epochs": Case(lambda: full({"training": [("epochs=8, batch_size=1000, validation_data",
                                                        "epochs=5, batch_size=1000, validation_data")]}),
                            {"test_training": 3}, {"test_training": "8 epochs"}),
        "new_user_zeros": Case(lambda: full({"new_user": [("bu_new, u_new = float(w[0]), w[1:]",
                                                           "bu_new, u_new = 0.0, np.zeros(emb_dim)")]}),
                               {"test_new_user": 8}, {"test_new_user": "ridge least-squares"}),
        "sweep_not_trained": Case(lambda: full({"bonus_sweep": [
            ('train_loss[k], test_loss[k] = h["loss"][-1], m.evaluate(Xts, yts, batch_size=1000, verbose=0)',
             'train_loss[k], test_loss[k] = hist.history["loss"][-1], hist.history["val_loss"][-1]'),
            ("h = m.fit(Xtr, ytr, epochs=8, batch_size=1000, verbose=0).history", "pass")]}),
            {"test_bonus_sweep": 10}, {"test_bonus_sweep": "must come from training"}),
    }
    for name, (edits, section, lost, hint) in MISTAKES.items():
        cases[name] = Case(lambda edits=edits: completed(edits), {section: lost}, {section: hint})
    return cases


MISTAKES: dict[str, tuple[Edits, str, float, str]] = {
    "first_75_percent": ({"split": [("perm = rng.permutation(nratings)", "perm = np.arange(nratings)")]},
                         "test_split", 5, "first 75% of rows"),
    "ymean_by_id_minus_1": ({"baselines": [("np.bincount(movietr, minlength", "np.bincount(movietr - 1, minlength"),
                                           ("np.bincount(movietr, weights", "np.bincount(movietr - 1, weights")]},
                            "test_baselines", 7, "not by id - 1"),
    "ymean_by_row_position": ({"baselines": [("ymean = np.where(ycnt > 0, ysum / np.maximum(ycnt, 1), y0)",
                                              "ymean = pd.Series(ytr).groupby(movietr).mean().to_numpy()")]},
                              "test_baselines", 9, "row position"),
    "means_over_all_ratings": ({"baselines": [("np.bincount(movietr, minlength", "np.bincount(movie, minlength"),
                                              ("np.bincount(movietr, weights=ytr", "np.bincount(movie, weights=y")]},
                               "test_baselines", 8, "uses all ratings"),
    "global_mean_for_every_movie": ({"baselines": [("ymean = np.where(ycnt > 0, ysum / np.maximum(ycnt, 1), y0)",
                                                    "ymean = np.full(nmovies + 1, y0)")]},
                                    "test_baselines", 6, "same for every movie"),
    "ymean_nan_for_unrated_movies": ({"baselines": [("ymean = np.where(ycnt > 0, ysum / np.maximum(ycnt, 1), y0)",
                                                     "ymean = ysum / ycnt")]},
                                     "test_baselines", 7, "NaN or inf in ymean"),
    "frac_rated_over_rated_movies": ({"ratings": [("frac_rated = nratings / (nusers * nmovies)",
                                                   "frac_rated = nratings / (nusers * len(np.unique(movie)))")]},
                                     "test_ratings", 2, "frac_rated is the average fraction"),
    "input_dim_training_rows": ({"model": [("input_dim=int(input_dim)", "input_dim=len(ytr)")]},
                                "test_model", 4, "not the number of training ratings"),
    "numpy_int_input_dim": ({"ratings": [("nusers, nmovies, nratings = int(user.max()), int(movie.max()), len(y)",
                                          "nusers, nmovies, nratings = user.max(), movie.max(), len(y)")],
                             "model": [("input_dim=int(input_dim)", "input_dim=input_dim")]},
                            "test_model", 12, "plain Python int"),
    "adam_lr": ({"training": [("Adam(learning_rate=0.01)", "Adam(lr=0.01)")]},
                "test_training", 12, "no lr= argument"),
    # (fit raised, so nothing was trained: the section's points need a trained model)
    "fit_three_positional_arrays": ({"training": [("mod.fit(Xtr, ytr,", "mod.fit(usertr, movietr, ytr,")]},
                                    "test_training", 12, "pass the inputs as one list"),
    "history_not_kept": ({"training": [("hist = mod.fit(", "mod.fit(")]}, "test_training", 8, "keep the History"),
    "predictions_for_another_user": ({"existing_user": [("np.full(len(movie_ids), uid)",
                                                         "np.full(len(movie_ids), int(user[0]))")]},
                                     "test_existing_user", 9, "different user"),
    "top10_sorted_ascending": ({"existing_user": [("best = np.argsort(-yhat_user)[:10]",
                                                   "best = np.argsort(yhat_user)[-10:]")]},
                               "test_existing_user", 5, "10 HIGHEST predictions, highest first"),
    "unclipped_shown_as_clipped": ({"existing_user": [('return table.assign(pred=np.clip(table["pred"], 1, 5))',
                                                       "return table.copy()")]},
                                   "test_existing_user", 3, "clipped to [1, 5]"),
}
"""Classic mistakes: the edits, the section they cost, the points lost there, words of the hint."""

CASES = _cases()


def write(folder: Path, cases: dict[str, Case] | None = None) -> dict[str, dict]:
    """Write every submission (of ``cases``, default Part 1's) into ``folder``; return (and write) their expectations."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, case in (CASES if cases is None else cases).items():
        nbformat.write(case.build(), folder / f"{name}.ipynb")
        expected[name] = {"points": case.expected(), "hints": case.hints, "flagged": case.flagged, "note": case.note}
    (folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    return expected


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))
