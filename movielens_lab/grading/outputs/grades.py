"""grades.csv: its columns, each student's row, written and read back: the one place that knows its schema.

One row per student: ``student``, ``name``, the points of each test cell (by grade_id), ``total``,
``bonus``, ``status``, ``reason`` (every note, the collection's first, and the flags as
``review: ...``), then the LMS's ``lms_user_id``, ``late`` and ``submitted_at``, the
``assignment``, and ``review`` (why the row needs a person: ``review.reasons``). No cell starts a
formula (``safetext.csv_text``), and reading back removes those guards (``safetext.read_csv``), so
the values read are the values written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...errors import LabError
from ...files import atomic_write
from ...safetext import csv_text, read_csv
from ..outcomes import Outcome, format_points
from ..review import SEPARATOR
from .folder import GradingFolder

LEADING = ("student", "name")
"""The columns before the test cells'."""
TRAILING = ("total", "bonus", "status", "reason", "lms_user_id", "late", "submitted_at", "assignment", "review")
"""The columns after them."""
REQUIRED = (*LEADING, *TRAILING[:-2])
"""What a grades.csv must hold to be read back (``assignment`` and ``review`` came later: an older file may lack
them)."""


def header(grade_ids: list[str]) -> list[str]:
    """grades.csv's header: the leading columns, one per test cell, the trailing ones."""
    return [*LEADING, *grade_ids, *TRAILING]


def row(outcome: Outcome, grade_ids: list[str], assignment: str) -> list[str]:
    """``outcome``'s row (:func:`header`) in ``assignment``; ``late`` is yes, no, or empty where unknown."""
    scores = {t.grade_id: t.score for t in outcome.tests}
    late = "" if outcome.late is None else "yes" if outcome.late else "no"
    return [outcome.student, outcome.name, *(format_points(scores.get(g, 0.0)) for g in grade_ids),
            format_points(outcome.total), format_points(outcome.bonus), outcome.status, outcome.reason,
            outcome.lms_user_id, late, outcome.submitted_at, assignment, SEPARATOR.join(outcome.review)]


def grades_csv(outcomes: list[Outcome], grade_ids: list[str], assignment: str) -> str:
    """grades.csv of ``assignment``: the header and one row per outcome, in their order."""
    return csv_text(header(grade_ids), (row(o, grade_ids, assignment) for o in outcomes))


def write_grades(folder: GradingFolder, outcomes: list[Outcome], grade_ids: list[str], assignment: str) -> None:
    """Write ``folder``'s grades.csv of ``outcomes`` (each with its notes of collection), in their order."""
    atomic_write(folder.grades, grades_csv(outcomes, grade_ids, assignment))


@dataclass(frozen=True)
class Row:
    """One row of grades.csv as read back (the points per test cell are in the student's record)."""

    student: str
    name: str
    total: float
    bonus: float
    status: str
    reason: str
    lms_user_id: str
    assignment: str
    """Empty in a file older than the column."""
    review: list[str] | None
    """None in a file older than the column."""


@dataclass(frozen=True)
class Grades:
    """A grades.csv read back."""

    grade_ids: list[str]
    rows: list[Row]


def read_grades(path: Path) -> Grades:
    """The grades.csv at ``path``; a LabError when it lacks the columns (an edited file)."""
    columns, lines = read_csv(path)
    if not set(REQUIRED) <= set(columns):
        raise LabError(f"{path} lacks the columns of grades.csv ({', '.join(REQUIRED)}); was it edited? Grade again "
                       "to rewrite it")
    grade_ids = columns[columns.index(LEADING[-1]) + 1:columns.index(TRAILING[0])]
    return Grades(grade_ids, [Row(line["student"], line["name"], float(line["total"]), float(line["bonus"]),
                                  line["status"], line["reason"], line["lms_user_id"], line.get("assignment") or "",
                                  _listed(line.get("review"))) for line in lines])


def _listed(review: str | None) -> list[str] | None:
    return None if review is None else [c for c in review.split(SEPARATOR) if c]
