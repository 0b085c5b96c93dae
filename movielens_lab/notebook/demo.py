"""``python -m movielens_lab demo``: get a dataset, grade the reference solutions as submissions, show their numbers.

Each solution notebook runs as ``check`` and ``grade`` run a submission: in the grading kernel and sandbox,
its hidden tests in the judge (``grading.judge``), never in the kernel.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .. import paths, tables
from ..config import LabGrader, lab_settings
from ..data import locate
from ..data.download import DownloadError
from ..data.fetch import fetch
from ..data.twin import write_twin
from ..errors import LabError
from ..grading.check import judged
from ..grading.judge.sealed import StripHiddenTests, Verdict
from ..grading.judge.spec import course_spec
from ..grading.outcomes import Outcome, format_points, max_bonus, max_total, points_of
from .execute import read_notebook, save_figures

CELL_TIMEOUT = 600
"""Seconds a cell may take here (a slow laptop on the full data set), whatever the assignment's limit."""

KEY_VALUES_CODE = """
import json as _json
print(_json.dumps({
    "nusers": int(nusers), "nmovies": int(nmovies), "nratings": int(nratings),
    "mae_movie": float(mae_movie), "mae_user": float(mae_user),
    "params": int(mod.count_params()),
    "train_loss": float(hist.history["loss"][-1]), "test_loss": float(hist.history["val_loss"][-1]),
    "sweep_train": [float(v) for v in train_loss], "sweep_test": [float(v) for v in test_loss],
    "best_emb_dim": int(dims[np.argmin(test_loss)]),
    "top_movies": int(len(top_movies)), "top_movies_max_count": int(top_movies["count"].max()),
}))
"""
"""Part 1's key values, printed in the kernel after its last cell."""

KEY_VALUES_CODE_2 = """
import json as _json
print(_json.dumps({
    "mae_mae": float(results.loc["MAE loss", "MAE"]), "rmse_mae": float(results.loc["MAE loss", "RMSE"]),
    "mae_mse": float(results.loc["MSE loss", "MAE"]), "rmse_mse": float(results.loc["MSE loss", "RMSE"]),
    "mae_movie": float(results.loc["movie mean", "MAE"]), "rmse_movie": float(results.loc["movie mean", "RMSE"]),
    "dims": [int(d) for d in dims], "test_plain": [float(v) for v in test_plain],
    "test_l2": [float(v) for v in test_l2], "plain_last": float(test_plain[-1]), "l2_last": float(test_l2[-1]),
    "mae_range": float(mae_range),
    "precision_model": float(ranking.loc["model", "precision@10"]),
    "precision_popularity": float(ranking.loc["popularity", "precision@10"]),
    "precision_random": float(ranking.loc["random", "precision@10"]),
    "recall_model": float(ranking.loc["model", "recall@10"]),
}))
"""
"""Part 2's key values, printed in the kernel after its last cell."""


def ensure_dataset(data: Path, offline: bool) -> locate.Dataset:
    """The dataset in data folder ``data``, whatever its kind, else one put there.

    When there is none: MovieLens 1M downloaded, or, offline or when the download fails, the twin.
    """
    found = locate.find(data)
    if found is None and not offline:
        try:
            found = locate.Dataset(fetch(data_dir=data), locate.Kind.DOWNLOAD)
        except DownloadError as err:
            print(f"MovieLens 1M is not available ({err}).")
    if found is None:
        found = locate.Dataset(write_twin(data_dir=data), locate.Kind.TWIN)
    print(f"Using the {found.describe()} in {found.folder}.")
    return found


@dataclass(frozen=True)
class Part:
    """One part of the lab as ``demo`` runs it: its assignment and the key numbers it prints."""

    number: int
    assignment: str
    key_values: str
    """Code run in the kernel after the notebook's last cell: prints the key values as JSON."""
    rows: tuple[tuple[str, str, str], ...]
    """(label, key in the printed values, format) of the numbers shown beside the references."""
    reference: str
    """What the references are (the header of their column)."""


PARTS = (
    Part(1, paths.LAB, KEY_VALUES_CODE, (
        ("ratings", "nratings", "{:,}"),
        ("users (largest id)", "nusers", "{}"),
        ("movies (largest id)", "nmovies", "{}"),
        ("movie-mean MAE", "mae_movie", "{:.3f}"),
        ("user-mean MAE", "mae_user", "{:.3f}"),
        ("model parameters (emb_dim 4)", "params", "{:,}"),
        ("final training loss", "train_loss", "{:.3f}"),
        ("final test loss", "test_loss", "{:.3f}"),
        ("best emb_dim (sweep)", "best_emb_dim", "{}"),
    ), "MovieLens 1M"),
    Part(2, paths.LAB_2, KEY_VALUES_CODE_2, (
        ("MAE loss: test MAE", "mae_mae", "{:.3f}"),
        ("MAE loss: test RMSE", "rmse_mae", "{:.3f}"),
        ("MSE loss: test MAE", "mae_mse", "{:.3f}"),
        ("MSE loss: test RMSE", "rmse_mse", "{:.3f}"),
        ("largest emb_dim: test MAE, no penalty", "plain_last", "{:.3f}"),
        ("largest emb_dim: test MAE, L2 penalty", "l2_last", "{:.3f}"),
        ("star range (sigmoid): test MAE", "mae_range", "{:.3f}"),
        ("precision@10: model", "precision_model", "{:.3f}"),
        ("precision@10: popularity", "precision_popularity", "{:.3f}"),
        ("precision@10: random", "precision_random", "{:.3f}"),
    ), "reference"),
)
"""The parts of the lab, in order."""


def key_numbers_table(part: Part, values: dict, references: dict) -> str:
    """A part's key numbers beside its references."""
    rows = [[label, fmt.format(values[key]), "" if (ref := references.get(key)) is None else fmt.format(ref)]
            for label, key, fmt in part.rows]
    return tables.render(["", "this run", part.reference], rows, "<>>")


def points_line(verdict: Verdict) -> str:
    """What the judge gave: points of the maximum, bonus apart."""
    earned, (points, bonus) = Outcome("solution", "solution", "graded", verdict.tests), points_of(verdict.tests)
    line = f"graded as a submission: {format_points(earned.total)}/{format_points(max_total(points, bonus))}"
    return line + (f", bonus {format_points(earned.bonus)}/{format_points(max_bonus(points, bonus))}" if bonus else "")


def failed_cell(nb: NotebookNode) -> str | None:
    """The first error a cell of ``nb`` raised, on one line; None if none did."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return f"{output.ename}: {output.evalue}".splitlines()[0]
    return None


def graded_run(part: Part, settings: LabGrader, data: Path, out: Path) -> tuple[NotebookNode, Verdict, dict]:
    """Grade the part's solution notebook as a submission under ``settings``; the notebook as it ran, the verdict
    and the key values."""
    notebook = paths.solution_notebook(part.assignment)
    source = read_notebook(notebook)
    spec = course_spec(source, settings)
    nb, _ = StripHiddenTests().preprocess(source, {})
    nb.cells.append(nbformat.v4.new_code_cell(part.key_values))
    verdict, nb = judged(nb, spec, settings, data, "grade", log=out / "kernel.log", timeout=CELL_TIMEOUT)
    if (error := failed_cell(nb)) is not None:
        raise LabError(f"{notebook}: a cell failed: {error}")
    tail = nb.cells.pop()
    printed = "".join(o.get("text", "") for o in tail.outputs if o.get("name") == "stdout")
    if not printed:
        raise LabError(f"{notebook}: the kernel died while running the notebook (see {out / 'kernel.log'})")
    return nb, verdict, json.loads(printed)


def run_part(part: Part, data: Path, label: str, out: Path) -> None:
    """Grade a part's solution notebook into ``out``; print its key numbers, its points and where its outputs went."""
    out.mkdir(parents=True, exist_ok=True)
    name = paths.solution_notebook(part.assignment).name
    print(f"Running part {part.number}, {name}, on the {label} (a few minutes on a laptop)...")
    settings = lab_settings(assignment=part.assignment)
    start = time.perf_counter()
    nb, verdict, values = graded_run(part, settings, data, out)
    seconds = time.perf_counter() - start
    executed = out / name
    nbformat.write(nb, executed)
    figures = save_figures(nb, out / "figures")
    (out / "key_numbers.json").write_text(json.dumps({"dataset": label, **values}, indent=1))
    (out / "verdict.json").write_text(json.dumps(verdict.to_dict(), indent=1))
    print(f"\nPart {part.number}: key numbers ({label}, {seconds:.0f} s):")
    print(key_numbers_table(part, values, settings.references))
    print(f"\n{points_line(verdict)}")
    print(f"Executed notebook: {executed}")
    print(f"Figures ({len(figures)}): {out / 'figures'}")
    print(f"Key numbers as JSON: {out / 'key_numbers.json'}; the judge's verdict: {out / 'verdict.json'}")
    print(f"The kernel's own log (TensorFlow, Jupyter): {out / 'kernel.log'}\n")


def demo(*, part: int | None = None, data_dir: Path | None = None, out: Path = Path("out/demo"),
         offline: bool = False) -> None:
    """Ensure a dataset, execute the solution notebooks (both parts, or ``part``), print their key numbers.

    Each part's outputs go to ``out/<its assignment>/``.
    """
    chosen = [p for p in PARTS if part in (None, p.number)]
    if not chosen:
        raise LabError(f"there is no part {part}: the lab has parts {', '.join(str(p.number) for p in PARTS)}")
    for notebook in (paths.solution_notebook(p.assignment) for p in chosen):
        if not notebook.is_file():
            raise LabError(f"{notebook} is missing: restore it from git (git checkout solutions/)")
    data = locate.data_folder(data_dir)
    label = ensure_dataset(data, offline).describe()
    for each in chosen:
        run_part(each, data, label, Path(out) / each.assignment)
