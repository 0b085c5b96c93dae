"""`release`: the nbgrader course folder from grader_config.py, through real nbgrader generate_assignment."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, COURSE, SETTINGS, SOURCE, SOURCE_2
from movielens_lab.config import lab_settings
from movielens_lab.errors import LabError
from movielens_lab.grading.course import build_course, release
from movielens_lab.paths import LAB, LAB_2


def test_release_is_deterministic_and_hides_solutions(tmp_path: Path):
    for name in ("a", "b"):
        release(course_dir=tmp_path / name / "course", source=SOURCE, config=CONFIG,
                student=tmp_path / name / "student.ipynb")
    first, second = (tmp_path / n / "student.ipynb" for n in ("a", "b"))
    assert first.read_bytes() == second.read_bytes()
    student = first.read_text()
    assert "HIDDEN" not in student and "return x * x" not in student and "NotImplementedError" in student
    nb = nbformat.read(first, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells)
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {"test_square": 2, "test_mean": 3, "test_bonus_answer": 1}
    config = (tmp_path / "a" / "course" / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.course_id = 'fixture-course'" in config
    assert (tmp_path / "a" / "course" / "gradebook.db").is_file()


def test_release_again_is_a_no_op_until_the_source_changes(tmp_path: Path):
    course = build_course(tmp_path / "course", SOURCE, SETTINGS)
    gradebook = course.root / "gradebook.db"
    stamp = gradebook.stat().st_mtime_ns
    assert build_course(tmp_path / "course", SOURCE, SETTINGS).fingerprint == course.fingerprint
    assert gradebook.stat().st_mtime_ns == stamp
    changed = tmp_path / "changed.ipynb"
    changed.write_text(SOURCE.read_text().replace("Fixture lab", "Fixture lab, v2"))
    assert build_course(tmp_path / "course", changed, SETTINGS).fingerprint != course.fingerprint


def test_missing_source_is_a_clear_error(tmp_path: Path):
    with pytest.raises(LabError, match="source notebook .*missing.ipynb not found"):
        release(course_dir=tmp_path / "course", source=tmp_path / "missing.ipynb", config=CONFIG,
                student=tmp_path / "student.ipynb")
    assert not (tmp_path / "student.ipynb").exists()


def test_points_must_match_the_test_cells(tmp_path: Path):
    config = tmp_path / "grader_config.py"
    config.write_text(CONFIG.read_text().replace('"test_mean": 3', '"test_median": 3'))
    with pytest.raises(LabError, match="no points for: test_mean; no such cell: test_median"):
        release(course_dir=tmp_path / "course", source=SOURCE, config=config, student=tmp_path / "student.ipynb")


def test_release_says_when_an_assignment_holds_the_answers_of_an_earlier_one(tmp_path: Path, capsys):
    config = tmp_path / "grader_config.py"
    config.write_text(COURSE.read_text().replace('"fixture_lab_2": {', '"fixture_lab_2": {"reveals": ["fixture_lab"],'))
    release(assignment="fixture_lab", course_dir=tmp_path / "course", source=SOURCE, config=config,
            student=tmp_path / "fixture_lab.ipynb")
    assert "note:" not in capsys.readouterr().out
    release(assignment="fixture_lab_2", course_dir=tmp_path / "course", source=SOURCE_2, config=config,
            student=tmp_path / "fixture_lab_2.ipynb")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == ("note: fixture_lab_2's given cells hold working answers to fixture_lab: hand it out to students "
                    "only after fixture_lab's deadline")


def test_part_2_is_configured_as_holding_part_1s_answers() -> None:
    assert lab_settings(assignment=LAB_2).reveals == [LAB] and not lab_settings(assignment=LAB).reveals


def test_a_released_notebook_records_this_environments_kernel_as_jupyterlab_would(tmp_path: Path):
    """JupyterLab writes the kernel's language_info into a notebook when its kernel starts: with it already there,
    the notebook does not open modified (tests/e2e/test_browser.py opens one)."""
    from ipykernel.ipkernel import IPythonKernel

    release(course_dir=tmp_path / "course", source=SOURCE, config=CONFIG, student=tmp_path / "student.ipynb")
    info = nbformat.read(tmp_path / "student.ipynb", as_version=4).metadata.language_info
    assert info == IPythonKernel.language_info and info["version"].count(".") == 2
