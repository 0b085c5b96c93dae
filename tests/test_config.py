"""The grading configuration: ``grader_config.py`` read as a traitlets file, defaults where it says nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.submissions import CONFIG
from movielens_lab.config import LabGrader, lab_settings, load_config
from movielens_lab.errors import LabError
from movielens_lab.paths import LAB


def test_a_config_file_sets_the_lab_settings() -> None:
    settings = lab_settings(CONFIG)
    assert (settings.course_id, settings.assignment) == ("fixture-course", "fixture_lab")
    assert (settings.cell_timeout, settings.memory_limit_mb) == (5, 512)
    assert settings.points == {"test_square": 2.0, "test_mean": 3.0, "test_bonus_answer": 1.0}
    assert settings.bonus == ["test_bonus_answer"]


def test_what_the_file_does_not_set_keeps_its_default(tmp_path: Path) -> None:
    (tmp_path / "grader_config.py").write_text("c = get_config()\nc.LabGrader.cell_timeout = 7\n")
    settings = lab_settings(tmp_path / "grader_config.py")
    assert settings.cell_timeout == 7
    assert settings.notebook_timeout == LabGrader().notebook_timeout
    assert settings.points == {}


def test_nbgraders_own_settings_sit_beside_the_labs() -> None:
    assert load_config(CONFIG).CourseDirectory.course_id == "fixture-course"


def test_a_missing_file_is_one_line_that_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="grader_config.py not found: run from the course folder"):
        lab_settings(tmp_path / "grader_config.py")


def test_a_value_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    (tmp_path / "grader_config.py").write_text("c = get_config()\nc.LabGrader.cell_timeout = 'soon'\n")
    with pytest.raises(Exception, match="cell_timeout"):
        lab_settings(tmp_path / "grader_config.py")


def test_the_projects_config_loads_with_points_for_every_section() -> None:
    settings = lab_settings(assignment=LAB)
    assert settings.assignment == "movielens_lab"
    assert sum(p for g, p in settings.points.items() if g not in settings.bonus) == 100
