"""Similar submissions found in a graded class of the real lab (its grading folder written directly, no notebook
runs)."""

from __future__ import annotations

import shutil
from itertools import combinations
from pathlib import Path

import nbformat
import pytest

from fixtures.corpus import blank
from fixtures.gradingdir import Known, write_grading_folder
from fixtures.similarclass import (
    COPIES,
    HELPER_BASELINES,
    HELPERS,
    LOOP_CURVES,
    OTHER_USER,
    STUDENTS,
    sections,
    write_similar_class,
)
from movielens_lab.grading.outputs.graded import read_class
from movielens_lab.grading.report import similarity
from movielens_lab.grading.report.similarity import FAILURE_WEIGHT, SharedFailure, compare_class
from movielens_lab.grading.report.studentcode import ADDED_SLOT, Cell, normalised
from movielens_lab.grading.submissions.rebuild import read_cells, rebuild
from movielens_lab.paths import LAB, student_notebook

THRESHOLD = 0.5
"""grader_config.py's similarity_threshold."""


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_similar_class(tmp_path_factory.mktemp("similar") / "grading")


@pytest.fixture(scope="module")
def every_pair(graded: Path) -> similarity.Similarity:
    """Every pair that shares any own code or rare failed check, with its similarity."""
    return compare_class(read_class(graded), 1e-9)


def test_the_two_copy_pairs_rank_first_and_no_independent_pair_reaches_the_threshold(
        graded: Path, every_pair: similarity.Similarity) -> None:
    found = compare_class(read_class(graded), THRESHOLD)
    assert [(p.left, p.right) for p in found.pairs] == [("helpers_a", "helpers_b"), ("mistake_a", "mistake_b")]
    assert {(p.left, p.right) for p in every_pair.pairs[:2]} == COPIES
    independent = [p for p in every_pair.pairs if (p.left, p.right) not in COPIES]
    assert independent and max(p.score for p in independent) < THRESHOLD / 2, independent
    assert sorted(every_pair.compared) == sorted(STUDENTS) and not every_pair.left_out and every_pair.given


def test_renamed_names_and_reordered_helper_cells_still_match_cell_by_cell(every_pair: similarity.Similarity) -> None:
    pair = every_pair.pairs[0]
    assert (pair.left, pair.right) == ("helpers_a", "helpers_b") and pair.code > 0.9
    helpers = [(m.left.source.split("(")[0], m.right.source.split("(")[0]) for m in pair.matches
               if m.left.slot == ADDED_SLOT]
    assert helpers == [("def mean_per_id", "def average_by_key"), ("def absolute_error", "def mae_of"),
                       ("def best_rows", "def top_by")]  # in the first's order, each with its renamed copy
    (baselines,) = [m for m in pair.matches if m.left.slot == "baselines"]
    lines = baselines.left.source.splitlines()
    assert [lines[k] for k in sorted(baselines.left_lines)] == lines[:8]  # the given print and top_movies are not
    assert len(baselines.right_lines) == 8


def test_a_shared_unusual_mistake_adds_to_the_pair(every_pair: similarity.Similarity) -> None:
    pair = next(p for p in every_pair.pairs if p.left == "mistake_a")
    assert pair.failures == (SharedFailure("test_existing_user", OTHER_USER, 2),)
    assert pair.score == pytest.approx(pair.code + FAILURE_WEIGHT)
    assert {m.left.slot for m in pair.matches} == {"sparse", "curves", "existing_user"}


def test_a_classic_mistake_two_students_share_is_not_enough(every_pair: similarity.Similarity) -> None:
    """The seed-like student and the one who indexed by id - 1 get the same hint, with code of their own."""
    pair = next(p for p in every_pair.pairs if {p.left, p.right} == {"seed_like", "id_minus_1"})
    assert len(pair.failures) == 1 and pair.code < 0.05 and pair.score < THRESHOLD


def test_code_most_of_the_class_shares_is_left_out(every_pair: similarity.Similarity) -> None:
    """The solution and a student with one mistake hold the same code but for a line: not a pair."""
    assert every_pair.common_limit == 4
    near = {frozenset((p.left, p.right)) for p in every_pair.pairs}
    assert not {frozenset(pair) for pair in combinations(["solution", "first_rows", "adam_lr", "unclipped"], 2)} & near


def _with_two_blanks(graded: Path, folder: Path) -> Path:
    """The class, plus two students who handed in the released notebook as it is."""
    out = shutil.copytree(graded, folder / "grading")
    released = nbformat.read(student_notebook(LAB), as_version=4)
    known = [Known(name, lost) for name, (_, lost) in STUDENTS.items()] + [Known("blank_1"), Known("blank_2")]
    write_grading_folder(out, known, sections(), ["test_bonus_sweep"], LAB)
    for name in ("blank_1", "blank_2"):
        nb, _ = rebuild(read_cells(nbformat.writes(blank()).encode()), released)
        nbformat.write(nb, out / "executed" / f"{name}.ipynb")
    return out


def test_the_code_the_released_notebook_gives_is_left_out(graded: Path, tmp_path: Path) -> None:
    out = _with_two_blanks(graded, tmp_path)
    pairs = {(p.left, p.right) for p in compare_class(read_class(out), THRESHOLD).pairs}
    assert ("blank_1", "blank_2") not in pairs
    shutil.rmtree(out / "course")  # without the released notebook, its given code is theirs
    without = compare_class(read_class(out), THRESHOLD)
    assert not without.given and ("blank_1", "blank_2") in {(p.left, p.right) for p in without.pairs}


def test_a_student_without_an_executed_notebook_is_left_out(graded: Path, tmp_path: Path) -> None:
    out = shutil.copytree(graded, tmp_path / "grading")
    (out / "executed" / "mistake_b.ipynb").unlink()
    (out / "executed" / "helpers_b.ipynb").write_text("not JSON")
    found = compare_class(read_class(out), THRESHOLD)
    assert found.left_out == ["helpers_b", "mistake_b"] and not found.pairs


def test_a_fragment_more_students_share_counts_for_less() -> None:
    code = "\n\n".join([*HELPERS, HELPER_BASELINES, LOOP_CURVES])
    helpers = [Cell(ADDED_SLOT, "", code, *normalised(code))]
    two = similarity.ClassIndex(["a", "b"], [helpers] * 2, similarity.Given(), 10).code_shares()
    three = similarity.ClassIndex(["a", "b", "c"], [helpers] * 3, similarity.Given(), 10).code_shares()
    assert two == {(0, 1): pytest.approx(1.0)}  # all their own code, and more than MIN_OWN of it
    assert three == {pair: pytest.approx(2 ** -0.5) for pair in [(0, 1), (0, 2), (1, 2)]}
