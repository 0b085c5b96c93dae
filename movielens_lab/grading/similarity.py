"""Similar submissions: pairs of students whose answers are more alike than independent work usually is.

Read from a grading folder after grading, so that ``report`` can redo it: each student's answer
cells and added cells from ``executed/STUDENT.ipynb`` (the rebuilt notebook as it ran; answer
cells keep their nbgrader metadata, added cells ``rebuild.ADDED``), the released notebook from
``course/release/``, and the failed checks from the records (``ClassResults``).

How (MOSS's and Dolos's method, with copydetect's tokenizer and fingerprints):

1. Each cell is normalised by ``copydetect.utils.filter_code`` (Pygments tokens; names become
   V, F or O, strings S; spaces and comments go) and fingerprinted
   (``get_document_fingerprints``): every k-gram of ``K`` normalised characters (window 1: all
   of them, so the result does not depend on Python's per-process string hashes).
2. The fingerprints of the released notebook's code (what it gives) are dropped, and those more
   than ``common_limit`` students share (the code every correct answer has). What is left is a
   student's own code.
3. An index of the own fingerprints, per answer cell (a student's added cells form one slot, so
   helpers moved about still meet), counts what each pair shares; only the pairs whose count
   could reach the threshold are compared cell by cell (``copydetect.compare_files``), which
   gives the matching stretches of code.
4. A pair's similarity is the share of their own code that matches the other's, plus
   ``FAILURE_WEIGHT / (n - 1)`` for every failed check both got in the same section with the
   same hint, ``n`` students having got it (the rarer, the stronger), at most 1.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from copydetect import compare_files
from copydetect.utils import filter_code, get_document_fingerprints, get_token_coverage

from .classresults import ClassResults
from .hints import UNGRADED, hints_of
from .rebuild import ADDED

EXECUTED = "executed"
"""The grading folder's executed notebooks (``batch.EXECUTED``)."""
K = 25
"""Normalised characters per fingerprint: copydetect's default noise threshold (a matching stretch shorter than
this is not seen)."""
COMMON_SHARE, COMMON_MIN, COMMON_MAX = 0.1, 4, 10
"""Code more than a tenth of the class shares is common and left out (more than 4 students at least, more than 10,
MOSS's default, at most)."""
MIN_OWN = 300
"""A student's own code counts as at least this many normalised characters (about fifteen lines of the lab's code):
a few shared lines do not make a pair."""
FAILURE_WEIGHT = 0.2
"""What one failed check, with the same hint in the same section, adds when only the two students got it."""
PARALLEL_FROM = 100
"""From this many students on, the notebooks are read and normalised by one process per core."""
ADDED_SLOT = ""
"""The slot of the cells a student added (answer cells' slots are their grade_ids)."""


@dataclass(frozen=True)
class Cell:
    """One cell of a student's own code, normalised."""

    slot: str
    """The answer cell's grade_id, or ``ADDED_SLOT``."""
    section: str
    """The grade_id of the test cell after it (its section); empty after the last test."""
    source: str
    normalised: str
    offsets: np.ndarray = field(compare=False, repr=False)
    """copydetect's map from positions in ``normalised`` back to ``source``."""


@dataclass(frozen=True, eq=False)
class Print:
    """A cell's own fingerprints, in the shape ``copydetect.compare_files`` reads."""

    cell: Cell
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    token_coverage: int
    """Normalised characters the own fingerprints cover."""
    k: int = K

    @property
    def filtered_code(self) -> str:
        return self.cell.normalised

    @property
    def offsets(self) -> np.ndarray:
        return self.cell.offsets


@dataclass(frozen=True)
class CellMatch:
    """Two cells, one of each student, with the lines (0-based) where their code matches."""

    left: Cell
    right: Cell
    left_lines: frozenset[int]
    right_lines: frozenset[int]


@dataclass(frozen=True)
class SharedFailure:
    section: str
    """The test cell's grade_id."""
    hint: str
    students: int
    """How many students of the class got it."""


@dataclass(frozen=True)
class Pair:
    """Two students, the first in grades.csv's order first."""

    left: str
    right: str
    score: float
    code: float
    """The share of their own code that matches."""
    matches: tuple[CellMatch, ...]
    failures: tuple[SharedFailure, ...]


@dataclass(frozen=True)
class Similarity:
    """The pairs above the threshold, most similar first, and what was compared."""

    pairs: list[Pair]
    threshold: float
    compared: list[str]
    """Students whose code was compared."""
    left_out: list[str]
    """Students without an executed notebook (not graded, or not a notebook)."""
    common_limit: int
    given: bool
    """Whether the released notebook was found (its code left out)."""


def released_notebook(folder: Path, assignment: str) -> Path:
    """Where ``grade`` keeps the released notebook in its grading folder (``course.Course.student_notebook``)."""
    return folder / "course" / "release" / assignment / f"{assignment}.ipynb"


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata")
    value = meta.get("nbgrader") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _normalised(code: str) -> tuple[str, np.ndarray]:
    return filter_code(code, "cell.py", "python")


def student_cells(nb: dict) -> list[Cell]:
    """A rebuilt notebook's answer and added code cells (its JSON), with the section each belongs to."""
    cells, pending = [], []
    for raw in nb.get("cells", []):
        if not isinstance(raw, dict) or raw.get("cell_type") != "code":
            continue
        meta = _nbgrader(raw)
        if meta.get("grade"):
            cells += [(slot, meta.get("grade_id", ""), source) for slot, source in pending]
            pending = []
        elif meta.get("solution") or (raw.get("metadata") or {}).get(ADDED):
            slot = meta.get("grade_id") if meta.get("solution") else ADDED_SLOT
            pending.append((str(slot), _source(raw)))
    cells += [(slot, "", source) for slot, source in pending]
    return [Cell(slot, section, source, *_normalised(source)) for slot, section, source in cells if source.strip()]


def read_cells(path: Path) -> list[Cell] | None:
    """The student cells of the executed notebook at ``path``; None when there is none (or it is not JSON)."""
    try:
        nb = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return student_cells(nb) if isinstance(nb, dict) else None


@dataclass(frozen=True)
class Given:
    """What the released notebook gives: the fingerprints and the lines of its code cells."""

    hashes: frozenset[int] = frozenset()
    lines: frozenset[str] = frozenset()
    """Stripped; a line of a student's that is one of them is never marked as matching."""


def read_given(released: Path) -> Given | None:
    """What the released notebook at ``released`` gives; None when it is not there."""
    try:
        nb = json.loads(released.read_bytes())
    except (OSError, ValueError):
        return None
    code = [_source(cell) for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]
    return Given(frozenset().union(*(get_document_fingerprints(_normalised(c)[0], K, 1)[0] for c in code)),
                 frozenset(line.strip() for c in code for line in c.splitlines()))


def common_limit(students: int) -> int:
    """Code more than this many students share is common."""
    return int(min(COMMON_MAX, max(COMMON_MIN, COMMON_SHARE * students)))


def _failures(results: ClassResults) -> dict[str, set[tuple[str, str]]]:
    """Each student's failed checks: (test grade_id, hint)."""
    return {row.student: {(t.grade_id, hint) for t in row.tests
                          if t.error and not t.output.startswith(UNGRADED) for hint in hints_of(t.output)}
            for row in results.rows}


def discount(students: int) -> float:
    """What a fragment or a failed check that ``students`` share says about any two of them (2: everything)."""
    return (students - 1) ** -0.5


class ClassIndex:
    """The own fingerprints of a class, the index of what each pair shares, and the cells two students match in."""

    def __init__(self, students: list[str], cells: list[list[Cell]], given: Given, limit: int):
        self.cells, self.given, self.limit = cells, given, limit
        self.raw = [[get_document_fingerprints(c.normalised, K, 1) for c in row] for row in cells]
        self.salts: dict[str, int] = {}
        keys, owners = [], []
        for s, row in enumerate(cells):
            mine = set()
            for cell, (hashes, _) in zip(row, self.raw[s]):
                salt = self.salts.setdefault(cell.slot, hash(("slot", cell.slot)) & 0x7FFFFFFFFFFFFFFF)
                mine.update(h ^ salt for h in hashes if h not in given.hashes)
            keys.append(np.fromiter(mine, np.int64, len(mine)))
            owners.append(np.full(len(mine), s, np.int64))
        key, owner = (np.concatenate(keys), np.concatenate(owners)) if keys else (np.zeros(0, np.int64),) * 2
        unique, inverse, df = np.unique(key, return_inverse=True, return_counts=True)
        self.common = set(unique[df > limit].tolist())
        posting_df = df[inverse]
        self.own = np.maximum(np.bincount(owner[posting_df <= limit], minlength=len(students)), MIN_OWN)
        rare = (posting_df >= 2) & (posting_df <= limit)
        self.shared = _pair_weights(inverse[rare], owner[rare], discount(posting_df[rare]), len(students))
        self._prints: dict[int, list[Print]] = {}

    def code_shares(self) -> dict[tuple[int, int], float]:
        """Each pair that shares own code (by position, the first first), with the share of their own code it is,
        each fragment discounted by how many students share it."""
        return {(a, b): 2 * weight / (self.own[a] + self.own[b]) for (a, b), weight in self.shared.items()}

    def prints(self, s: int) -> list[Print]:
        """Student ``s``'s cells, with their own fingerprints only."""
        if s not in self._prints:
            self._prints[s] = [self._own(cell, *raw) for cell, raw in zip(self.cells[s], self.raw[s])]
        return self._prints[s]

    def _own(self, cell: Cell, hashes: set[int], where: dict[int, list[int]]) -> Print:
        salt = self.salts[cell.slot]
        own = {h for h in hashes if h not in self.given.hashes and h ^ salt not in self.common}
        idx = {h: where[h] for h in own}
        return Print(cell, own, idx, int(get_token_coverage(idx, K, len(cell.normalised))))

    def matches(self, a: int, b: int) -> list[CellMatch]:
        """The cells where the own code of ``a`` and ``b`` matches (``copydetect.compare_files``), in ``a``'s order:
        each cell of one with the cell of the other, in the same slot, it matches most."""
        found: dict[tuple[int, int], CellMatch] = {}
        for one, other, flip in ((self.prints(a), self.prints(b), False), (self.prints(b), self.prints(a), True)):
            for i, p in enumerate(one):
                best = max(((overlap, j, slices) for j, q in enumerate(other) if q.cell.slot == p.cell.slot
                            and p.hashes & q.hashes for overlap, _, slices in [compare_files(p, q)] if overlap),
                           default=None, key=lambda f: f[0])
                if best is not None:
                    _, j, (mine, theirs) = best
                    q = other[j]
                    lines = self._lines(p.cell.source, mine), self._lines(q.cell.source, theirs)
                    key, match = ((j, i), CellMatch(q.cell, p.cell, lines[1], lines[0])) if flip else (
                        (i, j), CellMatch(p.cell, q.cell, *lines))
                    found.setdefault(key, match)
        return [found[key] for key in sorted(found)]

    def _lines(self, source: str, slices: np.ndarray) -> frozenset[int]:
        """The lines of ``source`` (0-based) the character ``slices`` (starts, ends) touch, but for blank and given
        lines."""
        lines = source.splitlines()
        touched: set[int] = set()
        for start, end in zip(*slices) if len(slices) else ():
            first = source.count("\n", 0, int(start))
            touched.update(range(first, source.count("\n", 0, max(int(end) - 1, int(start))) + 1))
        return frozenset(k for k in touched if k < len(lines) and lines[k].strip()
                         and lines[k].strip() not in self.given.lines)


def _pair_weights(keys: np.ndarray, owners: np.ndarray, weights: np.ndarray, students: int
                  ) -> dict[tuple[int, int], float]:
    """The summed ``weights`` of the keys each pair of owners shares (an owner holds a key at most once)."""
    order = np.argsort(keys, kind="stable")
    keys, owners, weights = keys[order], owners[order], weights[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    codes, sums = [], []
    for size in np.unique(sizes):
        first = starts[sizes == size]
        groups = owners[first[:, None] + np.arange(size)]
        for i, j in combinations(range(size), 2):
            a, b = groups[:, i], groups[:, j]
            codes.append(np.minimum(a, b) * students + np.maximum(a, b))
            sums.append(weights[first])
    if not codes:
        return {}
    pairs, inverse = np.unique(np.concatenate(codes), return_inverse=True)
    total = np.bincount(inverse, weights=np.concatenate(sums))
    return {(int(p // students), int(p % students)): float(w) for p, w in zip(pairs, total)}


def _shared_failures(failures: dict[str, set[tuple[str, str]]], limit: int) -> dict[tuple[str, str], list[SharedFailure]]:
    """The failed checks each pair of students shares that at most ``limit`` students got."""
    who: dict[tuple[str, str], list[str]] = defaultdict(list)
    for student, theirs in failures.items():
        for failure in theirs:
            who[failure].append(student)
    shared: dict[tuple[str, str], list[SharedFailure]] = defaultdict(list)
    for (section, hint), students in sorted(who.items()):
        if 2 <= len(students) <= limit:
            for a, b in combinations(students, 2):
                shared[(a, b)].append(SharedFailure(section, hint, len(students)))
    return shared


def failure_score(failures: Iterable[SharedFailure]) -> float:
    """What a pair's shared failed checks add to its similarity."""
    return sum(FAILURE_WEIGHT * discount(f.students) for f in failures)


def _read_all(paths: list[Path], jobs: int) -> list[list[Cell] | None]:
    """``read_cells`` of every path, by ``jobs`` processes for a large class (Pygments' tokenizer takes the time)."""
    if jobs < 2 or len(paths) < PARALLEL_FROM:
        return [read_cells(path) for path in paths]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(read_cells, paths, chunksize=max(1, len(paths) // (4 * jobs))))


def compare_class(results: ClassResults, threshold: float, jobs: int | None = None) -> Similarity:
    """The pairs of ``results``' students whose similarity reaches ``threshold``, most similar first.

    ``jobs``: processes that read the notebooks (default: one per core this process may use).
    """
    folder = results.folder
    graded = [row.student for row in results.rows if row.status != "invalid"]
    jobs = len(os.sched_getaffinity(0)) if jobs is None else jobs
    code = dict(zip(graded, _read_all([folder / EXECUTED / f"{s}.ipynb" for s in graded], jobs)))
    students = [s for s, cells in code.items() if cells is not None]
    left_out = [row.student for row in results.rows if code.get(row.student) is None]
    given = read_given(released_notebook(folder, results.assignment))
    limit = common_limit(len(students))
    index = ClassIndex(students, [code[s] for s in students], given or Given(), limit)
    failures = _failures(results)
    shared = _shared_failures({s: failures.get(s, set()) for s in students}, limit)
    position = {s: k for k, s in enumerate(students)}
    shares = index.code_shares()
    pairs = []
    for a, b in shares.keys() | {(position[a], position[b]) for a, b in shared}:
        names = (students[a], students[b])
        failed = tuple(shared.get(names, ()))
        share = shares.get((a, b), 0.0)
        score = min(1.0, share + failure_score(failed))
        if score >= threshold:
            pairs.append(Pair(*names, score, share, tuple(index.matches(a, b)), failed))
    pairs.sort(key=lambda p: (-p.score, position[p.left], position[p.right]))
    return Similarity(pairs, threshold, students, left_out, limit, given is not None)
