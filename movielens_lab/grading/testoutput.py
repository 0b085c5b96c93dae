"""A test's output (``TestResult.output``): the one reader of what the judge writes there.

The judge (``judge/judge.py``, ``Judge._said``) writes a LabCheck test's output as its summary
line, then one line per hint of a failed part; a part that raised adds what it raised to its hint::

    4. Training and test sets: 3/6 points, some checks failed
      - the training set is the first 75% of rows [IndexError: index 3 is out of bounds]

then the error the test raised and the grader's notes, if any. A test without LabCheck gives the
lines it printed that are the instructor's. A test that never ran says why, after ``UNGRADED``
(``Outcome.ungraded``). The feedback page, ``check``, the class's common mistakes and its similar
submissions all read the output here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUMMARY = re.compile(r"^.+: [\d.]+/[\d.]+ points, ")
"""A LabCheck test's summary line: ``SECTION: GOT/TOTAL points, ...`` (what a score already says)."""
HINT = re.compile(r"^\s*- (?P<hint>.+?)(?: \[[A-Za-z_][\w.]*(?:: .*)?\])?$")
"""A hint line, ``  - hint``, and the ``[Error: message]`` a part that raised appends to it."""
UNGRADED = "not graded: "
"""How the output of a test that never ran starts: not a mistake in an answer."""
MOST_SHOWN = 6
"""The most lines ``check`` prints of what failed in one test."""


@dataclass(frozen=True)
class Line:
    """One non-empty line of a test's output."""

    raw: str
    """As written (its indentation kept)."""
    summary: bool
    hint: str | None
    """For a hint line, its hint without the error appended; None for any other line."""

    @property
    def text(self) -> str:
        return self.raw.strip()


def lines(output: str) -> list[Line]:
    """The non-empty lines of ``output``, each read."""
    read = []
    for raw in output.splitlines():
        if raw.strip():
            hint = HINT.match(raw)
            read.append(Line(raw, SUMMARY.match(raw) is not None, hint["hint"] if hint else None))
    return read


def ungraded(output: str) -> bool:
    """Whether the test never ran (its output says why it was not graded)."""
    return output.startswith(UNGRADED)


def hints(output: str) -> list[str]:
    """The distinct hints of a failed test, without what was raised (so that one mistake groups whatever the
    message); without hint lines, its first line besides the summary (e.g. the error it raised)."""
    read = lines(output)
    found = [line.hint for line in read if line.hint is not None] or [
        line.text for line in read if not line.summary][:1]
    return list(dict.fromkeys(found))


def shown(output: str) -> list[str]:
    """What a student reads of a failed test beside its score: every line but the summary, a hint without its
    ``- ``."""
    return [line.text.removeprefix("- ") for line in lines(output) if not line.summary]


def what_failed(output: str) -> list[str]:
    """What ``check`` prints under a failed test, as written: its hints and the errors raised (at most
    ``MOST_SHOWN``), else its last line (none for an empty output)."""
    found = [line.raw for line in lines(output) if line.hint is not None or "Error" in line.raw and not line.summary]
    return found[:MOST_SHOWN] or output.splitlines()[-1:]
