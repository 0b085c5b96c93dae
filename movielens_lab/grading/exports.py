"""A student's grading outcome and what is written from it: grades.csv, results.json, the summary."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..tables import render
from .results import TestResult

STATUSES = ("graded", "graded-with-errors", "timeout", "crashed", "invalid")
"""Every row of grades.csv has one of these."""


@dataclass
class Outcome:
    """One student's grading outcome."""

    student: str
    name: str
    status: str
    tests: list[TestResult]
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    """Signs of tampering for a person to look at (they never change the points)."""
    lms_user_id: str = ""
    late: bool | None = None
    submitted_at: str = ""
    """What an LMS needs to take the grade back (see ``collect.Submission``)."""

    @property
    def total(self) -> float:
        return sum(t.score for t in self.tests if not t.bonus)

    @property
    def bonus(self) -> float:
        return sum(t.score for t in self.tests if t.bonus)

    @property
    def reason(self) -> str:
        return "; ".join(self.notes + [f"review: {flag}" for flag in self.flags]) or "ok"

    def to_dict(self) -> dict:
        return {**asdict(self), "tests": [t.to_dict() for t in self.tests]}

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        return cls(**{**data, "tests": [TestResult(**t) for t in data["tests"]]})


def ungraded(student: str, name: str, status: str, notes: list[str], points: dict[str, float],
             bonus: list[str]) -> Outcome:
    """An outcome with no points: every test scores 0 and says why."""
    why = "not graded: " + "; ".join(notes)
    tests = [TestResult(gid, 0.0, float(p), why, gid in bonus) for gid, p in points.items()]
    return Outcome(student, name, status, tests, notes)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``path`` through a temporary file and a rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.encode() if isinstance(data, str) else data)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def gradescope_results(outcome: Outcome) -> dict:
    """Gradescope's results.json for one student."""
    return {
        "score": outcome.total + outcome.bonus,
        "output": f"{outcome.status}: {outcome.reason}",
        "tests": [{"name": (t.title or t.grade_id) + (" (bonus)" if t.bonus else ""), "score": t.score,
                   "max_score": 0.0 if t.bonus else t.max_score, "output": t.output, "visibility": "visible"}
                  for t in outcome.tests],
    }


def grades_csv(outcomes: list[Outcome], grade_ids: list[str]) -> str:
    """grades.csv: student, name, points per test cell, total, bonus, status, reason, then the LMS's columns.

    ``late`` is ``yes``, ``no`` or empty where the layout does not say.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "name", *grade_ids, "total", "bonus", "status", "reason",
                     "lms_user_id", "late", "submitted_at"])
    for o in outcomes:
        scores = {t.grade_id: t.score for t in o.tests}
        late = "" if o.late is None else "yes" if o.late else "no"
        writer.writerow([o.student, o.name, *(_num(scores.get(g, 0.0)) for g in grade_ids),
                         _num(o.total), _num(o.bonus), o.status, o.reason, o.lms_user_id, late, o.submitted_at])
    return buffer.getvalue()


def summary_table(outcomes: list[Outcome], max_total: float) -> str:
    """The table ``grade`` prints: one line per student."""
    rows = [[o.name, f"{_num(o.total):>3}/{_num(max_total):<3}", _num(o.bonus), o.status,
             o.reason if len(o.reason) <= 70 else o.reason[:67] + "..."] for o in outcomes]
    lines = [render(["student", "total", "bonus", "status", "reason"], rows, "<>><<")]
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    flagged = [o for o in outcomes if o.flags]
    if flagged:
        lines.append(f"review by hand ({len(flagged)}): possible tampering, the points are the grader's own")
        lines += [f"  {o.name}: {'; '.join(o.flags)}" for o in flagged]
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:g}"
