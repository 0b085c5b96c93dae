"""Notebook benchmark (issue 3): each part's whole solution notebook's time, and the reference fit against a naive fit.

    python bench/bench_notebook.py [--data-dir DIR] [--runs 1] [--fit-runs 3]

Without ``--data-dir`` it writes the full-scale twin (seed 0) to a temporary folder; with it,
it reads ``DIR/ml-1m``. Then:

- each part's solution notebook executed end to end with a real kernel (``notebook.execute``),
  against its budget (Part 1: 60 s, issue 3; Part 2: 90 s, issue 13), with the cells that take
  a second or more (nbclient's timing);
- ``model.train`` (the lab's settings) against a naive ``fit`` of the same seeded model
  (compile and fit with Keras' defaults, TensorFlow's default oneDNN), alternated, each in
  a fresh process; only the fit is timed, and both must end with the same losses.

Exits 1 when a target is missed or the losses differ.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from nbformat import NotebookNode

from movielens_lab import model, paths, tables
from movielens_lab.benchmark import Row, children_cpu_seconds, table
from movielens_lab.data.loaders import load_ratings
from movielens_lab.data.twin import write_twin
from movielens_lab.notebook.execute import execute

BUDGETS = {paths.LAB: 60.0, paths.LAB_2: 90.0}
"""Seconds each part's whole solution notebook may take on the full twin (issues 3 and 13)."""
FIT_SPEEDUP = 2.0
"""The reference fit takes at most half the time of the naive one."""
LOSS_TOLERANCE = 1e-6
"""Largest difference allowed between the two fits' losses, in any epoch."""


def naive_train(s: model.Split, nusers: int, nmovies: int) -> dict:
    """Baseline: the lab's seeded model, compiled and fitted with Keras' defaults."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(model.TRAIN_SEED)
    tf.config.experimental.enable_op_determinism()
    mod = model.build_model(nusers, nmovies)
    mod.compile(optimizer=keras.optimizers.Adam(learning_rate=model.LEARNING_RATE), loss="mean_absolute_error")
    return mod.fit([s.usertr, s.movietr], s.ytr, epochs=model.EPOCHS, batch_size=model.BATCH_SIZE,
                   validation_data=([s.userts, s.moviets], s.yts), verbose=0).history


FITS = {"reference": lambda s, nusers, nmovies: model.train(s, nusers, nmovies)[1], "naive": naive_train}
"""The two fits compared; each runs in a fresh process (TensorFlow reads its environment once)."""
FIT_ENV = {"reference": {}, "naive": {"TF_ENABLE_ONEDNN_OPTS": "1"}}
"""Environment of each fit's process: the naive one keeps TensorFlow's default (oneDNN on)."""


def one_fit(kind: str, folder: Path) -> None:
    """In this process: time one fit of ``kind`` on ``folder``'s ratings and print it as JSON."""
    ratings = load_ratings(folder)
    user, movie = ratings["UserID"].to_numpy(), ratings["MovieID"].to_numpy()
    s = model.split(user, movie, ratings["Rating"].to_numpy(dtype=float))
    model.tensorflow_environment()  # only defaults: the naive fit's process has oneDNN on
    import keras  # noqa: F401  imported before the clock starts: a few seconds that are not the fit's

    start, cpu_start = time.perf_counter(), time.process_time()
    history = FITS[kind](s, int(user.max()), int(movie.max()))
    print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu_start,
                      "ntrain": len(s.ytr), "loss": history["loss"], "val_loss": history["val_loss"]}))


def fit_in_subprocess(kind: str, folder: Path) -> dict:
    """``one_fit`` in a fresh Python process with ``FIT_ENV[kind]``."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"} | FIT_ENV[kind]
    proc = subprocess.run([sys.executable, __file__, "--one-fit", kind, "--data-dir", str(folder.parent)],
                          env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fits(folder: Path, runs: int) -> tuple[list[Row], str, bool]:
    """The reference and the naive fit, alternated ``runs`` times: their rows, a losses table, equal?"""
    results: dict[str, list[dict]] = {kind: [] for kind in FITS}
    for _ in range(runs):
        for kind in FITS:
            results[kind].append(fit_in_subprocess(kind, folder))
    ref, naive = results["reference"][-1], results["naive"][-1]
    diff = max(abs(a - b) for k in ("loss", "val_loss") for a, b in zip(ref[k], naive[k]))
    losses = "\n".join([
        "| fit | final training loss | final test loss |", "|---|---:|---:|",
        *(f"| {kind} | {rs[-1]['loss'][-1]:.9f} | {rs[-1]['val_loss'][-1]:.9f} |" for kind, rs in results.items()),
        f"| largest difference over the {model.EPOCHS} epochs | {diff:.1e} | (allowed {LOSS_TOLERANCE:g}) |"])
    task = (f"one {model.EPOCHS}-epoch fit (emb_dim {model.EMB_DIM}, {ref['ntrain']:,} ratings): "
            "model.train vs a naive fit (Keras and TensorFlow defaults)")
    rows = [Row(task if key == "seconds" else "the same fits' CPU seconds (context: less sensitive to other jobs)",
                *(statistics.median(r[key] for r in results[kind]) for kind in FITS),
                FIT_SPEEDUP if key == "seconds" else None, f"{runs} / {runs}")
            for key in ("seconds", "cpu")]
    return rows, losses, diff <= LOSS_TOLERANCE


def cell_seconds(nb: NotebookNode) -> dict[str, float]:
    """Seconds each graded or solution cell of an executed notebook took, by nbgrader id (nbclient's timing)."""
    seconds = {}
    for cell in nb.cells:
        timing, grade_id = cell.metadata.get("execution", {}), cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and "shell.execute_reply" in timing:
            end, start = (datetime.fromisoformat(timing[k]) for k in ("shell.execute_reply", "iopub.execute_input"))
            seconds[grade_id] = (end - start).total_seconds()
    return seconds


def notebook_seconds(assignment: str, data_root: Path, runs: int) -> tuple[float, float, dict[str, float]]:
    """Median wall-clock and kernel CPU seconds to execute a whole solution notebook with a fresh kernel,
    and each cell's median seconds."""
    wall, cpu, cells = [], [], []
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(runs):
            before, start = children_cpu_seconds(), time.perf_counter()
            run = execute(paths.solution_notebook(assignment), data_root, log=Path(cwd) / "kernel.log", cwd=Path(cwd))
            wall.append(time.perf_counter() - start)
            cpu.append(children_cpu_seconds() - before)
            cells.append(cell_seconds(run.notebook))
    per_cell = {k: statistics.median(c[k] for c in cells) for k in cells[0]}
    return statistics.median(wall), statistics.median(cpu), per_cell


def cells_table(cells: dict[str, float], total: float) -> str:
    """Where the notebook's time goes: cells of a second or more, then the rest (other cells, kernel start)."""
    slow = sorted(((s, k) for k, s in cells.items() if s >= 1), reverse=True)
    rest = total - sum(s for s, _ in slow)
    rows = [*((k, s) for s, k in slow), ("everything else (other cells, kernel start and stop)", rest)]
    return tables.render(["cell (nbgrader id)", "median s", "share"],
                         [[k, f"{s:.1f}", f"{s / total:.0%}"] for k, s in rows], "<>>", markdown=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data folder holding ml-1m/ (default: a fresh full twin)")
    parser.add_argument("--runs", type=int, default=1, help="executions of the whole notebook (median)")
    parser.add_argument("--fit-runs", type=int, default=3, help="timed fits of each kind, alternated (median)")
    parser.add_argument("--one-fit", choices=FITS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_fit:
        one_fit(args.one_fit, args.data_dir / "ml-1m")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data_dir or Path(tmp)
        if not args.data_dir:
            write_twin(data_dir=root, seed=0, scale=1.0)
        notebooks = {assignment: notebook_seconds(assignment, root, args.runs) for assignment in BUDGETS}
        rows, losses, same = fits(root / "ml-1m", args.fit_runs)
    print("load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f} on {} cores\n".format(
        *os.getloadavg(), os.cpu_count()))
    met = []
    for assignment, (nb_seconds, nb_cpu, nb_cells) in notebooks.items():
        met.append(nb_seconds < BUDGETS[assignment])
        print(f"whole {assignment} solution notebook on {root / 'ml-1m'}: median {nb_seconds:.1f} s (kernel CPU "
              f"{nb_cpu:.1f} s) over {args.runs} run(s); target < {BUDGETS[assignment]:g} s: "
              f"{'met' if met[-1] else 'NOT met'}")
        print(cells_table(nb_cells, nb_seconds) + "\n")
    print(table(rows) + "\n")
    print(losses)
    return 0 if all(met) and all(r.met for r in rows) and same else 1


if __name__ == "__main__":
    sys.exit(main())
