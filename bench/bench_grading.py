"""Grading benchmark: one correct submission graded against a plain nbconvert run, the judge's share, --jobs 2 vs 1.

    python bench/bench_grading.py [--data-dir DIR] [--runs 3] [--jobs-runs 1] [--unsafe]

Without ``--data-dir`` it writes the full-scale twin (seed 0) to a temporary folder. The
correct submission is the released student notebook with the solution's answer cells
(built by the grader's own ``rebuild``). Then:

- ``grade`` of that one submission (real nbgrader autograde, the trusted judge, feedback,
  sandboxed kernel unless ``--unsafe``; the course folder is released once beforehand,
  nothing cached) against ``jupyter nbconvert --to notebook --execute`` of the same file:
  target at most 15% slower;
- the trusted judge's share: the same grading against grading with no judge at all (its
  stand-in starts nothing and returns no results), alternated in the same runs: target at
  most 10% slower. The judge starts with the notebook and runs its set-up meanwhile; the
  row also gives the median time grading waited for its verdict after the notebook ended;
- ``grade --jobs 2`` against ``grade --jobs 1`` on four copies of it (speed-up, no target);
- two ``grade --shard K/2`` processes started at once, then a ``merge`` process, against one
  ``grade --jobs 2`` process on the same four copies (the commands an instructor runs, each
  importing what it needs): target not slower, within 5% (the merge is one process more).

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from movielens_lab import paths
from movielens_lab.benchmark import Row, table
from movielens_lab.config import lab_settings
from movielens_lab.data.twin import write_twin
from movielens_lab.grading import batch
from movielens_lab.grading.batch import grade
from movielens_lab.grading.course import build_course
from movielens_lab.grading.judging import PendingJudge, start_judge
from movielens_lab.grading.rebuild import read_cells, rebuild

OVERHEAD = 1 / 1.15
"""Grading may take at most 15% longer than a plain nbconvert run."""
JUDGE_SHARE = 1 / 1.10
"""The trusted judge may add at most 10% to the rest of grading."""
SHARDS = 1 / 1.05
"""Two shards at once, then the merge, may take at most 5% longer than ``--jobs 2`` on one machine."""
GRADE = ("import sys; from pathlib import Path; from movielens_lab.grading.batch import grade; "
         "grade(Path(sys.argv[1]), out=Path(sys.argv[2]), data_dir=Path(sys.argv[3]), unsafe=sys.argv[4] == 'unsafe', "
         "jobs=int(sys.argv[5]), shard=sys.argv[6] or None)")
"""``python -m movielens_lab grade SUBMISSIONS --out OUT --jobs J [--shard K/N]``."""
MERGE = "import sys; from movielens_lab.grading.merge import merge; sys.exit(merge(sys.argv[1]))"
"""``python -m movielens_lab merge OUT``."""
WAITS: list[float] = []
"""How long each grading waited for the judge's verdict once the notebook had ended."""
_verdict = PendingJudge.verdict


def timed_verdict(self: PendingJudge, export: Path):
    """``PendingJudge.verdict``, its wall time recorded in WAITS."""
    start = time.perf_counter()
    try:
        return _verdict(self, export)
    finally:
        WAITS.append(time.perf_counter() - start)


class NoJudge:
    """Stands in for the judge: starts nothing, gives no results (grading without the judge)."""

    def __init__(self, *args, **kwargs) -> None:
        self.leaderboard: dict[str, float] = {}

    def __enter__(self) -> NoJudge:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def verdict(self, export: Path) -> list:
        return []


def correct_submission(course_student: Path) -> nbformat.NotebookNode:
    """The released notebook with the reference answers."""
    nb, _ = rebuild(read_cells(paths.SOLUTION_NOTEBOOK.read_bytes()), nbformat.read(course_student, as_version=4))
    return nb


def seconds(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def nbconvert(notebook: Path, data: Path, out: Path) -> None:
    env = {**os.environ, paths.DATA_ENV: str(data),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    subprocess.run(["jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=1800",
                    "--output", str(out), str(notebook)], env=env, check=True, capture_output=True,
                   cwd=notebook.parent)


def graded(submissions: Path, out: Path, data: Path, jobs: int, unsafe: bool, judged: bool = True) -> None:
    """Grade with the course already released in ``out`` and no cached result; stop the benchmark unless every
    (correct) submission was graded, with full marks when ``judged``."""
    shutil.rmtree(out / "students", ignore_errors=True)
    grade(submissions, out=out, jobs=jobs, unsafe=unsafe, data_dir=data)
    settings = lab_settings(assignment=paths.LAB)
    bonus = sum(settings.points[g] for g in settings.bonus)
    with open(out / "grades.csv", newline="") as f:
        failed = [row for row in csv.DictReader(f) if row["status"] != "graded"
                  or judged and (float(row["total"]), float(row["bonus"])) != (100.0, bonus)]
    if failed:  # a timing of a grading that went wrong measures nothing
        row = failed[0]
        raise SystemExit(f"grading failed: {row['student']}: {row['total']}/100, bonus {row['bonus']}: {row['reason']}")


def at_once(*commands: list[str]) -> None:
    """Run the commands at once, each in a process of its own; stop the benchmark when one fails."""
    procs = [subprocess.Popen(command) for command in commands]
    if any([proc.wait() for proc in procs]):
        raise SystemExit(f"failed: {commands}")


def in_processes(submissions: Path, out: Path, data: Path, unsafe: bool, shards: int) -> None:
    """``grade --jobs 2`` in a process (``shards`` 0), or ``shards`` processes of ``grade --shard K/N`` at once,
    then a ``merge`` process; the course already released in ``out``, no cached result."""
    for stale in ("students", "shards"):
        shutil.rmtree(out / stale, ignore_errors=True)
    grade_args = [sys.executable, "-c", GRADE, str(submissions), str(out), str(data), "unsafe" if unsafe else "safe"]
    if not shards:
        at_once(grade_args + ["2", ""])
        return
    at_once(*(grade_args + ["1", f"{k}/{shards}"] for k in range(1, shards + 1)))
    at_once([sys.executable, "-c", MERGE, str(out)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data folder holding ml-1m/ (default: a fresh full twin)")
    parser.add_argument("--runs", type=int, default=3, help="alternated runs of grade and nbconvert (median)")
    parser.add_argument("--jobs-runs", type=int, default=1, help="runs of each --jobs setting (median; 0: skip)")
    parser.add_argument("--unsafe", action="store_true", help="grade without the sandbox")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = (args.data_dir or tmp / "data").resolve()
        if not args.data_dir:
            write_twin(data_dir=data, seed=0, scale=1.0)
        out = tmp / "out"
        course = build_course(out / "course", paths.SOLUTION_NOTEBOOK, lab_settings(assignment=paths.LAB))
        one, four = tmp / "one", tmp / "four"
        nb = correct_submission(course.student_notebook)
        for folder, names in ((one, ["alice"]), (four, ["a1", "a2", "a3", "a4"])):
            folder.mkdir()
            for name in names:
                nbformat.write(nb, folder / f"{name}.ipynb")
        times: dict[str, list[float]] = {"grade": [], "nbconvert": [], "no judge": []}
        PendingJudge.verdict = timed_verdict
        for _ in range(args.runs):
            times["nbconvert"].append(seconds(lambda: nbconvert(one / "alice.ipynb", data, tmp / "executed.ipynb")))
            times["grade"].append(seconds(lambda: graded(one, out, data, 1, args.unsafe)))
            batch.start_judge = NoJudge
            times["no judge"].append(seconds(lambda: graded(one, out, data, 1, args.unsafe, judged=False)))
            batch.start_judge = start_judge
        jobs = {n: statistics.median(seconds(lambda: graded(four, out, data, n, args.unsafe))
                                     for _ in range(args.jobs_runs)) for n in (1, 2)} if args.jobs_runs else {}
        split = {n: [] for n in (2, 0)}  # seconds of 2 shards and merge, and of one --jobs 2 process, alternated
        for _ in range(args.jobs_runs):
            for n, times_n in split.items():
                times_n.append(seconds(lambda: in_processes(four, out, data, args.unsafe, n)))
    overhead = Row("grade one correct submission (autograde + judge + feedback, " + ("unsandboxed" if args.unsafe else
                   "sandboxed") + ") vs jupyter nbconvert --execute", statistics.median(times["grade"]),
                   statistics.median(times["nbconvert"]), OVERHEAD, f"{args.runs} / {args.runs}")
    judge = Row("grade one correct submission vs the same without the trusted judge (verdict median "
                f"{statistics.median(WAITS[:args.runs]):.1f} s after the notebook)", statistics.median(times["grade"]),
                statistics.median(times["no judge"]), JUDGE_SHARE, f"{args.runs} / {args.runs}")
    runs = f"{args.jobs_runs} / {args.jobs_runs}"
    rows = [overhead, judge] + ([Row("grade 4 submissions: --jobs 2 vs --jobs 1", jobs[2], jobs[1], None, runs),
                                 Row("grade 4 submissions, each command a process: 2 shards at once, then merge, vs "
                                     "--jobs 2", statistics.median(split[2]), statistics.median(split[0]), SHARDS,
                                     runs)] if jobs else [])
    print(f"\ndata: {data / 'ml-1m'}; {os.cpu_count()} CPUs\n")
    print(table(rows))
    print(f"\ngrading overhead: {100 * (overhead.ours / overhead.baseline - 1):+.1f}% (target <= +15%)")
    print(f"judge's share: {100 * (judge.ours / judge.baseline - 1):+.1f}% on top of grading without it (target <= +10%)")
    return 0 if all(row.met for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
