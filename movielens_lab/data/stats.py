"""``data stats``: a dataset's facts and (unless told not to) both parts' numbers, beside their targets."""

from __future__ import annotations

from pathlib import Path

from .. import tables
from ..errors import LabError
from . import facts, lab_numbers, locate
from .facts import Row


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


def print_stats(folder: Path, *, model: bool = True) -> None:
    """Print the facts and (unless ``model`` is False) the lab's numbers of a dataset folder."""
    folder = Path(folder)
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
