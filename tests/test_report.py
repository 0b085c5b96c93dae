"""The class report and the Canvas import, built from grading folders with known rows (no grading)."""

from __future__ import annotations

import base64
import csv
import io
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from fixtures.gradingdir import Known, write_grading_folder
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab.errors import LabError
from movielens_lab.grading.attention import needs_a_person
from movielens_lab.grading.batch import grade
from movielens_lab.grading.classresults import read_class
from movielens_lab.grading.course import build_course
from movielens_lab.grading.hints import common_mistakes, hints_of
from movielens_lab.grading.report import report
from movielens_lab.grading.runfacts import RunFacts

YMEAN = "ymean is indexed by id - 1: index it by the movie id itself (ymean[id])"
YCNT = "ycnt[i] counts the TRAINING ratings of movie id i (index by the id itself, not id - 1)"
SIZE = "ymean and ycnt are indexed by movie id, so they need nmovies + 1 entries"
TITLES = "titles must be a plain list of str in file order (use .tolist())"
SWEEP = "train_loss and test_loss hold one final loss per emb_dim in dims (9 values each)"
FACTS = RunFacts("movielens_lab", 9, 7, 125.4, 2, "offline twin (synthetic)", "/data", True,
                 "2026-12-01T10:00:00+00:00")

CLASS = [
    Known("alice"),
    Known("bob", {"test_movies": (2, [TITLES]), "test_baselines": (4, [YMEAN, YCNT + " [IndexError: index 3953]"])}),
    Known("carol", {"test_baselines": (2, [YMEAN])}),
    Known("dave", {"test_baselines": (4, [YMEAN, YCNT + " [IndexError: index 7 is out of bounds]"])},
          flags=["redefines the test helper LabCheck"]),
    Known("erin", status="timeout", notes=["the notebook ran past 1800 s in all and was stopped"]),
    Known("frank", status="invalid", notes=["not a notebook: invalid JSON (Expecting value at line 1)"]),
    Known("gina", {"test_baselines": (14, [SIZE + " [NameError: name 'ymean' is not defined]"])}, status="crashed",
          notes=["the kernel died while running the notebook (os._exit, a crash, or more than the 4096 MiB memory "
                 "limit); graded as far as it got"]),
    Known("hank", notes=["test_movies deleted (original restored)"],
          collect_notes=["2 submissions for this student: graded b/hank.ipynb (newest), ignored a/hank.ipynb"]),
    Known("ivy", {"test_bonus_sweep": (10, [SWEEP])}, notes=["3 cells added by the student (kept and run in place)"]),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = write_grading_folder(tmp_path / "grading", CLASS)
    FACTS.write(out)
    return out


class _Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_hints_are_read_from_a_lab_check_output():
    output = f"5. Baselines: 10/14 points, some checks failed\n  - {YMEAN}\n  - {YCNT} [ValueError: ]\n  - {YMEAN}"
    assert hints_of(output) == [YMEAN, YCNT]
    assert hints_of("NameError: name 'square' is not defined") == ["NameError: name 'square' is not defined"]


def test_hints_are_grouped_and_counted_most_frequent_first(folder: Path):
    mistakes = {m.title: m for m in common_mistakes(read_class(folder))}
    assert list(mistakes) == ["1. Movies", "5. Baselines", "11. Bonus: embedding dimension (bonus)"]
    baselines = mistakes["5. Baselines"]
    assert baselines.failed == 4  # bob, carol, dave, gina: the ungraded rows (erin, frank) are no mistakes
    assert [(h.hint, h.students) for h in baselines.hints] == [(YMEAN, 3), (YCNT, 2), (SIZE, 1)]
    assert [(h.hint, h.students) for h in mistakes["1. Movies"].hints] == [(TITLES, 1)]


def test_the_rows_that_need_a_person_say_why(folder: Path):
    reviews = needs_a_person(read_class(folder))
    assert [(r.student, r.why) for r in reviews] == [
        ("dave", ["tampering flag"]), ("erin", ["timeout"]), ("frank", ["invalid file"]),
        ("gina", ["dead kernel"]), ("hank", ["cells restored or moved", "duplicate"])]
    assert reviews[-1].reason.startswith("2 submissions for this student")


def test_the_report_is_self_contained_html_with_text_alternatives(folder: Path):
    assert report(folder) == 0
    page = (folder / "report.html").read_text()
    parser = _Tags()
    parser.feed(page)
    images = [attrs for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == 2
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
        assert len(attrs["alt"] or "") > 40
    assert not {tag for tag, _ in parser.tags} & {"script", "link", "iframe"}
    assert "http:" not in page and "https:" not in page
    assert "5. Baselines: median 10 of 14, 3 with full marks" in images[0]["alt"]  # 14 10 12 10 0 0 0 14 14
    assert "19.8-22: 4" in images[1]["alt"]  # alice, carol, hank and ivy: 22, 20, 22, 22 of 22
    assert page.count("<table>") == 4  # run facts, points per section, totals, review by hand


def test_the_markdown_report_has_the_numbers(folder: Path):
    report(folder)
    md = (folder / "report.md").read_text()
    assert "| time taken | 2 min 5 s |" in md
    assert "| dataset | offline twin (synthetic) (/data) |" in md
    assert "| statuses | 6 graded, 1 timeout, 1 crashed, 1 invalid |" in md
    assert "| 5. Baselines | 14 | 8.22 | 10 | 0 | 14 | 3 | 3 |" in md
    assert f"- {YMEAN}: 3 students\n- {YCNT}: 2 students\n- {SIZE}: 1 student\n" in md
    assert "## Review by hand (5)" in md
    assert "| hank | graded | cells restored or moved, duplicate | 2 submissions" in md


def test_a_folder_without_run_facts_still_has_a_report(tmp_path: Path):
    out = write_grading_folder(tmp_path / "old", CLASS[:2])
    report(out)
    assert "No run.json in this folder" in (out / "report.md").read_text()


def test_not_a_grading_folder_is_one_line(tmp_path: Path):
    with pytest.raises(LabError, match="is not a grading folder") as err:
        report(tmp_path)
    assert "\n" not in str(err.value)
    out = write_grading_folder(tmp_path / "g", CLASS[:2])
    (out / "students" / "bob" / "record.json").write_text("{")
    with pytest.raises(LabError, match="bob/record.json is missing or damaged"):
        report(out)


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


@pytest.mark.slow  # grades a class first
def test_grade_writes_the_report_and_the_canvas_import(tmp_path: Path):
    """One real grading (fixture assignment, --unsafe): the run's facts, the report and the import."""
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    subs = tmp_path / "subs"
    write(filled(student), subs / "doejane_103_9001_fixture_lab.ipynb")
    write(filled(student, mean="def mean(xs):\n    return 0"), subs / "zeezed_555_9002_fixture_lab.ipynb")
    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"Doe, Jane",103,,jdoe,A\n"Roe, Rick",104,,,A\n')
    out = tmp_path / "out"
    assert grade(subs, out=out, unsafe=True, data_dir=data_folder(tmp_path / "data"), source=SOURCE, config=CONFIG,
                 roster=roster) == 0
    facts = RunFacts.read(out)
    assert facts is not None and (facts.students, facts.graded, facts.jobs) == (2, 2, 1)
    assert facts.dataset == "real MovieLens 1M" and facts.assignment == "fixture_lab" and not facts.sandboxed
    assert (out / "canvas_import.csv").read_text().splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,fixture_lab", '"Doe, Jane",103,,jdoe,A,6', '"Roe, Rick",104,,,A,']
    md = (out / "report.md").read_text()
    assert "| students | 2 |" in md and "zeezed (zeezed_555)" in md
