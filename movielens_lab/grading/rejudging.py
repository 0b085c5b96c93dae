"""Judging a graded class again without running its notebooks, when only the judge changed.

For each student ``grade`` finds one of three cases in its record (``outputs/cache``, ``keys``):

- the same submission under the same keys: reused as it is;
- the same submission and run key, another judge key (a test's hidden part, points or hint changed):
  judged again (:func:`rejudge`): a judge of the new tests gets, test by test, what the run sealed
  for it (``judge/transcript``), and the outcome, feedback and grades.csv row are made as a run makes
  them (``kernelrun``). The judge is forked by a judge host (``session.JudgeHost``) of the grading
  thread, so that it does not import its libraries again; if such a judge fails, a judge process of
  its own judges the student again, and its verdict stands (that host is not used again);
- anything else, or a re-judge that cannot stand for a run (``NeedsRun``: a new test reads a name the
  run never sent, calls a student's function anew, or repairs otherwise): run again (:func:`why_run`).

:class:`Tally` counts both for the line ``grade`` prints, and :func:`moved` says whose points changed.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import LabGrader
from ..safetext import terminal
from .judge.sealed import Verdict
from .judge.session import JudgeHost, JudgeSession
from .judge.transcript import NeedsRun, Transcript
from .judge.transcript import rejudge as judge_again
from .kernelrun import KernelRun
from .keys import Keys
from .outcomes import Outcome, format_points

NEW = "not graded before"
FORCED = "--rerun"

Judges = Callable[[JudgeHost | None], JudgeSession]
"""A submission's judge session, forked by the host given (None: a judge process of its own)."""


def why_run(record: dict | None, sha256: str, keys: Keys) -> str | None:
    """Why a student with ``record`` runs again (:data:`NEW` for a first grading); None: it can be re-judged."""
    if record is None:
        return NEW
    if record.get("submission") != sha256:
        return "a new submission"
    if record.get("run_key") != keys.run:
        return "the released notebook, the data or the limits changed"
    if not isinstance(record.get("kernel"), dict):
        return "its run was not kept"
    return None


def rejudge(record: dict, student: str, name: str, settings: LabGrader, transcripts: Path, blobs: Path,
            judges: Judges, host: JudgeHost | None = None) -> tuple[Outcome, KernelRun]:
    """The outcome of ``record``'s run judged by a judge of ``judges`` (forked by ``host`` unless that failed
    before), with the run; raises NeedsRun when only a run can give it. ``transcripts``, ``blobs``: what the
    run sealed."""
    try:
        kernel = KernelRun.from_dict(record["kernel"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise NeedsRun("its kept run is damaged") from None
    if kernel.ungraded:
        return kernel.outcome(student, name, None, settings), kernel
    if kernel.status == "crashed":  # its kernel died, maybe in a check's call: a run may get further
        raise NeedsRun("its kernel died")
    transcript = Transcript.read(transcripts, blobs)
    if transcript is None:
        raise NeedsRun("its transcript is missing or damaged")
    forked = host is not None and not host.failed
    if forked:
        try:
            verdict = _verdict(transcript, judges(host))
        except NeedsRun:  # a failed judge may leave a check's calls unmade
            if not host.failed:
                raise
        if not host.failed:
            return kernel.outcome(student, name, verdict, settings), kernel
    session = judges(None)  # no host, or its judge failed: a judge of its own says
    try:
        return kernel.outcome(student, name, _verdict(transcript, session), settings), kernel
    finally:
        if forked and session.failures:  # that failed too: the checks did, not the fork
            host.failed = False
        elif forked:
            print(terminal(f"note: a forked judge failed on {student}, not a judge of its own: this grading thread "
                           "re-judges with judges of their own (each imports its libraries)"), file=sys.stderr)


def _verdict(transcript: Transcript, session: JudgeSession) -> Verdict:
    """The verdict of ``session``'s judge on ``transcript``."""
    with session:
        try:
            judged = judge_again(transcript, session.spec, session)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            raise NeedsRun("its transcript is damaged") from None
        return Verdict([j.result for j in judged], {j.result.grade_id: j.visible for j in judged}, session.finish(),
                       transcript.notes)


@dataclass
class Tally:
    """How a ``grade`` went per student: re-judged, or run again and why (first gradings aside)."""

    rejudged: int = 0
    again: Counter = field(default_factory=Counter)

    def line(self) -> str | None:
        """``re-judged N, ran M again (why)``; None when every student was reused or graded for the first time."""
        if not self.rejudged and not self.again:
            return None
        ran = sum(self.again.values())
        why = "; ".join(f"{count}: {reason}" for reason, count in self.again.most_common())
        return terminal(f"re-judged {self.rejudged}, ran {ran} again" + (f" ({why})" if why else ""))


def points(outcome: Outcome) -> str:
    """A student's points as the report shows a change: the total, and the bonus on top."""
    return format_points(outcome.total) + (f" + {format_points(outcome.bonus)} bonus" if outcome.bonus else "")


def moved(before: dict[str, Outcome], now: list[Outcome]) -> list[list[str]]:
    """``[student, name, points before, points now]`` of each student of ``now`` whose points changed."""
    return [[o.student, o.name, points(before[o.student]), points(o)] for o in now
            if o.student in before and points(before[o.student]) != points(o)]
