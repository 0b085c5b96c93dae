"""Every kind of bad submission, graded in one batch through real nbgrader and a real kernel.

The fixture assignment (tests/fixtures) is pure Python with tiny limits (5 s per cell,
512 MiB), so the whole batch takes well under a minute.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_notebook

from fixtures.submissions import CONFIG, SETTINGS, SOURCE, cell, data_folder, filled, write
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade

pytestmark = pytest.mark.slow  # one batch of every bad submission, timeouts included (test_batch.py is the fast one)


def _cases(student: nbformat.NotebookNode, folder: Path) -> None:
    """Write one submission per robustness case into ``folder``."""
    write(filled(student), folder / "correct.ipynb")
    write(filled(student, mean="def mean(xs):\n    return sum(xs) / 3"), folder / "partial.ipynb")
    write(filled(student, square="def square(x):\n    return x * abs(x)"), folder / "hidden_fail.ipynb")
    write(filled(student, square="def square(x)\n    return x * x"), folder / "syntax.ipynb")
    write(student, folder / "blank.ipynb")
    write(filled(student, square="while True:\n    pass"), folder / "loop.ipynb")
    write(filled(student, mean="import os\nos._exit(1)"), folder / "exit.ipynb")
    write(filled(student, mean="import ctypes\nctypes.string_at(0)"), folder / "segfault.ipynb")
    write(filled(student, mean="hog = b'x' * (2 * 1024**3)"), folder / "memory.ipynb")

    edited = filled(student, square="def square(x):\n    return 0")
    cell(edited, "test_square").source = "pass"
    cell(edited, "intro").source = "I rewrote the instructions"
    write(edited, folder / "edited.ipynb")
    deleted = filled(student, mean="def mean(xs):\n    return 0")
    deleted.cells.remove(cell(deleted, "test_mean"))
    write(deleted, folder / "deleted.ipynb")
    moved = filled(student)
    test = cell(moved, "test_square")
    moved.cells.remove(test)
    moved.cells.append(test)
    write(moved, folder / "moved.ipynb")
    reordered = filled(student)
    reordered.cells.reverse()
    write(reordered, folder / "reordered.ipynb")

    write(new_notebook(), folder / "empty.ipynb")
    (folder / "not_a_notebook.ipynb").write_text("I forgot to attach my work, sorry!\n")
    (folder / "invalid_json.ipynb").write_text('{"cells": [')
    (folder / "nbformat5.ipynb").write_text(json.dumps({"nbformat": 5, "nbformat_minor": 0, "cells": []}))
    write(filled(student), folder / "Ana María López.ipynb")

    huge = filled(student, square="for i in range(20000):\n    print('spam', i)\n"
                                   "def square(x):\n    return x * x")
    cell(huge, "square").outputs = [nbformat.v4.new_output("stream", text="x" * 20_000_000)]
    write(huge, folder / "huge.ipynb")

    older = write(filled(student, square="def square(x):\n    return 0"), folder / "twice" / "Bob.ipynb")
    newer = write(filled(student), folder / "Bob.ipynb")
    os.utime(older, (1_000_000, 1_000_000))
    os.utime(newer, (2_000_000, 2_000_000))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("robust")
    course = build_course(root / "course", SOURCE, SETTINGS)
    student = nbformat.read(course.student_notebook, as_version=4)
    _cases(student, root / "submissions")
    out = root / "out"
    assert grade(root / "submissions", out=out, jobs=2, data_dir=data_folder(root / "data"),
                 source=SOURCE, config=CONFIG) == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"root": root, "out": out, "rows": rows}


def _row(batch: dict, student: str) -> dict:
    return batch["rows"][student]


def _scores(row: dict) -> tuple[float, float, float]:
    return float(row["test_square"]), float(row["test_mean"]), float(row["test_bonus_answer"])


def test_every_submission_has_a_row_with_a_status(batch):
    assert len(batch["rows"]) == 20
    for row in batch["rows"].values():
        assert row["status"] in {"graded", "graded-with-errors", "timeout", "crashed", "invalid"}
        assert row["reason"]


def test_correct_and_partial_credit(batch):
    correct = _row(batch, "correct")
    assert (correct["status"], correct["total"], correct["bonus"], correct["reason"]) == ("graded", "5", "1", "ok")
    assert _scores(_row(batch, "partial")) == (2, 1.5, 1)
    assert _scores(_row(batch, "hidden_fail")) == (0, 3, 1)


def test_syntax_error_and_blank_notebook(batch):
    syntax = _row(batch, "syntax")
    assert syntax["status"] == "graded-with-errors" and "square (SyntaxError)" in syntax["reason"]
    assert _scores(syntax) == (0, 3, 1)
    blank = _row(batch, "blank")
    assert blank["status"] == "graded-with-errors" and blank["total"] == "0" and blank["bonus"] == "0"
    assert "NotImplementedError" in blank["reason"]


def test_infinite_loop_times_out_and_the_rest_is_graded(batch):
    loop = _row(batch, "loop")
    assert loop["status"] == "timeout" and "square ran past 5 s" in loop["reason"]
    assert _scores(loop) == (0, 3, 1)


@pytest.mark.parametrize("student", ["exit", "segfault"])
def test_kernel_death_is_reported_and_graded_as_far_as_it_got(batch, student):
    row = _row(batch, student)
    assert row["status"] == "crashed" and "kernel died" in row["reason"]
    assert _scores(row) == (2, 0, 0)  # square was answered before mean killed the kernel


def test_memory_limit_stops_a_blow_up(batch):
    row = _row(batch, "memory")
    assert float(row["test_mean"]) == 0
    assert row["status"] == "crashed" or "mean (MemoryError)" in row["reason"], row["reason"]


def test_tampered_tests_are_restored_and_reported(batch):
    edited = _row(batch, "edited")
    assert _scores(edited) == (0, 3, 1)
    assert "read-only cell intro, test cell test_square edited (original restored)" in edited["reason"]
    deleted = _row(batch, "deleted")
    assert _scores(deleted) == (2, 0, 1) and "test cell test_mean deleted" in deleted["reason"]
    for student in ("moved", "reordered"):
        row = _row(batch, student)
        assert row["total"] == "5" and "cells moved" in row["reason"]


@pytest.mark.parametrize("student, why", [
    ("empty", "none of the assignment's answer cells"),
    ("not_a_notebook", "invalid JSON"),
    ("invalid_json", "invalid JSON"),
    ("nbformat5", "unsupported nbformat 5"),
])
def test_unreadable_submissions_are_invalid(batch, student, why):
    row = _row(batch, student)
    assert row["status"] == "invalid" and why in row["reason"] and row["total"] == "0"
    results = json.loads((batch["out"] / "students" / student / "results.json").read_text())
    assert results["score"] == 0 and why in results["tests"][0]["output"]


def test_unicode_names_and_the_same_student_twice(batch):
    ana = _row(batch, "ana_maria_lopez")
    assert ana["name"] == "Ana María López" and ana["total"] == "5"
    bob = _row(batch, "bob")
    assert bob["total"] == "5" and "2 submissions" in bob["reason"] and "twice/Bob.ipynb" in bob["reason"]


def test_huge_outputs_are_capped(batch):
    row = _row(batch, "huge")
    assert row["status"] == "graded" and row["total"] == "5"
    folder = batch["out"] / "students" / "huge"
    assert (folder / "feedback.html").stat().st_size < 2_000_000
    assert (folder / "results.json").stat().st_size < 50_000


def test_feedback_never_shows_hidden_tests(batch):
    folder = batch["out"] / "students" / "hidden_fail"
    feedback = (folder / "feedback.html").read_text()
    assert "square(-3) should be 9" in feedback  # the hidden test failed and says why...
    results = (folder / "results.json").read_text()
    assert "square(-3) should be 9" in results
    for student in batch["rows"]:
        for name in ("feedback.html", "results.json"):
            text = (batch["out"] / "students" / student / name).read_text()
            assert "HIDDEN" not in text  # ...but no hidden test code, nor its markers


def test_gradescope_results(batch):
    results = json.loads((batch["out"] / "students" / "partial" / "results.json").read_text())
    assert results["score"] == 4.5
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["2. Mean"]["score"] == 1.5 and tests["2. Mean"]["max_score"] == 3
    assert tests["3. Bonus"]["max_score"] == 0  # its title says bonus: no "(bonus)" after it
    assert all(t["visibility"] == "visible" for t in results["tests"])


def test_regrading_is_idempotent_and_cached(batch, capsys):
    out, before = batch["out"], (batch["out"] / "grades.csv").read_text()
    records = {p: p.stat().st_mtime_ns for p in (out / "students").glob("*/record.json")}
    assert grade(batch["root"] / "submissions", out=out, jobs=2, data_dir=batch["root"] / "data",
                 source=SOURCE, config=CONFIG) == 0
    assert (out / "grades.csv").read_text() == before
    assert {p: p.stat().st_mtime_ns for p in records} == records  # nothing graded again
    assert "correct" in capsys.readouterr().out


def test_a_damaged_record_is_graded_again(batch):
    out, before = batch["out"], (batch["out"] / "grades.csv").read_text()
    damaged = next((out / "students").glob("*/record.json"))
    record = json.loads(damaged.read_text())
    damaged.write_text(json.dumps({**record, "outcome": {"student": "x", "unknown": 1}}))
    others = {p: p.stat().st_mtime_ns for p in (out / "students").glob("*/record.json") if p != damaged}
    assert grade(batch["root"] / "submissions", out=out, data_dir=batch["root"] / "data", source=SOURCE,
                 config=CONFIG) == 0
    assert (out / "grades.csv").read_text() == before and json.loads(damaged.read_text())["outcome"]["tests"]
    assert {p: p.stat().st_mtime_ns for p in others} == others
