"""A graded class read back from a grading folder: grades.csv's rows with each student's record.json.

``grade`` writes both; the class report and the Canvas export read them here, so that they can
be rebuilt from the folder without grading again.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from ...errors import LabError
from ..outcomes import TestResult, max_total, points_of, section_name
from ..review import by_wording, reasons
from .cache import read_outcome
from .folder import GradingFolder
from .grades import Row, read_grades
from .runfacts import RunFacts


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
    review: list[str]
    """Why the row needs a person (``review.reasons``): grades.csv's column, else (an older file) read from the
    wording of its reason."""

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
        return section_name(self.title, self.grade_id, self.bonus)

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
    def files(self) -> GradingFolder:
        return GradingFolder(self.folder)

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
            sections.append(Section(gid, test.title, test.max_score, test.bonus,
                                    [row.score(gid) for row in self.rows]))
        return sections

    @property
    def max_total(self) -> float:
        return max_total(*points_of(self.sections))


def read_class(folder: Path) -> ClassResults:
    """The class graded into ``folder``; a LabError when it is not a grading folder."""
    files = GradingFolder(Path(folder))
    if not files.grades.is_file() or not files.students.is_dir():
        raise LabError(f"{files.root} is not a grading folder (no {files.grades.name} and {files.students.name}/): "
                       "pass the --out folder of `grade`")
    grades = read_grades(files.grades)
    facts = RunFacts.read(files.root)
    assignment = facts.assignment if facts else next((row.assignment for row in grades.rows), "")
    return ClassResults(files.root, grades.grade_ids, [_row(files, row) for row in grades.rows], facts, assignment)


def _row(folder: GradingFolder, row: Row) -> StudentRow:
    outcome = read_outcome(folder, row.student)
    why = row.review if row.review is not None else reasons(row.status, by_wording(row.reason), outcome.flags)
    return StudentRow(row.student, row.name, row.status, row.total, row.bonus, row.reason, row.lms_user_id,
                      outcome.tests, outcome.flags, why)
