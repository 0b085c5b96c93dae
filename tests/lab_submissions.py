"""Student submissions of the lab built from the solution: blank, complete, and one per known mistake."""

from __future__ import annotations

from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

from movielens_lab.paths import SOLUTION_NOTEBOOK, STUDENT_NOTEBOOK

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: text replaced in answer cells, the section it costs, the hint it gets."""

    edits: dict[str, list[tuple[str, str]]]
    section: str
    message: str


MISTAKES = {
    "first_75_percent": Mistake(
        {"split": [("perm = rng.permutation(nratings)", "perm = np.arange(nratings)")]},
        "test_split", "first 75% of rows"),
    "ymean_by_id_minus_1": Mistake(
        {"baselines": [("np.bincount(movietr, minlength", "np.bincount(movietr - 1, minlength"),
                       ("np.bincount(movietr, weights", "np.bincount(movietr - 1, weights")]},
        "test_baselines", "not by id - 1"),
    "ymean_by_row_position": Mistake(
        {"baselines": [("ymean = np.where(ycnt > 0, ysum / np.maximum(ycnt, 1), y0)",
                        "ymean = pd.Series(ytr).groupby(movietr).mean().to_numpy()")]},
        "test_baselines", "row position"),
    "means_over_all_ratings": Mistake(
        {"baselines": [("np.bincount(movietr, minlength", "np.bincount(movie, minlength"),
                       ("np.bincount(movietr, weights=ytr", "np.bincount(movie, weights=y")]},
        "test_baselines", "uses all ratings"),
    "global_mean_for_every_movie": Mistake(
        {"baselines": [("ymean = np.where(ycnt > 0, ysum / np.maximum(ycnt, 1), y0)",
                        "ymean = np.full(nmovies + 1, y0)")]},
        "test_baselines", "same for every movie"),
    "input_dim_training_rows": Mistake(
        {"model": [("input_dim=int(input_dim)", "input_dim=len(ytr)")]},
        "test_model", "not the number of training ratings"),
    "numpy_int_input_dim": Mistake(
        {"ratings": [("nusers, nmovies, nratings = int(user.max()), int(movie.max()), len(y)",
                      "nusers, nmovies, nratings = user.max(), movie.max(), len(y)")],
         "model": [("input_dim=int(input_dim)", "input_dim=input_dim")]},
        "test_model", "plain Python int"),
    "adam_lr": Mistake(
        {"training": [("Adam(learning_rate=0.01)", "Adam(lr=0.01)")]},
        "test_training", "no lr= argument"),
    "fit_three_positional_arrays": Mistake(
        {"training": [("mod.fit(Xtr, ytr,", "mod.fit(usertr, movietr, ytr,")]},
        "test_training", "pass the inputs as one list"),
    "history_not_kept": Mistake(
        {"training": [("hist = mod.fit(", "mod.fit(")]},
        "test_training", "keep the History"),
    "predictions_for_another_user": Mistake(
        {"existing_user": [("np.full(len(movie_ids), uid)", "np.full(len(movie_ids), int(user[0]))")]},
        "test_existing_user", "different user"),
    "top10_sorted_ascending": Mistake(
        {"existing_user": [("best = np.argsort(-yhat_user)[:10]", "best = np.argsort(yhat_user)[-10:]")]},
        "test_existing_user", "10 HIGHEST predictions, highest first"),
    "unclipped_shown_as_clipped": Mistake(
        {"existing_user": [('return table.assign(pred=np.clip(table["pred"], 1, 5))', "return table.copy()")]},
        "test_existing_user", "clipped to [1, 5]"),
}


def _answers() -> dict[str, str]:
    """The solution's answer cells, by grade_id, with the solution markers removed."""
    source = nbformat.read(SOLUTION_NOTEBOOK, as_version=4)
    return {c.metadata.nbgrader["grade_id"]: "\n".join(line for line in c.source.splitlines()
                                                       if line.strip() not in MARKERS)
            for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}


def blank() -> NotebookNode:
    """The student notebook as released."""
    return nbformat.read(STUDENT_NOTEBOOK, as_version=4)


def completed(edits: dict[str, list[tuple[str, str]]] | None = None) -> NotebookNode:
    """The student notebook with every TODO answered from the solution, then ``edits`` applied."""
    nb, answers = blank(), _answers()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            for old, new in (edits or {}).get(grade_id, []):
                assert old in cell.source, f"{old!r} not in answer cell {grade_id}"
                cell.source = cell.source.replace(old, new)
    return nb
