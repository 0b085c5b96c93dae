"""Read a submitted notebook defensively and rebuild it from the released notebook.

The students' answer cells (nbgrader solution cells, matched by grade_id) and the cells they
added are taken from a submission; every other cell comes from the released notebook, so
deleted, edited or moved test cells and edited read-only cells are restored, and the
tampering reported.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass

import nbformat
from nbformat.notebooknode import NotebookNode

from ...config import LabGrader
from ..review import RESTORED, Note

PLACEHOLDER = {"# YOUR CODE HERE", "raise NotImplementedError()"}
"""What nbgrader leaves in a released answer cell in place of the solution."""
MATCH_SHARE = 0.5
"""An answer cell without metadata is the released one whose given lines it holds at least this share of."""
ADDED = "movielens_lab_added"
"""Metadata key of the cells a student added (kept in place when grading)."""


class InvalidSubmission(Exception):
    """A submission that cannot be graded; the message is the plain reason."""


@dataclass(frozen=True)
class InputLimits:
    """How large a submitted notebook may be (``max_notebook_mb``, ``max_cells``, ``max_cell_kb`` of
    grader_config.py): checked before it is parsed (its bytes) and before its cells are (their number and size)."""

    notebook_bytes: int
    cells: int
    cell_bytes: int
    """The most a code cell's source may hold (markdown, which may embed images, is bounded by the file's size)."""

    @classmethod
    def of(cls, settings: LabGrader) -> InputLimits:
        return cls(settings.max_notebook_mb * 2**20, settings.max_cells, settings.max_cell_kb * 2**10)

    @classmethod
    def widest(cls, course: Iterable[LabGrader]) -> InputLimits:
        """The largest of each limit of the course's assignments (what reading the submissions allows)."""
        limits = [cls.of(settings) for settings in course]
        return cls(max(x.notebook_bytes for x in limits), max(x.cells for x in limits),
                   max(x.cell_bytes for x in limits))


DEFAULT_LIMITS = InputLimits.of(LabGrader())


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    value = meta.get("nbgrader") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_cells(data: bytes, limits: InputLimits = DEFAULT_LIMITS) -> list[dict]:
    """The cells of a submitted notebook file, or InvalidSubmission saying why it is not one (``too large: ...``
    past ``limits``)."""
    if len(data) > limits.notebook_bytes:
        raise InvalidSubmission(f"too large: the file is over {limits.notebook_bytes / 2**20:g} MiB, the most a "
                                "notebook may be (max_notebook_mb in grader_config.py)")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidSubmission("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise InvalidSubmission(f"not a notebook: invalid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InvalidSubmission("not a notebook: JSON without an nbformat version")
    version = raw.get("nbformat")
    _check_size(raw, limits)
    if version == 3:
        try:
            raw = json.loads(nbformat.writes(nbformat.reads(json.dumps(raw), as_version=4)))
        except Exception:
            raise InvalidSubmission("nbformat 3 notebook that cannot be converted; save it with Jupyter") from None
    elif version != 4:
        raise InvalidSubmission(f"unsupported nbformat {version!r}; open and save it with a current Jupyter")
    cells = raw.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise InvalidSubmission("not a notebook: no list of cells")
    return cells


def _check_size(raw: dict, limits: InputLimits) -> None:
    """InvalidSubmission ``too large: ...`` for a notebook (nbformat 4, or 3's worksheets) with more cells, or a
    larger code cell, than ``limits`` allow; before anything parses its cells."""
    cells = raw.get("cells")
    if raw.get("nbformat") == 3 and isinstance(raw.get("worksheets"), list):
        cells = [c for w in raw["worksheets"] if isinstance(w, dict) and isinstance(w.get("cells"), list)
                 for c in w["cells"]]
    if not isinstance(cells, list):
        return
    if len(cells) > limits.cells:
        raise InvalidSubmission(f"too large: {len(cells)} cells, more than the {limits.cells} a notebook may have "
                                "(max_cells in grader_config.py)")
    for k, cell in enumerate(cells):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            code = cell.get("source", cell.get("input", ""))
            size = sum(len(s) for s in code if isinstance(s, str)) if isinstance(code, list) else len(str(code))
            if size > limits.cell_bytes:
                raise InvalidSubmission(f"too large: code cell {k + 1} holds over {limits.cell_bytes >> 10} KiB, the "
                                        "most a cell may (max_cell_kb in grader_config.py)")


def grade_ids(cells: list[dict]) -> set[str]:
    """The grade_ids of a submission's cells (those that have one)."""
    return {gid for cell in cells if isinstance(gid := _nbgrader(cell).get("grade_id"), str)}


def rebuild(cells: list[dict], template: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """The released ``template`` with the submission's answers and added cells; and notes on what was restored.

    Answer cells are found by grade_id, or, where a cell lost its nbgrader metadata (retyped,
    pasted into a new notebook, saved by an editor that drops it), by the given lines of the
    released answer cell it kept (:func:`identify`). Cells the student added are kept,
    without their metadata or outputs, after the template cell they followed in the
    submission, as nbgrader keeps them. Raises InvalidSubmission when none of the template's
    answer cells is in the submission.
    """
    nb = copy.deepcopy(template)
    found, notes = identify(cells, nb.cells)
    answers = {k for k, c in enumerate(nb.cells) if _nbgrader(c).get("solution")}
    if answers and not answers & set(found.values()):
        raise InvalidSubmission("none of the assignment's answer cells is in this notebook "
                                "(empty, or another assignment's notebook)")
    by_id: dict[str, list[dict]] = {}
    for cell in cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if isinstance(grade_id, str):
            by_id.setdefault(grade_id, []).append(cell)
    answer_of = {k: cells[i] for i, k in found.items() if k in answers}
    deleted, edited = [], []
    for k, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if grade_id is None:
            continue
        copies = by_id.get(grade_id, [])
        if len(copies) > 1:
            notes.append(Note(f"cell {grade_id} appears {len(copies)} times (the first is graded, the copies are "
                              "kept and run after it)" if meta.get("solution") else
                              f"cell {grade_id} appears {len(copies)} times (the original is used)", RESTORED))
        if meta.get("solution"):
            if k in answer_of:
                cell.source = _source(answer_of[k])
            else:
                notes.append(Note(f"answer cell {grade_id} missing (graded as blank)", RESTORED))
        elif not (meta.get("grade") or meta.get("locked")) or k in found.values() and not copies:
            continue
        elif not copies:
            deleted.append(f"{_kind(meta)} {grade_id}")
        elif _source(copies[0]) != cell.source:
            edited.append(f"{_kind(meta)} {grade_id}")
    notes += [Note(f"{', '.join(names)} {what} (original restored)", RESTORED)
              for names, what in ((deleted, "deleted"), (edited, "edited")) if names]
    positions = [k for _, k in sorted(found.items())]
    if positions != sorted(positions):
        notes.append(Note("cells moved (the released order is used)", RESTORED))
    nb.cells, added = _with_added_cells(cells, nb.cells, found)
    if added:
        notes.append(f"{added} cell{'s' if added > 1 else ''} added by the student (kept and run in place)")
    return nb, notes


def _given_lines(source: str) -> set[str]:
    """The lines of an answer cell that the released notebook gave (or that the student wrote)."""
    return {line.strip() for line in source.splitlines() if line.strip() and line.strip() not in PLACEHOLDER}


def _positions(released: list[NotebookNode]) -> dict[str, int]:
    """Each released cell's position, by grade_id."""
    return {c.metadata.nbgrader["grade_id"]: k for k, c in enumerate(released) if "grade_id" in _nbgrader(c)}


def identify(cells: list[dict], released: list[NotebookNode]) -> tuple[dict[int, int], list[str]]:
    """Which released cell each submission cell is (by position in both); notes on those matched by content.

    A cell is a released cell by its grade_id (first occurrence), by identical text (cells that
    lost their metadata), or, for an answer cell, by holding at least half of the given lines
    that only that released answer cell has, preferring a cell after the previous section's.
    """
    ids = _positions(released)
    texts = {c.source.strip(): k for k, c in enumerate(released)
             if c.source.strip() and not _nbgrader(c).get("solution")}
    found: dict[int, int] = {}
    for i, cell in enumerate(cells):
        grade_id, text = _nbgrader(cell).get("grade_id"), _source(cell).strip()
        k = ids.get(grade_id) if grade_id in ids else texts.get(text)
        if k is not None and k not in found.values():
            found[i] = k
    notes = []
    given_of = {k: _given_lines(c.source) for k, c in enumerate(released) if _nbgrader(c).get("solution")}
    lines_of = {i: _given_lines(_source(c)) for i, c in enumerate(cells)
                if c.get("cell_type") == "code" and _nbgrader(c).get("grade_id") not in ids}
    for k, cell in enumerate(released):
        if k not in given_of or k in found.values():
            continue
        given = given_of[k].difference(*(lines for kk, lines in given_of.items() if kk != k))
        before = max((i for i, kk in found.items() if kk < k), default=-1)
        free = [i for i in lines_of if i not in found]

        def share(i: int) -> float:
            return len(given & lines_of[i]) / len(given) if given else 0.0

        best = next((i for i in sorted(free, key=lambda i: (i < before, -share(i), i)) if share(i) >= MATCH_SHARE),
                    None)
        if best is not None:
            found[best] = k
            notes.append(Note(f"answer cell {cell.metadata.nbgrader['grade_id']} matched by content "
                              f"(cell {best + 1} of the submission)", RESTORED))
    return found, notes


def _with_added_cells(cells: list[dict], released: list[NotebookNode],
                      found: dict[int, int]) -> tuple[list[NotebookNode], int]:
    """``released`` with the submission's own cells inserted after the released cell they followed."""
    after: dict[int, list[NotebookNode]] = {}
    anchor, added = -1, 0
    ids = _positions(released)
    for i, cell in enumerate(cells):
        grade_id, text = _nbgrader(cell).get("grade_id"), _source(cell)
        if i in found:
            anchor = found[i]
            continue
        is_answer_copy = grade_id in ids and _nbgrader(released[ids[grade_id]]).get("solution")
        if (grade_id in ids and not is_answer_copy) or not text.strip():
            continue
        kind = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown") else "raw"
        make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
            kind, nbformat.v4.new_raw_cell)
        after.setdefault(anchor, []).append(make(text, metadata={ADDED: True}))
        added += 1
    merged = after.get(-1, [])
    for k, cell in enumerate(released):
        merged += [cell, *after.get(k, [])]
    return merged, added


def _kind(meta: dict) -> str:
    return "test cell" if meta.get("grade") else "read-only cell"


def student_cells(nb: NotebookNode) -> list[NotebookNode]:
    """The code cells of a rebuilt notebook that hold the student's code: answers and added cells."""
    return [c for c in nb.cells if c.cell_type == "code" and (_nbgrader(c).get("solution") or c.metadata.get(ADDED))]
