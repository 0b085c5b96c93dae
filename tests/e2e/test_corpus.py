"""The submission corpora (tests/fixtures/corpus.py, tests/fixtures/corpus_2.py), each graded in one batch on a twin
(``corpora``, shared by the session: tests/conftest.py).

Real nbgrader, the real judge. Every row's points are exact, section by section: cheats earn
what their answers earn and are listed for review, correct variants get full marks, each
classic mistake costs only its section with a hint that names it. No student-facing file
holds hidden test code.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
import pytest

from fixtures import corpus, corpus_2
from fixtures.gradedcorpus import CORPORA, Graded
from movielens_lab.config import lab_settings
from movielens_lab.grading.check import judged
from movielens_lab.grading.judge.spec import judge_spec, split_hidden
from movielens_lab.grading.submissions.rebuild import read_cells, rebuild
from movielens_lab.paths import LAB, LAB_2, solution_notebook, student_notebook

pytestmark = pytest.mark.slow

ROWS = [(assignment, name) for assignment, (cases, _, _) in CORPORA.items() for name in sorted(cases)]


every_corpus = pytest.mark.parametrize("assignment", list(CORPORA))
every_row = pytest.mark.parametrize("assignment, name", ROWS)


@every_corpus
def test_the_corpus_is_large_and_its_points_are_the_configs(assignment: str) -> None:
    cases, points, _ = CORPORA[assignment]
    every_mistake = sorted(sum(corpus_2.MISTAKE_SETS, ())) == sorted(corpus_2.MISTAKES)
    assert len(cases) >= 30 if assignment == LAB else every_mistake
    assert points == lab_settings(assignment=assignment).points


@every_corpus
def test_every_submission_is_a_row(corpora, assignment: str) -> None:
    graded = corpora(assignment)
    assert set(graded.rows) == set(graded.cases)


@every_row
def test_points_per_section_are_exact(corpora, assignment: str, name: str) -> None:
    graded = corpora(assignment)
    case, row = graded.cases[name], graded.rows[name]
    got = {g: float(row[g]) for g in graded.points}
    assert got == case.expected(), row["reason"]
    results = json.loads((graded.out / "students" / name / "results.json").read_text())
    assert case.note in row["reason"]
    failed = [t["output"] for g, t in zip(graded.points, results["tests"]) if t["score"] < graded.points[g]]
    for section, words in case.hints.items():
        for word in (words,) if isinstance(words, str) else words:
            assert any(word in text for text in failed), (section, word, failed)


@every_row
def test_cheats_and_only_cheats_are_listed_for_review(corpora, assignment: str, name: str) -> None:
    graded = corpora(assignment)
    flagged = "review:" in graded.rows[name]["reason"]
    assert flagged == graded.cases[name].flagged, graded.rows[name]["reason"]
    review = graded.printed.split("review by hand", 1)[-1]
    assert (f"  {name}:" in review) == graded.cases[name].flagged


def _hidden_code(assignment: str) -> list[str]:
    """Lines of the solution's hidden tests that are code (not a hint's text)."""
    source = nbformat.read(solution_notebook(assignment), as_version=4)
    lines = [line.strip() for cell in source.cells if cell.cell_type == "code"
             for line in split_hidden(cell.source)[1].splitlines()]
    return [line for line in lines if len(line) > 24 and not line.startswith(('"', "#"))]


def _read_back(graded: Graded) -> dict[str, str]:
    """Every file of the grading folder a student or the instructor reads, as the text they see."""
    texts = {"grades.csv": (graded.out / "grades.csv").read_text(), "report.md": (graded.out / "report.md").read_text(),
             "report.html": html.unescape((graded.out / "report.html").read_text()), "printed": graded.printed}
    for name in graded.rows:
        folder = graded.out / "students" / name
        texts[f"{name}/feedback.html"] = html.unescape((folder / "feedback.html").read_text())
        data = json.loads((folder / "results.json").read_text())
        texts[f"{name}/results.json"] = "\n".join([data["output"], *(t["output"] for t in data["tests"])])
    return texts


@every_corpus
def test_no_line_of_hidden_test_code_is_anywhere_a_student_or_the_instructor_reads(corpora, assignment: str) -> None:
    graded = corpora(assignment)
    hidden = _hidden_code(graded.assignment)
    assert len(hidden) > 30
    for where, text in _read_back(graded).items():
        assert not [line for line in hidden if line in text], where


@every_corpus
def test_nothing_a_student_wrote_reaches_what_is_read_as_text(corpora, assignment: str) -> None:
    """The leak cases put corpus.LEAK in error messages, class names and "unavailable" reasons: it never shows."""
    graded = corpora(assignment)
    assert assignment != LAB or {"leaky_error_messages", "cheat_forged_reasons"} <= set(graded.rows)
    for where, text in _read_back(graded).items():
        assert corpus.LEAK not in text, where


def test_check_reports_exactly_what_grade_gives_for_the_visible_parts(corpora, small_twin: Path,
                                                                      tmp_path: Path) -> None:
    """``check``'s judge, on the released tests, scores each visible part as grade's judge scored it, up to the
    first section lost (after it, grade's judge sends the kernel correct values; check has no hidden code to)."""
    graded = corpora(LAB)
    settings = lab_settings(assignment=LAB)
    released = nbformat.read(student_notebook(LAB), as_version=4)
    for name in ("variant_added_helper_cell", "seed_like_student", "trained_on_test_set"):
        nb, _ = rebuild(read_cells(nbformat.writes(graded.cases[name].build()).encode()), released)
        spec = judge_spec(released, settings.points, settings.bonus)
        verdict, _ = judged(nb, spec, settings, small_twin.parent)
        record = json.loads((graded.out / "students" / name / "record.json").read_text())["outcome"]
        lost = next((k for k, t in enumerate(record["tests"]) if t["score"] < t["max_score"]), len(record["tests"]))
        upstream = [t["grade_id"] for t in record["tests"][:lost + 1]]
        assert {t.grade_id: t.score for t in verdict.tests if t.grade_id in upstream} == \
            {g: record["visible"][g] for g in upstream}, name


@every_corpus
def test_the_kernel_writes_nothing_to_stderr(corpora, assignment: str) -> None:
    """TensorFlow's log stays out of the cells even when the grader's environment asks for it."""
    graded = corpora(assignment)
    executed = nbformat.read(graded.out / "executed" / f"{CORPORA[graded.assignment][2]}.ipynb", as_version=4)
    stderr = [o.text for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert stderr == []


@every_corpus
def test_the_references_are_kept_and_marked_complete_for_the_next_grading(corpora, assignment: str) -> None:
    """The warm-up's references stay in the grading folder, marked complete for these tests: a later grading of the
    same course on the same data starts no warm-up judge (``grade._warm_up``)."""
    [data] = (corpora(assignment).out / "sealed" / "memo").iterdir()
    assert len(list(data.glob("warmed-*"))) == 1
    assert len(list(data.glob("*.json"))) >= {LAB: 10, LAB_2: 3}[assignment]  # a file per reference fit
