"""What a submission's run gave besides the judge's verdict, kept in its record to judge it again without a run.

An :class:`Outcome` is a :class:`KernelRun` (how the notebook ran: its status, notes, what its own
kernel scored, the tampering flags) with a :class:`Verdict` (the judge's points, given on the sealed
values) or without one (``ungraded``: a submission that never ran, or whose run gave the judge nothing).
``grade`` makes both from a run; ``rejudging`` keeps the first and makes the second anew, so that its
outcome is the one a run would give.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..config import LabGrader
from .judge.sealed import Verdict
from .outcomes import Outcome, TestResult
from .review import from_json, to_json


@dataclass(frozen=True)
class KernelRun:
    """How a submission ran (see the module's docstring)."""

    status: str
    notes: list[str]
    """Notes of the rebuild and of the limits reached, and the reason when ``ungraded``."""
    problems: list[str] = field(default_factory=list)
    """How the notebook ran (errors, timeouts): after the verdict's notes."""
    ran: list[TestResult] = field(default_factory=list)
    """What each test cell scored in the student's own kernel (compared with the judge's visible parts)."""
    flags: list[str] = field(default_factory=list)
    ungraded: bool = False
    """No verdict: every test scores 0 and the notes say why."""

    @classmethod
    def failed(cls, status: str, notes: list[str], flags: list[str] = ()) -> KernelRun:
        return cls(status, notes, flags=list(flags), ungraded=True)

    def outcome(self, student: str, name: str, verdict: Verdict | None, settings: LabGrader) -> Outcome:
        """The outcome of this run judged by ``verdict`` under ``settings`` (its points, when ungraded)."""
        if self.ungraded or verdict is None:
            outcome = Outcome.ungraded(student, name, self.status, self.notes, settings.points, settings.bonus)
        else:
            outcome = Outcome(student, name, self.status, verdict.tests, self.notes + verdict.notes + self.problems,
                              disagreements(self.ran, verdict), leaderboard=verdict.leaderboard,
                              visible=verdict.visible)
        outcome.flags = self.flags + outcome.flags
        return outcome

    def to_dict(self) -> dict:
        return {**asdict(self), "notes": to_json(self.notes), "problems": to_json(self.problems),
                "ran": [t.to_dict() for t in self.ran]}

    @classmethod
    def from_dict(cls, data: dict) -> KernelRun:
        return cls(**{**data, "notes": from_json(data["notes"]), "problems": from_json(data.get("problems", [])),
                      "ran": [TestResult(**t) for t in data["ran"]]})


def disagreements(ran: list[TestResult], verdict: Verdict) -> list[str]:
    """Tests the student's own kernel scored higher than the judge scored their visible part: the tests there
    were tampered with."""
    titles = {t.grade_id: t.title or t.grade_id for t in verdict.tests}
    maxima = {t.grade_id: t.max_score for t in verdict.tests}  # nbgrader caps a cell's score at its points
    scores = [(t.grade_id, min(t.score, maxima.get(t.grade_id, t.score))) for t in ran]
    return [f"{titles[g]} scored {score:g} in the notebook but {verdict.visible[g]:g} by the grader"
            for g, score in scores if g in verdict.visible and score > verdict.visible[g] + 1e-6]
