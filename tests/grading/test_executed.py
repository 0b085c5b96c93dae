"""What an executed notebook says: its test cells' scores in the student's kernel, its errors and timeouts."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from movielens_lab.grading import outcomes
from movielens_lab.grading.executed import cap, cell_errors, is_test, read_results, run_problems, visible_output


def _test(grade_id: str, points: float, *outputs) -> object:
    cell = new_code_cell("check()", outputs=list(outputs))
    cell.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": grade_id, "points": points,
                              "locked": True, "schema_version": 3}
    return cell


def _answer(grade_id: str, *outputs) -> object:
    cell = new_code_cell("x = 1", outputs=list(outputs))
    cell.metadata.nbgrader = {"grade": False, "solution": True, "grade_id": grade_id, "locked": False,
                              "schema_version": 3}
    return cell


def _error(ename: str, evalue: str = "") -> object:
    return new_output("error", ename=ename, evalue=evalue, traceback=[])


def _stream(text: str, name: str = "stdout") -> object:
    return new_output("stream", name=name, text=text)


def test_only_graded_code_cells_that_are_not_answers_are_tests() -> None:
    markdown = new_markdown_cell("# 1.")
    markdown.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": "text"}
    assert [is_test(c) for c in (_test("test_a", 1), _answer("a"), new_code_cell("x"), markdown)] == [
        True, False, False, False]


def test_scores_are_nbgraders_in_the_students_kernel() -> None:
    partial = new_output("execute_result", data={"text/plain": "1.5"}, execution_count=1)
    nb = new_notebook(cells=[_answer("a"), _test("test_ok", 2, _stream("fine\n")), _test("test_partial", 3, partial),
                             _test("test_error", 4, _error("AssertionError", "mean is off")),
                             _test("test_stderr", 1, _stream("warned\n", "stderr")), _test("test_bonus", 1)])
    assert read_results(nb, bonus=["test_bonus"]) == [
        outcomes.TestResult("test_ok", 2.0, 2.0, "fine"), outcomes.TestResult("test_partial", 1.5, 3.0, ""),
        outcomes.TestResult("test_error", 0.0, 4.0, "AssertionError: mean is off", error=True),
        outcomes.TestResult("test_stderr", 0.0, 1.0, "warned", error=True),
        outcomes.TestResult("test_bonus", 1.0, 1.0, "", bonus=True)]


def test_the_visible_output_is_text_and_error_lines_only_and_capped() -> None:
    image = new_output("display_data", data={"image/png": "AAAA", "text/plain": "<Figure>"})
    cell = _test("test_a", 1, _stream("a\n"), image, _error("KeyError"), _stream("x" * 5000))
    text = visible_output(cell)
    assert text.startswith("a\nKeyError\n" + "x" * 100)
    assert "Figure" not in text and text.endswith("more characters cut]")
    assert cap("short") == "short" and cap("abcdef", 4) == "abcd\n... [2 more characters cut]"


def test_a_run_without_problems_is_graded() -> None:
    assert run_problems(new_notebook(cells=[_answer("a"), _test("test_a", 1)]), 5) == ("graded", [])


def test_errors_outside_the_tests_are_named_by_cell() -> None:
    nb = new_notebook(cells=[new_code_cell("import x", outputs=[_error("ModuleNotFoundError")]),
                             _answer("mean", _error("NameError")), _test("test_mean", 1, _error("AssertionError"))])
    assert cell_errors(nb) == [("cell 1", "ModuleNotFoundError"), ("mean", "NameError")]
    assert run_problems(nb, 5) == ("graded-with-errors", ["errors in cell 1 (ModuleNotFoundError), mean (NameError)"])


def test_a_cell_stopped_by_the_timeout_makes_the_run_a_timeout() -> None:
    nb = new_notebook(cells=[_answer("loop", _error("CellTimeoutError")), _answer("b", _error("ValueError"))])
    assert run_problems(nb, 5) == ("timeout", ["loop ran past 5 s and stopped", "errors in b (ValueError)"])
