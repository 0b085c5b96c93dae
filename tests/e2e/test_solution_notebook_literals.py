"""Every number written in a test cell of either notebook is justified in docs/calibration.md (issue 24): no check
compares with a constant tuned on one data set."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from movielens_lab import paths
from movielens_lab.grading.executed import is_test
from movielens_lab.paths import LAB, LAB_2, solution_notebook

PAGE = paths.CHECKOUT / "docs" / "calibration.md"
SECTION = "## The literals that remain, and why"
EVERY_CELL = "every test cell"
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?(?![\w.])")


def literals(source: str) -> set[float]:
    """The numbers written in ``source``, with their signs, leaving out the points of ``t.part(points, ...)``."""
    tree = ast.parse(source)
    points = {id(node.args[0]) for node in ast.walk(tree) if isinstance(node, ast.Call) and node.args
              and isinstance(node.func, ast.Attribute) and node.func.attr == "part"}
    negated = {id(node.operand) for node in ast.walk(tree)
               if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)}
    return {-node.value if id(node) in negated else node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) in (int, float) and id(node) not in points}


def allowed(page: str) -> list[tuple[set[float], set[str] | None, str]]:
    """The table of ``page``'s literals section: per row, its literals, its cells (None: every test cell), why."""
    rows = []
    for line in page.split(SECTION, 1)[1].split("\n## ", 1)[0].splitlines():
        cells = [part.strip() for part in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        numbers = {float(n) for span in re.findall(r"`([^`]*)`", cells[0]) for n in NUMBER.findall(span)}
        rows.append((numbers, None if cells[1] == EVERY_CELL else set(re.findall(r"`(test_\w+)`", cells[1])),
                     cells[2]))
    return rows


def unexplained(cells: dict[str, str], rows: list[tuple[set[float], set[str] | None, str]]) -> list[str]:
    """Each literal of a test cell that no row names for that cell, and each row's literal no cell of it holds."""
    found = {cell: literals(source) for cell, source in cells.items()}
    new = [f"{cell}: {value!r}" for cell, values in found.items() for value in sorted(values)
           if not any(value in numbers and (names is None or cell in names) for numbers, names, _ in rows)]
    stale = [f"{sorted(names or found)}: {value!r} ({why})" for numbers, names, why in rows for value in sorted(numbers)
             if not any(value in found.get(cell, ()) for cell in (names or found))]
    return new + stale


def _test_cells() -> dict[str, str]:
    cells = {}
    for assignment in (LAB, LAB_2):
        for cell in filter(is_test, nbformat.read(solution_notebook(assignment), as_version=4).cells):
            cells[cell.metadata.nbgrader["grade_id"]] = cell.source
    return cells


def test_every_literal_of_the_test_cells_is_justified() -> None:
    cells = _test_cells()
    assert len(cells) == 17 and all("### BEGIN HIDDEN TESTS" in source for source in cells.values())
    assert not unexplained(cells, allowed(PAGE.read_text()))


def test_every_row_names_real_cells_and_says_why() -> None:
    rows, names = allowed(PAGE.read_text()), set(_test_cells())
    assert len(rows) > 20
    assert all(numbers and why and (cells is None or cells <= names) for numbers, cells, why in rows)


@pytest.mark.parametrize("check, flagged", [
    ("t.part(3, lambda: abs(gap - 0.03) < 1e-9, 'hint: 0.5')", ["test_x: 0.03"]),
    ("t.part(3, lambda: x > -4.5 and d < 1e-9)", ["test_x: -4.5"]),
    ("t.part(2, lambda: abs(y0 - ytr.mean()) < 1e-9)", []),
])
def test_a_new_literal_is_found_and_points_or_hints_are_not(check: str, flagged: list[str]) -> None:
    source = "t = _LabCheck('x')\n### BEGIN HIDDEN TESTS\n" + check + "\n### END HIDDEN TESTS\nt.score()"
    assert unexplained({"test_x": source}, [({1e-9}, {"test_x"}, "a tolerance")]) == flagged


def test_a_literal_that_no_cell_holds_any_more_is_found() -> None:
    rows = [({0.02}, {"test_x"}, "a band"), ({0.02}, {"test_y"}, "a band")]
    assert unexplained({"test_x": "t.part(1, lambda: d < 0.02)", "test_y": "t.part(1, lambda: d < 1)"}, rows) == [
        "test_y: 1", "['test_y']: 0.02 (a band)"]
