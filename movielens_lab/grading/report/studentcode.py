"""The code each student wrote, read from the executed notebooks ``grade`` keeps, and normalised.

An executed notebook is the student's notebook rebuilt by the grader as it ran: its answer cells
keep their nbgrader metadata (``solution``, ``grade_id``) and the cells the student added a
metadata key of their own (``rebuild.ADDED``). Normalised by ``copydetect.utils.filter_code``:
Pygments tokens, names become V, F or O and strings S, spaces and comments go.
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect.utils import filter_code

from ..submissions.rebuild import ADDED

ADDED_SLOT = ""
"""The slot of the cells a student added (answer cells' slots are their grade_ids)."""
PARALLEL_FROM = 100
"""From this many notebooks on, they are read by one forked process per core (Pygments' tokenizer takes the time)."""


@dataclass(frozen=True)
class Cell:
    """One code cell a student wrote (an answer cell or a cell they added), normalised."""

    slot: str
    """The answer cell's grade_id, or ``ADDED_SLOT``."""
    section: str
    """The grade_id of the test cell after it (its section); empty after the last test."""
    source: str
    normalised: str
    offsets: np.ndarray = field(compare=False, repr=False)
    """copydetect's map from positions in ``normalised`` back to ``source``."""


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata")
    value = meta.get("nbgrader") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def source_of(cell: dict) -> str:
    """A notebook cell's source (JSON), as one string."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def normalised(code: str) -> tuple[str, np.ndarray]:
    """``code`` normalised, and copydetect's map back to it."""
    return filter_code(code, "cell.py", "python")


def student_cells(nb: dict) -> list[Cell]:
    """A rebuilt notebook's (its JSON) non-empty answer cells and the code cells the student added, with the section
    each belongs to."""
    cells, pending = [], []
    for raw in nb.get("cells", []):
        if not isinstance(raw, dict) or raw.get("cell_type") != "code":
            continue
        meta = _nbgrader(raw)
        if meta.get("grade"):
            cells += [(slot, str(meta.get("grade_id", "")), source) for slot, source in pending]
            pending = []
        elif meta.get("solution") or (raw.get("metadata") or {}).get(ADDED):
            slot = meta.get("grade_id") if meta.get("solution") else ADDED_SLOT
            pending.append((str(slot), source_of(raw)))
    cells += [(slot, "", source) for slot, source in pending]
    return [Cell(slot, section, source, *normalised(source)) for slot, section, source in cells if source.strip()]


def read_cells(path: Path) -> list[Cell] | None:
    """``student_cells`` of the executed notebook at ``path``; None when there is none (or it is not JSON)."""
    try:
        nb = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return student_cells(nb) if isinstance(nb, dict) else None


def read_all(paths: list[Path], jobs: int) -> list[list[Cell] | None]:
    """``read_cells`` of every path; by ``jobs`` processes from ``PARALLEL_FROM`` paths on, where processes can be
    forked (they start at once, with all this one has imported, and need no ``__main__`` guard of the caller)."""
    if jobs < 2 or len(paths) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return [read_cells(path) for path in paths]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(read_cells, paths, chunksize=max(1, len(paths) // (4 * jobs))))
