"""``data stats``: a dataset's facts and (unless told not to) both parts' numbers, beside their targets."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import tables
from ..errors import LabError
from . import facts, lab_numbers, locate, movielens
from .facts import Row

DATASET_FILES = ("ratings.dat", "u.data")
"""A dataset folder itself (ml-1m's, ml-100k's) holds one of these: ``data stats``' old spelling named it."""


def format_table(rows: list[Row]) -> str:
    """The rows as an aligned text table."""
    return tables.render(["measure", "value", "target", "ok?"],
                         [[r.measure, r.value, r.target, "yes" if r.ok else "NO"] for r in rows], "<><<")


def _what(folder: Path) -> str:
    """What the folder holds, by the data rule: the twin, real MovieLens 1M, or some other dataset."""
    try:
        return locate.recognise(folder).describe()
    except LabError:
        return "dataset"


def dataset_folder(folder: Path | None = None, data_dir: Path | None = None) -> Path:
    """The dataset ``data stats`` describes: ``ml-1m/`` in the data folder (``data_dir``, else ``folder``, else
    ``$MOVIELENS_DIR``, else ``./data``), as every command takes it. A dataset folder given itself (the old
    spelling, ``data stats data/ml-1m``) is taken as it is, with a note on stderr."""
    if folder is not None and data_dir is not None and Path(folder).resolve() != Path(data_dir).resolve():
        raise LabError(f"give the data folder once: {folder} or --data-dir {data_dir}")
    base = locate.data_folder(data_dir or folder)
    if not (base / movielens.FOLDER).is_dir() and any((base / name).is_file() for name in DATASET_FILES):
        print(f"note: {base} is a dataset folder itself; data stats takes the data folder that holds "
              f"{movielens.FOLDER}/, like every command: --data-dir {base.parent}", file=sys.stderr)
        return base
    if not (base / movielens.FOLDER).is_dir():
        raise LabError(f"no {movielens.FOLDER}/ in data folder {base}: pass the folder that holds it (--data-dir, "
                       "else $MOVIELENS_DIR, else ./data), or get it with `python -m movielens_lab data fetch` "
                       "(or `data twin` offline)")
    return base / movielens.FOLDER


def print_stats(folder: Path | None = None, *, data_dir: Path | None = None, model: bool = True) -> None:
    """Print the facts and (unless ``model`` is False) the lab's numbers of the dataset :func:`dataset_folder` finds."""
    folder = dataset_folder(folder, data_dir)
    ratings, movies = facts.load(folder)
    print(f"{_what(folder)} {folder}: targets are MovieLens 1M's (scale 1)")
    rows = facts.shape_rows(facts.shape_facts(ratings, movies))
    if model:
        dims = lab_numbers.SWEEP_DIMS
        print(f"training the Keras model for emb_dim {dims[0]}..{dims[-1]} "
              "(about 10 s each on 2 cores at full scale)...", flush=True)
        part1 = lab_numbers.lab_numbers(ratings)
        rows += lab_numbers.lab_rows(part1)
        print("training part 2's seven models (a few seconds each)...", flush=True)
        part2 = lab_numbers.part2_numbers(ratings)
        rows += lab_numbers.part2_rows(part2)
    print(format_table(rows))
    if model:
        print("\nwhat this data set shows of each lesson (the grade never depends on it: every check compares with "
              "the grader's own computation on the same data)")
        print(tables.render(["lesson", "on this data", "shows it?"],
                            [[r.measure, r.value, r.target] for r in lab_numbers.lesson_rows(part1, part2)], "<<<"))
