"""The class's common mistakes: the hints of the failed tests, grouped by text and counted per section.

Each failed test's hints are read by ``testoutput.hints``: without what a part raised, so that the
same mistake groups whatever the message. Tests that never ran are no mistakes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .. import testoutput
from ..outputs.graded import ClassResults


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


def common_mistakes(results: ClassResults) -> list[SectionHints]:
    """Per section with at least one failed test, the hints the students got and how many got each."""
    out = []
    for section in results.sections:
        failed = [t for row in results.rows for t in row.tests
                  if t.grade_id == section.grade_id and t.error and not testoutput.ungraded(t.output)]
        counts = Counter(hint for test in failed for hint in testoutput.hints(test.output))
        if failed:
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            out.append(SectionHints(section.label, len(failed), [HintCount(h, n) for h, n in ranked]))
    return out
