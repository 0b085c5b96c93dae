"""record.json in each student's folder: the outcome of grading a submission, kept so that grading again
reuses it.

A record names the submission (its SHA-256) and the key it was graded under (``keys.Keys``: what the
kernel ran, and what judged it); a student whose record matches both is not graded again
(:func:`cached`), and a damaged record is graded again. It also keeps its two keys and how the notebook
ran (``kernelrun``), so that a change of the judge alone is judged again from the run's transcript
(:func:`read_record`). The report and the LMS exports read the outcomes back from the records
(:func:`read_outcome`), so that they can be rebuilt without grading.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...errors import LabError
from ...files import atomic_write, fingerprint
from ..outcomes import Outcome
from .folder import GradingFolder

DATA_FILES = ("ratings.dat", "movies.dat", "users.dat")


def course_key(course_fingerprint: str, data: Path) -> str:
    """A key of what a student's kernel computes: ``course_fingerprint``, and the data (its path, and each data
    file's size and time)."""
    stats = [(f.stat().st_size, f.stat().st_mtime_ns) if f.is_file() else None
             for f in (data / "ml-1m" / name for name in DATA_FILES)]
    return fingerprint(course_fingerprint.encode(), str(data).encode(), json.dumps(stats).encode())


def write_record(folder: GradingFolder, sha256: str, key: str, origin: str, outcome: Outcome,
                 extra: dict | None = None) -> None:
    """Record ``outcome``, the grading of the submission ``sha256`` (from ``origin``) under ``key``, with ``extra``
    (what grading it again needs: its keys and run)."""
    record = {"submission": sha256, "key": key, "origin": origin, **(extra or {}), "outcome": outcome.to_dict()}
    atomic_write(folder.record(outcome.student), json.dumps(record, indent=1) + "\n")


def read_record(folder: GradingFolder, student: str) -> dict | None:
    """``student``'s record as written; None when there is none or it is damaged."""
    try:
        data = json.loads(folder.record(student).read_text())
        Outcome.from_dict(data["outcome"])
        return data if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def cached(folder: GradingFolder, student: str, sha256: str, key: str) -> Outcome | None:
    """The outcome recorded for ``student``'s submission ``sha256`` under ``key``; None when there is none, it is of
    another submission or key, or it is damaged."""
    data = read_record(folder, student)
    if data is None or data.get("submission") != sha256 or data.get("key") != key:
        return None
    return Outcome.from_dict(data["outcome"])


def read_outcome(folder: GradingFolder, student: str) -> Outcome:
    """The outcome recorded for ``student``, whatever it graded; a LabError when the record is missing or damaged."""
    record = folder.record(student)
    try:
        return Outcome.from_dict(json.loads(record.read_text())["outcome"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise LabError(f"{record} is missing or damaged ({type(err).__name__}): run `grade` again on the same "
                       "submissions (the students already graded are reused)") from None
