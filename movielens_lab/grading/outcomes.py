"""The grading data model: one test's result, one student's outcome, and what each converts to.

``check`` and ``grade`` both judge into :class:`TestResult`; ``grade`` keeps one
:class:`Outcome` per student, converts it to Gradescope's results.json and, to resume a batch,
to a plain dict (``outputs/`` writes them, and grades.csv's row).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

from . import review
from .testoutput import UNGRADED

STATUSES = ("graded", "graded-with-errors", "timeout", "crashed", "invalid")
"""Every outcome, so every row of grades.csv, has one of these."""


def format_points(value: float) -> str:
    """Points as every report writes them: ``5``, ``3.5``."""
    return f"{value:g}"


def section_name(title: str, grade_id: str, bonus: bool) -> str:
    """A section as every output names it: its title, else its test's grade_id; a bonus section's followed by
    `` (bonus)`` unless its title says so already."""
    return (title or grade_id) + (" (bonus)" if bonus and "bonus" not in title.lower() else "")


def max_total(points: Mapping[str, float], bonus: Collection[str]) -> float:
    """The most a student's total can be: the points of the tests not in ``bonus``."""
    return sum(p for g, p in points.items() if g not in bonus)


def max_bonus(points: Mapping[str, float], bonus: Collection[str]) -> float:
    """The most a student's bonus can be, on top of the total: the points of the tests in ``bonus``."""
    return sum(p for g, p in points.items() if g in bonus)


class Scored(Protocol):
    grade_id: str
    max_score: float
    bonus: bool


def points_of(tests: Iterable[Scored]) -> tuple[dict[str, float], set[str]]:
    """The points of ``tests`` (results, or sections across a class) by grade_id, and which are bonus."""
    tests = list(tests)
    return {t.grade_id: t.max_score for t in tests}, {t.grade_id for t in tests if t.bonus}


@dataclass(frozen=True)
class TestResult:
    """The outcome of one autograder-test cell."""

    grade_id: str
    score: float
    max_score: float
    output: str
    bonus: bool = False
    error: bool = False
    """Whether the test failed: it raised, wrote to stderr, or scored below its maximum."""
    title: str = ""
    """The section the test belongs to (its notebook heading)."""

    @property
    def passed(self) -> bool:
        return not self.error

    @property
    def label(self) -> str:
        """The name of its section (``section_name``)."""
        return section_name(self.title, self.grade_id, self.bonus)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def number(self) -> str:
        """The section's number, from its title ("7. Training": "7"); empty when the title has none."""
        found = re.match(r"\s*(\d+(?:\.\d+)*)\.?\s", self.title)
        return found.group(1) if found else ""

    def to_gradescope_dict(self, tags: Sequence[str] = ()) -> dict:
        """One entry of Gradescope's ``tests`` (a bonus test has max_score 0: its points come on top)."""
        entry = {"name": self.label, "score": self.score,
                 "max_score": 0.0 if self.bonus else self.max_score, "status": "passed" if self.passed else "failed",
                 "output": self.output, "output_format": "text", "tags": list(tags), "visibility": "visible"}
        return {**entry, "number": self.number} if self.number else entry


@dataclass
class Outcome:
    """One student's grading outcome."""

    student: str
    name: str
    status: str
    tests: list[TestResult]
    notes: list[str] = field(default_factory=list)
    """What a person should know of the row; those that ask for a person are ``review.Note``s."""
    flags: list[str] = field(default_factory=list)
    """Signs of tampering for a person to look at (they never change the points)."""
    lms_user_id: str = ""
    late: bool | None = None
    submitted_at: str = ""
    """What an LMS needs to take the grade back (see ``collect.Submission``)."""
    seconds: float = 0.0
    """How long grading this submission took (0 when not measured)."""
    leaderboard: dict[str, float] = field(default_factory=dict)
    """The judge's leaderboard values, by column name (``LabGrader.leaderboard``)."""
    visible: dict[str, float] = field(default_factory=dict)
    """The judge's score of each test's visible part alone, by grade_id: what the student's kernel and ``check``
    show (kept in record.json, in no output)."""

    @classmethod
    def ungraded(cls, student: str, name: str, status: str, notes: list[str], points: dict[str, float],
                 bonus: list[str]) -> Outcome:
        """An outcome with no points: every test scores 0 and says why."""
        why = UNGRADED + "; ".join(notes)
        tests = [TestResult(gid, 0.0, float(p), why, gid in bonus) for gid, p in points.items()]
        return cls(student, name, status, tests, notes)

    @property
    def total(self) -> float:
        return sum(t.score for t in self.tests if not t.bonus)

    @property
    def bonus(self) -> float:
        return sum(t.score for t in self.tests if t.bonus)

    @property
    def reason(self) -> str:
        return "; ".join(self.notes + [f"review: {flag}" for flag in self.flags]) or "ok"

    @property
    def review(self) -> list[str]:
        """Why the row needs a person (``review.reasons``); empty when it does not."""
        return review.reasons(self.status, [review.category(n) for n in self.notes], self.flags)

    def to_dict(self) -> dict:
        return {**asdict(self), "tests": [t.to_dict() for t in self.tests], "notes": review.to_json(self.notes)}

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        return cls(**{**data, "tests": [TestResult(**t) for t in data["tests"]],
                      "notes": review.from_json(data.get("notes", []))})

    def to_gradescope_dict(self, objectives: Mapping[str, str] | None = None,
                           ascending: Sequence[str] = ()) -> dict:
        """Gradescope's results.json for this student.

        ``objectives``: each test's learning objective, by grade_id (its ``tags``);
        ``ascending``: the leaderboard columns where lower is better.
        """
        objectives = objectives or {}
        results: dict = {"score": self.total + self.bonus, "output": f"{self.status}: {self.reason}",
                         "output_format": "text", "stdout_visibility": "hidden",
                         "tests": [t.to_gradescope_dict([objectives[t.grade_id]] if t.grade_id in objectives else [])
                                   for t in self.tests]}
        if self.seconds:
            results["execution_time"] = round(self.seconds)
        if self.leaderboard:
            results["leaderboard"] = [{"name": name, "value": value, **({"order": "asc"} if name in ascending else {})}
                                      for name, value in self.leaderboard.items()]
        return results
