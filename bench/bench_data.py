"""Data benchmark (issue 2): parsing ratings.dat, and per-movie means, each against a naive baseline.

    python bench/bench_data.py [--data-dir DIR] [--runs 5] [--baseline-runs 3]

Without ``--data-dir`` it writes the full-scale twin (seed 0) to a temporary folder; with it,
it reads ``DIR/ml-1m``. Both sides of each comparison are timed in this run and checked to
give the same result. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from movielens_lab.benchmark import Row, median_seconds, table
from movielens_lab.data import loaders
from movielens_lab.data.twin import write_twin
from movielens_lab.model import group_means


def python_engine(folder: Path) -> pd.DataFrame:
    """The baseline parse: pandas' pure-Python engine, the only one that takes ``sep='::'``."""
    return pd.read_csv(folder / "ratings.dat", sep="::", engine="python", header=None,
                       names=loaders.RATINGS_COLUMNS, encoding=loaders.ENCODING)


def loop_means(ids: np.ndarray, values: np.ndarray, size: int, default: float) -> np.ndarray:
    """Baseline: the loop LAB_SPEC section 5 warns about, over the rows of the lab's arrays."""
    total, count = np.zeros(size), np.zeros(size, dtype=np.int64)
    for i, v in zip(ids, values):
        total[i] += v
        count[i] += 1
    return np.where(count > 0, total / np.maximum(count, 1), default)


def list_loop_means(ids: np.ndarray, values: np.ndarray, size: int, default: float) -> np.ndarray:
    """For context: the fastest plain Python loop (over lists, into lists)."""
    total, count = [0.0] * size, [0] * size
    for i, v in zip(ids.tolist(), values.tolist()):
        total[i] += v
        count[i] += 1
    return np.array([t / c if c else default for t, c in zip(total, count)])


def run(folder: Path, runs: int, baseline_runs: int) -> list[Row]:
    ours, slow = loaders.load_ratings(folder), python_engine(folder)
    pd.testing.assert_frame_equal(ours, slow, check_dtype=False)
    assert [t.kind for t in ours.dtypes] == [t.kind for t in slow.dtypes], (ours.dtypes, slow.dtypes)
    rows = [Row(f"parse ratings.dat ({len(ours):,} rows): load_ratings vs read_csv(sep='::', engine='python')",
                median_seconds(lambda: loaders.load_ratings(folder), runs),
                median_seconds(lambda: python_engine(folder), baseline_runs), 10, f"{runs} / {baseline_runs}")]

    movie, stars = ours["MovieID"].to_numpy(), ours["Rating"].to_numpy(dtype=float)
    size, default = int(movie.max()) + 1, float(stars.mean())
    fast = group_means(movie, stars, size, default)[0]
    fast_seconds = median_seconds(lambda: group_means(movie, stars, size, default), runs)
    for loop, task, target in [
        (loop_means, "per-movie means: group_means (np.bincount) vs a Python loop over the rows", 100),
        (list_loop_means, "per-movie means: group_means vs the fastest plain loop (lists; context)", None),
    ]:
        np.testing.assert_allclose(fast, loop(movie, stars, size, default))
        rows.append(Row(task, fast_seconds, median_seconds(partial(loop, movie, stars, size, default), runs),
                        target, f"{runs} / {runs}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data folder holding ml-1m/ (default: a fresh full twin)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of our code and of the loop (median)")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of the slow python-engine parse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data_dir / "ml-1m" if args.data_dir else write_twin(data_dir=Path(tmp), seed=0, scale=1.0)
        rows = run(folder, args.runs, args.baseline_runs)
    print(table(rows))
    return 0 if all(r.met for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
