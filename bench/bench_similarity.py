"""Similar submissions benchmark: the class report's comparison of 1,000 synthetic submissions, 60 s budget.

    python bench/bench_similarity.py [--students 1000] [--runs 3] [--sample 20000]

The grading folder is written as ``grade`` leaves it: each student's ``executed/STUDENT.ipynb``
(the notebook rebuilt by the grader's own ``rebuild``, with three 40 kB figures as outputs, as
the lab's executed notebooks have), the records and grades.csv (``tests/fixtures/gradingdir.py``)
and the released notebook. Each student answers every cell of the lab in one of the styles of
the submission corpus (``tests/fixtures/corpus.py``: the solution half the time, else a correct variant
or a classic mistake, with its hint in the record), adds scratch cells drawn from a pool of 400
(each shared by a few students: fragments that count, but make no pair) and one to three helper
cells of its own (random functions of a dozen statement shapes, 10-20 lines each), and one in 25
copies an earlier student with five names renamed per cell and its added cells reordered. Rows:

- ``similarity.compare_class`` on ``--students`` (reading the notebooks, normalising,
  fingerprinting, the index, then the pairs it finds cell by cell) against the 60 s budget:
  target >= 1x; below the table, the CPU seconds it used, in this process and in its reading
  processes, and what that makes on idle cores (the development machine is shared: its wall
  times depend on the load);
- the same against copydetect's own all-pairs way, measured in the same run: the same reading
  and fingerprints, then ``CopyDetector``'s loop, ``compare_files`` on every pair of students,
  cell by cell, timed on ``--sample`` random pairs and scaled to all of them (the loop's time
  grows with the pairs; all 499,500 of 1,000 students would take many minutes): context, no
  target.

Exits 1 when the budget is missed.
"""

from __future__ import annotations

import argparse
import base64
import builtins
import keyword
import re
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import nbformat
import numpy as np
from copydetect import compare_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the corpus and the folder writer

from fixtures.corpus import CASES, completed  # noqa: E402
from fixtures.gradingdir import Known, write_grading_folder  # noqa: E402
from fixtures.similarclass import sections  # noqa: E402
from movielens_lab.benchmark import Row, children_cpu_seconds, median_seconds, table  # noqa: E402
from movielens_lab.grading.outputs.folder import GradingFolder  # noqa: E402
from movielens_lab.grading.outputs.graded import read_class  # noqa: E402
from movielens_lab.grading.report import similarity, studentcode  # noqa: E402
from movielens_lab.grading.submissions.rebuild import read_cells, rebuild  # noqa: E402
from movielens_lab.paths import LAB, student_notebook  # noqa: E402

BUDGET = 60.0
"""Seconds the comparison of 1,000 submissions may take on 2 cores."""
THRESHOLD = 0.5
COPY_EVERY = 25
SNIPPETS = 400
FIGURE = base64.b64encode(np.random.default_rng(1).bytes(30_000)).decode()
"""A figure's worth of base64 (about 40 kB)."""


def _answer(nb: nbformat.NotebookNode, grade_id: str) -> str | None:
    return next((c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id), None)


def styles() -> dict[str, list[tuple[str, str, str]]]:
    """Per answer cell, the corpus's ways of writing it: (source, the test it fails or '', its hint)."""
    solution = completed()
    ids = [c.metadata.nbgrader["grade_id"] for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")]
    found: dict[str, dict[str, tuple[str, str, str]]] = {g: {_answer(solution, g): ("", "")} for g in ids}
    for name, case in CASES.items():
        if case.flagged or name.startswith("cheat"):
            continue
        nb = case.build()
        for gid in ids:
            source = _answer(nb, gid)
            if source is not None and source not in found[gid]:
                lost = [test for test, points in case.lost.items() if points]
                hint = " ".join(case.hints.get(lost[0], ())) if lost and len(case.lost) == 1 else ""
                found[gid][source] = (lost[0] if hint else "", f"{hint}: {name}" if hint else "")
    return {gid: [(source, *why) for source, why in options.items()] for gid, options in found.items()}


def _snippets(rng: np.random.Generator) -> list[str]:
    """Scratch cells: a few lines of inspection code, each with numbers of its own."""
    calls = ["np.mean", "np.median", "np.percentile", "len", "print", "np.std", "np.unique", "sorted"]
    names = ["ytr", "yts", "ymean", "umean", "movie_ids", "titles", "hist.history['loss']", "top10"]
    out = []
    for _ in range(SNIPPETS):
        lines = []
        for _ in range(rng.integers(2, 5)):
            call, name = rng.choice(calls), rng.choice(names)
            lines.append(f"{call}({name}[:{rng.integers(2, 500)}]) * {rng.integers(1, 99)}"
                         if rng.random() < 0.5 else f"print({call}({name}), {rng.random():.3f})")
        out.append("\n".join(lines))
    return out


def _own_cell(rng: np.random.Generator) -> str:
    """A helper cell of a student's own: a function of 4 to 8 statements drawn from a dozen shapes."""
    def pick(options: list[str]) -> str:
        return str(options[int(rng.integers(len(options)))])

    def fill(shape: str) -> str:
        return shape.format(v=pick(OWN_NAMES), w=pick(OWN_NAMES), f=pick(NUMPY), a=pick(LAB_NAMES),
                            op=pick(["+", "-", "*", "/"]), cmp=pick(["<", ">", "<=", ">="]),
                            n=int(rng.integers(2, 300)), x=f"{rng.random():.2f}")
    lines = [fill(pick(SHAPES)) for _ in range(int(rng.integers(4, 9)))]
    body = "\n".join("    " + line.replace("\n", "\n    ") for line in lines)
    name, suffix, first, second, result = (pick(OWN_NAMES) for _ in range(5))  # in this order: same class
    return f"def {name}_{suffix}({first}, {second}):\n{body}\n    return {result}"


SHAPES = ["{v} = np.{f}({a}[:{n}]) {op} {x}", "{v} = [{w} {op} {x} for {w} in {a} if {w} {cmp} {n}]",
          "for {w} in range({n}):\n    {v} = {v} {op} {a}[{w}] if {w} {cmp} {x} else {v}",
          "if len({a}) {cmp} {n}:\n    print({a}[:{n}], {x})", "{v} = {{{w}: {a}[{w}] {op} {x} for {w} in range({n})}}",
          "while {v} {cmp} {x}:\n    {v} = {v} / {n} {op} 1", "{v}, {w} = {a}.shape[0] {op} {n}, np.{f}({a})",
          "assert {v} {cmp} {x}, ({v}, {n})", "{v} = sorted({a}, key=lambda {w}: {w} {op} {x})[:{n}]",
          "{v} = np.where({a} {cmp} {x}, {a} {op} {n}, {v})",
          "try:\n    {v} = {a}[{n}]\nexcept IndexError:\n    {v} = {x}",
          "{v} += sum({w} {op} {x} for {w} in {a}[{n}:])"]
"""The statements of students' own helper cells."""
OWN_NAMES = ["total", "best", "acc", "row", "col", "val", "tmp", "out", "res", "idx", "cnt", "mask", "part", "step"]
NUMPY = ["mean", "median", "std", "max", "min", "sum", "argmax", "argsort", "cumsum", "abs"]
LAB_NAMES = ["ytr", "yts", "ymean", "umean", "usertr", "movietr", "movie_ids", "yhat_user"]


def _renamed(source: str, rng: np.random.Generator) -> str:
    """``source`` with five of its own names (neither keywords nor builtins) renamed."""
    names = sorted({w for w in re.findall(r"(?<![.\w])[a-z_][a-z0-9_]*\b", source)
                    if not keyword.iskeyword(w) and w not in dir(builtins)})
    picked = set(rng.choice(names, size=min(5, len(names)), replace=False)) if names else set()
    return re.sub(r"(?<![.\w])[a-z_][a-z0-9_]*\b", lambda m: m.group(0) + "_x" if m.group(0) in picked else m.group(0),
                  source)


def synthetic_class(folder: Path, students: int) -> Path:
    """A grading folder of ``students`` submissions of the lab, some of them copies (see the module's doc)."""
    rng = np.random.default_rng(0)
    options, pool = styles(), _snippets(rng)
    released = nbformat.read(student_notebook(LAB), as_version=4)
    titles = sections()
    chosen: list[tuple[dict[str, tuple[str, str, str]], list[str]]] = []
    known = []
    (folder / "executed").mkdir(parents=True)
    for k in range(students):
        if k >= COPY_EVERY and k % COPY_EVERY == 0:
            answers, scratch = chosen[int(rng.integers(0, k))]
            answers = {gid: (_renamed(src, rng), *why) for gid, (src, *why) in answers.items()}
            scratch = [_renamed(str(s), rng) for s in rng.permutation(scratch)]
        else:
            answers = {gid: ways[0] if rng.random() < 0.5 or len(ways) == 1 else ways[int(rng.integers(1, len(ways)))]
                       for gid, ways in options.items()}
            scratch = ([pool[int(i)] for i in rng.integers(0, SNIPPETS, rng.integers(0, 3))]
                       + [_own_cell(rng) for _ in range(int(rng.integers(1, 4)))])
        chosen.append((answers, scratch))
        nb = completed()
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid][0]
        nb.cells[5:5] = [nbformat.v4.new_code_cell(s) for s in scratch]
        executed, _ = rebuild(read_cells(nbformat.writes(nb).encode()), released)
        for cell in [c for c in executed.cells if c.cell_type == "code"][-3:]:
            cell.outputs = [nbformat.v4.new_output("display_data", {"image/png": FIGURE, "text/plain": "<Figure>"})]
        nbformat.write(executed, folder / "executed" / f"student{k:04d}.ipynb")
        lost = {test: (titles[test][1] / 2, [hint]) for _, test, hint in answers.values() if test}
        known.append(Known(f"student{k:04d}", lost))
    write_grading_folder(folder, known, titles, ["test_bonus_sweep"], LAB)
    release = GradingFolder(folder).released(LAB)
    release.parent.mkdir(parents=True)
    nbformat.write(released, release)
    return folder


def all_pairs(folder: Path, sample: int) -> float:
    """Seconds the comparison takes the all-pairs way: the same reading and fingerprints, then every pair (timed on
    ``sample`` random pairs, scaled to all)."""
    start = time.perf_counter()
    students = [row.student for row in read_class(folder).rows]
    cells = [c or [] for c in studentcode.read_all([GradingFolder(folder).executed(s) for s in students],
                                                   similarity.default_jobs())]
    given = similarity.read_given(GradingFolder(folder).released(LAB)) or similarity.Given()
    index = similarity.ClassIndex(students, cells, given, similarity.common_limit(len(students)))
    prints = [index.prints(s) for s in range(len(students))]
    prepared = time.perf_counter() - start
    pairs = list(combinations(range(len(students)), 2))
    picked = np.random.default_rng(2).choice(len(pairs), size=min(sample, len(pairs)), replace=False)
    start = time.perf_counter()
    for a, b in (pairs[int(k)] for k in picked):
        for p in prints[a]:
            for q in prints[b]:
                if p.cell.slot == q.cell.slot:
                    compare_files(p, q)
    return prepared + (time.perf_counter() - start) * len(pairs) / len(picked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlk-bench-similarity-") as tmp:
        folder = synthetic_class(Path(tmp) / "grading", args.students)
        results = read_class(folder)
        found = similarity.compare_class(results, THRESHOLD)  # the first run also warms the file cache
        own, readers = time.process_time(), children_cpu_seconds()
        seconds = median_seconds(lambda: similarity.compare_class(results, THRESHOLD), args.runs)
        own, readers = (time.process_time() - own) / args.runs, (children_cpu_seconds() - readers) / args.runs
        baseline = all_pairs(folder, args.sample)
    copies = args.students // COPY_EVERY - 1
    pairs = args.students * (args.students - 1) // 2
    rows = [Row(f"similar submissions of {args.students} synthetic students (read, fingerprint, index, then the "
                f"pairs found cell by cell: {len(found.pairs)} pairs, {copies} copies made) vs the {BUDGET:g} s budget",
                seconds, BUDGET, 1.0, f"{args.runs} / -"),
            Row(f"the same vs copydetect's all-pairs comparison (same reading and fingerprints, then all {pairs:,} "
                f"pairs cell by cell, timed on {min(args.sample, pairs):,} and scaled)", seconds, baseline, None,
                f"{args.runs} / 1")]
    print(table(rows))
    jobs = similarity.default_jobs()
    print(f"CPU per run: {own:.1f} s in this process, {readers:.1f} s in its {jobs} reading processes (on {jobs} idle "
          f"cores: about {own + readers / jobs:.0f} s)")
    return 0 if rows[0].met else 1


if __name__ == "__main__":
    sys.exit(main())
