"""Class report benchmark: ``report`` of a synthetic class of 200 graded rows against a 2 s budget.

    python bench/bench_report.py [--students 200] [--runs 5]

The grading folder is written as ``grade`` writes it (grades.csv, every student's
record.json, run.json; ``tests/fixtures/gradingdir.py``), with the lab's own sections and
points (grader_config.py, the solution notebook's headings) and hints drawn at random from a
dozen, then ``report`` rebuilds report.html and report.md from it (two figures included).
The row's baseline column is the budget, so the speed-up is budget / time: target >= 1x.
Exits 1 when the budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' grading-folder writer

from fixtures.gradingdir import Known, write_grading_folder  # noqa: E402
from movielens_lab import paths  # noqa: E402
from movielens_lab.benchmark import Row, median_seconds, table  # noqa: E402
from movielens_lab.config import lab_settings  # noqa: E402
from movielens_lab.grading.judge.spec import section_titles  # noqa: E402
from movielens_lab.grading.outputs.runfacts import RunFacts  # noqa: E402
from movielens_lab.grading.report.report import report  # noqa: E402

BUDGET = 2.0
"""Seconds the report of 200 rows may take."""
HINTS = 12


def synthetic_class(folder: Path, students: int) -> Path:
    """A grading folder of ``students`` rows with the lab's sections, a few of them needing a person."""
    settings = lab_settings(assignment=paths.LAB)
    titles = section_titles(nbformat.read(paths.SOLUTION_NOTEBOOK, as_version=4))
    sections = {gid: (titles.get(gid, gid), float(points)) for gid, points in settings.points.items()}
    rng = np.random.default_rng(0)
    known = []
    for k in range(students):
        lost = {gid: (float(rng.integers(1, points + 1)), [f"hint {h} of {gid}" for h in rng.choice(HINTS, 2)])
                for gid, (_, points) in sections.items() if rng.random() < 0.3}
        status, notes = ("timeout", ["the notebook ran past 1800 s in all and was stopped"]) if k % 50 == 7 else (
            "graded", [])
        known.append(Known(f"student{k:03d}", lost, status, notes, ["reads other cells' code"] if k % 40 == 3 else []))
    out = write_grading_folder(folder, known, sections, list(settings.bonus))
    RunFacts(settings.assignment, students, students, 600.0, 2, "synthetic twin of MovieLens 1M", "data", True,
             "2026-12-01T10:00:00+00:00").write(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlk-bench-report-") as tmp:
        folder = synthetic_class(Path(tmp) / "grading", args.students)
        with contextlib.redirect_stdout(io.StringIO()):
            report(folder)  # imports and matplotlib's first draw, not timed
            seconds = median_seconds(lambda: report(folder), args.runs)
    row = Row(f"report of {args.students} graded rows (report.html + report.md, 2 figures) vs the {BUDGET:g} s "
              "budget", seconds, BUDGET, 1.0, f"{args.runs} / -")
    print(table([row]))
    return 0 if row.met else 1


if __name__ == "__main__":
    sys.exit(main())
