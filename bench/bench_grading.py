"""Grading benchmark: a correct submission of each part graded against a plain nbconvert run, CPU, --jobs, shards.

    python bench/bench_grading.py [--data-dir DIR] [--runs 3] [--batch 3] [--class-size 30] [--jobs-runs 1]
                                  [--rejudge-runs 1] [--only-rejudge] [--corpus] [--part 1|2] [--unsafe]

Without ``--data-dir`` it writes the full-scale twin (seed 0) to a temporary folder. The
correct submission is the released student notebook with the solution's answer cells
(built by the grader's own ``rebuild``). Then, for each part:

- ``grade`` of that one submission (real nbgrader autograde, each test sealed and judged as it
  runs, the judge's checks, feedback, sandboxed kernel unless ``--unsafe``; the course folder is
  released once beforehand, no student's result cached) against ``jupyter nbconvert --to notebook
  --execute`` of the same file, alternated: target at most 15% slower (wall time). The course's
  references (the judge's own fits of a student who follows the instructions, which depend only on
  the tests and the data) were computed by an earlier grading, as for every grading of a class after
  its first: ``grade`` keeps them in ``sealed/memo``;
- the CPU time of grading a batch of ``--batch`` copies (one ``grade`` process, ``--jobs 1``, the
  references computed before) against running the same notebooks with nbconvert, one process each:
  target at most 15% more (user + system time of each process and the processes it waited for);
- the references' own CPU time: the same batch graded first from nothing, minus the row above
  (context); and the CPU time per submission of a class of ``--class-size`` (30) that pays for
  them once, derived from these rows: target at most 15% more than nbconvert;
- the re-judge of that batch once graded, after every hidden test changed (a comment added to each:
  no test reads a new name), against its first grading (wall): target at most 0.1x, and the time
  per submission (``--only-rejudge``: the re-judge rows alone); with ``--corpus``, also the part's corpus of
  submissions (tests/fixtures: cheats, mistakes, crashes, correct variants) graded in one batch (``--jobs 2``) and
  re-judged so, which must give the same grades: target under a fifth of its first grading;

and for Part 1:

- ``grade --jobs 2`` against ``grade --jobs 1`` on four copies (speed-up, no target);
- two ``grade --shard K/2`` processes started at once, then a ``merge`` process, against one
  ``grade --jobs 2`` process on the same four copies (the commands an instructor runs, each
  importing what it needs): target not slower, within 5% (the merge is one process more).

Exits 1 when a target is missed, or when a timed grading did not give every point.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
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
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.judge.spec import END
from movielens_lab.grading.outputs.runfacts import RunFacts
from movielens_lab.grading.submissions.rebuild import read_cells, rebuild

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the corpora of submissions
from fixtures import corpus, corpus_2  # noqa: E402

OVERHEAD = 1 / 1.15
"""Grading may take at most 15% longer than a plain nbconvert run (wall time, and CPU time of a batch)."""
SHARDS = 1 / 1.05
"""Two shards at once, then the merge, may take at most 5% longer than ``--jobs 2`` on one machine."""
REJUDGE = 10.0
"""Judging a graded batch again after a hidden-test change takes at most a tenth of its first grading."""
CORPUS_REJUDGE = 5.0
"""Judging the graded corpus again after a hidden-test change takes under a fifth of its first grading."""
GRADE = ("import sys; from pathlib import Path; from movielens_lab.grading.grade import grade; "
         "grade(Path(sys.argv[1]), out=Path(sys.argv[2]), data_dir=Path(sys.argv[3]), unsafe=sys.argv[4] == 'unsafe', "
         "jobs=int(sys.argv[5]), shard=sys.argv[6] or None)")
"""``python -m movielens_lab grade SUBMISSIONS --out OUT --jobs J [--shard K/N]``."""
MERGE = "import sys; from movielens_lab.grading.cluster.merge import merge; sys.exit(merge(sys.argv[1]))"
"""``python -m movielens_lab merge OUT``."""


def correct_submission(assignment: str, course_student: Path) -> nbformat.NotebookNode:
    """The released notebook with the reference answers."""
    nb, _ = rebuild(read_cells(paths.solution_notebook(assignment).read_bytes()),
                    nbformat.read(course_student, as_version=4))
    return nb


def cpu_seconds(command: list[str], **kwargs) -> float:
    """Run ``command``; the CPU seconds (user + system) it and the processes it waited for used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def seconds(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def nbconvert_command(notebook: Path, out: Path) -> list[str]:
    return ["jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=1800",
            "--output", str(out), str(notebook)]


def nbconvert_env(data: Path) -> dict[str, str]:
    return {**os.environ, paths.DATA_ENV: str(data),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}


def nbconvert(notebook: Path, data: Path, out: Path) -> float:
    """Execute ``notebook`` with nbconvert; its CPU seconds."""
    return cpu_seconds(nbconvert_command(notebook, out), env=nbconvert_env(data), cwd=notebook.parent)


def grades(out: Path) -> dict[str, dict[str, str]]:
    """Every row of grades.csv in ``out``, by student."""
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def full_marks(out: Path, assignment: str) -> None:
    """Stop the benchmark unless every (correct) submission graded in ``out`` got every point."""
    settings = lab_settings(assignment=assignment)
    bonus = sum(settings.points[g] for g in settings.bonus)
    failed = [row for row in grades(out).values() if row["status"] != "graded"
              or (float(row["total"]), float(row["bonus"])) != (100.0, bonus)]
    if failed:  # a timing of a grading that went wrong measures nothing
        row = failed[0]
        raise SystemExit(f"grading failed: {row['student']}: {row['total']}/100, bonus {row['bonus']}: {row['reason']}")


def fresh(out: Path, references: bool = False) -> None:
    """Nothing graded before in ``out`` (the course folder stays: it is released once); with ``references``, the
    judge's references computed by an earlier grading stay too (``sealed/memo``: kept for the same tests and data)."""
    for stale in ("students", "shards", "grades.csv", "run.json", "work"):
        path = out / stale
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    sealed = out / "sealed"
    for path in sealed.iterdir() if sealed.is_dir() else ():
        if not (references and path.name == "memo"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def graded(submissions: Path, out: Path, data: Path, jobs: int, unsafe: bool, assignment: str = paths.LAB,
           references: bool = False) -> None:
    """Grade in this process, with the course already released in ``out``, no cached result and, unless
    ``references``, no reference computed."""
    fresh(out, references)
    grade(submissions, assignment=assignment, out=out, jobs=jobs, unsafe=unsafe, data_dir=data)
    full_marks(out, assignment)


def graded_cpu(submissions: Path, out: Path, data: Path, unsafe: bool, assignment: str,
               references: bool = False) -> float:
    """Grade ``submissions`` in a process of its own (``--jobs 1``); its CPU seconds."""
    fresh(out, references)
    seconds = cpu_seconds([sys.executable, "-c", GRADE, str(submissions), str(out), str(data),
                           "unsafe" if unsafe else "safe", "1", ""])
    full_marks(out, assignment)
    return seconds


def at_once(*commands: list[str]) -> None:
    """Run the commands at once, each in a process of its own; stop the benchmark when one fails."""
    procs = [subprocess.Popen(command) for command in commands]
    if any([proc.wait() for proc in procs]):
        raise SystemExit(f"failed: {commands}")


def in_processes(submissions: Path, out: Path, data: Path, unsafe: bool, shards: int) -> None:
    """``grade --jobs 2`` in a process (``shards`` 0), or ``shards`` processes of ``grade --shard K/N`` at once,
    then a ``merge`` process; the course already released in ``out``, no cached result."""
    fresh(out)
    grade_args = [sys.executable, "-c", GRADE, str(submissions), str(out), str(data), "unsafe" if unsafe else "safe"]
    if not shards:
        at_once(grade_args + ["2", ""])
        return
    at_once(*(grade_args + ["1", f"{k}/{shards}"] for k in range(1, shards + 1)))
    at_once([sys.executable, "-c", MERGE, str(out)])


def hidden_tests_changed(assignment: str, to: Path) -> Path:
    """The solution notebook with a comment added to every hidden test (each test changed, none reads more)."""
    nb = nbformat.read(paths.solution_notebook(assignment), as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace(END, "# reworded after grading\n" + END)
    nbformat.write(nb, to)
    return to


def rejudge_row(assignment: str, batch: Path, out: Path, data: Path, tmp: Path, args: argparse.Namespace) -> Row:
    """The batch graded, then judged again after every hidden test changed, alternated (wall time)."""
    changed = hidden_tests_changed(assignment, tmp / f"changed-{assignment}.ipynb")
    first, again = [], []
    for _ in range(args.rejudge_runs):
        first.append(seconds(lambda: graded(batch, out, data, 1, args.unsafe, assignment)))
        again.append(seconds(lambda: grade(batch, assignment=assignment, out=out, unsafe=args.unsafe, data_dir=data,
                                           source=changed)))
        full_marks(out, assignment)
        facts = RunFacts.read(out)
        if facts is None or facts.graded or facts.rejudged != args.batch:
            raise SystemExit(f"the re-judge ran notebooks again: {facts}")
    per = statistics.median(again) / args.batch
    return Row(f"{assignment}: re-judge {args.batch} graded submissions after every hidden test changed "
               f"({per:.1f} s per submission) vs their first grading (wall)", statistics.median(again),
               statistics.median(first), REJUDGE, f"{args.rejudge_runs} / {args.rejudge_runs}")


def corpus_row(assignment: str, data: Path, tmp: Path, args: argparse.Namespace) -> Row:
    """The part's corpus (tests/fixtures: cheats, mistakes, crashes, correct variants) graded in one batch
    (``--jobs 2``, as the corpus test grades it), then judged again after every hidden test changed (wall time);
    the re-judge must give the same grades."""
    subs, out = tmp / f"corpus-{assignment}", tmp / f"corpus-out-{assignment}"
    corpus.write(subs, corpus.CASES if assignment == paths.LAB else corpus_2.CASES)
    (subs / "expected.json").unlink()
    changed = hidden_tests_changed(assignment, tmp / f"changed-{assignment}.ipynb")
    first = seconds(lambda: grade(subs, assignment=assignment, out=out, jobs=2, unsafe=args.unsafe, data_dir=data))
    before = grades(out)
    again = seconds(lambda: grade(subs, assignment=assignment, out=out, jobs=2, unsafe=args.unsafe, data_dir=data,
                                  source=changed))
    if grades(out) != before:
        raise SystemExit("the re-judge of the corpus gave other grades than its first grading")
    facts = RunFacts.read(out)
    return Row(f"{assignment}: re-judge the corpus ({len(before)} rows: {facts.rejudged} re-judged, {facts.graded} "
               f"run again) after every hidden test changed vs its first grading (wall, --jobs 2)", again, first,
               CORPUS_REJUDGE, "1 / 1")


def part_rows(assignment: str, data: Path, tmp: Path, args: argparse.Namespace) -> list[Row]:
    """One part's rows: one grading against nbconvert (wall time) and a batch's CPU time against nbconvert's, with
    the course's references computed by an earlier grading; the references' own cost, and the class's overhead with
    them included; the batch's re-judge against its first grading."""
    out = tmp / f"out-{assignment}"
    course = build_course(out / "course", paths.solution_notebook(assignment), lab_settings(assignment=assignment))
    nb = correct_submission(assignment, course.student_notebook)
    one, batch = tmp / f"one-{assignment}", tmp / f"batch-{assignment}"
    for folder, count in ((one, 1), (batch, args.batch)):
        folder.mkdir()
        for k in range(count):
            nbformat.write(nb, folder / f"s{k + 1}.ipynb")
    rejudged = [rejudge_row(assignment, batch, out, data, tmp, args)] if args.rejudge_runs else []
    if args.corpus:
        rejudged.append(corpus_row(assignment, data, tmp, args))
    if args.only_rejudge:
        return rejudged
    cpu_first = graded_cpu(batch, out, data, args.unsafe, assignment)  # the references computed, then kept
    if not list((out / "sealed" / "memo").glob("*/warmed-*")):  # else the rows below would pay for some of them
        raise SystemExit("the first grading ended before its warm-up computed every reference: use a larger --batch")
    wall: dict[str, list[float]] = {"grade": [], "nbconvert": []}
    for _ in range(args.runs):
        wall["nbconvert"].append(seconds(lambda: nbconvert(one / "s1.ipynb", data, tmp / "executed.ipynb")))
        wall["grade"].append(seconds(lambda: graded(one, out, data, 1, args.unsafe, assignment, references=True)))
    cpu_grade = graded_cpu(batch, out, data, args.unsafe, assignment, references=True)
    cpu_nbconvert = sum(nbconvert(path, data, tmp / "executed.ipynb") for path in sorted(batch.glob("*.ipynb")))
    references = max(0.0, cpu_first - cpu_grade)
    per_grade, per_nbconvert = cpu_grade / args.batch, cpu_nbconvert / args.batch
    mode = "sandboxed" if not args.unsafe else "unsandboxed"
    return [Row(f"{assignment}: grade one correct submission (autograde, sealed tests, judge, feedback, {mode}; the "
                f"course's references computed by an earlier grading) vs jupyter nbconvert --execute (wall)",
                statistics.median(wall["grade"]), statistics.median(wall["nbconvert"]), OVERHEAD,
                f"{args.runs} / {args.runs}"),
            Row(f"{assignment}: CPU seconds, grade a batch of {args.batch} (references computed before) vs nbconvert "
                f"each", cpu_grade, cpu_nbconvert, OVERHEAD, "1 / 1"),
            Row(f"{assignment}: CPU seconds, the course's references (the judge's reference fits, once per course and "
                f"data: the batch graded first from nothing, minus again) vs one notebook run (context)",
                references, per_nbconvert, None, "1 / 1"),
            Row(f"{assignment}: CPU seconds per submission in a class of {args.class_size}, the references included "
                f"once (derived from the rows above) vs nbconvert", per_grade + references / args.class_size,
                per_nbconvert, OVERHEAD, "1 / 1"),
            *rejudged]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data folder holding ml-1m/ (default: a fresh full twin)")
    parser.add_argument("--runs", type=int, default=3, help="alternated runs of grade and nbconvert (median)")
    parser.add_argument("--batch", type=int, default=3, help="submissions in the CPU-time batch")
    parser.add_argument("--class-size", type=int, default=30, help="the class the references are shared by, in the "
                                                                   "derived row (default 30)")
    parser.add_argument("--jobs-runs", type=int, default=1, help="runs of each --jobs setting (median; 0: skip)")
    parser.add_argument("--rejudge-runs", type=int, default=1, help="runs of the batch's first grading and its "
                                                                    "re-judge (median; 0: skip)")
    parser.add_argument("--only-rejudge", action="store_true", help="measure the re-judge rows only")
    parser.add_argument("--corpus", action="store_true", help="also re-judge the part's corpus of submissions")
    parser.add_argument("--part", type=int, choices=(1, 2), help="one part only (default: both)")
    parser.add_argument("--unsafe", action="store_true", help="grade without the sandbox")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = (args.data_dir or tmp / "data").resolve()
        if not args.data_dir:
            write_twin(data_dir=data, seed=0, scale=1.0)
        for part, assignment in ((1, paths.LAB), (2, paths.LAB_2)):
            if args.part in (None, part):
                rows += part_rows(assignment, data, tmp, args)
        if args.jobs_runs and not args.only_rejudge and args.part in (None, 1):
            out, four = tmp / f"out-{paths.LAB}", tmp / "four"
            four.mkdir()
            for name in ("a1", "a2", "a3", "a4"):
                shutil.copy(tmp / f"one-{paths.LAB}" / "s1.ipynb", four / f"{name}.ipynb")
            jobs = {n: statistics.median(seconds(lambda: graded(four, out, data, n, args.unsafe))
                                         for _ in range(args.jobs_runs)) for n in (1, 2)}
            split = {n: [] for n in (2, 0)}  # seconds of 2 shards and merge, and of one --jobs 2 process, alternated
            for _ in range(args.jobs_runs):
                for n, times_n in split.items():
                    times_n.append(seconds(lambda: in_processes(four, out, data, args.unsafe, n)))
            runs = f"{args.jobs_runs} / {args.jobs_runs}"
            rows += [Row("grade 4 submissions: --jobs 2 vs --jobs 1", jobs[2], jobs[1], None, runs),
                     Row("grade 4 submissions, each command a process: 2 shards at once, then merge, vs --jobs 2",
                         statistics.median(split[2]), statistics.median(split[0]), SHARDS, runs)]
    print(f"\ndata: {data / 'ml-1m'}; {os.cpu_count()} CPUs\n")
    print(table(rows))
    for row in rows:
        if row.target == OVERHEAD:
            print(f"{row.task.split(' vs ')[0]}: {100 * (row.ours / row.baseline - 1):+.1f}% (target <= +15%)")
    return 0 if all(row.met for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
