"""``python -m movielens_lab demo``: get a dataset, run the reference solution, show its numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat

from .. import paths, tables
from ..config import lab_settings
from ..data import locate
from ..data.download import DownloadError
from ..data.fetch import fetch
from ..data.twin import write_twin
from ..errors import LabError
from .execute import execute, save_figures

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
"""Run in the kernel after the solution notebook's last cell: prints the lab's key values as JSON."""


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


KEY_ROWS = (
    ("ratings", "nratings", "{:,}"),
    ("users (largest id)", "nusers", "{}"),
    ("movies (largest id)", "nmovies", "{}"),
    ("movie-mean MAE", "mae_movie", "{:.3f}"),
    ("user-mean MAE", "mae_user", "{:.3f}"),
    ("model parameters (emb_dim 4)", "params", "{:,}"),
    ("final training loss", "train_loss", "{:.3f}"),
    ("final test loss", "test_loss", "{:.3f}"),
    ("best emb_dim (sweep)", "best_emb_dim", "{}"),
)
"""(label, key in the notebook's values, format) of the numbers the demo prints."""


def key_numbers_table(values: dict, references: dict) -> str:
    """The key numbers beside the published MovieLens 1M values."""
    rows = [[label, fmt.format(values[key]), "" if (ref := references.get(key)) is None else fmt.format(ref)]
            for label, key, fmt in KEY_ROWS]
    return tables.render(["", "this run", "MovieLens 1M"], rows, "<>>")


def demo(*, data_dir: Path | None = None, out: Path = Path("out/demo"), offline: bool = False) -> None:
    """Ensure a dataset, execute the solution notebook, print its key numbers and outputs."""
    if not paths.SOLUTION_NOTEBOOK.is_file():
        raise LabError(f"{paths.SOLUTION_NOTEBOOK} is missing: restore it from git (git checkout solutions/)")
    data = locate.data_folder(data_dir)
    label = ensure_dataset(data, offline).describe()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"Running {paths.SOLUTION_NOTEBOOK.name} on the {label} (a few minutes on a laptop)...")
    start = time.perf_counter()
    run = execute(paths.SOLUTION_NOTEBOOK, data, log=out / "kernel.log", cwd=out, after=KEY_VALUES_CODE)
    seconds = time.perf_counter() - start
    values = json.loads(run.printed)
    executed = out / paths.SOLUTION_NOTEBOOK.name
    nbformat.write(run.notebook, executed)
    figures = save_figures(run.notebook, out / "figures")
    (out / "key_numbers.json").write_text(json.dumps({"dataset": label, **values}, indent=1))
    print(f"\nKey numbers ({label}, {seconds:.0f} s):")
    print(key_numbers_table(values, lab_settings(assignment=paths.LAB).references))
    print(f"\nExecuted notebook: {executed}")
    print(f"Figures ({len(figures)}): {out / 'figures'}")
    print(f"Key numbers as JSON: {out / 'key_numbers.json'}")
    print(f"The kernel's own log (TensorFlow, Jupyter): {out / 'kernel.log'}")
