"""A student's feedback page: points per section, hints only where points were lost, notes, all escaped."""

from __future__ import annotations

from movielens_lab.grading import outcomes
from movielens_lab.grading.outcomes import Outcome
from movielens_lab.grading.outputs.feedback import render

TESTS = [outcomes.TestResult("test_square", 2.0, 2.0, "1. Square: 2/2 points, all checks passed", title="1. Square"),
         outcomes.TestResult("test_mean", 1.5, 3.0, "2. Mean: 1.5/3 points, some checks failed\n  - divide by len(xs)\n"
                            "  - <b>empty</b> lists", error=True, title="2. Mean"),
         outcomes.TestResult("test_bonus_answer", 0.0, 1.0, "", bonus=True)]


def test_the_score_counts_the_bonus_on_top() -> None:
    page = render(Outcome("ada_1", "Ada", "graded", TESTS), "Fixture lab")
    assert "<title>Feedback: Fixture lab, Ada</title>" in page
    assert "Score: 3.5 / 5 + bonus 0 / 1</strong> (graded)" in page
    assert "<strong>test_bonus_answer (bonus)</strong>" in page


def test_hints_are_listed_under_a_section_that_lost_points_only() -> None:
    page = render(Outcome("ada_1", "Ada", "graded", TESTS), "Fixture lab")
    assert ("<strong>2. Mean</strong><ul class='hints'><li>divide by len(xs)</li>"
            "<li>&lt;b&gt;empty&lt;/b&gt; lists</li></ul>") in page
    assert "<strong>1. Square</strong></td>" in page
    assert "points, some checks failed" not in page and "all checks passed" not in page


def test_notes_are_shown_and_names_escaped() -> None:
    page = render(Outcome("x", "<script>", "timeout", TESTS[:1], notes=["cell 3 ran past 5 s & stopped"]), "Lab")
    assert "<script>" not in page and "feedback for &lt;script&gt;" in page
    assert "<li>cell 3 ran past 5 s &amp; stopped</li>" in page
    assert "+ bonus" not in page and "(timeout)" in page
