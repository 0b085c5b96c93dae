"""A hostile class (tests/fixtures/hostile.py) graded in one batch: every file its own row, outputs safe to open,
the grader's own work bounded.

The batch runs `grade` in a process of its own (real nbgrader, real kernels, the fixture
assignment), so that its peak memory and what it prints are its own.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from fixtures import hostile
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder
from movielens_lab.grading.course import build_course
from movielens_lab.grading.submissions.collect import MAX_ID
from movielens_lab.safetext import FORMULA_START, NUMBER, read_csv

GRADE = ("import sys; from pathlib import Path; from movielens_lab.grading.grade import grade; "
         "code = grade(Path(sys.argv[1]), out=Path(sys.argv[2]), data_dir=Path(sys.argv[3]), "
         "source=Path(sys.argv[4]), config=Path(sys.argv[5]), roster=Path(sys.argv[6]), jobs=2); "
         f"Path(sys.argv[7]).write_text(str({hostile.PEAK_KIB})); "
         "sys.exit(code)")
"""``grade`` in a process of its own, which writes its peak resident memory (KiB) into a file."""
GIB_KIB = 2**20


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    out = root / "out"  # its course released here, as grade releases it (grade finds it current)
    student = nbformat.read(build_course(out / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    archive = hostile.build(root / "class.zip", student)
    roster = root / "roster.csv"
    roster.write_text(hostile.ROSTER, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", GRADE, archive, out, data_folder(root / "data"), SOURCE, CONFIG,
                           roster, root / "peak"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    _, rows = read_csv(out / "grades.csv")
    return {"out": out, "stdout": done.stdout, "stderr": done.stderr, "peak": int((root / "peak").read_text()),
            "rows": rows, "by_name": {row["name"]: row for row in rows}}


def test_every_file_is_a_row_with_a_safe_unique_id(batch):
    rows = batch["rows"]
    expected = [*hostile.NAMED, *hostile.LARGE, hostile.DEEP, *(f"bomb{k:02d}" for k in range(hostile.BOMB_ENTRIES)),
                *(f"huge{k:02d}" for k in range(hostile.HUGE_ENTRIES))]
    assert sorted(batch["by_name"]) == sorted(expected) and len(rows) == len(expected)
    ids = [row["student"] for row in rows]
    assert len(set(ids)) == len(ids) and all(len(i) <= MAX_ID for i in ids)
    for student in ids:  # every id names a folder: a 255-byte name or a 300-character entry name fits
        assert (batch["out"] / "students" / student / "feedback.html").is_file()


def test_hostile_names_are_read_back_as_written_each_with_its_own_file(batch):
    for name in hostile.NAMED:
        row = batch["by_name"][name]
        assert row["status"] == "invalid" and "none of the assignment's answer cells" in row["reason"], name
        if name not in ("UPPER", hostile.MISNAMED_AS):
            assert _origin(batch, name) == f"{name}.ipynb"


def _origin(batch: dict, name: str) -> str:
    record = batch["out"] / "students" / batch["by_name"][name]["student"] / "record.json"
    return json.loads(record.read_text())["origin"]


def test_clashing_ids_stay_apart_whatever_the_names(batch):
    rows = [batch["by_name"][name] for name in hostile.CLASHING]
    assert len({row["student"] for row in rows}) == 4
    assert {_origin(batch, name) for name in hostile.CLASHING} == {f"{name}.ipynb" for name in hostile.CLASHING}
    assert "2 students give the id case" in batch["by_name"]["Case"]["reason"]


def test_upper_case_extensions_and_misflagged_names_are_read_as_notebooks(batch):
    assert _origin(batch, "UPPER") == "UPPER.IPYNB"
    row = batch["by_name"][hostile.MISNAMED_AS]
    assert f"marks the name of {hostile.MISNAMED_AS}.ipynb as UTF-8 but it is not" in row["reason"]


@pytest.mark.parametrize("name, status, why", [
    ("nested", "invalid", "nested.zip is an archive (.zip), not a notebook"),
    ("bigcell", "invalid", "too large: code cell 4 holds over 256 KiB"),
    ("manycells", "invalid", "too large: 300000 cells, more than the 2000"),
    ("huge00", "invalid", "too large: huge00.ipynb is over 50 MiB"),
    ("bomb00", "invalid", "not a notebook: invalid JSON"),
])
def test_what_cannot_be_graded_gets_a_row_saying_why(batch, name, status, why):
    row = batch["by_name"][name]
    assert row["status"] == status and why in row["reason"] and row["total"] == "0", row["reason"]


def test_code_the_scan_cannot_read_in_full_is_graded_and_flagged(batch):
    deep = batch["by_name"][hostile.DEEP]
    assert (deep["total"], deep["bonus"]) == ("5", "1")  # its answers, graded by the kernel and the judge
    assert "review: has code nested too deeply to scan" in deep["reason"]
    assert "review: has more than 1 MiB of code, not all scanned" in deep["reason"]


def _raw_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [cell for line in csv.reader(fh) for cell in line]


@pytest.mark.parametrize("file", ["grades.csv", "canvas_import.csv"])
def test_no_csv_cell_starts_a_formula(batch, file):
    cells = _raw_cells(batch["out"] / file)
    risky = [c for c in cells if c and c[0] in FORMULA_START and not NUMBER.fullmatch(c)]
    assert not risky
    assert "'@SUM(1+1)" in cells  # there, as text


def test_the_canvas_import_reads_the_roster_as_canvas_exports_it(batch):
    with open(batch["out"] / "canvas_import.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Fixture Lab (901)"],
                    ["Points Possible", "", "", "", "", "5"],
                    ["Pat, Plain", "302", "S302", "plainpat", "Sec A", "0"],  # empty notebooks: 0, not ""
                    ["Dee, Dup", "303", "S303", "dupdee", "Sec A", "0"],  # one Canvas user on two rows
                    ["Dee, Dup", "303", "S303", "dupdee", "Sec B", "0"],
                    ["Student, Test", "304", "", "", "Sec A", ""],
                    ["'@SUM(1+1)", "305", "S305", "'-2+3", "'=cmd|' /C calc'!A0", "0"]]
    out = batch["stdout"]
    assert "roster: the roster's Muted row (Canvas's mark of muted assignments) is not a student" in out
    assert "roster: Student, Test (ID 304) is Canvas's test student" in out
    assert "roster: Canvas ID 303 is on 2 roster rows" in out
    assert "in the roster without a submission" not in out  # the test student is not missing


def test_the_terminal_sees_no_control_bytes(batch):
    out, err = batch["stdout"], batch["stderr"]
    assert not [c for c in out if unicodedata.category(c) == "Cc" and c != "\n"]
    assert not set(err) & {"\x1b", "\x07", "\u202e"}
    assert "\\x1b]0;PWNED\\x07\\x1b[31mred" in out  # shown, escaped


def test_report_md_escapes_html_and_report_html_runs_nothing(batch):
    md = (batch["out"] / "report.md").read_text()
    assert "&lt;img src=x onerror=" in md and "<img" not in md
    tags = _Tags()
    tags.feed((batch["out"] / "report.html").read_text())
    assert not {tag for tag, attrs in tags.tags if tag == "script" or any(a.startswith("on") for a in attrs)}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, [name for name, _ in attrs]))


def test_the_graders_peak_memory_stays_under_1_gib(batch):
    """The zip expands to 1.4 GiB of notebooks (4 of 45 MiB under the limit, 6 of 200 MiB past it)."""
    assert batch["peak"] < GIB_KIB, f"peak RSS {batch['peak'] / 1024:.0f} MiB"
