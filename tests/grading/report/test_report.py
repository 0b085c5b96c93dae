"""The class report and the Canvas import, built from grading folders with known rows (no grading)."""

from __future__ import annotations

import base64
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from fixtures.gradingdir import CLASS, SIZE, YCNT, YMEAN, Known, write_class, write_grading_folder
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab.errors import LabError
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.outputs.runfacts import RunFacts
from movielens_lab.grading.report.report import report
from movielens_lab.grading.review import DUPLICATE, Note


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_class(tmp_path / "grading")


class _Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


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


def test_the_markdown_report_shows_names_and_notes_as_text(tmp_path: Path):
    out = write_grading_folder(tmp_path / "g", [
        Known("x", name="<script>alert(1)</script>", status="invalid", notes=["see [here](javascript:alert(1))"]),
        Known("y", name="=1+1 & <b>bold</b>\n# heading",
              collect_notes=[Note("2 submissions for this student: <i>", DUPLICATE)])])
    report(out)
    md = (out / "report.md").read_text()
    assert ("| &lt;script&gt;alert(1)&lt;/script&gt; | invalid | invalid file | "
            "see [here]\\(javascript:alert(1)) |") in md
    assert ("| =1+1 &amp; &lt;b&gt;bold&lt;/b&gt; # heading | graded | duplicate | "
            "2 submissions for this student: &lt;i&gt; |") in md
    assert "<" not in md  # no HTML at all reaches a Markdown renderer


def test_a_folder_without_run_facts_still_has_a_report(tmp_path: Path):
    out = write_grading_folder(tmp_path / "old", CLASS[:2], assignment="movielens_lab_2")
    report(out)
    md = (out / "report.md").read_text()
    assert "No run.json in this folder" in md
    assert md.startswith("# Class report: movielens_lab_2\n")  # grades.csv's column says which assignment


def test_not_a_grading_folder_is_one_line(tmp_path: Path):
    with pytest.raises(LabError, match="is not a grading folder") as err:
        report(tmp_path)
    assert "\n" not in str(err.value)
    out = write_grading_folder(tmp_path / "g", CLASS[:2])
    (out / "students" / "bob" / "record.json").write_text("{")
    with pytest.raises(LabError, match="bob/record.json is missing or damaged"):
        report(out)


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
    # never "MovieLens 1M":
    assert facts.dataset == "other data in the MovieLens 1M layout (1 ratings, 1 users, 1 movies)"
    assert facts.assignment == "fixture_lab" and not facts.sandboxed
    assert (out / "canvas_import.csv").read_text().splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,fixture_lab", '"Doe, Jane",103,,jdoe,A,6', '"Roe, Rick",104,,,A,']
    md = (out / "report.md").read_text()
    assert "| students | 2 |" in md and "zeezed (zeezed_555)" in md


def test_the_report_lists_the_changed_tests_and_whose_points_moved_as_text(folder: Path):
    facts = RunFacts.read(folder)
    assert facts is not None
    replace(facts, graded=0, rejudged=9, changed=["5. Baselines (test_baselines)"],
            moved=[["bob", "<script>x</script>", "=1+1", "12 + 10 bonus"]]).write(folder)
    assert report(folder, config=CONFIG) == 0
    html, md = (folder / "report.html").read_text(), (folder / "report.md").read_text()
    assert "Tests changed since the grading before: 5. Baselines (test_baselines)." in md
    assert "| bob | &lt;script&gt;x&lt;/script&gt; | =1+1 | 12 + 10 bonus |" in md
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "0 (the other 9 re-judged from their kept runs)" in md
    replace(facts, changed=[], moved=[]).write(folder)
    report(folder, config=CONFIG)
    assert "Changes since the last grading" not in (folder / "report.md").read_text()
