"""The rows of a graded class that need a person, and why: what ``grade`` and ``collect`` note on a row.

Each reason is read from the row's status, its tampering flags, or the wording of the notes
that ``batch``, ``rebuild`` and ``collect`` write into grades.csv's ``reason``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..outputs.graded import ClassResults, StudentRow


def _says(pattern: str) -> Callable[[StudentRow], bool]:
    regex = re.compile(pattern)
    return lambda row: bool(regex.search(row.reason))


_died = _says(r"the kernel died|the grading process died")

CHECKS: tuple[tuple[str, Callable[[StudentRow], bool]], ...] = (
    ("timeout", lambda row: row.status == "timeout"),
    ("dead kernel", _died),
    ("grader error", lambda row: row.status == "crashed" and not _died(row)),
    ("invalid file", lambda row: row.status == "invalid"),
    ("tampering flag", lambda row: bool(row.flags)),
    ("cells restored or moved", _says(r"\(original restored\)|cells moved|missing \(graded as blank\)"
                                      r"|matched by content|appears \d+ times")),
    ("duplicate", _says(r"\d+ submissions for this student|\d+ students give the id")),
    ("named by its file", _says(r"is not named like the other")),
    ("ambiguous name", _says(r"ambiguous name: ")),
)
"""Why a row needs a person: a label and the test of the row."""


@dataclass(frozen=True)
class Review:
    """A row that needs a person."""

    name: str
    student: str
    status: str
    why: list[str]
    """Labels of ``CHECKS``, in that order."""
    reason: str


def needs_a_person(results: ClassResults) -> list[Review]:
    """The rows with at least one reason to look, in grades.csv's order."""
    reviews = []
    for row in results.rows:
        why = [label for label, check in CHECKS if check(row)]
        if why:
            reviews.append(Review(row.name, row.student, row.status, why, row.reason))
    return reviews
