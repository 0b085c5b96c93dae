"""``run.json`` in a grading folder: how the last ``grade`` ran (time, jobs, dataset), for the class report."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ...files import atomic_write

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunFacts:
    """One ``grade`` run."""

    assignment: str
    students: int
    """Rows of grades.csv."""
    graded: int
    """Students graded by this run; the others were reused from an earlier run (same file, same course)."""
    seconds: float
    jobs: int
    dataset: str
    data_dir: str
    sandboxed: bool
    finished: str
    """ISO time, to the second."""
    shards: int = 1
    """Shards that graded the class at once (``grade --shard``, then ``merge``); ``jobs`` is per shard."""

    def write(self, folder: Path) -> None:
        atomic_write(Path(folder) / RUN_FILE, json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def read(cls, folder: Path) -> RunFacts | None:
        """The facts recorded in ``folder``; None where no run wrote them (or the file is damaged)."""
        try:
            return cls(**json.loads((Path(folder) / RUN_FILE).read_text()))
        except (OSError, ValueError, TypeError):
            return None


def finished_now() -> str:
    """The local time now, ISO, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
