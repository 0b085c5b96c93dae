"""grades.csv both ways: the header, one row per outcome, and the rows read back as written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from movielens_lab.errors import LabError
from movielens_lab.grading import outcomes
from movielens_lab.grading.outcomes import Outcome
from movielens_lab.grading.outputs.folder import GradingFolder
from movielens_lab.grading.outputs.grades import Row, grades_csv, header, read_grades, row, write_grades
from movielens_lab.grading.review import DUPLICATE, Note

TESTS = [outcomes.TestResult("test_square", 2.0, 2.0, "", title="1. Square"),
         outcomes.TestResult("test_mean", 1.5, 3.0, "- divide by len(xs)", error=True, title="2. Mean"),
         outcomes.TestResult("test_bonus_answer", 1.0, 1.0, "", bonus=True)]


def _outcome(**fields) -> Outcome:
    return Outcome("libo_102", "libo", "graded", list(TESTS), **fields)


def test_csv_row_matches_the_header() -> None:
    ids = ["test_square", "test_mean", "test_bonus_answer", "test_missing"]
    line = row(_outcome(lms_user_id="102", late=True, submitted_at="2024-03-02"), ids, "fixture_lab")
    assert dict(zip(header(ids), line)) == {
        "student": "libo_102", "name": "libo", "test_square": "2", "test_mean": "1.5", "test_bonus_answer": "1",
        "test_missing": "0", "total": "3.5", "bonus": "1", "status": "graded", "reason": "ok",
        "lms_user_id": "102", "late": "yes", "submitted_at": "2024-03-02", "assignment": "fixture_lab", "review": ""}
    assert row(_outcome(late=False), ids, "a")[-4] == "no" and row(_outcome(), ids, "a")[-4] == ""


def test_grades_csv_is_the_header_and_one_row_per_outcome() -> None:
    ids = ["test_square", "test_mean", "test_bonus_answer"]
    text = grades_csv([_outcome(), _outcome(notes=["x, with a comma"])], ids, "fixture_lab")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [header(ids), row(_outcome(), ids, "fixture_lab"),
                    row(_outcome(notes=["x, with a comma"]), ids, "fixture_lab")]
    assert {row[-2] for row in rows[1:]} == {"fixture_lab"}


def test_the_rows_read_back_are_the_rows_written(tmp_path: Path) -> None:
    ids = ["test_square", "test_mean", "test_bonus_answer"]
    folder = GradingFolder(tmp_path)
    twice = Note("2 submissions for this student: graded b.ipynb (newest)", DUPLICATE)
    write_grades(folder, [_outcome(notes=["=SUM(A1), a note", twice], lms_user_id="102", flags=["a flag"]),
                          _outcome(late=False)], ids, "lab")
    grades = read_grades(folder.grades)
    assert grades.grade_ids == ids
    assert grades.rows == [Row("libo_102", "libo", 3.5, 1.0, "graded", f"=SUM(A1), a note; {twice}; review: a flag",
                               "102", "lab", ["tampering flag", "duplicate"]),
                           Row("libo_102", "libo", 3.5, 1.0, "graded", "ok", "", "lab", [])]


def test_a_file_without_the_columns_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "grades.csv").write_text("student,name,total\r\nada,Ada,3\r\n")
    with pytest.raises(LabError, match="lacks the columns of grades.csv"):
        read_grades(tmp_path / "grades.csv")


def test_a_file_older_than_the_assignment_and_review_columns_reads_them_as_unknown(tmp_path: Path) -> None:
    columns = header(["test_square"])[:-2]
    (tmp_path / "grades.csv").write_text(",".join(columns) + "\r\nada,Ada,2,2,0,graded,ok,,,\r\n")
    [ada] = read_grades(tmp_path / "grades.csv").rows
    assert (ada.assignment, ada.review) == ("", None)
