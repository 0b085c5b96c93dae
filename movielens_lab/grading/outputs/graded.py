"""A graded class read back from a grading folder: grades.csv's rows with each student's record.json.

``grade`` writes both; the class report and the Canvas export read them here, so that they can
be rebuilt from the folder without grading again.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from ...errors import LabError
from ...safetext import read_csv
from ..outcomes import Outcome, TestResult
from .runfacts import RunFacts

GRADES = "grades.csv"
RECORD = "record.json"
FIXED_COLUMNS = ("student", "name", "total", "bonus", "status", "reason", "lms_user_id", "late", "submitted_at")
"""grades.csv's columns besides one per test cell (``exports.grades_csv``)."""


@dataclass(frozen=True)
class StudentRow:
    """One row of grades.csv, with the tests and flags of the student's record."""

    student: str
    name: str
    status: str
    total: float
    bonus: float
    reason: str
    """Every note of the row, the collection's first, and the flags as ``review: ...``."""
    lms_user_id: str
    tests: list[TestResult]
    flags: list[str]

    def score(self, grade_id: str) -> float:
        return next((t.score for t in self.tests if t.grade_id == grade_id), 0.0)


@dataclass(frozen=True)
class Section:
    """One test cell across the class."""

    grade_id: str
    title: str
    max_score: float
    bonus: bool
    scores: list[float]

    @property
    def label(self) -> str:
        return f"{self.title}{' (bonus)' if self.bonus else ''}"

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0

    @property
    def full_marks(self) -> int:
        return sum(s >= self.max_score - 1e-9 for s in self.scores)


@dataclass(frozen=True)
class ClassResults:
    """Everything ``grade`` wrote about a class that the report needs."""

    folder: Path
    grade_ids: list[str]
    rows: list[StudentRow]
    facts: RunFacts | None
    assignment: str
    """The assignment graded: run.json's, else grades.csv's column; empty when neither says (an old folder)."""

    @property
    def sections(self) -> list[Section]:
        """One entry per test cell, in grades.csv's order; titles and maxima from the records."""
        known: dict[str, TestResult] = {}
        for test in (t for row in self.rows for t in row.tests):  # an ungraded row's tests have no title
            if test.grade_id not in known or test.title and not known[test.grade_id].title:
                known[test.grade_id] = test
        sections = []
        for gid in self.grade_ids:
            test = known.get(gid, TestResult(gid, 0.0, 0.0, ""))
            sections.append(Section(gid, test.title or gid, test.max_score, test.bonus,
                                    [row.score(gid) for row in self.rows]))
        return sections

    @property
    def max_total(self) -> float:
        return sum(s.max_score for s in self.sections if not s.bonus)


def read_class(folder: Path) -> ClassResults:
    """The class graded into ``folder``; a LabError when it is not a grading folder."""
    folder = Path(folder)
    grades = folder / GRADES
    if not grades.is_file() or not (folder / "students").is_dir():
        raise LabError(f"{folder} is not a grading folder (no {GRADES} and students/): pass the --out folder of "
                       "`grade`")
    header, lines = read_csv(grades)  # the values written, formula guards removed
    if not set(FIXED_COLUMNS) <= set(header):
        raise LabError(f"{grades} lacks the columns of grades.csv ({', '.join(FIXED_COLUMNS)}); "
                       "was it edited? Grade again to rewrite it")
    grade_ids = header[header.index("name") + 1:header.index("total")]
    facts = RunFacts.read(folder)
    assignment = facts.assignment if facts else next((line.get("assignment") or "" for line in lines), "")
    return ClassResults(folder, grade_ids, [_row(folder, line) for line in lines], facts, assignment)


def _row(folder: Path, line: dict[str, str]) -> StudentRow:
    record = folder / "students" / line["student"] / RECORD
    try:
        outcome = Outcome.from_dict(json.loads(record.read_text())["outcome"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise LabError(f"{record} is missing or damaged ({type(err).__name__}): run `grade` again on the same "
                       "submissions (the students already graded are reused)") from None
    return StudentRow(line["student"], line["name"], line["status"], float(line["total"]), float(line["bonus"]),
                      line["reason"], line["lms_user_id"], outcome.tests, outcome.flags)
