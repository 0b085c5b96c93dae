"""Canvas: the roster read, students matched, canvas_import.csv written; nobody dropped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from fixtures.gradingdir import FACTS, YMEAN, Known, write_grading_folder
from movielens_lab.errors import LabError
from movielens_lab.grading.grade import grade
from movielens_lab.grading.report.report import report

ROSTER = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,MovieLens Lab (4242),Quiz 1 (77)\n"
          "    Points Possible,,,,,100,10\n"
          '"Bo, Li",102,S102,lbo,Sec A,,7\n'
          '"Doe, Jane",103,S103,jdoe,Sec A,,8\n'
          '"Roe, Rick",104,S104,rroe,Sec B,,9\n')


def _canvas_class(tmp_path: Path) -> Path:
    out = write_grading_folder(tmp_path / "grading", [
        Known("libo_102", {"test_baselines": (4, [YMEAN])}, lms_user_id="102", name="libo"),
        Known("jdoe", name="jdoe"),
        Known("zed", name="Zed Zee")])
    FACTS.write(out)
    return out


def test_the_canvas_import_scores_every_roster_student(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = _canvas_class(tmp_path)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert report(out, roster=tmp_path / "roster.csv") == 0
    rows = list(csv.reader(io.StringIO((out / "canvas_import.csv").read_text())))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "MovieLens Lab (4242)"],
                    ["Points Possible", "", "", "", "", "22"],
                    ["Bo, Li", "102", "S102", "lbo", "Sec A", "28"],  # by Canvas ID: 22 - 4, and 10 bonus
                    ["Doe, Jane", "103", "S103", "jdoe", "Sec A", "32"],  # by SIS login
                    ["Roe, Rick", "104", "S104", "rroe", "Sec B", ""]]  # no submission: empty, not 0
    printed = capsys.readouterr().out
    assert "2 of 3 roster students scored" in printed
    assert "not in the roster (1, no Canvas score): Zed Zee (zed)" in printed
    assert "in the roster without a submission (1, score left empty): Roe, Rick" in printed
    md = (out / "report.md").read_text()
    assert "## Canvas roster" in md and "Zed Zee (zed)" in md and '"MovieLens Lab (4242)" (the existing' in md


def test_a_name_two_roster_students_share_matches_neither(tmp_path: Path):
    out = write_grading_folder(tmp_path / "grading", [Known("janedoe", name="Jane Doe")])
    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"Doe, Jane",1,,,\n"Doe, Jane",2,,,\n')
    report(out, roster=roster)
    rows = list(csv.reader(io.StringIO((out / "canvas_import.csv").read_text())))
    assert rows[0][-1] == "movielens_lab" and [r[-1] for r in rows[1:]] == ["", ""]  # no run.json: the config's
    assert "not in the roster (1" in (out / "report.md").read_text()


@pytest.mark.parametrize("content, message", [
    ("Name,Score\nLi,3\n", "no column Student, ID"),
    (b"Student,ID\n\xff\xfe,1\n", "not a readable CSV file"),
    ("Student,ID\n    Points Possible,\n", "lists no students"),
])
def test_a_bad_roster_is_one_line_and_loses_nothing(tmp_path: Path, content: str | bytes, message: str):
    out = _canvas_class(tmp_path)
    report(out)
    before = (out / "report.html").read_bytes()
    roster = tmp_path / "roster.csv"
    roster.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(LabError, match=message) as err:
        report(out, roster=roster)
    assert "\n" not in str(err.value)
    assert (out / "report.html").read_bytes() == before and not (out / "canvas_import.csv").exists()


def test_grade_refuses_a_bad_roster_before_grading(tmp_path: Path):
    with pytest.raises(LabError, match="roster .* not found"):
        grade(tmp_path / "nothing", out=tmp_path / "out", roster=tmp_path / "missing.csv")
    assert not (tmp_path / "out").exists()


def test_muted_rows_the_test_student_and_an_id_on_two_rows_are_read_as_canvas_exports_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = _canvas_class(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,MovieLens Lab (4242)\n"
                      "    Muted,,,,,Muted\n"
                      '"Bo, Li",102,S102,lbo,Sec A,\n'
                      '"Bo, Li",102,S102,lbo,Sec B,\n'
                      '"Student, Test",999,,,Sec A,\n'
                      '"=HYPERLINK(""x""), Eve",104,S104,@eve,-Sec,\n', encoding="utf-8")
    assert report(out, roster=roster) == 0
    rows = list(csv.reader(io.StringIO((out / "canvas_import.csv").read_text())))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "MovieLens Lab (4242)"],
                    ["Bo, Li", "102", "S102", "lbo", "Sec A", "28"], ["Bo, Li", "102", "S102", "lbo", "Sec B", "28"],
                    ["Student, Test", "999", "", "", "Sec A", ""],
                    ["'=HYPERLINK(\"x\"), Eve", "104", "S104", "'@eve", "'-Sec", ""]]
    printed = capsys.readouterr().out
    assert "2 of 4 roster students scored" in printed
    assert "roster: the roster's Muted row (Canvas's mark of muted assignments) is not a student: left out" in printed
    assert ("roster: Student, Test (ID 999) is Canvas's test student (Student View): kept in the import as exported, "
            "not counted as a student") in printed
    assert ("roster: Canvas ID 102 is on 2 roster rows (Bo, Li, Bo, Li): one Canvas user, every row gets its "
            "score") in printed
    assert "in the roster without a submission (1, score left empty): =HYPERLINK(\"x\"), Eve" in printed
