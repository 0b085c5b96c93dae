"""The grader's side of the judge: the spec, the instrumented notebook, and the judge's own process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from fixtures.judged import CORRECT, TEST, kernel_run, spec
from movielens_lab.config import LabGrader
from movielens_lab.grading.judging import (PendingJudge, instrument, judge_limits, judge_spec, read_names, split_hidden,
                                           start_judge)
from movielens_lab.grading.sandbox.client import probe


def test_names_a_test_reads() -> None:
    assert read_names(TEST) >= {"double", "halve", "answer", "LabCheck", "pd"}
    assert not {"t", "_table"} & read_names(TEST)
    code = "def f():\n    local = 1\n    return local + glob\nx = f()\nprint(x)"
    assert read_names(code) == {"glob", "print"}
    # a parameter of one function is still read as a global by another (the bonus check's lambda)
    assert read_names("def f(a, b):\n    return a + b\nt.compute(lambda: f(a, 1))") == {"a", "t"}


def test_instrumented_notebooks_export_before_each_test() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"solution": True, "grade": False,
                                                                  "grade_id": "answer", "locked": False}}),
        nbformat.v4.new_code_cell("assert x == 1", metadata={"nbgrader": {"solution": False, "grade": True,
                                                                          "grade_id": "test_x", "points": 1,
                                                                          "locked": True}})])
    the_spec = judge_spec(nb, {"test_x": 1}, [])
    cells = [c.source for c in instrument(nb, the_spec).cells]
    assert cells[0].startswith("# Added by the grader") and cells[1:] == [
        "x = 1", "_mlk.section('test_x', ['x'], globals())", "assert x == 1", "_mlk.done(globals())"]


@pytest.mark.parametrize("source, parts", [
    ("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\nc", ("a", "b", "c")),
    ("a\nb", ("a\nb", "", "")),
])
def test_split_hidden(source: str, parts: tuple[str, str, str]) -> None:
    assert split_hidden(source) == parts


def started(tmp_path: Path):
    """A judge process started as ``grade`` starts it (sandboxed where this machine allows)."""
    return start_judge({**spec(), "bonus": []}, tmp_path, judge_limits(LabGrader(notebook_timeout=120)),
                       probe() is None)


def test_a_judge_started_before_the_run_judges_the_export_it_is_sent(tmp_path: Path) -> None:
    kernel_run(CORRECT, tmp_path / "export")
    (tmp_path / "export" / "files" / "stray").symlink_to("/etc/passwd")  # never sent: not a regular file
    with started(tmp_path) as judge:
        [result] = judge.verdict(tmp_path / "export")
    assert (result.grade_id, result.score, result.max_score, result.error) == ("test_double", 4, 4, False)


def test_the_verdict_is_read_without_waiting_for_the_judge_to_end(tmp_path: Path) -> None:
    """Unloading the judge's libraries takes time after the verdict: grading reads it at once, then ends the judge."""
    kernel_run(CORRECT, tmp_path / "export")
    slow_exit = {**spec(), "bonus": [], "given": [*spec()["given"], "import atexit, time\natexit.register(time.sleep, 60)"]}
    with start_judge(slow_exit, tmp_path, judge_limits(LabGrader(notebook_timeout=120)), probe() is None) as judge:
        [result] = judge.verdict(tmp_path / "export")
        assert judge.proc.poll() is None  # still in its atexit sleep
    assert result.score == 4 and judge.proc.returncode is not None


def test_a_grading_judge_warms_up_while_the_notebook_runs(tmp_path: Path) -> None:
    kernel_run(CORRECT, tmp_path / "export")
    hidden = "def _warm_reference():\n    _MEMO['ahead'] = True\n\n\nt.part(1, lambda: _MEMO.get('ahead', False), 'ahead')"
    warmed = {**spec(), "bonus": [], "given": [*spec()["given"], "_MEMO = {}"],
              "tests": [{**spec()["tests"][0], "hidden": hidden, "points": 2.0}]}
    with start_judge(warmed, tmp_path, judge_limits(LabGrader(notebook_timeout=120)), probe() is None) as judge:
        [result] = judge.verdict(tmp_path / "export")
    assert (result.score, result.max_score) == (2, 2)


def test_a_judge_sent_an_empty_export_says_the_notebook_stopped(tmp_path: Path) -> None:
    with started(tmp_path) as judge:
        [result] = judge.verdict(tmp_path / "missing")
    assert result.score == 0 and "stopped before this test ran" in result.output


def test_a_judge_never_asked_for_a_verdict_ends_with_its_block(tmp_path: Path) -> None:
    with started(tmp_path) as judge:
        pass
    assert judge.proc.returncode is not None and not Path(judge.tmp.name).exists()


def test_the_judge_runs_at_the_lowest_cpu_priority(tmp_path: Path) -> None:
    """Beside the student's kernel, the judge's set-up must only take the CPU time the kernel leaves idle."""
    with started(tmp_path) as judge:
        deadline = time.monotonic() + 10
        while os.getpriority(os.PRIO_PROCESS, judge.proc.pid) != 19 and time.monotonic() < deadline:
            time.sleep(0.05)  # `nice` lowers its priority, then starts the sandbox
        assert os.getpriority(os.PRIO_PROCESS, judge.proc.pid) == PendingJudge.NICENESS == 19
