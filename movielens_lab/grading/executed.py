"""What an executed notebook says: its test cells' scores in the student's own kernel, its errors and timeouts.

The judge (``judge``) gives every TestResult that counts. Read from an executed notebook
(:func:`read_results`), a test cell's score is what nbgrader gives it in the student's own
kernel (``nbgrader.utils.determine_grade``: an error or stderr scores 0, a numeric last
expression is partial credit, anything else full marks): the grader compares it with the
judge's to spot tampering, and never uses it as a grade.
"""

from __future__ import annotations

from collections.abc import Iterable

from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from .judge.vocabulary import error_name, identifier
from .outcomes import TestResult

MAX_OUTPUT_CHARS = 2000
"""Output kept per test (students' prints can be huge)."""

TIMEOUT_ERRORS = {"CellTimeoutError"}
"""Error names of a cell stopped by the per-cell timeout."""


def is_test(cell: NotebookNode) -> bool:
    """Whether ``cell`` is an autograder-test cell."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def cap(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    return text if len(text) <= limit else text[:limit] + f"\n... [{len(text) - limit} more characters cut]"


def visible_output(cell: NotebookNode) -> str:
    """What a student may see of a cell's outputs: printed text and error messages only."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}".rstrip(": ") + "\n")
    return cap("".join(parts).strip())


def cell_label(cell: NotebookNode, index: int) -> str:
    """A cell's grade_id (as an identifier, shortened: a student may have written it), else its position."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return identifier(grade_id) if grade_id else f"cell {index + 1}"


def read_results(nb: NotebookNode, bonus: Iterable[str] = ()) -> list[TestResult]:
    """What every test cell of an executed notebook scored in its own kernel, in notebook order."""
    bonus = set(bonus)
    results = []
    for cell in nb.cells:
        if not is_test(cell):
            continue
        score, max_score = utils.determine_grade(cell)
        grade_id = cell.metadata.nbgrader["grade_id"]
        failed = any(o.output_type == "error" or o.output_type == "stream" and o.name == "stderr"
                     for o in cell.outputs)
        results.append(TestResult(grade_id, float(score or 0.0), float(max_score), visible_output(cell),
                                  grade_id in bonus, failed))
    return results


def cell_errors(nb: NotebookNode) -> list[tuple[str, str]]:
    """``(cell label, error name)`` for every error outside the test cells (a built-in error by its name, any other
    as ``Exception``: its name is the student's words)."""
    return [(cell_label(cell, i), error_name(output.ename))
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and not is_test(cell)
            for output in cell.get("outputs", []) if output.output_type == "error"]


def timed_out(nb: NotebookNode) -> list[str]:
    """Labels of the cells stopped by the per-cell timeout."""
    return [cell_label(cell, i) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and any(o.output_type == "error" and o.ename in TIMEOUT_ERRORS for o in cell.get("outputs", []))]


def run_problems(nb: NotebookNode, cell_timeout: int) -> tuple[str, list[str]]:
    """How an executed notebook ran: ``graded``, ``graded-with-errors`` or ``timeout``, and plain notes."""
    stopped = timed_out(nb)
    errors = list(dict.fromkeys(e for e in cell_errors(nb) if e[0] not in stopped))
    notes = []
    if stopped:
        notes.append(f"{', '.join(stopped)} ran past {cell_timeout} s and stopped")
    if errors:
        notes.append("errors in " + ", ".join(f"{label} ({name})" for label, name in errors))
    return ("timeout" if stopped else "graded-with-errors" if errors else "graded"), notes
