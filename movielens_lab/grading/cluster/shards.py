"""``grade --shard K/N``: one of N disjoint parts of a class, graded into a folder the N shards share.

Every shard collects the whole class and takes its own part of it (``assign``); it writes only
its students' files and its manifest, ``shards/K-of-N.json``: the whole class as collected,
N, the course key and, once it is done, how it ran. ``merge`` reads the manifests and the
students' records back into grades.csv and the report, and names whoever has no grade.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ...config import LabGrader
from ...errors import LabError
from ...files import atomic_write
from ..outputs.folder import GradingFolder
from ..outputs.runfacts import RunFacts, finished_now
from ..submissions.collect import Member, Submission

PLAN = "plan.json"
"""In the grading folder's ``shards/``: the class as ``plan`` found it before any shard ran, a manifest of shard 0
(none of them)."""
SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` parts of a class."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N`` as ``--shard`` takes it; a one-line LabError for anything else."""
        match = SPEC.fullmatch(text)
        if match is None:
            raise LabError(f"--shard takes K/N, the K-th of N parts (K from 1 to N), e.g. 2/4 (got {text!r})")
        index, count = int(match[1]), int(match[2])
        if count < 1:
            raise LabError(f"--shard {text}: N is the number of parts, at least 1")
        if not 1 <= index <= count:
            raise LabError(f"--shard {text}: K must be from 1 to {count} (a scheduler's 0-based index i is "
                           "shard i+1)")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def name(self) -> str:
        """Its name in file names: ``K-of-N``."""
        return f"{self.index}-of-{self.count}"

    def own(self, subs: list[Submission]) -> list[Submission]:
        """This shard's part of the class, in the class's order."""
        parts = assign([s.student for s in subs], self.count)
        return [s for s in subs if parts[s.student] == self.index]


def assign(students: Iterable[str], count: int) -> dict[str, int]:
    """Each student's shard, 1 to ``count``: the ids sorted by their SHA-256, dealt out in turn.

    It depends on the set of ids only (not on file order, process or machine), and the parts
    differ by one student at most.
    """
    ranked = sorted(set(students), key=lambda s: (hashlib.sha256(s.encode()).hexdigest(), s))
    return {student: rank % count + 1 for rank, student in enumerate(ranked)}


@dataclass(frozen=True)
class Manifest:
    """What a shard graded, and for which class: ``shards/K-of-N.json``."""

    shard: Shard
    members: list[Member]
    """The whole class, in the order of grades.csv."""
    key: str
    """The course's key (course, data): records graded under another key are not this run's."""
    points: dict[str, float]
    bonus: list[str]
    started: str
    """ISO time the shard started."""
    run: RunFacts
    """How the shard ran; its ``finished`` is empty until the shard is done (and stays so if it died)."""

    @property
    def done(self) -> bool:
        return bool(self.run.finished)

    @property
    def students(self) -> list[str]:
        """This shard's students."""
        parts = assign([m.student for m in self.members], self.shard.count)
        return [m.student for m in self.members if parts[m.student] == self.shard.index]

    def same_run(self, other: Manifest) -> bool:
        """Whether both shards split the same class, course and data the same way."""
        return (self.shard.count, self.key, self.members) == (other.shard.count, other.key, other.members)

    def write(self, out: Path) -> None:
        data = {**asdict(self), "members": [m.to_dict() for m in self.members], "students": self.students}
        atomic_write(path(out, self.shard), json.dumps(data, indent=1) + "\n")

    def finish(self, out: Path, run: RunFacts) -> None:
        """Record that the shard is done, and how it ran."""
        replace(self, run=run).write(out)

    @classmethod
    def read(cls, file: Path) -> Manifest | None:
        """The manifest in ``file``; None when it is damaged."""
        try:
            data = json.loads(file.read_text())
            return cls(Shard(**data["shard"]), [Member.from_dict(m) for m in data["members"]], data["key"],
                       data["points"], data["bonus"], data["started"], RunFacts(**data["run"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def path(out: Path, shard: Shard) -> Path:
    return GradingFolder(Path(out)).shards / (PLAN if shard.index == 0 else f"{shard.name}.json")


def start(out: Path, shard: Shard, members: list[Member], key: str, settings: LabGrader, run: RunFacts) -> Manifest:
    """Write the manifest of a shard that starts (``run`` not finished yet; ``shard`` 0 of N: the plan) and return
    it."""
    manifest = Manifest(shard, members, key, dict(settings.points), list(settings.bonus), finished_now(), run)
    manifest.write(out)
    return manifest


def latest(out: Path) -> Manifest | None:
    """The manifest of the shard that started last in ``out``: its run is the one to merge."""
    found = [m for file in GradingFolder(Path(out)).shards.glob("*.json") if (m := Manifest.read(file)) is not None]
    return max(found, key=lambda m: moment(m.started), default=None)


def moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)
