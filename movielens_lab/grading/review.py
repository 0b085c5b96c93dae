"""Why a graded row needs a person: the review categories, carried as data by the notes that raise them.

A note is text: grades.csv's ``reason``, the feedback page and results.json say it. A note that asks
for a person is a :class:`Note`, made where it is written (``submissions.collect``,
``submissions.rebuild``, ``grade``) with its category. record.json and the shard manifests keep each
note's category (:func:`to_json`); grades.csv's ``review`` column lists a row's categories
(:func:`reasons`), which the class report's rows to look at (``report.attention``) read. A note or a
grades.csv written before the categories were is read by its wording (:func:`by_wording`): the one
place that matches the wording, a fallback for old files only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

TIMEOUT, DEAD_KERNEL, GRADER_ERROR, INVALID = "timeout", "dead kernel", "grader error", "invalid file"
TAMPERING, RESTORED, DUPLICATE = "tampering flag", "cells restored or moved", "duplicate"
NAMED_BY_FILE, AMBIGUOUS = "named by its file", "ambiguous name"
ORDER = (TIMEOUT, DEAD_KERNEL, GRADER_ERROR, INVALID, TAMPERING, RESTORED, DUPLICATE, NAMED_BY_FILE, AMBIGUOUS)
"""Every category, in the order a row lists them."""
SEPARATOR = "; "


class Note(str):
    """A note (its text) that asks for a person, and why: ``review``, one of ``ORDER``."""

    review: str

    def __new__(cls, text: str, review: str) -> Note:
        note = super().__new__(cls, text)
        note.review = review
        return note

    def __getnewargs__(self) -> tuple[str, str]:  # copies (dataclasses.asdict) and pickles keep the category
        return str(self), self.review


def category(note: str) -> str:
    """The category ``note`` carries; empty for a plain note."""
    return note.review if isinstance(note, Note) else ""


def reasons(status: str, categories: Collection[str], flags: Collection[str]) -> list[str]:
    """Why a row with ``status``, its notes' ``categories`` and tampering ``flags`` needs a person, in ``ORDER``."""
    found = {TIMEOUT: status == "timeout", GRADER_ERROR: status == "crashed" and DEAD_KERNEL not in categories,
             INVALID: status == "invalid", TAMPERING: bool(flags)}
    return [c for c in ORDER if found.get(c, c in categories)]


def to_json(notes: Iterable[str]) -> list[str | dict[str, str]]:
    """``notes`` for a JSON file: a plain note as its text, a :class:`Note` with its category."""
    return [{"note": str(n), "review": n.review} if isinstance(n, Note) else str(n) for n in notes]


def from_json(items: Iterable[str | dict[str, str]]) -> list[str]:
    """The notes :func:`to_json` wrote; a note written as text only, by an older grader, by its wording."""
    return [Note(item["note"], item["review"]) if isinstance(item, dict) else _worded(item) for item in items]


WORDING = ((DEAD_KERNEL, r"the kernel died|the grading process died"),
           (RESTORED, r"\(original restored\)|cells moved|missing \(graded as blank\)|matched by content"
                      r"|appears \d+ times"),
           (DUPLICATE, r"\d+ submissions for this student|\d+ students give the id"),
           (NAMED_BY_FILE, r"is not named like the other"),
           (AMBIGUOUS, r"ambiguous name: "))
"""How the notes that ask for a person were worded, for files written before they carried their category."""


def by_wording(text: str) -> list[str]:
    """The categories whose wording ``text`` (a note, or grades.csv's ``reason``) holds."""
    return [c for c, pattern in WORDING if re.search(pattern, text)]


def _worded(text: str) -> str:
    found = by_wording(text)
    return Note(text, found[0]) if found else text
