"""The rows of a graded class that need a person, and why: the categories ``grade`` wrote in grades.csv's
``review`` column (``review.reasons``), from each row's status, its tampering flags and the categories its notes
carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..outputs.graded import ClassResults


@dataclass(frozen=True)
class Review:
    """A row that needs a person."""

    name: str
    student: str
    status: str
    why: list[str]
    """Categories of ``review.ORDER``, in that order."""
    reason: str


def needs_a_person(results: ClassResults) -> list[Review]:
    """The rows with at least one reason to look, in grades.csv's order."""
    return [Review(row.name, row.student, row.status, row.review, row.reason) for row in results.rows if row.review]
