"""Similar submissions: pairs of students whose answers are more alike than independent work usually is.

Read from a grading folder after grading, so that ``report`` can redo it: each student's answer
cells and added cells from ``executed/STUDENT.ipynb`` (``studentcode``), the released notebook
from ``course/release/``, and the failed checks from the records (``ClassResults``).

How (MOSS's and Dolos's method, with copydetect's tokenizer and fingerprints):

1. Each cell, normalised (``studentcode``), is fingerprinted (``get_document_fingerprints``):
   every k-gram of ``K`` normalised characters (window 1: all of them, so the result does not
   depend on Python's per-process string hashes).
2. The fingerprints of the released notebook's code (what it gives) are dropped, and those more
   than ``common_limit`` students share (the code every correct answer has). What is left is a
   student's own code.
3. An index of the own fingerprints, per answer cell (a student's added cells form one slot, so
   helpers moved about still meet), sums for every pair the fingerprints both hold, each
   counted ``discount(n)`` (1 / sqrt(n - 1)) when ``n`` students hold it: a fragment shared by
   two counts fully, one shared by a few less. Over the two students' own code, that is the
   pair's code similarity. Only the pairs that reach the threshold are then compared cell by
   cell (``copydetect.compare_files``), for the matching stretches of code the report shows.
4. A pair's similarity is its code similarity plus ``FAILURE_WEIGHT * discount(n)`` for every
   failed check both got in the same section with the same hint, ``n`` students having got it
   (the rarer, the stronger), at most 1.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from copydetect import compare_files
from copydetect.utils import get_document_fingerprints, get_token_coverage

from .. import testoutput
from ..outputs.graded import ClassResults
from .studentcode import Cell, normalised, read_all, source_of

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
    code = [source_of(cell) for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]
    return Given(frozenset().union(*(_fingerprints(normalised(c)[0])[0] for c in code)),
                 frozenset(line.strip() for c in code for line in c.splitlines()))


def common_limit(students: int) -> int:
    """Code more than this many students share is common."""
    return int(min(COMMON_MAX, max(COMMON_MIN, COMMON_SHARE * students)))


def _failures(results: ClassResults) -> dict[str, set[tuple[str, str]]]:
    """Each student's failed checks: (test grade_id, hint)."""
    return {row.student: {(t.grade_id, hint) for t in row.tests
                          if t.error and not testoutput.ungraded(t.output) for hint in testoutput.hints(t.output)}
            for row in results.rows}


def discount(students: int | np.ndarray) -> float | np.ndarray:
    """What a fragment or a failed check that ``students`` share says about any two of them (2: everything)."""
    return (students - 1) ** -0.5


class ClassIndex:
    """The own fingerprints of a class, the index of what each pair shares, and the cells two students match in."""

    def __init__(self, students: list[str], cells: list[list[Cell]], given: Given, limit: int):
        self.cells, self.given = cells, given
        self.salts: dict[str, int] = {}
        keys, owners = [], []
        for s, row in enumerate(cells):
            parts = [np.zeros(0, np.int64)]
            for cell in row:
                own = _fingerprints(cell.normalised)[0] - given.hashes
                parts.append(np.fromiter(own, np.int64, len(own)) ^ self._salt(cell.slot))
            mine = np.unique(np.concatenate(parts))
            keys.append(mine)
            owners.append(np.full(len(mine), s, np.int64))
        key, owner = (np.concatenate(keys), np.concatenate(owners)) if keys else (np.zeros(0, np.int64),) * 2
        unique, inverse, df = np.unique(key, return_inverse=True, return_counts=True)
        self.common = set(unique[df > limit].tolist())
        posting_df = df[inverse]
        self.own = np.maximum(np.bincount(owner[posting_df <= limit], minlength=len(students)), MIN_OWN)
        rare = (posting_df >= 2) & (posting_df <= limit)
        self.shared = _pair_weights(inverse[rare], owner[rare], discount(posting_df[rare]), len(students))
        self._prints: dict[int, list[Print]] = {}

    def _salt(self, slot: str) -> int:
        """What a slot's fingerprints are XORed with in the index, so that only the same slot's match."""
        return self.salts.setdefault(slot, hash(("slot", slot)) & 0x7FFFFFFFFFFFFFFF)

    def code_shares(self) -> dict[tuple[int, int], float]:
        """Each pair that shares own code (by position, the first first), with the share of their own code it is,
        each fragment discounted by how many students share it."""
        return {(a, b): 2 * weight / (self.own[a] + self.own[b]) for (a, b), weight in self.shared.items()}

    def prints(self, s: int) -> list[Print]:
        """Student ``s``'s cells, with their own fingerprints only (made again: the index keeps only its keys)."""
        if s not in self._prints:
            self._prints[s] = [self._own(cell) for cell in self.cells[s]]
        return self._prints[s]

    def _own(self, cell: Cell) -> Print:
        hashes, where = _fingerprints(cell.normalised)
        salt = self._salt(cell.slot)
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


def _fingerprints(code: str) -> tuple[set[int], dict[int, list[int]]]:
    """The hash of every k-gram of normalised ``code``, and where each is."""
    return get_document_fingerprints(code, K, 1)


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


def _shared_failures(failures: dict[str, set[tuple[str, str]]],
                     limit: int) -> dict[tuple[str, str], list[SharedFailure]]:
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


def default_jobs() -> int:
    """The processes that read a class: one per core this process may use."""
    return len(os.sched_getaffinity(0))


def compare_class(results: ClassResults, threshold: float, jobs: int | None = None) -> Similarity:
    """The pairs of ``results``' students whose similarity reaches ``threshold``, most similar first.

    ``jobs``: processes that read the notebooks (default: one per core this process may use).
    """
    folder = results.files
    graded = [row.student for row in results.rows if row.status != "invalid"]
    jobs = default_jobs() if jobs is None else jobs
    code = dict(zip(graded, read_all([folder.executed(s) for s in graded], jobs)))
    students = [s for s, cells in code.items() if cells is not None]
    left_out = [row.student for row in results.rows if code.get(row.student) is None]
    given = read_given(folder.released(results.assignment))
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
