"""record.json: reused only for the same submission under the same key; a damaged one is graded again."""

from __future__ import annotations

from pathlib import Path

import pytest

from movielens_lab.errors import LabError
from movielens_lab.grading import outcomes
from movielens_lab.grading.outcomes import Outcome
from movielens_lab.grading.outputs.cache import cached, course_key, read_outcome, write_record
from movielens_lab.grading.outputs.folder import GradingFolder

OUTCOME = Outcome("ada", "Ada", "graded", [outcomes.TestResult("test_a", 2.0, 2.0, "")], ["a note"], ["a flag"])


def test_a_record_is_reused_for_its_submission_and_key_only(tmp_path: Path) -> None:
    folder = GradingFolder(tmp_path)
    write_record(folder, "sha", "key", "ada.ipynb", OUTCOME)
    assert cached(folder, "ada", "sha", "key") == OUTCOME == read_outcome(folder, "ada")
    assert cached(folder, "ada", "other", "key") is None and cached(folder, "ada", "sha", "other") is None
    assert cached(folder, "bo", "sha", "key") is None


def test_a_damaged_record_is_graded_again_and_the_report_says_so(tmp_path: Path) -> None:
    folder = GradingFolder(tmp_path)
    write_record(folder, "sha", "key", "ada.ipynb", OUTCOME)
    folder.record("ada").write_text('{"submission": "sha", "key": "key", "outcome": {"student": ')
    assert cached(folder, "ada", "sha", "key") is None
    with pytest.raises(LabError, match=r"record.json is missing or damaged \(JSONDecodeError\)"):
        read_outcome(folder, "ada")


def test_the_course_key_changes_with_the_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "ml-1m").mkdir(parents=True)
    (data / "ml-1m" / "ratings.dat").write_text("1::1::5::0\n")
    first = course_key("course", data)
    assert course_key("course", data) == first != course_key("another course", data)
    (data / "ml-1m" / "ratings.dat").write_text("1::1::5::0\n1::2::4::0\n")
    assert course_key("course", data) != first
