"""The rows of a graded class that need a person, and why."""

from __future__ import annotations

from pathlib import Path

from fixtures.gradingdir import write_class
from movielens_lab.grading.report.attention import needs_a_person
from movielens_lab.grading.outputs.graded import read_class


def test_the_rows_that_need_a_person_say_why(tmp_path: Path):
    reviews = needs_a_person(read_class(write_class(tmp_path / "grading")))
    assert [(r.student, r.why) for r in reviews] == [
        ("dave", ["tampering flag"]), ("erin", ["timeout"]), ("frank", ["invalid file"]),
        ("gina", ["dead kernel"]), ("hank", ["cells restored or moved", "duplicate"])]
    assert reviews[-1].reason.startswith("2 submissions for this student")
