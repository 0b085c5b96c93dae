"""The class's common mistakes: the hints of the failed tests, grouped by text and counted per section.

The lab's tests (``LabCheck.score``) print ``SECTION: got/total points, ...`` and then one
``  - hint`` line per failed part; a part that raised adds `` [Error: message]`` to its hint,
which is dropped here so that the same mistake groups whatever the message. A failed test
without hint lines gives its first other line (e.g. the error it raised).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..outputs.graded import ClassResults

HINT = re.compile(r"^\s*- (?P<hint>.+?)(?: \[[A-Za-z_][\w.]*(?:: .*)?\])?$")
SUMMARY = re.compile(r"^.+: [\d.]+/[\d.]+ points, ")
UNGRADED = "not graded: "
"""How the output of a test that never ran starts (``exports.ungraded``): not a mistake in an answer."""


@dataclass(frozen=True)
class HintCount:
    hint: str
    students: int


@dataclass(frozen=True)
class SectionHints:
    title: str
    failed: int
    """Students whose test of this section failed (graded ones only)."""
    hints: list[HintCount]
    """Most frequent first; ties in text order."""


def hints_of(output: str) -> list[str]:
    """The distinct hints a failed test's output gives."""
    lines = [line for line in output.splitlines() if line.strip()]
    found = [m["hint"] for line in lines if (m := HINT.match(line))]
    if not found:
        found = [line.strip() for line in lines if not SUMMARY.match(line)][:1]
    return list(dict.fromkeys(found))


def common_mistakes(results: ClassResults) -> list[SectionHints]:
    """Per section with at least one failed test, the hints the students got and how many got each."""
    out = []
    for section in results.sections:
        failed = [t for row in results.rows for t in row.tests
                  if t.grade_id == section.grade_id and t.error and not t.output.startswith(UNGRADED)]
        counts = Counter(hint for test in failed for hint in hints_of(test.output))
        if failed:
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            out.append(SectionHints(section.label, len(failed), [HintCount(h, n) for h, n in ranked]))
    return out
