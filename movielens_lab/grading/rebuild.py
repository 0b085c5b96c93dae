"""Read a submitted notebook defensively and rebuild it from the released notebook.

The students' answer cells (nbgrader solution cells, matched by grade_id) and the cells they
added are taken from a submission; every other cell comes from the released notebook, so
deleted, edited or moved test cells and edited read-only cells are restored, and the
tampering reported.
"""

from __future__ import annotations

import copy
import json

import nbformat
from nbformat.notebooknode import NotebookNode

MAX_NOTEBOOK_BYTES = 200 * 2**20
"""Larger files are not notebooks a student wrote (outputs are dropped anyway)."""


ADDED = "movielens_lab_added"
"""Metadata key of the cells a student added (kept in place when grading)."""


class InvalidSubmission(Exception):
    """A submission that cannot be graded; the message is the plain reason."""


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    value = meta.get("nbgrader") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_cells(data: bytes) -> list[dict]:
    """The cells of a submitted notebook file, or InvalidSubmission saying why it is not one."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"file is {len(data) / 2**20:.0f} MiB, too large for a notebook")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidSubmission("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise InvalidSubmission(f"not a notebook: invalid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InvalidSubmission("not a notebook: JSON without an nbformat version")
    version = raw.get("nbformat")
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


def rebuild(cells: list[dict], template: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """The released ``template`` with the submission's answers and added cells; and notes on what was restored.

    Cells the student added (any cell the template does not have) are kept, without their
    metadata or outputs, after the template cell they followed in the submission, as nbgrader
    keeps them. Raises InvalidSubmission when none of the template's answer cells is in the
    submission.
    """
    by_id: dict[str, list[dict]] = {}
    for cell in cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if isinstance(grade_id, str):
            by_id.setdefault(grade_id, []).append(cell)
    nb = copy.deepcopy(template)
    answers = [c for c in nb.cells if _nbgrader(c).get("solution")]
    if answers and not any(_nbgrader(c)["grade_id"] in by_id for c in answers):
        raise InvalidSubmission("none of the assignment's answer cells is in this notebook "
                                "(empty, or another assignment's notebook)")
    notes = []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if grade_id is None:
            continue
        found = by_id.get(grade_id, [])
        if len(found) > 1:
            notes.append(f"cell {grade_id} appears {len(found)} times (the first is graded, the copies are kept "
                         "and run after it)" if meta.get("solution") else
                         f"cell {grade_id} appears {len(found)} times (the original is used)")
        if meta.get("solution"):
            if found:
                cell.source = _source(found[0])
            else:
                notes.append(f"answer cell {grade_id} missing (graded as blank)")
        elif not (meta.get("grade") or meta.get("locked")):
            continue
        elif not found:
            notes.append(f"{_kind(meta)} {grade_id} deleted (restored)")
        elif _source(found[0]) != cell.source:
            notes.append(f"{_kind(meta)} {grade_id} edited (original restored)")
    order = [c.metadata.nbgrader["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    submitted = [g for g in dict.fromkeys(_nbgrader(c).get("grade_id") for c in cells) if g in order]
    if submitted != [g for g in order if g in submitted]:
        notes.append("cells moved (the released order is used)")
    nb.cells, added = _with_added_cells(cells, nb.cells)
    if added:
        notes.append(f"{added} cell{'s' if added > 1 else ''} added by the student (kept and run in place)")
    return nb, notes


def _with_added_cells(cells: list[dict], released: list[NotebookNode]) -> tuple[list[NotebookNode], int]:
    """``released`` with the submission's own cells inserted after the released cell they followed."""
    ids = {c.metadata.nbgrader["grade_id"]: k for k, c in enumerate(released) if "grade_id" in _nbgrader(c)}
    plain = {c.source.strip(): k for k, c in enumerate(released) if "grade_id" not in _nbgrader(c)}
    after: dict[int, list[NotebookNode]] = {}
    anchor, seen, added = -1, set(), 0
    for cell in cells:
        grade_id, text = _nbgrader(cell).get("grade_id"), _source(cell)
        if grade_id in ids and grade_id not in seen:
            anchor = ids[grade_id]
            seen.add(grade_id)
            continue
        if grade_id not in ids and text.strip() in plain:
            anchor = plain[text.strip()]
            continue
        is_answer_copy = grade_id in ids and _nbgrader(released[ids[grade_id]]).get("solution")
        if (grade_id in ids and not is_answer_copy) or not text.strip():
            continue
        kind = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown") else "raw"
        make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
            kind, nbformat.v4.new_raw_cell)
        new = make(text, metadata={ADDED: True})
        after.setdefault(anchor, []).append(new)
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
