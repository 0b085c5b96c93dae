"""Points from code that never ran beside the student's: the grader's side of the trusted judge.

Three steps, for ``grade`` and ``check`` alike:

1. :func:`judge_spec` reads the instructor's notebook (the source for ``grade``, the released
   notebook for ``check``): its given cells, and each test cell split at nbgrader's hidden-test
   markers, with the names the test reads from the student's variables.
2. :func:`instrument` adds to the notebook the student's kernel will run: a first cell that
   sets up the exporter (``recorder``), and around every test cell one that exports what the
   test reads and one that tidies up.
3. :func:`start_judge` copies the judge and the spec into a folder of their own and starts
   ``judge.py`` there, in the sandbox, in a fresh process, while the student's notebook runs;
   once the notebook has ended it is sent the export: its verdict is the grade.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import symtable
import tarfile
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from .. import paths
from ..config import LabGrader
from ..kernels import QUIET_ENV
from . import judge, plaindata, recorder
from .records import TestResult
from .results import is_test
from .sandbox.client import Limits, kernel_argv

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
JUDGE_ENV = {**QUIET_ENV, "MPLBACKEND": "Agg"}
"""The judge's own settings: quiet libraries, the lab's TensorFlow settings, figures drawn off screen."""
HEADING = re.compile(r"^#{1,3}\s+(.+)$", re.MULTILINE)


class JudgeFailed(Exception):
    """The judge could not give a verdict; the message says why."""


def is_given(cell: NotebookNode) -> bool:
    """A code cell of the instructor's that is neither an answer nor a test (setup, data, helpers)."""
    return cell.cell_type == "code" and not utils.is_solution(cell) and not utils.is_grade(cell)


def split_hidden(source: str) -> tuple[str, str, str]:
    """A test cell's code before, inside and after its hidden-test region."""
    lines = source.splitlines()
    marks = [k for k, line in enumerate(lines) if line.strip() in (BEGIN, END)]
    if len(marks) < 2:
        return source, "", ""
    start, stop = marks[0], marks[-1]
    hidden = [line for line in lines[start + 1:stop] if line.strip() not in (BEGIN, END)]
    return "\n".join(lines[:start]), "\n".join(hidden), "\n".join(lines[stop + 1:])


def defined_names(code: str) -> set[str]:
    """Names a given cell defines at module level."""
    table = symtable.symtable(code, "<given>", "exec")
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}


class _FirstUse(ast.NodeVisitor):
    """The first use of every name in a cell, in the order Python runs it (values before targets)."""

    def __init__(self) -> None:
        self.first: dict[str, bool] = {}

    def visit_Name(self, node: ast.Name) -> None:
        self.first.setdefault(node.id, isinstance(node.ctx, ast.Load))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for child in [*node.decorator_list, *node.args.defaults, *node.body]:
            self.visit(child)
        self.first.setdefault(node.name, False)


def read_names(code: str) -> set[str]:
    """Module-level names ``code`` reads before it sets them, in its own body or in its functions and lambdas.

    A name a nested function reads counts only where it is a global there: not a parameter or a local
    of that function, though another function may read the same name as a global.
    """
    def globals_read(table: symtable.SymbolTable) -> set[str]:
        names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
        return names.union(*(globals_read(child) for child in table.get_children()))

    visitor = _FirstUse()
    visitor.visit(ast.parse(code))
    top = symtable.symtable(code, "<test>", "exec")
    nested = set().union(*(globals_read(child) for child in top.get_children()))
    top_level = {s.get_name() for s in top.get_symbols()}
    return {name for name, read in visitor.first.items() if read and (name in top_level or name in nested)}


def cell_sections(nb: NotebookNode) -> dict[str, str]:
    """Each code cell with a grade_id: its section, the last markdown heading above it ("" above the first)."""
    sections, current = {}, ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = HEADING.findall(cell.source)
            current = headings[-1].strip() if headings else current
        elif cell.metadata.get("nbgrader", {}).get("grade_id"):
            sections[cell.metadata.nbgrader["grade_id"]] = current
    return sections


def section_titles(nb: NotebookNode) -> dict[str, str]:
    """Each test cell's section: the last markdown heading above it."""
    sections = cell_sections(nb)
    return {cell.metadata.nbgrader["grade_id"]: sections[cell.metadata.nbgrader["grade_id"]]
            or cell.metadata.nbgrader["grade_id"] for cell in nb.cells if is_test(cell)}


def judge_spec(nb: NotebookNode, points: dict[str, float], bonus: list[str], leaderboard: list[dict] = ()) -> dict:
    """What the judge runs: the given cells and every test cell, with the names each test reads.

    ``leaderboard``: columns ``{"name", "test", "value"}`` the judge evaluates after test ``test``.
    """
    given = [cell.source for cell in nb.cells if is_given(cell)]
    known = set(dir(builtins)).union(*(defined_names(code) for code in given))
    titles = section_titles(nb)
    tests = []
    for cell in nb.cells:
        if not is_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        visible, hidden, tail = split_hidden(cell.source)
        measured = [column["value"] for column in leaderboard if column.get("test") == grade_id]
        names = sorted(read_names("\n".join([cell.source, *measured])) - known)
        tests.append({"grade_id": grade_id, "title": titles[grade_id], "points": float(points.get(grade_id, 0.0)),
                      "visible": visible, "hidden": hidden, "tail": tail, "names": names})
    return {"given": given, "tests": tests, "bonus": list(bonus), "leaderboard": [dict(c) for c in leaderboard]}


def boot_source() -> str:
    """The first cell of an instrumented notebook: the exporter, from this package's own source."""
    sources = [("_mlk_plaindata", Path(plaindata.__file__).read_text()),
               ("_mlk_recorder", Path(recorder.__file__).read_text())]
    return ("# Added by the grader: exports what each test cell uses, for grading.\n"
            "def _mlk_boot(sources):\n"
            "    import sys, types\n"
            "    for name, text in sources:\n"
            "        module = types.ModuleType(name)\n"
            "        sys.modules[name] = module\n"
            "        exec(compile(text, name, 'exec'), module.__dict__)\n"
            "    return sys.modules['_mlk_recorder'].Recorder()\n\n\n"
            f"_mlk = _mlk_boot({sources!r})\n"
            "del _mlk_boot\n")


def _grader_cell(source: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"movielens_lab": "export"})


def instrument(nb: NotebookNode, spec: dict) -> NotebookNode:
    """``nb`` with the exporter's cells: one first, one before and one after every test cell."""
    names = {test["grade_id"]: test["names"] for test in spec["tests"]}
    cells = [_grader_cell(boot_source())]
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if is_test(cell) and grade_id in names:
            cells.append(_grader_cell(f"_mlk.section({grade_id!r}, {names[grade_id]!r}, globals())"))
            cells.append(cell)
            cells.append(_grader_cell("_mlk.done(globals())"))
        else:
            cells.append(cell)
    out = nbformat.from_dict(dict(nb))
    out.cells = cells
    return out


def is_grader_cell(cell: NotebookNode) -> bool:
    """Whether ``cell`` is one :func:`instrument` added."""
    return cell.get("metadata", {}).get("movielens_lab") == "export"


class PendingJudge:
    """A judge started before the student's notebook runs (:func:`start_judge`).

    While the kernel runs, the judge imports its libraries and runs the given cells in its
    own sandbox; :meth:`verdict` then sends it the export and reads its verdict. Leaving the
    ``with`` block ends it, whether it gave a verdict or not.
    """

    STOP_WAIT = 10
    """Seconds a judge has to end once told to stop, before it is killed."""
    NICENESS = 19
    """The judge's CPU priority (``nice``): the lowest."""
    POLL_SECONDS = 0.02
    """How often grading looks for the verdict once the export is sent."""

    def __init__(self, spec: dict, data_dir: Path, limits: Limits, sandboxed: bool, mode: str) -> None:
        self.spec, self.limits = spec, limits
        self.leaderboard: dict[str, float] = {}
        """The leaderboard values of the last verdict, by column name."""
        self.tmp = tempfile.TemporaryDirectory(prefix="mlk-judge-")
        folder = Path(self.tmp.name) / "judge"
        folder.mkdir()
        for module in (judge, plaindata):
            shutil.copy(module.__file__, folder / Path(module.__file__).name)
        (folder / "spec.json").write_text(json.dumps(spec))
        command = [sys.executable, "judge.py", "spec.json", "export", mode]
        # At the lowest CPU priority: while the notebook runs, the judge's set-up takes only the
        # time the student's kernel leaves idle, instead of slowing it down.
        argv = ["nice", "-n", str(self.NICENESS), *kernel_argv(folder, limits, sandboxed)[:-1], "--run", *command]
        env = {**os.environ, **JUDGE_ENV, paths.DATA_ENV: str(data_dir)}
        self.stdout_path = Path(self.tmp.name) / "stdout"
        self.stdout = open(self.stdout_path, "w")
        self.stderr = open(Path(self.tmp.name) / "stderr", "w+", errors="replace")
        self.proc = subprocess.Popen(argv, cwd=folder, env=env, stdin=subprocess.PIPE, stdout=self.stdout,
                                     stderr=self.stderr, text=False)

    def __enter__(self) -> PendingJudge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verdict(self, export: Path) -> list[TestResult]:
        """Send ``export`` (its regular files) to the judge; its results, one per test of the spec.

        The verdict is read as soon as the judge has written it, without waiting for the judge's
        process to end (unloading TensorFlow takes about a second); :meth:`close` then ends it.
        """
        try:
            with tarfile.open(fileobj=self.proc.stdin, mode="w|") as tar:
                if export.is_dir() and not export.is_symlink():
                    for path in sorted(export.rglob("*")):
                        if path.is_file() and not path.is_symlink():
                            tar.add(path, arcname=str(path.relative_to(export)), recursive=False)
            self.proc.stdin.close()
        except OSError:  # the judge ended before reading it all: its stderr says why
            pass
        deadline = time.monotonic() + (self.limits.wall_seconds or 3600) + 30
        while (line := self._verdict_line()) is None and self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise JudgeFailed("the grader's checks ran out of time")
            time.sleep(self.POLL_SECONDS)
        return self._results(line or self._verdict_line())

    def _verdict_line(self) -> str | None:
        """The judge's last verdict line written whole, read through a handle of its own (the judge's
        keeps writing at its own offset); None before there is one."""
        text = self.stdout_path.read_text(errors="replace")
        lines = [line for line in text.splitlines(keepends=True) if line.startswith(judge.MARKER) and line.endswith("\n")]
        return lines[-1][len(judge.MARKER):] if lines else None

    def _results(self, line: str | None) -> list[TestResult]:
        if line is None:
            self.stderr.seek(0)
            detail = (self.stderr.read().strip().splitlines() or [f"exit code {self.proc.returncode}"])[-1]
            raise JudgeFailed(f"the grader's checks could not run ({detail[:300]})")
        verdict = json.loads(line)
        self.leaderboard = {str(k): float(v) for k, v in verdict.get("leaderboard", {}).items()}
        bonus = set(self.spec.get("bonus", []))
        titles = {test["grade_id"]: test["title"] for test in self.spec["tests"]}
        return [TestResult(r["grade_id"], float(r["score"]), float(r["max_score"]), r["output"],
                           r["grade_id"] in bonus, bool(r["error"]), titles[r["grade_id"]]) for r in verdict["tests"]]

    def close(self) -> None:
        """Stop the judge if it is still running (after its verdict, or when none was asked for); remove its folder."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.terminate()  # the launcher then ends the judge's whole sandbox
            try:
                self.proc.wait(timeout=self.STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stdout.close()
        self.stderr.close()
        self.tmp.cleanup()


def judge_limits(settings: LabGrader) -> Limits:
    """The judge's limits: the grading limits, with time to wait for a whole notebook and then judge it."""
    return Limits.of(settings, 2 * settings.notebook_timeout)


def start_judge(spec: dict, data_dir: Path, limits: Limits, sandboxed: bool,
                mode: str = "grade") -> PendingJudge:
    """Start the judge for one submission in the sandbox (``mode``: grade or check); see :class:`PendingJudge`."""
    return PendingJudge(spec, data_dir, limits, sandboxed, mode)
