"""``run.json`` in a grading folder: how the last ``grade`` ran (time, jobs, dataset), for the class report."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...errors import LabError
from ...files import atomic_write
from .folder import GradingFolder


@dataclass(frozen=True)
class RunFacts:
    """One ``grade`` run."""

    assignment: str
    students: int
    """Rows of grades.csv."""
    graded: int
    """Students whose notebooks this run ran; the others were re-judged or reused from an earlier run."""
    seconds: float
    jobs: int
    dataset: str
    data_dir: str
    sandboxed: bool
    finished: str
    """ISO time, to the second."""
    shards: int = 1
    """Shards that graded the class at once (``grade --shard``, then ``merge``); ``jobs`` is per shard."""
    rejudged: int = 0
    """Students judged again from their kept runs, without running them (their tests alone changed)."""
    tests: dict[str, str] = field(default_factory=dict)
    """Each test's fingerprint (``keys.test_fingerprints``), to tell the next run which tests changed."""
    changed: list[str] = field(default_factory=list)
    """The tests that changed since the grading before this one."""
    moved: list[list[str]] = field(default_factory=list)
    """``[student, name, points before, points now]`` of each student whose points this run changed."""

    def write(self, folder: Path) -> None:
        atomic_write(GradingFolder(Path(folder)).run, json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def read(cls, folder: Path) -> RunFacts | None:
        """The facts recorded in ``folder``; None where no run wrote them (or the file is damaged)."""
        try:
            return cls(**json.loads(GradingFolder(Path(folder)).run.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def finished_now() -> str:
    """The local time now, ISO, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def require_own_folder(out: Path, assignment: str) -> None:
    """A one-line LabError when ``out`` holds another assignment's grades (its run.json says so)."""
    previous = RunFacts.read(out)
    if previous is not None and previous.assignment != assignment:
        raise LabError(f"{out} holds the grades of {previous.assignment}: grade {assignment} into another folder "
                       "(--out)")
