"""What ``grade`` prints from the outcomes: the summary table (grades.csv is in test_records.py)."""

from __future__ import annotations

from movielens_lab.grading import outcomes
from movielens_lab.grading.outcomes import Outcome
from movielens_lab.grading.outputs.summary import summary_table


def _outcome(name: str, score: float, status: str = "graded", **fields) -> Outcome:
    tests = [outcomes.TestResult("test_a", score, 5.0, ""), outcomes.TestResult("test_bonus", 1.0, 1.0, "", bonus=True)]
    return Outcome(name, name, status, tests, **fields)


def test_one_line_per_student_then_the_count_of_each_status() -> None:
    table = summary_table([_outcome("ada", 5), _outcome("bo", 2.5, "timeout", notes=["cell 3 ran past 5 s"]),
                           _outcome("cy", 4)], 5)
    lines = table.splitlines()
    assert lines[0].split() == ["student", "total", "bonus", "status", "reason"]
    rows = [line.split(None, 4) for line in lines[2:5]]
    assert rows == [["ada", "5/5", "1", "graded", "ok"], ["bo", "2.5/5", "1", "timeout", "cell 3 ran past 5 s"],
                    ["cy", "4/5", "1", "graded", "ok"]]
    assert lines[-1] == "2 graded, 1 timeout"


def test_a_long_reason_is_cut_to_fit_the_line() -> None:
    table = summary_table([_outcome("ada", 5, notes=["n" * 100])], 5)
    assert "n" * 67 + "..." in table and "n" * 68 not in table


def test_flagged_students_are_listed_for_review() -> None:
    table = summary_table([_outcome("ada", 5), _outcome("bo", 5, flags=["patches np.allclose"])], 5)
    assert table.splitlines()[-2:] == [
        "review by hand (1): possible tampering, the points are the grader's own", "  bo: patches np.allclose"]
    assert "review by hand" not in summary_table([_outcome("ada", 5)], 5)


def test_what_students_wrote_reaches_the_terminal_escaped() -> None:
    name = "\x1b]0;PWNED\x07\x1b[31mred\u202e"
    table = summary_table([_outcome(name, 5, notes=["file\rname\x1b[2J"], flags=["patches np\x1b[8m"])], 5)
    assert "\x1b" not in table and "\r" not in table and "\u202e" not in table and "\x07" not in table
    assert "\\x1b]0;PWNED\\x07\\x1b[31mred\\u202e" in table and "file\\x0dname\\x1b[2J" in table
    assert table.splitlines()[-1] == "  \\x1b]0;PWNED\\x07\\x1b[31mred\\u202e: patches np\\x1b[8m"


def test_a_long_name_is_cut_to_fit_the_line() -> None:
    table = summary_table([_outcome("n" * 300, 5)], 5)
    assert "n" * 37 + "..." in table and "n" * 38 not in table
