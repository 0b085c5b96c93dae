"""The grading data model and its conversions: Gradescope's results.json, record.json's dict."""

from __future__ import annotations

from movielens_lab.grading import outcomes
from movielens_lab.grading.outcomes import Outcome

TESTS = [outcomes.TestResult("test_square", 2.0, 2.0, "", title="1. Square"),
         outcomes.TestResult("test_mean", 1.5, 3.0, "- divide by len(xs)", error=True, title="2. Mean"),
         outcomes.TestResult("test_bonus_answer", 1.0, 1.0, "", bonus=True)]


def _outcome(**fields) -> Outcome:
    return Outcome("libo_102", "libo", "graded", list(TESTS), **fields)


GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
                   "visibility", "extra_data"}
"""The fields of Gradescope's results.json specification (top level, and one test)."""


def test_to_gradescope_dict_counts_the_bonus_on_top() -> None:
    results = _outcome(notes=["a second submission was ignored"], flags=["test_mean was edited"],
                       seconds=83.6).to_gradescope_dict({"test_mean": "average a list"})
    assert (results["score"], results["execution_time"], results["stdout_visibility"]) == (4.5, 84, "hidden")
    assert results["output"] == "graded: a second submission was ignored; review: test_mean was edited"
    assert results["tests"] == [
        {"name": "1. Square", "number": "1", "score": 2.0, "max_score": 2.0, "status": "passed", "output": "",
         "output_format": "text", "tags": [], "visibility": "visible"},
        {"name": "2. Mean", "number": "2", "score": 1.5, "max_score": 3.0, "status": "failed",
         "output": "- divide by len(xs)", "output_format": "text", "tags": ["average a list"], "visibility": "visible"},
        {"name": "test_bonus_answer (bonus)", "score": 1.0, "max_score": 0.0, "status": "passed", "output": "",
         "output_format": "text", "tags": [], "visibility": "visible"},
    ]
    assert "leaderboard" not in results and set(results) <= GRADESCOPE_TOP
    assert all(set(test) <= GRADESCOPE_TEST for test in results["tests"])


def test_the_leaderboard_lists_the_judges_values_with_their_order() -> None:
    results = _outcome(leaderboard={"test MAE": 0.71, "params": 12.0}).to_gradescope_dict(ascending=["test MAE"])
    assert results["leaderboard"] == [{"name": "test MAE", "value": 0.71, "order": "asc"},
                                      {"name": "params", "value": 12.0}]
    assert "execution_time" not in results  # not measured


def test_a_section_number_comes_from_its_title() -> None:
    assert [outcomes.TestResult("t", 0, 1, "", title=title).number for title in
            ("7. Training", "11. Bonus: embedding dimension", "Training", "", "2.1. Sub")] == ["7", "11", "", "", "2.1"]


def test_ungraded_scores_every_test_0_and_says_why() -> None:
    outcome = Outcome.ungraded("s", "s", "invalid", ["not a notebook"], {"test_square": 2, "test_bonus_answer": 1},
                               ["test_bonus_answer"])
    assert (outcome.total, outcome.bonus, outcome.reason) == (0, 0, "not a notebook")
    assert [(t.grade_id, t.max_score, t.bonus, t.output) for t in outcome.tests] == [
        ("test_square", 2.0, False, "not graded: not a notebook"), ("test_bonus_answer", 1.0, True,
                                                                  "not graded: not a notebook")]


def test_to_dict_and_back() -> None:
    outcome = _outcome(flags=["edited"], late=False)
    assert Outcome.from_dict(outcome.to_dict()) == outcome
