"""The grader's own preprocessors: ApplyPoints writes grader_config.py's points into the test cells."""

from __future__ import annotations

import nbformat
import pytest

from fixtures.submissions import SOURCE, cell
from movielens_lab.errors import LabError
from movielens_lab.grading.preprocessors import ApplyPoints

POINTS = {"test_square": 4.0, "test_mean": 1.5, "test_bonus_answer": 2.0}


def test_points_are_written_into_every_test_cell_by_grade_id() -> None:
    nb, _ = ApplyPoints(points=POINTS).preprocess(nbformat.read(SOURCE, as_version=4), {})
    assert {g: cell(nb, g).metadata.nbgrader["points"] for g in POINTS} == POINTS


def test_answer_cells_get_no_points() -> None:
    nb, _ = ApplyPoints(points=POINTS).preprocess(nbformat.read(SOURCE, as_version=4), {})
    assert all("points" not in cell(nb, g).metadata.nbgrader for g in ("square", "mean", "bonus_answer"))


@pytest.mark.parametrize("points, message", [
    ({"test_square": 1.0, "test_mean": 1.0}, r"no points for: test_bonus_answer; no such cell: -"),
    ({**POINTS, "test_extra": 1.0}, r"no points for: -; no such cell: test_extra"),
])
def test_points_that_do_not_match_the_test_cells_say_which(points: dict, message: str) -> None:
    with pytest.raises(LabError, match=message):
        ApplyPoints(points=points).preprocess(nbformat.read(SOURCE, as_version=4), {})
