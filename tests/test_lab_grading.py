"""The lab notebook through the real autograder: blank scores 0, complete 100, each mistake costs its section.

"Costs its section" means: the mistake loses points in its own section only, every other
section keeps full marks (hidden tests recompute from the student's own variables and hand
the later sections a correct state), and the feedback names the mistake.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from lab_submissions import MISTAKES, blank, completed
from movielens_lab.config import lab_settings
from movielens_lab.grading.batch import grade


@pytest.fixture(scope="module")
def graded(medium_twin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], Path]:
    subs = tmp_path_factory.mktemp("lab_submissions")
    nbformat.write(blank(), subs / "blank.ipynb")
    nbformat.write(completed(), subs / "complete.ipynb")
    for name, mistake in MISTAKES.items():
        nbformat.write(completed(mistake.edits), subs / f"{name}.ipynb")
    out = tmp_path_factory.mktemp("lab_grading")
    assert grade(subs, out, jobs=2, data_dir=medium_twin.parent) == 0
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return rows, out


def _messages(out: Path, student: str) -> dict[str, str]:
    results = json.loads((out / "students" / student / "results.json").read_text())
    return {t["name"]: t.get("output", "") for t in results["tests"]}


def test_blank_notebook_scores_zero(graded) -> None:
    rows, _ = graded
    assert float(rows["blank"]["total"]) == 0 and float(rows["blank"]["bonus"]) == 0


def test_complete_notebook_scores_full_marks(graded) -> None:
    rows, _ = graded
    points = lab_settings().points
    assert float(rows["complete"]["total"]) == 100
    assert float(rows["complete"]["bonus"]) == points["test_bonus_sweep"]
    assert all(float(rows["complete"][g]) == p for g, p in points.items())


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_costs_only_its_section_and_is_named(graded, name: str) -> None:
    rows, out = graded
    mistake, row, points = MISTAKES[name], rows[name], lab_settings().points
    assert float(row[mistake.section]) < points[mistake.section], f"{name} was not noticed"
    others = {g: float(row[g]) for g in points if g != mistake.section}
    assert others == {g: p for g, p in points.items() if g != mistake.section}, f"{name} cost other sections"
    messages = _messages(out, name)
    assert any(mistake.message in text for test, text in messages.items() if mistake.section in test), messages
