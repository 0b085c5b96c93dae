"""Class-size benchmark: ``grade`` of 300 and of 3,000 tiny submissions; the time per submission must stay flat.

    python bench/bench_class_size.py [--small 300] [--large 3000] [--runs 1]

Each class is a zip of the fixture assignment's notebook answered (tests/fixtures), one file
``studentNNNN.ipynb`` per student. ``grade`` runs as an instructor runs it: intake of the zip,
collection, the course folder, every student's record, feedback.html and results.json,
grades.csv, the summary and the report (the course folder is released beforehand, as
bench_grading.py does). Only the notebook's run and the judge are replaced by a
stand-in (tests/fixtures/standin.py; bench_grading.py stubs the judge alike) that does the
grader's own work on each notebook, read, rebuilt and scanned for tampering, and gives full
marks: that work, and the writing of the outputs, is what grows with the class. Unsandboxed
(no kernel starts).

The row compares the large class's seconds per submission with the small one's, both beyond
the time of a one-student class (what every run costs once: the summary, the report's
figures) and measured in the same run: target at most 25% more (a flat time per submission:
grading linear in the class size).
Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the fixture assignment

from fixtures.standin import stand_in  # noqa: E402
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled  # noqa: E402
from movielens_lab.benchmark import Row, table  # noqa: E402
from movielens_lab.grading import grade as grading  # noqa: E402
from movielens_lab.grading.course import build_course  # noqa: E402
from movielens_lab.grading.grade import grade  # noqa: E402

FLAT = 1 / 1.25
"""The large class may take at most 25% more time per submission than the small one."""


def class_zip(path: Path, students: int, notebook: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k in range(students):
            zf.writestr(f"student{k:04d}.ipynb", notebook)
    return path


def seconds(submissions: Path, students: int, out: Path, data: Path) -> float:
    """Seconds of one ``grade`` of ``submissions`` into a fresh ``out`` (its course released beforehand, not
    timed); its output not shown."""
    build_course(out / "course", SOURCE, SETTINGS)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        grade(submissions, out=out, unsafe=True, data_dir=data, source=SOURCE, config=CONFIG)
    elapsed = time.perf_counter() - start
    graded = (out / "grades.csv").read_text().count("\n") - 1
    if graded != students:  # a timing of a grading that went wrong measures nothing
        raise SystemExit(f"grading failed: {graded} rows for {students} students")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1, help="alternated runs of each class (median)")
    args = parser.parse_args()
    grading._grade = stand_in
    sizes = {"one": 1, "small": args.small, "large": args.large}
    with tempfile.TemporaryDirectory(prefix="mlk-bench-class-") as tmp:
        tmp = Path(tmp)
        student = nbformat.read(build_course(tmp / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
        notebook = nbformat.writes(filled(student)).encode()
        data = data_folder(tmp / "data")
        zips = {size: class_zip(tmp / f"{size}.zip", n, notebook) for size, n in sizes.items()}
        times: dict[str, list[float]] = {size: [] for size in sizes}
        for run in range(args.runs):
            for size, n in sizes.items():
                times[size].append(seconds(zips[size], n, tmp / f"out-{size}-{run}", data))
    fixed = statistics.median(times["one"])
    per = {size: (statistics.median(times[size]) - fixed) / (sizes[size] - 1) for size in ("small", "large")}
    row = Row(f"grade {args.large} tiny submissions vs {args.small} (intake, collection, outputs, report; notebook run "
              "stood in): seconds per submission beyond a one-student class", per["large"], per["small"], FLAT,
              f"{args.runs} / {args.runs}")
    print(table([row]))
    print(f"\none student: {fixed:.2f} s; per submission beyond it: {1000 * row.baseline:.1f} ms at {args.small}, "
          f"{1000 * row.ours:.1f} ms at {args.large} ({100 * (row.ours / row.baseline - 1):+.1f}%, target <= +25%)")
    return 0 if row.met else 1


if __name__ == "__main__":
    sys.exit(main())
