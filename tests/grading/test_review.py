"""Why a row needs a person: the category a note carries, kept through copies and files, and the wording fallback."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import asdict

from movielens_lab.grading import review
from movielens_lab.grading.outcomes import Outcome
from movielens_lab.grading.review import DEAD_KERNEL, DUPLICATE, RESTORED, Note
from movielens_lab.grading.submissions.collect import Member

TWICE = Note("2 submissions for this student: graded b.ipynb (newest), ignored a.ipynb", DUPLICATE)


def test_a_note_is_its_text_and_keeps_its_category_through_copies() -> None:
    assert TWICE == TWICE.removesuffix("") and f"{TWICE}".startswith("2 submissions") and "; ".join([TWICE, "x"])
    for kept in (copy.deepcopy(TWICE), pickle.loads(pickle.dumps(TWICE)), asdict(Outcome("a", "A", "graded", [],
                                                                                        [TWICE])).get("notes")[0]):
        assert (kept, review.category(kept)) == (TWICE, DUPLICATE)
    assert review.category("a plain note") == ""


def test_the_reasons_come_in_order_from_status_flags_and_categories() -> None:
    assert review.reasons("graded", [DUPLICATE, "", RESTORED], ["a flag"]) == [
        "tampering flag", "cells restored or moved", "duplicate"]
    assert review.reasons("crashed", [], []) == ["grader error"]
    assert review.reasons("crashed", [DEAD_KERNEL], []) == ["dead kernel"]
    assert review.reasons("timeout", [], []) == ["timeout"] and review.reasons("graded", [""], []) == []


def test_record_json_keeps_each_notes_category() -> None:
    outcome = Outcome("a", "A", "graded", [], ["a plain note", TWICE])
    data = json.loads(json.dumps(outcome.to_dict()))
    assert data["notes"] == ["a plain note", {"note": str(TWICE), "review": DUPLICATE}]
    back = Outcome.from_dict(data)
    assert back == outcome and [review.category(n) for n in back.notes] == ["", DUPLICATE]
    assert back.review == ["duplicate"]


def test_a_shards_manifest_keeps_each_notes_category() -> None:
    member = Member("a", "A", "0" * 64, [TWICE], "", None, "")
    back = Member.from_dict(json.loads(json.dumps(member.to_dict())))
    assert back == member and review.category(back.notes[0]) == DUPLICATE


def test_notes_written_as_text_by_an_older_grader_are_read_by_their_wording() -> None:
    old = ["the grading process died (exit code 9)", "test_movies deleted (original restored)", "a plain note",
           str(TWICE)]
    assert [review.category(n) for n in review.from_json(old)] == [DEAD_KERNEL, RESTORED, "", DUPLICATE]
    assert review.by_wording("cells moved (the released order is used); ambiguous name: x") == [
        RESTORED, "ambiguous name"]
