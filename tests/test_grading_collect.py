"""Collecting submissions: folders, nbgrader submitted/ trees, LMS zips (no kernels: fast)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from movielens_lab.errors import LabError
from movielens_lab.grading.collect import collect, student_id


def test_student_ids_are_safe_and_deterministic():
    assert student_id("alice") == "alice"
    assert student_id("José Núñez") == "jose_nunez"
    assert student_id("../../etc/passwd") == "etc_passwd"
    assert student_id("李雷") == student_id("李雷") != student_id("韩梅梅")
    assert student_id("李雷").startswith("student-")


def test_a_zip_is_read_in_memory_without_zip_slip(tmp_path: Path):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("alice.ipynb", "{}")
        zf.writestr("export/Bob Smith.ipynb", "{}")
        zf.writestr("../../evil.ipynb", "{}")
        zf.writestr("/abs/evil2.ipynb", "{}")
        zf.writestr("__MACOSX/._alice.ipynb", "junk")
        zf.writestr("notes.txt", "not a notebook")
    before = set(tmp_path.rglob("*"))
    subs = collect(archive, "movielens_lab")
    assert [(s.student, s.name) for s in subs] == [
        ("alice", "alice"), ("bob_smith", "Bob Smith"), ("evil", "evil"), ("evil2", "evil2")]
    assert set(tmp_path.rglob("*")) == before  # nothing extracted anywhere
    assert not (tmp_path.parent / "evil.ipynb").exists()


def test_submitted_tree_in_a_zip_and_the_same_student_twice(tmp_path: Path):
    archive = tmp_path / "submitted.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("submitted/alice/movielens_lab/movielens_lab.ipynb", (2024, 1, 2, 0, 0, 0)), "{2}")
        zf.writestr(zipfile.ZipInfo("late/Alice.ipynb", (2024, 1, 1, 0, 0, 0)), "{1}")
        zf.writestr("submitted/carl/movielens_lab/movielens_lab.ipynb", "{}")
    subs = collect(archive, "movielens_lab")
    assert [s.student for s in subs] == ["alice", "carl"]
    alice = subs[0]
    assert alice.data == b"{2}" and alice.origin == "submitted/alice/movielens_lab/movielens_lab.ipynb"
    assert alice.notes == ["2 submissions for this student: graded submitted/alice/movielens_lab/"
                           "movielens_lab.ipynb (newest), ignored late/Alice.ipynb"]


def _bad_path(root: Path, kind: str) -> Path:
    if kind == "empty":
        (root / "empty").mkdir()
    elif kind == "bad.zip":
        (root / kind).write_bytes(b"PK\x03\x04garbage")
    elif kind == "x.txt":
        (root / kind).write_text("hi")
    return root / kind


@pytest.mark.parametrize("kind, message", [
    ("missing", "not found"),
    ("empty", "no .ipynb submissions"),
    ("bad.zip", "neither a folder nor a zip"),
    ("x.txt", "neither a folder nor a zip"),
])
def test_bad_submission_paths_are_one_line_errors(tmp_path: Path, kind, message):
    with pytest.raises(LabError, match=message):
        collect(_bad_path(tmp_path, kind), "movielens_lab")
