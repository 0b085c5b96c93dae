"""Flags for student code that reaches for the tests: one plain line per kind, none for honest code."""

from __future__ import annotations

import pytest

from movielens_lab.grading.submissions.tampering import scan


def test_honest_code_and_magics_are_not_flagged() -> None:
    assert scan(["import numpy as np\nx = np.arange(3)\nnp_copy = dict(a=1)", "%timeit sum(range(9))",
                 "!ls data", "def mean(xs):\n    return sum(xs) / len(xs)"]) == []


@pytest.mark.parametrize("source, finding", [
    ("class LabCheck:\n    pass", "redefines the test helper LabCheck"),
    ("_mlk = None", "redefines the test helper _mlk"),
    ("LabCheck.score = lambda self: 100", "changes the test helper LabCheck"),
    ("np.allclose = lambda *a, **k: True", "patches np.allclose"),
    ("setattr(np, 'isclose', len)", "patches np with setattr"),
    ("import builtins", "imports builtins"),
    ("from inspect import getsource", "imports inspect"),
    ("print(_ih[-1])", "reads other cells' code (_ih)"),
    ("_mlk.export('test_x', ['x'], globals())", "uses the grader's steps (_mlk)"),
    ("get_ipython().events.register('pre_run_cell', print)", "uses IPython's internals (get_ipython().events)"),
])
def test_each_reach_for_the_tests_is_named(source: str, finding: str) -> None:
    assert finding in scan([source])


def test_a_finding_is_listed_once_and_unparsable_cells_are_skipped() -> None:
    assert scan(["print(_ih)", "def broken(:", "print(_ih)"]) == ["reads other cells' code (_ih)"]


def test_a_100000_term_expression_is_a_finding_not_a_crash() -> None:
    assert scan(["x = " + "+".join(["1"] * 100_000), "import builtins"]) == [
        "has code nested too deeply to scan: look at it", "imports builtins"]


def test_the_scan_reads_a_bounded_amount_of_code() -> None:
    """A 5 MB cell and 10 MB of cells under the cell limit: neither is parsed whole (36 s and 3 GB before)."""
    big = "x = [" + "1, " * 1_700_000 + "]"
    assert scan([big, "import gc"]) == ["has a cell over 256 KiB, not scanned: look at it", "imports gc"]
    cells = ["import inspect", *["x = [" + "1, " * 80_000 + "]"] * 40, "import ctypes"]
    assert scan(cells) == ["imports inspect", "has more than 1 MiB of code, not all scanned: look at it"]
