"""Read a submitted notebook defensively and rebuild it from the released notebook.

Only the students' answer cells (nbgrader solution cells, matched by grade_id) are taken
from a submission; every other cell comes from the released notebook, so deleted, edited
or moved test cells and edited read-only cells are restored, and the tampering reported.
"""

from __future__ import annotations

import copy
import json

import nbformat
from nbformat.notebooknode import NotebookNode

MAX_NOTEBOOK_BYTES = 200 * 2**20
"""Larger files are not notebooks a student wrote (outputs are dropped anyway)."""


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
    """The released ``template`` with the submission's answers; and notes on what was restored.

    Raises InvalidSubmission when none of the template's answer cells is in the submission.
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
            notes.append(f"cell {grade_id} appears {len(found)} times (the first is used)")
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
    return nb, notes


def _kind(meta: dict) -> str:
    return "test cell" if meta.get("grade") else "read-only cell"
