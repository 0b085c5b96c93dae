"""A course of two assignments (tests/fixtures/course_config.py): the settings of each."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.submissions import FIXTURES
from movielens_lab.config import course_settings, lab_settings
from movielens_lab.errors import LabError

COURSE = FIXTURES / "course_config.py"
NAMES = ["fixture_lab", "fixture_lab_2"]


def test_the_first_listed_is_the_default_and_each_entry_overrides_the_course() -> None:
    course = course_settings(COURSE)
    assert list(course) == NAMES and lab_settings(COURSE).assignment == "fixture_lab"
    first, second = lab_settings(COURSE), lab_settings(COURSE, "fixture_lab_2")
    assert (first.points, first.bonus, first.cell_timeout) == (
        {"test_square": 2.0, "test_mean": 3.0, "test_bonus_answer": 1.0}, ["test_bonus_answer"], 5)
    assert (second.assignment, second.points, second.bonus, second.cell_timeout) == (
        "fixture_lab_2", {"test_cube": 3.0, "test_shout": 1.0}, ["test_shout"], 10)
    assert (second.course_id, second.memory_limit_mb, second.objectives) == (
        "fixture-course", 512, {"test_cube": "cube a number"})


def test_an_unknown_assignment_is_one_line_naming_the_known_ones() -> None:
    with pytest.raises(LabError) as err:
        lab_settings(COURSE, "fixture_lab2")
    assert str(err.value) == ("unknown assignment 'fixture_lab2'; did you mean 'fixture_lab_2'? grader_config.py "
                              "lists fixture_lab, fixture_lab_2")
    with pytest.raises(LabError, match="^unknown assignment 'zzz'; grader_config.py lists fixture_lab, "):
        lab_settings(COURSE, "zzz")


@pytest.mark.parametrize("entry, message", [
    ('{"cell_timout": 9}', "assignment 'only' sets 'cell_timout', not a setting of one assignment; did you mean "
                           "'cell_timeout'?"),
    ('{"course_id": "other"}', "assignment 'only' sets 'course_id', not a setting of one assignment; an assignment "
                               "may set bonus, "),
])
def test_an_entry_sets_only_an_assignments_own_settings(tmp_path: Path, entry: str, message: str) -> None:
    config = tmp_path / "grader_config.py"
    config.write_text(f"c = get_config()\nc.LabGrader.assignments = {{'only': {entry}}}\n")
    with pytest.raises(LabError, match=message):
        course_settings(config)
