"""The rows of a graded class that need a person, and why."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.gradingdir import write_class
from movielens_lab.grading.outputs.folder import GradingFolder
from movielens_lab.grading.outputs.graded import read_class
from movielens_lab.grading.report.attention import needs_a_person
from movielens_lab.safetext import csv_text, read_csv

WHY = [("dave", ["tampering flag"]), ("erin", ["timeout"]), ("frank", ["invalid file"]), ("gina", ["dead kernel"]),
       ("hank", ["cells restored or moved", "duplicate"])]


def test_the_rows_that_need_a_person_say_why(tmp_path: Path):
    reviews = needs_a_person(read_class(write_class(tmp_path / "grading")))
    assert [(r.student, r.why) for r in reviews] == WHY
    assert reviews[-1].reason.startswith("2 submissions for this student")


def test_a_grading_folder_older_than_the_categories_is_read_by_the_wording(tmp_path: Path):
    """grades.csv without its review column, record.json with its notes as text only: as a newer one reads."""
    folder = write_class(tmp_path / "grading")
    files = GradingFolder(folder)
    columns, lines = read_csv(files.grades)
    files.grades.write_text(csv_text([c for c in columns if c != "review"],
                                     ([v for c, v in line.items() if c != "review"] for line in lines)))
    for record in files.students.glob("*/record.json"):
        data = json.loads(record.read_text())
        data["outcome"]["notes"] = [n["note"] if isinstance(n, dict) else n for n in data["outcome"]["notes"]]
        record.write_text(json.dumps(data))
    assert "review" not in files.grades.read_text().splitlines()[0] and '"review"' not in record.read_text()
    old = read_class(folder)
    assert [(r.student, r.why) for r in needs_a_person(old)] == WHY
    assert [row.review for row in old.rows] == [row.review for row in read_class(write_class(tmp_path / "new")).rows]
