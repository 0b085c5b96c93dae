"""The hints the lab's tests print, read back and counted: the class's common mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.gradingdir import SIZE, TITLES, YCNT, YMEAN, write_class
from movielens_lab.grading.outputs.graded import read_class
from movielens_lab.grading.report.hints import common_mistakes


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_class(tmp_path / "grading")


def test_hints_are_grouped_and_counted_most_frequent_first(folder: Path):
    mistakes = {m.title: m for m in common_mistakes(read_class(folder))}
    assert list(mistakes) == ["1. Movies", "5. Baselines", "11. Bonus: embedding dimension"]
    baselines = mistakes["5. Baselines"]
    assert baselines.failed == 4  # bob, carol, dave, gina: the ungraded rows (erin, frank) are no mistakes
    assert [(h.hint, h.students) for h in baselines.hints] == [(YMEAN, 3), (YCNT, 2), (SIZE, 1)]
    assert [(h.hint, h.students) for h in mistakes["1. Movies"].hints] == [(TITLES, 1)]
