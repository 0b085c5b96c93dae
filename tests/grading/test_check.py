"""`check`: the student-side run of the visible tests, with the grader's engine and messages."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, SETTINGS, SOURCE, cell, data_folder, filled, write
from movielens_lab.errors import LabError
from movielens_lab.grading import outcomes
from movielens_lab.grading.check import check, sections_table
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nbformat.NotebookNode]:
    course = build_course(tmp_path_factory.mktemp("check") / "course", SOURCE, SETTINGS)
    return course.student_notebook, nbformat.read(course.student_notebook, as_version=4)


def test_a_correct_notebook_passes(released, tmp_path: Path, capsys):
    template, student = released
    notebook = write(filled(student), tmp_path / "mine.ipynb")
    assert check(notebook, data_dir=data_folder(tmp_path / "data"), template=template, config=CONFIG) == 0
    out = capsys.readouterr().out
    assert "3 of 3 sections passed" in out and "FAILED" not in out and "HIDDEN" not in out


def test_the_kernels_own_output_stays_off_the_terminal(released, tmp_path: Path, capfd):
    """TensorFlow's C++ log and Jupyter's warnings are written by the kernel process itself."""
    template, student = released
    chatter = "import os\nos.write(2, b'kernel process chatter\\n')\n"
    notebook = write(filled(student, square=chatter + "def square(x):\n    return x * x"), tmp_path / "mine.ipynb")
    assert check(notebook, data_dir=data_folder(tmp_path / "data"), template=template, config=CONFIG) == 0
    out, err = capfd.readouterr()
    assert "3 of 3 sections passed" in out and "kernel process chatter" not in out + err


def test_check_shows_the_message_grade_gives(released, tmp_path: Path, capsys):
    template, student = released
    submissions = tmp_path / "submissions"
    nb = filled(student, square="def square(x):\n    return x + x + 1")
    cell(nb, "test_square").source = "pass  # tampered: check restores the released tests, like grade"
    notebook = write(nb, submissions / "eve.ipynb")
    data = data_folder(tmp_path / "data")
    assert check(notebook, data_dir=data, template=template, config=CONFIG) == 1
    out = capsys.readouterr().out.splitlines()
    section = next(k for k, line in enumerate(out) if line.startswith("1. Square"))
    assert "FAILED" in out[section]
    message = "AssertionError: square(2) should be 4: multiply x by itself"
    assert out[section + 1].strip() == message
    grade(submissions, out=tmp_path / "out", data_dir=data, source=SOURCE, config=CONFIG)
    results = json.loads((tmp_path / "out" / "students" / "eve" / "results.json").read_text())
    graded = next(t for t in results["tests"] if t["name"] == "1. Square")
    assert graded["score"] == 0 and graded["output"].splitlines()[-1] == message


def test_a_broken_notebook_is_a_one_line_error(released, tmp_path: Path):
    template, _ = released
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    with pytest.raises(LabError, match="cannot be graded: not a notebook: invalid JSON"):
        check(broken, data_dir=data_folder(tmp_path / "data"), template=template, config=CONFIG)
    with pytest.raises(LabError, match="not found"):
        check(tmp_path / "missing.ipynb", data_dir=tmp_path, template=template, config=CONFIG)


def test_check_reads_the_data_beside_the_notebook_wherever_it_is_run(released, tmp_path: Path, monkeypatch, capsys):
    """The notebook's own rule: with no --data-dir and no $MOVIELENS_DIR, the nearest data/ above the notebook."""
    template, student = released
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    notebooks = tmp_path / "project" / "notebooks"
    data = data_folder(notebooks / "data")
    reads = f"import os\nassert os.environ['MOVIELENS_DIR'] == {str(data)!r}\ndef square(x):\n    return x * x"
    notebook = write(filled(student, square=reads), notebooks / "mine.ipynb")
    monkeypatch.chdir(tmp_path / "project")
    assert check(Path("notebooks/mine.ipynb"), template=template, config=CONFIG) == 0
    assert "3 of 3 sections passed" in capsys.readouterr().out
    assert notebook.is_file()


def test_check_without_data_stops_before_running_with_one_line(released, tmp_path: Path, monkeypatch, capsys):
    template, student = released
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    notebook = write(filled(student), tmp_path / "notebooks" / "mine.ipynb")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LabError) as caught:
        check(notebook, template=template, config=CONFIG)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("no MovieLens data for checking fixture_lab: ")
    assert f"in {notebook.parent}, {tmp_path} or a folder above" in message
    assert f"data twin --data-dir {notebook.parent / 'data'}" in message
    assert "sections passed" not in capsys.readouterr().out  # nothing was run


def test_check_names_cells_by_their_sections_not_by_internal_ids(released, tmp_path: Path, capsys):
    template, student = released
    notebook = write(filled(student, square="def square(x):\n    return x * x\n1 / 0"), tmp_path / "mine.ipynb")
    check(notebook, data_dir=data_folder(tmp_path / "data"), template=template, config=CONFIG)
    out = capsys.readouterr().out
    assert "note: errors in the TODO cell of 1. Square (ZeroDivisionError)" in out, out
    assert "3. Bonus\n" not in out and "3. Bonus " in out and "(bonus)" not in out  # its title says it already


def test_the_table_names_each_section_by_its_title_once() -> None:
    results = [outcomes.TestResult("test_a", 1.0, 2.0, "1. A: 1/2 points, some checks failed\n  - a hint", error=True,
                                  title="1. A"),
               outcomes.TestResult("test_b", 1.0, 1.0, "", bonus=True, title="2. Bonus: more"),
               outcomes.TestResult("test_c", 1.0, 1.0, "", bonus=True, title="3. Extra")]
    lines = sections_table(results, {"test_a": 3, "test_b": 1, "test_c": 1}).splitlines()
    assert [line.split("  ")[0] for line in lines if not line.startswith(" ")] == ["1. A", "2. Bonus: more",
                                                                                   "3. Extra (bonus)"]
    assert lines[1].strip() == "- a hint" and lines[0].endswith("FAILED  + 1 hidden")
