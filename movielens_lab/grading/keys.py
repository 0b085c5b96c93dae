"""What a student's record was graded under, split in two: what the kernel ran, and what judged it.

A record whose submission and :attr:`Keys.key` match is reused as it is. One whose run key matches
but not its judge key (the instructor changed a test's hidden part, its points or a hint) is judged
again from the run's sealed transcript, with no notebook run (``rejudging``). Anything else runs again.

- :func:`run_key`: what the student's kernel computes: the released notebook (answers and hidden tests
  cut, points left out: the kernel never reads them), the data, the limits it ran under, and the
  grader's code that runs in or reads back from the kernel;
- :func:`judge_key`: what the judge computes from that: its spec (every test's parts, names, points,
  bonus, leaderboard) and its code;
- :func:`test_fingerprints`: each test's own part of the spec, to say which tests changed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from ..config import LabGrader
from ..files import fingerprint
from . import executed, worker
from .judge import exporter, plaindata, sealed, session, transcript
from .judge import spec as spec_code
from .judge.session import MODULES
from .judge.spec import SOLUTION_MARKERS, split_hidden
from .outputs.cache import course_key
from .sandbox import client
from .submissions import rebuild, tampering

KERNEL_CODE = (sealed, exporter, plaindata, executed, rebuild, tampering, spec_code, client, worker)
"""The grader's code whose change changes what a run gives: its steps in the kernel, and what reads the run back."""
JUDGE_CODE = (*MODULES, session, transcript)
"""The judge's code."""
LIBRARIES = ("numpy", "pandas", "scipy", "tensorflow", "keras", "nbgrader", "ipykernel")
"""The libraries whose version changes what a kernel or a judge computes."""
SHARED = "(given cells, solutions and the judge)"
"""The name :func:`test_fingerprints` gives what every test relies on."""


def versions() -> bytes:
    """The Python and :data:`LIBRARIES` versions that kernels and judges compute with here."""
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None
    return json.dumps([sys.version, {name: version(name) for name in LIBRARIES}]).encode()


def _sources(modules: tuple) -> list[bytes]:
    return [Path(module.__file__).read_bytes() for module in modules]


def _without_answers(source: str) -> str:
    """An answer cell's source as nbgrader releases it: the solution region cut."""
    lines, kept, inside = source.splitlines(), [], False
    for line in lines:
        if line.strip() == SOLUTION_MARKERS[0]:
            inside = True
        elif line.strip() == SOLUTION_MARKERS[1]:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def released_cells(source: NotebookNode) -> list[list]:
    """The instructor's notebook as the student's kernel gets it: each cell's kind, nbgrader role and code, with
    answers and hidden tests cut (the same for every set of points)."""
    cells = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        visible, _, tail = split_hidden(_without_answers(cell.source))
        cells.append([cell.cell_type, meta.get("grade_id"), bool(meta.get("solution")), bool(meta.get("grade")),
                      visible + "\n" + tail])
    return cells


def run_key(source: NotebookNode, settings: LabGrader, data: Path) -> str:
    """What a student's kernel computes with ``source`` released under ``settings`` on ``data`` (see the module)."""
    limits = [settings.cell_timeout, settings.notebook_timeout, settings.memory_limit_mb, settings.disk_limit_mb,
              settings.max_notebook_mb, settings.max_cells, settings.max_cell_kb, sorted(settings.bonus)]
    return course_key(fingerprint(json.dumps(released_cells(source)).encode(), json.dumps(limits).encode(),
                                  versions(), *_sources(KERNEL_CODE)), data)


def judge_key(spec: dict) -> str:
    """What the judge computes, given a run: its ``spec`` (without a submission's salt) and its code."""
    return fingerprint(json.dumps({k: v for k, v in spec.items() if k != "salt"}, sort_keys=True).encode(),
                       *_sources(JUDGE_CODE))


def test_fingerprints(spec: dict) -> dict[str, str]:
    """Each test's fingerprint by grade_id (its parts, names, points, bonus and leaderboard columns), and
    :data:`SHARED`'s: what all tests rely on."""
    prints = {test["grade_id"]: fingerprint(json.dumps(test, sort_keys=True).encode(),
                                            json.dumps([test["grade_id"] in spec["bonus"],
                                                        [c for c in spec["leaderboard"]
                                                         if c.get("test") == test["grade_id"]]]).encode())
              for test in spec["tests"]}
    shared = json.dumps([spec["given"], spec["solutions"], spec.get("kept", [])], sort_keys=True).encode()
    return {**prints, SHARED: fingerprint(shared, *_sources(JUDGE_CODE))}


def changed_tests(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The tests (grade_ids, :data:`SHARED` last) whose fingerprint differs from ``before``, or new ones; none
    when there was no ``before``."""
    if not before:
        return []
    return [name for name, mark in now.items() if before.get(name) != mark]


@dataclass(frozen=True)
class Keys:
    """A grading's keys (see the module)."""

    run: str
    judge: str

    @property
    def key(self) -> str:
        """Both at once: the key a record reused as it is must have."""
        return fingerprint(self.run.encode(), self.judge.encode())

    @classmethod
    def of(cls, source: NotebookNode, settings: LabGrader, spec: dict, data: Path) -> Keys:
        return cls(run_key(source, settings, data), judge_key(spec))
