"""A course of two assignments (tests/fixtures/course_config.py): the settings and the release of each.

Real nbgrader; a project folder laid out like this one (``solutions/``, ``notebooks/``) stands in
for the repository where a command finds its notebooks by the assignment's name.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from fixtures.submissions import COURSE, SOURCE, SOURCE_2
from movielens_lab import paths
from movielens_lab.config import course_settings, lab_settings
from movielens_lab.errors import LabError
from movielens_lab.grading.course import release

NAMES = ["fixture_lab", "fixture_lab_2"]


def _project(root: Path) -> Path:
    """A project folder holding the fixture course: its config and both source notebooks, named as paths.py says."""
    (root / "solutions").mkdir(parents=True)
    shutil.copyfile(SOURCE, root / "solutions" / "fixture_lab.ipynb")
    shutil.copyfile(SOURCE_2, root / "solutions" / "fixture_lab_2.ipynb")
    shutil.copyfile(COURSE, root / "grader_config.py")
    return root


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


def test_release_puts_each_assignment_beside_the_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    monkeypatch.setattr(paths, "PROJECT_ROOT", root)
    course, config = root / "course", root / "grader_config.py"
    release(assignment="fixture_lab_2", course_dir=course, config=config)
    student = (root / "notebooks" / "fixture_lab_2.ipynb").read_text()
    assert "def cube(x)" in student and "HIDDEN" not in student and "x ** 3" not in student
    release(course_dir=course, config=config)  # the first listed
    assert (root / "notebooks" / "fixture_lab.ipynb").is_file()
    second = course / "release" / "fixture_lab_2" / "fixture_lab_2.ipynb"
    stamp = second.stat().st_mtime_ns
    changed = (root / "solutions" / "fixture_lab.ipynb")
    changed.write_text(changed.read_text().replace("Fixture lab", "Fixture lab, v2"))
    release(course_dir=course, config=config)  # fixture_lab again, from its changed source
    assert "Fixture lab, v2" in (course / "release" / "fixture_lab" / "fixture_lab.ipynb").read_text()
    assert second.stat().st_mtime_ns == stamp and (course / "source" / "fixture_lab_2").is_dir()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert {a.name: a.max_score for a in gradebook.assignments} == {"fixture_lab": 6, "fixture_lab_2": 4}
    assert sorted(json.loads((course / "release.json").read_text())["assignments"]) == NAMES
