"""A course of two assignments (tests/fixtures/course_config.py): settings, release, check and grade of each.

Real nbgrader, real kernels; a project folder laid out like this one (``solutions/``, ``notebooks/``)
stands in for the repository where a command finds its notebooks by the assignment's name.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path, PurePosixPath

import nbformat
import pytest
from nbgrader.api import Gradebook

from fixtures.submissions import COURSE, SOURCE, SOURCE_2, data_folder, filled, write
from movielens_lab import paths
from movielens_lab.config import course_settings, lab_settings
from movielens_lab.errors import LabError
from movielens_lab.grading.check import check
from movielens_lab.grading.course import release
from movielens_lab.grading.grade import grade
from movielens_lab.grading.submissions.assignments import Assignments
from movielens_lab.grading.submissions.rebuild import read_cells

NAMES = ["fixture_lab", "fixture_lab_2"]


def _project(root: Path) -> Path:
    """A project folder holding the fixture course: its config and both source notebooks, named as paths.py says."""
    (root / "solutions").mkdir(parents=True)
    shutil.copyfile(SOURCE, root / "solutions" / "fixture_lab.ipynb")
    shutil.copyfile(SOURCE_2, root / "solutions" / "fixture_lab_2.ipynb")
    shutil.copyfile(COURSE, root / "grader_config.py")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture course's project folder with both assignments released (notebooks/ and course/)."""
    root = _project(tmp_path_factory.mktemp("project"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "PROJECT_ROOT", root)
        for name in NAMES:
            release(assignment=name, course_dir=root / "course", config=root / "grader_config.py")
    return root


def _released(project: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(project / "notebooks" / f"{name}.ipynb", as_version=4)


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


def test_a_notebook_is_the_assignment_whose_grade_ids_it_holds() -> None:
    known = Assignments.of(course_settings(COURSE))
    first, second = read_cells(SOURCE.read_bytes()), read_cells(SOURCE_2.read_bytes())
    assert (known.which(first), known.which(second), known.which([])) == ("fixture_lab", "fixture_lab_2", None)
    assert known.elsewhere(first, "fixture_lab_2") == "fixture_lab" and known.elsewhere(first, "fixture_lab") is None
    path = PurePosixPath
    choice = known.choose([(path("a.ipynb"), SOURCE_2.read_bytes()), (path("b.ipynb"), SOURCE.read_bytes()),
                           (path("fixture_lab.ipynb"), SOURCE_2.read_bytes())])
    assert str(choice) == ("assignment: fixture_lab_2 (told by the cells' grade_ids of 2 of 3 notebooks; pass "
                           "--assignment to choose another)")
    blank = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'
    by_name = known.choose([(path("submitted/ann/fixture_lab_2/x.ipynb"), blank), (path("y.ipynb"), b"{")])
    assert (by_name.name, by_name.how) == ("fixture_lab_2", "told by the file names of 1 of 2 notebooks")
    assert known.choose([(path("y.ipynb"), blank)]).name == "fixture_lab"  # nothing tells: the first listed


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


def test_check_infers_the_assignment_from_the_notebook(project: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(paths, "PROJECT_ROOT", project)
    notebook = write(filled(_released(project, "fixture_lab_2")), tmp_path / "fixture_lab.ipynb")  # misleading name
    assert check(notebook, data_dir=data_folder(tmp_path / "data"), config=COURSE) == 0
    out = capsys.readouterr().out
    assert out.startswith("assignment: fixture_lab_2 (told by the cells' grade_ids of 1 of 1 notebook;")
    assert "2 of 2 sections passed" in out and "1. Cube" in out


def test_check_of_another_assignments_notebook_says_which(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "PROJECT_ROOT", project)
    notebook = write(filled(_released(project, "fixture_lab")), tmp_path / "mine.ipynb")
    with pytest.raises(LabError) as err:
        check(notebook, assignment="fixture_lab_2", data_dir=tmp_path, config=COURSE)
    assert str(err.value) == (f"{notebook} is a notebook of fixture_lab, not of fixture_lab_2: check it with "
                              "--assignment fixture_lab")


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


@pytest.mark.slow  # grades two small classes
def test_each_assignment_grades_its_own_and_names_the_others(project: Path, tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    monkeypatch.setattr(paths, "PROJECT_ROOT", project)
    first, second = _released(project, "fixture_lab"), _released(project, "fixture_lab_2")
    subs, data, out = tmp_path / "subs", data_folder(tmp_path / "data"), tmp_path / "out"
    write(filled(second), subs / "alice.ipynb")
    write(filled(second, shout="def shout(s):\n    return s"), subs / "bob.ipynb")
    write(filled(first), subs / "carol.ipynb")
    assert grade(subs, out=out, data_dir=data, config=COURSE) == 0
    assert "assignment: fixture_lab_2 (told by the cells' grade_ids of 2 of 3 notebooks;" in capsys.readouterr().out
    rows = _rows(out)
    assert [(r["test_cube"], r["test_shout"], r["total"], r["bonus"], r["status"]) for r in rows.values()] == [
        ("3", "1", "3", "1", "graded"), ("3", "0", "3", "0", "graded"), ("0", "0", "0", "0", "invalid")]
    assert rows["carol"]["reason"] == "this notebook is fixture_lab, not fixture_lab_2: hand it in to fixture_lab"
    assert {r["assignment"] for r in rows.values()} == {"fixture_lab_2"}
    assert (out / "report.md").read_text().startswith("# Class report: fixture_lab_2\n")
    assert "<h1>fixture_lab_2: feedback for alice</h1>" in (out / "students" / "alice" / "feedback.html").read_text()
    results = json.loads((out / "students" / "alice" / "results.json").read_text())
    assert [t["tags"] for t in results["tests"]] == [["cube a number"], []]
    assert json.loads((out / "run.json").read_text())["assignment"] == "fixture_lab_2"
    with pytest.raises(LabError, match="holds the grades of fixture_lab_2: grade fixture_lab into another folder"):
        grade(subs, assignment="fixture_lab", out=out, data_dir=data, config=COURSE)

    other = tmp_path / "subs-1"
    write(filled(first), other / "dave.ipynb")
    write(filled(second), other / "erin.ipynb")
    assert grade(other, assignment="fixture_lab", out=tmp_path / "out-1", data_dir=data, config=COURSE) == 0
    rows = _rows(tmp_path / "out-1")
    assert [(r["total"], r["status"], r["assignment"]) for r in rows.values()] == [
        ("5", "graded", "fixture_lab"), ("0", "invalid", "fixture_lab")]
    assert rows["erin"]["reason"] == "this notebook is fixture_lab_2, not fixture_lab: hand it in to fixture_lab_2"
