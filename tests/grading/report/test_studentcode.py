"""Each student's own code cells, read from the executed notebooks of a graded class and normalised."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from fixtures.similarclass import write_similar_class
from movielens_lab.grading.report import studentcode
from movielens_lab.grading.report.studentcode import ADDED_SLOT, read_all, read_cells, student_cells
from movielens_lab.grading.submissions.rebuild import ADDED


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_similar_class(tmp_path_factory.mktemp("similar") / "grading") / "executed"


def test_answer_and_added_cells_are_read_with_their_sections(executed: Path) -> None:
    cells = read_cells(executed / "helpers_b.ipynb")
    assert cells is not None
    added = [(c.section, c.source.split("(")[0]) for c in cells if c.slot == ADDED_SLOT]
    assert added == [("test_sparse", "def top_by"), ("test_split", "def mae_of"), ("test_split", "def average_by_key")]
    answers = [(c.slot, c.section) for c in cells if c.slot != ADDED_SLOT]
    assert answers[:2] == [("movies", "test_movies"), ("ratings", "test_ratings")] and len(answers) == 11
    baselines = next(c for c in cells if c.slot == "baselines")
    assert baselines.normalised.startswith("V=float(V.V(V))V,V=V(V,V,V+1,V)")  # names abstracted, spaces gone


def test_given_test_and_read_only_cells_are_not_the_students() -> None:
    nb = {"cells": [
        {"cell_type": "code", "metadata": {}, "source": "import numpy as np"},
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": "a"}},
         "source": ["x = 1\n", "y"]},
        {"cell_type": "code", "metadata": {ADDED: True}, "source": "def f():\n    pass"},
        {"cell_type": "markdown", "metadata": {ADDED: True}, "source": "notes"},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "test_a"}}, "source": "assert x"},
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": "b"}}, "source": "  \n"},
        {"cell_type": "code", "metadata": {ADDED: True}, "source": "print(x)"},
        "not a cell"]}
    assert [(c.slot, c.section, c.source) for c in student_cells(nb)] == [
        ("a", "test_a", "x = 1\ny"), (ADDED_SLOT, "test_a", "def f():\n    pass"), (ADDED_SLOT, "", "print(x)")]


def test_a_missing_or_damaged_notebook_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text("{")
    (tmp_path / "list.ipynb").write_text(json.dumps([1]))
    assert [read_cells(tmp_path / name) for name in ("none.ipynb", "bad.ipynb", "list.ipynb")] == [None] * 3


def test_reading_in_processes_gives_the_same_cells(executed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(executed.glob("*.ipynb")) + [executed / "none.ipynb"]
    serial = read_all(paths, jobs=2)  # fewer than PARALLEL_FROM: in this process
    monkeypatch.setattr(studentcode, "PARALLEL_FROM", 2)
    forked = []
    monkeypatch.setattr(studentcode, "ProcessPoolExecutor",
                        lambda *args, **kwargs: forked.append(kwargs) or ProcessPoolExecutor(*args, **kwargs))
    parallel = read_all(paths, jobs=2)
    assert [kwargs["mp_context"].get_start_method() for kwargs in forked] == ["fork"]
    assert parallel == serial and serial[-1] is None and len(serial) == 19
    assert [c.normalised for c in parallel[0] or []] == [c.normalised for c in serial[0] or []]
