"""The submission corpus (tests/corpus.py) graded in one batch on the small twin, with real nbgrader.

Every row's points are exact, section by section: cheats earn what their answers earn and
are listed for review, correct variants get full marks, each classic mistake costs only its
section with a hint that names it. No student-facing file holds hidden test code.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
from pathlib import Path

import nbformat
import pytest

import corpus
from movielens_lab.config import lab_settings
from movielens_lab.grading.batch import grade
from movielens_lab.grading.judging import split_hidden
from movielens_lab.paths import LAB, SOLUTION_NOTEBOOK


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(small_twin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], Path, str]:
    """The corpus graded in one batch, by a grader whose environment asks TensorFlow for every log line."""
    subs = tmp_path_factory.mktemp("corpus")
    corpus.write(subs)
    (subs / "expected.json").unlink()
    out = tmp_path_factory.mktemp("corpus_grading")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.MonkeyPatch.context() as env:
        env.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
        assert grade(subs, out=out, jobs=2, data_dir=small_twin.parent) == 0
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return rows, out, printed.getvalue()


def test_the_corpus_is_large_and_its_points_are_the_configs() -> None:
    assert len(corpus.CASES) >= 30
    assert corpus.POINTS == lab_settings(assignment=LAB).points


def test_every_submission_is_a_row(graded) -> None:
    rows, _, _ = graded
    assert set(rows) == set(corpus.CASES)


@pytest.mark.parametrize("name", sorted(corpus.CASES))
def test_points_per_section_are_exact(graded, name: str) -> None:
    rows, out, _ = graded
    case, row = corpus.CASES[name], rows[name]
    got = {g: float(row[g]) for g in corpus.POINTS}
    assert got == case.expected(), row["reason"]
    results = json.loads((out / "students" / name / "results.json").read_text())
    assert case.note in row["reason"]
    failed = [t["output"] for g, t in zip(corpus.POINTS, results["tests"]) if t["score"] < corpus.POINTS[g]]
    for section, words in case.hints.items():
        assert any(words in text for text in failed), (section, words, failed)


@pytest.mark.parametrize("name", sorted(corpus.CASES))
def test_cheats_and_only_cheats_are_listed_for_review(graded, name: str) -> None:
    rows, _, printed = graded
    flagged = "review:" in rows[name]["reason"]
    assert flagged == corpus.CASES[name].flagged, rows[name]["reason"]
    review = printed.split("review by hand", 1)[-1]
    assert (f"  {name}:" in review) == corpus.CASES[name].flagged


def _hidden_code() -> list[str]:
    """Lines of the solution's hidden tests that are code (not a hint's text)."""
    source = nbformat.read(SOLUTION_NOTEBOOK, as_version=4)
    lines = [line.strip() for cell in source.cells if cell.cell_type == "code"
             for line in split_hidden(cell.source)[1].splitlines()]
    return [line for line in lines if len(line) > 24 and not line.startswith(('"', "#"))]


def test_no_student_file_holds_hidden_test_code(graded) -> None:
    rows, out, _ = graded
    hidden = _hidden_code()
    assert len(hidden) > 30
    for name in rows:
        for file in ("feedback.html", "results.json"):
            text = (out / "students" / name / file).read_text()
            if file == "results.json":
                data = json.loads(text)
                text = "\n".join([data["output"], *(t["output"] for t in data["tests"])])
            text = html.unescape(text)
            assert not [line for line in hidden if line in text], (name, file)


def test_the_kernel_writes_nothing_to_stderr(graded) -> None:
    """TensorFlow's log stays out of the cells even when the grader's environment asks for it."""
    _, out, _ = graded
    executed = nbformat.read(out / "executed" / "complete.ipynb", as_version=4)
    stderr = [o.text for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert stderr == []
