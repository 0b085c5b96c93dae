"""What the student notebook tells the student is true: the points table and the expected values."""

from __future__ import annotations

import re

import nbformat
import pytest

from movielens_lab.config import lab_settings
from movielens_lab.grading.judge.spec import section_titles, split_hidden
from movielens_lab.grading.results import is_test
from movielens_lab.paths import LAB, LAB_2, solution_notebook, student_notebook

PART = re.compile(r"\bt\.part\(\s*(\d+(?:\.\d+)?)\s*,")
ROW = re.compile(r"^\| (\d+\.[^|]*?) \| (\d+) \| (\d+) \| (\d+)(?: bonus)? \|$", re.MULTILINE)


def _points(code: str) -> float:
    """The points of the ``t.part(points, ...)`` calls in ``code``."""
    return sum(float(p) for p in PART.findall(code))


def _split(nb: nbformat.NotebookNode, assignment: str) -> dict[str, tuple[str, float, float, float]]:
    """Per test cell of the source: its title, visible points, hidden points, points in grader_config.py."""
    titles, points = section_titles(nb), lab_settings(assignment=assignment).points
    rows = {}
    for cell in filter(is_test, nb.cells):
        visible, hidden, _ = split_hidden(cell.source)
        grade_id = cell.metadata.nbgrader["grade_id"]
        rows[grade_id] = (titles[grade_id], _points(visible), _points(hidden), float(points[grade_id]))
    return rows


@pytest.fixture(scope="module", params=[LAB, LAB_2])
def assignment(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def student(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(student_notebook(assignment), as_version=4)


def test_the_introduction_splits_the_points_as_the_tests_do(student, assignment: str) -> None:
    split = _split(nbformat.read(solution_notebook(assignment), as_version=4), assignment)
    assert all(visible + hidden == total for _, visible, hidden, total in split.values()), split
    table = [(title, float(v), float(h), float(p)) for title, v, h, p in ROW.findall(student.cells[0].source)]
    assert table == list(split.values())
    hidden = sum(row[2] for grade_id, row in split.items() if grade_id not in lab_settings(assignment=assignment).bonus)
    assert f"worth {hidden:g} of the 100 points" in student.cells[0].source


def test_every_todo_says_what_a_correct_answer_looks_like(student, assignment: str) -> None:
    cells = student.cells
    todos = [cells[k - 1] for k, cell in enumerate(cells) if cell.metadata.get("nbgrader", {}).get("solution")]
    assert len(todos) == len(lab_settings(assignment=assignment).points)
    assert all("**TODO" in cell.source for cell in todos)
    missing = [cell.source.splitlines()[0] for cell in todos if "you should see" not in cell.source]
    assert not missing
