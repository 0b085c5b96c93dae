"""Which of the course's assignments a notebook is: told by its cells' grade_ids, else by its file name.

Each assignment's test cells have grade_ids of their own (the keys of its ``points`` in
``grader_config.py``); a notebook is the assignment whose ids its cells hold most. ``check`` and
``grade`` choose the assignment so when ``--assignment`` is not given, and ``grade`` gives a
submission of another assignment a row saying where it belongs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from ...config import LabGrader
from .rebuild import DEFAULT_LIMITS, InputLimits, InvalidSubmission, grade_ids, read_cells

Notebook = tuple[PurePosixPath, bytes | Callable[[], bytes]]
"""A notebook file: its path (as submitted) and its bytes, or what reads them (one notebook at a time)."""


@dataclass(frozen=True)
class Choice:
    """The assignment chosen for some notebooks, and how."""

    name: str
    how: str

    def __str__(self) -> str:
        return f"assignment: {self.name} ({self.how}; pass --assignment to choose another)"


@dataclass(frozen=True)
class Assignments:
    """The course's assignments, each with the grade_ids only its notebook has."""

    ids: dict[str, frozenset[str]]
    """Each assignment's own test grade_ids (those no other assignment has), by name, in grader_config.py's order."""

    @classmethod
    def of(cls, course: dict[str, LabGrader]) -> Assignments:
        """The assignments of ``course`` (``config.course_settings``)."""
        every = {name: set(settings.points) for name, settings in course.items()}
        return cls({name: frozenset(ids.difference(*(other for n, other in every.items() if n != name)))
                    for name, ids in every.items()})

    def which(self, cells: list[dict]) -> str | None:
        """The assignment whose grade_ids ``cells`` hold most; None when they hold none, or as many of two."""
        found = grade_ids(cells)
        counts = {name: len(found & ids) for name, ids in self.ids.items()}
        best = max(counts.values(), default=0)
        winners = [name for name, count in counts.items() if count == best]
        return winners[0] if best and len(winners) == 1 else None

    def elsewhere(self, cells: list[dict], assignment: str) -> str | None:
        """The other assignment ``cells`` are, when they are another's than ``assignment``."""
        found = self.which(cells)
        return found if found not in (None, assignment) else None

    def choose(self, notebooks: list[Notebook], limits: InputLimits = DEFAULT_LIMITS) -> Choice:
        """The assignment most ``notebooks`` are by their cells' grade_ids; else the one most are named after
        (file stem or folder); else the first listed."""
        total = f"{len(notebooks)} notebook{'s' * (len(notebooks) != 1)}"
        by_cells = [self.which(cells_of(data, limits)) for _, data in notebooks]
        by_name = [part for path, _ in notebooks for part in {path.stem, *path.parts[:-1]} if part in self.ids]
        for told, how in ((by_cells, "told by the cells' grade_ids"), (by_name, "told by the file names")):
            if any(told):
                name = max(self.ids, key=told.count)
                return Choice(name, f"{how} of {told.count(name)} of {total}")
        return Choice(next(iter(self.ids)), f"the first listed: neither the cells nor the names of {total} tell")


def cells_of(data: bytes | Callable[[], bytes], limits: InputLimits = DEFAULT_LIMITS) -> list[dict]:
    """A notebook file's cells (``data``: its bytes, or what reads them); none when it is not a notebook, or too
    large (grading says why)."""
    try:
        return read_cells(data() if callable(data) else data, limits)
    except InvalidSubmission:
        return []


def misplaced(found: str, assignment: str) -> str:
    """The reason of the row of a notebook of assignment ``found`` handed in to ``assignment``."""
    return f"this notebook is {found}, not {assignment}: hand it in to {found}"
