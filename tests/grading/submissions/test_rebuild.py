"""Rebuilding a submission on the released notebook: answers by grade_id or by content, added cells kept."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from fixtures.corpus import (
    _answers,
    another_assignment,
    blank,
    completed,
    pasted_into_a_new_notebook,
    retyped,
    with_a_copied_answer,
    without_metadata,
)
from movielens_lab.grading.review import RESTORED, category
from movielens_lab.grading.submissions.rebuild import ADDED, InputLimits, InvalidSubmission, read_cells, rebuild


def _rebuilt(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """``rebuild`` of ``nb``'s cells, read as plain JSON like a submitted file."""
    return rebuild(nbformat.from_dict(copy.deepcopy(nb))["cells"], blank())


def _answers_of(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {c.metadata.nbgrader["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def _index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    return next(k for k, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_complete_notebook_is_taken_as_it_is() -> None:
    nb, notes = _rebuilt(completed())
    assert _answers_of(nb) == _answers() and notes == []


@pytest.mark.parametrize("build", [lambda: without_metadata(completed()), lambda: retyped(completed()),
                                   pasted_into_a_new_notebook], ids=["stripped", "retyped", "pasted"])
def test_answers_without_metadata_are_matched_by_content(build) -> None:
    nb, notes = _rebuilt(build())
    assert _answers_of(nb) == _answers()
    matched = [n.split(" matched by content")[0] for n in notes if "matched by content" in n]
    assert matched == [f"answer cell {g}" for g in _answers()] and len(notes) - len(matched) <= 1, notes
    assert {category(n) for n in notes} == {RESTORED}  # each asks for a person, as data
    assert not [c for c in nb.cells if c.metadata.get(ADDED)]


def test_a_copied_answer_cell_is_kept_and_run_after_its_test() -> None:
    nb, notes = _rebuilt(with_a_copied_answer(completed(), "baselines", "print('my second try')"))
    kept = [c for c in nb.cells if c.metadata.get(ADDED)]
    assert [c.source for c in kept] == [_answers()["baselines"] + "\nprint('my second try')"]
    assert nb.cells.index(kept[0]) == _index(nb, "test_baselines") + 1
    assert notes[0].startswith("cell baselines appears 2 times") and category(notes[0]) == RESTORED


def test_added_cells_stay_where_they_were() -> None:
    sub = completed()
    k = _index(sub, "model")
    sub.cells[k:k] = [nbformat.v4.new_markdown_cell("my notes"),
                      nbformat.v4.new_code_cell("def helper():\n    return 1")]
    nb, notes = _rebuilt(sub)
    model = _index(nb, "model")
    assert [c.source for c in nb.cells[model - 2:model]] == ["my notes", "def helper():\n    return 1"]
    assert notes == ["2 cells added by the student (kept and run in place)"]


def test_another_notebook_is_not_this_assignment() -> None:
    with pytest.raises(InvalidSubmission, match="none of the assignment's answer cells"):
        _rebuilt(another_assignment())


LIMITS = InputLimits(notebook_bytes=10_000, cells=5, cell_bytes=100)


def _file(cells: list[dict], version: int = 4) -> bytes:
    if version == 3:
        v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": cells}]}
        return json.dumps(v3).encode()
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()


def _code(source: str, key: str = "source") -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, key: source}


@pytest.mark.parametrize("data, why", [
    (b" " * 10_001, "too large: the file is over"),
    (_file([_code("1")] * 6), "too large: 6 cells, more than the 5 a notebook may have (max_cells"),
    (_file([_code("1"), _code(["x" * 60, "y" * 41])]), "too large: code cell 2 holds over 0 KiB"),
    (_file([_code("x" * 101, "input")], version=3), "too large: code cell 1 holds over"),
])
def test_a_notebook_past_the_limits_is_too_large_before_its_cells_are_parsed(data: bytes, why: str) -> None:
    with pytest.raises(InvalidSubmission, match=why.replace("(", r"\(")):
        read_cells(data, LIMITS)


def test_markdown_may_be_large_and_a_notebook_within_the_limits_is_read() -> None:
    image = "![](data:image/png;base64," + "A" * 5000
    cells = [_code("x" * 100), {"cell_type": "markdown", "metadata": {}, "source": image}]
    assert [c["cell_type"] for c in read_cells(_file(cells), LIMITS)] == ["code", "markdown"]
