"""The judge on its own: what a kernel recorded, replayed in a namespace no student code ran in.

The kernel is simulated by a plain dict (the recorder works on any namespace); the real
kernel, sandbox and nbgrader are in test_batch*.py, test_sandbox.py and the corpus.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from movielens_lab.grading.judge import Judge
from movielens_lab.config import LabGrader
from movielens_lab.grading.sandbox.client import probe
from movielens_lab.grading.judging import instrument, judge_limits, judge_spec, read_names, split_hidden, start_judge
from movielens_lab.grading.recorder import Recorder

HELPER = '''class LabCheck:
    def __init__(self, section):
        self.got, self.total, self.hints = 0.0, 0.0, []

    def part(self, points, test, hint):
        self.total += points
        try:
            ok = bool(test())
        except Exception as err:
            ok, hint = False, f"{hint} [{type(err).__name__}]"
        self.got += points if ok else 0
        if not ok:
            print("  - " + hint)
        return ok

    def score(self):
        return self.got
'''
TEST = '''t = LabCheck("1. Double")
t.part(1, lambda: double(2) == 4, "double(2) should be 4")
### BEGIN HIDDEN TESTS
t.part(1, lambda: double(-1) == -2, "double(-1) should be -2")
_table = pd.DataFrame({"x": [1.0, 2.0]})
t.part(1, lambda: list(halve(_table)["x"]) == [0.5, 1.0] and list(_table["x"]) == [1.0, 2.0],
       "halve returns a new table, leaving its argument alone")
t.part(1, lambda: answer == 42, "answer is 42")
### END HIDDEN TESTS
t.score()'''


def spec() -> dict:
    return {"given": ["import pandas as pd", HELPER],
            "tests": [{"grade_id": "test_double", "title": "1. Double", "points": 4.0, "names": sorted(
                read_names(TEST) - {"LabCheck", "pd", "print", "list", "bool", "type", "Exception"}),
                "visible": split_hidden(TEST)[0], "hidden": split_hidden(TEST)[1], "tail": split_hidden(TEST)[2]}]}


def kernel_run(student_code: str, folder: Path) -> dict:
    """Run the given cells, the student's code, the export and the test in one namespace, as a kernel would."""
    ns: dict = {}
    for code in spec()["given"]:
        exec(code, ns)
    exec(student_code, ns)
    recorder = Recorder(folder)
    recorder.section("test_double", spec()["tests"][0]["names"], ns)
    exec(TEST, ns)
    recorder.done(ns)
    return ns


def verdict(folder: Path, hidden: bool = True) -> dict:
    return Judge(spec(), folder).test(spec()["tests"][0], hidden)


CORRECT = '''def double(x):
    return 2 * x


def halve(table):
    return table.assign(x=table["x"] / 2)


answer = 42
'''


def test_a_correct_answer_gets_every_point(tmp_path: Path) -> None:
    ns = kernel_run(CORRECT, tmp_path)
    assert ns["t"].got == 4 and ns["double"].__name__ == "double" and not hasattr(ns["double"], "__wrapped__")
    result = verdict(tmp_path)
    assert (result["score"], result["max_score"], result["error"]) == (4, 4, False)


def test_check_runs_the_visible_part_alone(tmp_path: Path) -> None:
    kernel_run(CORRECT, tmp_path)
    assert (verdict(tmp_path, hidden=False)["score"], verdict(tmp_path, hidden=False)["max_score"]) == (1, 1)


def test_what_the_student_did_to_the_kernel_changes_nothing(tmp_path: Path) -> None:
    cheat = "LabCheck.score = lambda self: 4\n" + CORRECT.replace("2 * x", "x")
    ns = kernel_run(cheat, tmp_path)
    assert ns["t"].score() == 4  # the kernel was fooled...
    result = verdict(tmp_path)
    assert result["score"] == 2 and "double(2) should be 4" in result["output"]  # ...the judge was not


def test_a_helper_made_to_skip_the_tests_can_only_lose_points(tmp_path: Path) -> None:
    """The tests never called the functions in the kernel: the judge has no answer of theirs to check."""
    kernel_run("LabCheck.part = lambda self, *a: True\n" + CORRECT, tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 1 and "double(2) should be 4 [ReplayError]" in result["output"]


def test_a_function_that_changes_its_argument_is_caught(tmp_path: Path) -> None:
    kernel_run(CORRECT.replace('return table.assign(x=table["x"] / 2)',
                               'table["x"] = table["x"] / 2\n    return table'), tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 3 and "leaving its argument alone" in result["output"]


def test_errors_replay_with_their_own_name(tmp_path: Path) -> None:
    kernel_run(CORRECT.replace("return 2 * x", "raise ZeroDivisionError('oops')"), tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 2 and "double(2) should be 4 [ZeroDivisionError]" in result["output"]


def test_a_recording_that_does_not_match_the_test_fails(tmp_path: Path) -> None:
    kernel_run(CORRECT, tmp_path)
    index = tmp_path / "test_double.json"
    index.write_text(index.read_text().replace('"v": 2}', '"v": 3}', 1))  # the recorded argument of double(2)
    assert "double(2) should be 4 [ReplayError]" in verdict(tmp_path)["output"]


def test_values_that_are_not_data_get_a_reason(tmp_path: Path) -> None:
    kernel_run(CORRECT.replace("answer = 42", "answer = object()"), tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 3 and "answer could not be graded: a object cannot be exported" in result["output"]


def test_no_export_means_the_notebook_stopped_before(tmp_path: Path) -> None:
    result = verdict(tmp_path)
    assert result["score"] == 0 and "stopped before this test ran" in result["output"]


def test_names_a_test_reads() -> None:
    assert read_names(TEST) >= {"double", "halve", "answer", "LabCheck", "pd"}
    assert not {"t", "_table"} & read_names(TEST)
    code = "def f():\n    local = 1\n    return local + glob\nx = f()\nprint(x)"
    assert read_names(code) == {"glob", "print"}


def test_instrumented_notebooks_export_before_each_test() -> None:
    import nbformat

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


def test_frames_from_the_kernel_are_frames_in_the_judge(tmp_path: Path) -> None:
    ns = {"table": pd.DataFrame({"a": [1, 2]})}
    Recorder(tmp_path).section("s", ["table", "missing"], ns)
    judge = Judge({"given": [], "tests": []}, tmp_path)
    values, notes = judge.namespace("s")
    pd.testing.assert_frame_equal(values["table"], ns["table"])
    assert "missing" not in values and notes == []


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


def test_a_judge_sent_an_empty_export_says_the_notebook_stopped(tmp_path: Path) -> None:
    with started(tmp_path) as judge:
        [result] = judge.verdict(tmp_path / "missing")
    assert result.score == 0 and "stopped before this test ran" in result.output


def test_a_judge_never_asked_for_a_verdict_ends_with_its_block(tmp_path: Path) -> None:
    with started(tmp_path) as judge:
        pass
    assert judge.proc.returncode is not None and not Path(judge.tmp.name).exists()
