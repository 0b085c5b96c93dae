"""What the judge runs, read from the instructor's notebook: the parts of each test, what it reads and repairs."""

from __future__ import annotations

import nbformat
import pytest

from fixtures.judged import TEST, spec
from movielens_lab import paths
from movielens_lab.config import lab_settings
from movielens_lab.grading.judge.spec import judge_spec, read_names, split_hidden


def test_names_a_test_reads() -> None:
    assert read_names(TEST) >= {"double", "halve", "answer", "LabCheck", "pd"}
    assert not {"t", "_table"} & read_names(TEST)
    code = "def f():\n    local = 1\n    return local + glob\nx = f()\nprint(x)"
    assert read_names(code) == {"glob", "print"}
    # a parameter of one function is still read as a global by another (the bonus check's lambda)
    assert read_names("def f(a, b):\n    return a + b\nt.compute(lambda: f(a, 1))") == {"a", "t"}


@pytest.mark.parametrize("source, parts", [
    ("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\nc", ("a", "b", "c")),
    ("a\nb", ("a\nb", "", "")),
])
def test_split_hidden(source: str, parts: tuple[str, str, str]) -> None:
    assert split_hidden(source) == parts


def test_a_test_reads_its_students_names_and_repairs_its_own_sections() -> None:
    the_spec = spec()
    [test] = the_spec["tests"]
    assert test["names"] == ["answer", "double", "halve"]  # given names (LabCheck, pd) and builtins never
    assert test["repairs"] == ["answer", "double"]
    assert the_spec["solutions"]["double"] == "def double(x):\n    return 2 * x"


@pytest.mark.parametrize("assignment", [paths.LAB, paths.LAB_2])
def test_the_labs_repairs_are_answers_of_their_own_sections(assignment: str) -> None:
    settings = lab_settings(assignment=assignment)
    the_spec = judge_spec(nbformat.read(paths.solution_notebook(assignment), as_version=4), settings.points,
                          settings.bonus)
    repairs = {t["grade_id"]: t["repairs"] for t in the_spec["tests"] if t["repairs"]}
    expected = {paths.LAB: {"test_movies": ["movie_ids", "movies", "titles"],
                            "test_split": ["Xtr", "Xts", "movietr", "moviets", "usertr", "userts", "ytr", "yts"],
                            "test_model": ["build_model", "mod"], "test_training": ["hist", "mod"]},
                paths.LAB_2: {"test_p2_metrics": ["mae", "rmse"],
                              "test_p2_ranking": ["precision_at_k", "recall_at_k", "recommend"]}}[assignment]
    assert {k: v for k, v in repairs.items() if k in expected} == expected
    functions = {name for test in the_spec["tests"] for name in test["repairs"] if name in the_spec["solutions"]}
    assert functions == {paths.LAB: {"build_model"}, paths.LAB_2: {"mae", "rmse", "precision_at_k", "recall_at_k",
                                                                  "recommend"}}[assignment]
    assert all(code.startswith("def ") for code in the_spec["solutions"].values())
