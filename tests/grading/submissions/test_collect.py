"""Collecting submissions: folders, nbgrader submitted/ trees, LMS downloads (no kernels: fast but the last test)."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled
from movielens_lab.errors import LabError
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.review import category
from movielens_lab.grading.submissions.collect import MAX_ID, Submission, collect, student_id
from movielens_lab.grading.submissions.rebuild import InvalidSubmission


def test_student_ids_are_safe_and_deterministic():
    assert student_id("alice") == "alice"
    assert student_id("José Núñez") == "jose_nunez"
    assert student_id("../../etc/passwd") == "etc_passwd"
    assert student_id("李雷") == student_id("李雷") != student_id("韩梅梅")
    assert student_id("李雷").startswith("student-")


def test_long_names_give_short_unique_ids():
    legal_255_bytes = "\ufdfa" * 83  # each character spells 18 ASCII letters
    ids = {student_id(legal_255_bytes), student_id("n" * 300), student_id("n" * 301), student_id("n" * 300, "_102")}
    assert len(ids) == 4 and all(len(i) <= MAX_ID for i in ids)
    assert student_id("n" * 300, "_102").endswith("_102")


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
    subs = collect(archive, "movielens_lab").submissions
    assert [(s.student, s.name) for s in subs] == [
        ("alice", "alice"), ("bob_smith", "Bob Smith"), ("evil", "evil"), ("evil2", "evil2")]
    assert set(tmp_path.rglob("*")) == before  # nothing extracted anywhere
    assert not (tmp_path.parent / "evil.ipynb").exists()


def test_submitted_tree_in_a_zip_and_the_same_student_twice(tmp_path: Path):
    archive = tmp_path / "submitted.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("submitted/alice/movielens_lab/movielens_lab.ipynb", (2024, 1, 2, 0, 0, 0)), "{2}")
        zf.writestr(zipfile.ZipInfo("late/alice.ipynb", (2024, 1, 1, 0, 0, 0)), "{1}")
        zf.writestr("submitted/carl/movielens_lab/movielens_lab.ipynb", "{}")
    subs = collect(archive, "movielens_lab").submissions
    assert [s.student for s in subs] == ["alice", "carl"]
    alice = subs[0]
    assert alice.data == b"{2}" and alice.origin == "submitted/alice/movielens_lab/movielens_lab.ipynb"
    assert alice.notes == ["2 submissions for this student: graded submitted/alice/movielens_lab/"
                           "movielens_lab.ipynb (newest), ignored late/alice.ipynb"]
    assert category(alice.notes[0]) == "duplicate"  # as data: the report's rows to review read it


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


def _zip(path: Path, files: dict[str, str | bytes], when: tuple = (2024, 3, 1, 12, 0, 0)) -> Path:
    """A zip holding ``files`` (name -> content), every entry dated ``when``."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in files.items():
            zf.writestr(zipfile.ZipInfo(name, when), content)
    return path


def _rows(subs: list[Submission]) -> list[tuple]:
    return [(s.student, s.name, s.lms_user_id, s.order, s.submitted_at, s.late) for s in subs]


def test_canvas_late_files_resubmissions_and_user_ids(tmp_path: Path):
    archive = _zip(tmp_path / "canvas.zip", {
        "libo_LATE_102_5552_movielens_lab.ipynb": "{late}",
        "libo_LATE_102_5553_movielens_lab-1.ipynb": "{resubmitted}",
        "núñezjosé_7_5554_movielens_lab.ipynb": "{}",
        "libo_103_5555_my lab.ipynb": "{}",  # another student with the same sortable name
    })
    collected = collect(archive, "movielens_lab")
    subs = collected.submissions
    assert _rows(subs) == [
        ("libo_102", "libo", "102", 5553, "", True),
        ("libo_103", "libo", "103", 5555, "", False),
        ("nunezjose_7", "núñezjosé", "7", 5554, "", False),
    ]
    assert subs[0].data == b"{resubmitted}"
    assert subs[0].notes == ["2 submissions for this student: graded libo_LATE_102_5553_movielens_lab-1.ipynb "
                             "(newest), ignored libo_LATE_102_5552_movielens_lab.ipynb"]
    assert collected.said == ("submissions: canvas layout (detected): 4 files, 3 students; "
                              "1 older attempt not graded (listed in the notes of its student's row)")


def test_moodle_folders_are_students_even_when_every_file_has_the_same_name(tmp_path: Path):
    archive = _zip(tmp_path / "moodle.zip", {
        "José Núñez_12_assignsubmission_file_/movielens_lab.ipynb": "{jose}",
        "Li Bo_13_assignsubmission_file_/movielens_lab.ipynb": "{libo}",
        "Li Bo_14_assignsubmission_file_/movielens_lab.ipynb": "{other li bo}",
        "Li Bo_14_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
    })
    subs = collect(archive, "movielens_lab").submissions
    assert _rows(subs) == [("jose_nunez_12", "José Núñez", "12", None, "", None),
                           ("li_bo_13", "Li Bo", "13", None, "", None),
                           ("li_bo_14", "Li Bo", "14", None, "", None)]
    assert [s.data for s in subs] == [b"{jose}", b"{libo}", b"{other li bo}"] and not any(s.notes for s in subs)


def test_moodle_without_folders_and_two_files_of_one_student(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("Ana Lima_5_assignsubmission_file_lab.ipynb", (2024, 3, 1, 9, 0, 0)), "{old}")
        zf.writestr(zipfile.ZipInfo("Ana Lima_5_assignsubmission_file_lab v2.ipynb", (2024, 3, 2, 9, 0, 0)), "{new}")
    [ana] = collect(tmp_path / "moodle.zip", "movielens_lab").submissions
    assert (ana.student, ana.name, ana.data) == ("ana_lima_5", "Ana Lima", b"{new}")
    assert "ignored Ana Lima_5_assignsubmission_file_lab.ipynb" in ana.notes[0]


def test_blackboard_attempts_of_one_student(tmp_path: Path):
    archive = _zip(tmp_path / "blackboard.zip", {
        "Lab 3_jdoe_attempt_2024-03-01-09-30-00_movielens_lab.ipynb": "{first}",
        "Lab 3_jdoe_attempt_2024-03-01-09-30-00.txt": "Name: Jane Doe (jdoe)",
        "Lab 3_jdoe_attempt_2024-03-02-18-05-59_movielens_lab.ipynb": "{second}",
        "Lab 3_jdoe_attempt_2024-03-02-18-05-59.txt": "Name: Jane Doe (jdoe)",
        "Lab 3_asmith_attempt_2024-02-28-23-59-01_Lab (1).ipynb": "{}",
    })
    subs = collect(archive, "movielens_lab").submissions
    assert _rows(subs) == [("asmith", "asmith", "asmith", None, "2024-02-28T23:59:01", None),
                           ("jdoe", "jdoe", "jdoe", None, "2024-03-02T18:05:59", None)]
    assert subs[1].data == b"{second}"
    assert subs[1].notes == ["2 submissions for this student: graded Lab 3_jdoe_attempt_2024-03-02-18-05-59_"
                             "movielens_lab.ipynb (newest), ignored Lab 3_jdoe_attempt_2024-03-01-09-30-00_"
                             "movielens_lab.ipynb"]


def _without_utf8_flag(path: Path, names: list[bytes]) -> Path:
    """A zip whose entries are named by these raw bytes without the UTF-8 flag, as old zip tools write them."""
    placeholders = [f"{i:0{len(raw) - 6}d}.ipynb".encode() for i, raw in enumerate(names)]
    _zip(path, {p.decode(): "{}" for p in placeholders})
    data = path.read_bytes()
    for placeholder, raw in zip(placeholders, names):
        assert data.count(placeholder) == 2  # local header and central directory
        data = data.replace(placeholder, raw)
    path.write_bytes(data)
    return path


def test_a_moodle_student_cannot_name_a_file_into_another_row(tmp_path: Path):
    archive = _zip(tmp_path / "moodle.zip", {
        "Ana Lima_5_assignsubmission_file_Bob Roe_101_assignsubmission_file_lab.ipynb": "{ana}",
        "Bob Roe_101_assignsubmission_file_lab.ipynb": "{bob}",
        "Cy Dee_7_assignsubmission_file_/Bob Roe_101_assignsubmission_file_/lab.ipynb": "{cy}",
        "X_9_assignsubmission_file_Y_9_assignsubmission_file_/lab.ipynb": "{x}",  # Moodle's folder: its end counts
    })
    subs = {s.lms_user_id: s for s in collect(archive, "movielens_lab").submissions}
    assert {k: (s.name, s.data) for k, s in subs.items()} == {
        "5": ("Ana Lima", b"{ana}"), "101": ("Bob Roe", b"{bob}"), "7": ("Cy Dee", b"{cy}"),
        "9": ("X_9_assignsubmission_file_Y", b"{x}")}
    assert not subs["101"].notes
    for user in ("5", "7"):
        note = subs[user].notes[0]
        assert note.startswith("ambiguous name: ") and "holds a second Moodle prefix" in note


def test_a_blackboard_student_cannot_name_a_file_into_another_row(tmp_path: Path):
    archive = _zip(tmp_path / "blackboard.zip", {
        "Lab 3_eve_attempt_2024-03-05-10-00-00_Lab 3_victim_attempt_2024-03-09-10-00-00_lab.ipynb": "{eve}",
        "Lab 3_victim_attempt_2024-03-01-10-00-00_lab.ipynb": "{victim}",
    })
    subs = {s.lms_user_id: s for s in collect(archive, "movielens_lab").submissions}
    assert {k: (s.data, s.submitted_at) for k, s in subs.items()} == {
        "eve": (b"{eve}", "2024-03-05T10:00:00"), "victim": (b"{victim}", "2024-03-01T10:00:00")}
    assert "ambiguous name" in subs["eve"].notes[0] and not subs["victim"].notes
    assert category(subs["eve"].notes[0]) == "ambiguous name"


def test_canvas_attempts_go_by_canvas_file_id_not_by_the_students_file_name(tmp_path: Path):
    archive = _zip(tmp_path / "canvas.zip", {"libo_102_5552_lab-9.ipynb": "{first}", "libo_102_5560_lab.ipynb": "{new}",
                                              "bo_103_5570_lab.zip": "PK", "bo_103_5550_lab.ipynb": "{bo}"})
    bo, libo = collect(archive, "movielens_lab").submissions
    assert (libo.student, libo.data, libo.order) == ("libo_102", b"{new}", 5560)
    assert (bo.student, bo.data) == ("bo_103", b"{bo}")  # a notebook, not the newer zip
    assert "ignored bo_103_5570_lab.zip (not a notebook to grade)" in bo.notes[0]


def test_an_nbgrader_student_cannot_nest_a_folder_into_another_row(tmp_path: Path):
    archive = _zip(tmp_path / "submitted.zip", {
        "submitted/alice/movielens_lab/bob/movielens_lab/movielens_lab.ipynb": "{alice}",
        "submitted/bob/movielens_lab/movielens_lab.ipynb": "{bob}"})
    alice, bob = collect(archive, "movielens_lab").submissions
    assert (alice.student, alice.data, bob.student, bob.data) == ("alice", b"{alice}", "bob", b"{bob}")
    assert "ambiguous name" in alice.notes[0]


def test_archives_and_upper_case_notebooks_are_rows(tmp_path: Path):
    archive = _zip(tmp_path / "class.zip", {"alice.zip": "PK", "BOB.IPYNB": "{bob}", "carl.tar.gz": "x",
                                             "notes.txt": "not a submission"})
    alice, bob, carl = collect(archive, "movielens_lab").submissions
    assert (alice.student, bob.student, bob.data, carl.student) == ("alice", "bob", b"{bob}", "carl.tar")
    with pytest.raises(InvalidSubmission, match="alice.zip is an archive .* not opened"):
        alice.data


def test_ids_kept_apart_cannot_be_taken_by_a_name(tmp_path: Path):
    old_suffix = "case-" + hashlib.sha256(b"name:case").hexdigest()[:6]  # what the grader gave before
    archive = _zip(tmp_path / "class.zip", {f"{name}.ipynb": name for name in ["Case", "case", "case-1", old_suffix]})
    subs = collect(archive, "movielens_lab").submissions
    assert sorted(s.student for s in subs) == sorted(["case-1", "case-2", "case-3", old_suffix])
    assert {s.data.decode(): s.student for s in subs}["case-1"] == "case-1"  # the file named so keeps its id


def test_names_without_the_utf8_flag_come_out_right(tmp_path: Path):
    archive = _without_utf8_flag(tmp_path / "old.zip", [
        "José Núñez_12_assignsubmission_file_/movielens_lab.ipynb".encode(),  # UTF-8 bytes, no flag
        "Zoë Brontë_13_assignsubmission_file_/movielens_lab.ipynb".encode("cp437"),  # real cp437
        "李雷_14_assignsubmission_file_/movielens_lab.ipynb".encode(),
    ])
    with zipfile.ZipFile(archive) as zf:
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
    subs = collect(archive, "movielens_lab").submissions
    assert sorted(s.name for s in subs) == ["José Núñez", "Zoë Brontë", "李雷"]
    assert {s.student for s in subs} == {"jose_nunez_12", "zoe_bronte_13", student_id("李雷") + "_14"}


def test_folder_layout_per_student_subfolders(tmp_path: Path):
    for name in ("alice", "Bob Smith"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "movielens_lab.ipynb").write_text("{}")
    (tmp_path / "class" / "carl.ipynb").write_text("{}")
    subs = collect(tmp_path / "class", "movielens_lab").submissions
    assert [(s.student, s.name, s.notes) for s in subs] == [
        ("alice", "alice", []), ("bob_smith", "Bob Smith", []), ("carl", "carl", [])]


def test_names_that_make_the_same_id_stay_two_students(tmp_path: Path):
    archive = _zip(tmp_path / "class.zip", {"Alice.ipynb": "{1}", "alice.ipynb": "{2}", "bob.ipynb": "{}"})
    subs = collect(archive, "movielens_lab").submissions
    assert [s.student for s in subs][2] == "bob" and len({s.student for s in subs}) == 3
    alices = subs[:2]
    assert sorted(s.name for s in alices) == ["Alice", "alice"]
    assert all(s.student.startswith("alice-") for s in alices)
    assert all(s.notes == ["2 students give the id alice: Alice (Alice.ipynb), alice (alice.ipynb); graded apart "
                           "(merge them by hand if they are one person)"] for s in alices)
    assert {category(s.notes[0]) for s in alices} == {"duplicate"}


def test_layout_option_overrides_the_guess(tmp_path: Path, capsys):  # nothing printed: the command prints
    archive = _zip(tmp_path / "canvas.zip", {"libo_102_1_lab.ipynb": "{}", "libo_102_2_lab-1.ipynb": "{}",
                                              "plain.ipynb": "{}"})
    guessed = collect(archive, "movielens_lab")
    assert [s.student for s in guessed.submissions] == ["libo_102", "plain"]
    assert "canvas layout (detected): 3 files, 2 students; 1 older attempt" in guessed.said
    told = collect(archive, "movielens_lab", layout="folder")
    assert [s.student for s in told.submissions] == ["libo_102_1_lab", "libo_102_2_lab-1", "plain"]
    assert told.said == "submissions: folder layout (as --layout says): 3 files, 3 students"
    assert capsys.readouterr().out == ""
    [plain] = [s for s in collect(archive, "movielens_lab", layout="moodle").submissions if s.student == "plain"]
    assert plain.notes == ["plain.ipynb is not named like the other moodle files: student taken from the file name"]
    assert category(plain.notes[0]) == "named by its file"
    with pytest.raises(LabError, match="unknown layout 'd2l'; choose from auto, folder, nbgrader"):
        collect(archive, "movielens_lab", layout="d2l")


@pytest.mark.slow  # grades a class
def test_grading_a_canvas_download_gives_one_row_per_student(tmp_path: Path):
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    partial = filled(student, mean="def mean(xs):\n    return sum(xs) / 3")
    archive = _zip(tmp_path / "canvas.zip", {
        "libo_LATE_102_5552_fixture_lab.ipynb": nbformat.writes(partial),
        "libo_LATE_102_5553_fixture_lab-1.ipynb": nbformat.writes(filled(student)),
        "núñezjosé_7_5554_fixture_lab.ipynb": nbformat.writes(partial),
    })
    assert grade(archive, out=tmp_path / "out", source=SOURCE, config=CONFIG,
                 data_dir=data_folder(tmp_path / "data")) == 0
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["student"], r["name"], r["total"], r["lms_user_id"], r["late"], r["submitted_at"]) for r in rows] == [
        ("libo_102", "libo", "5", "102", "yes", ""), ("nunezjose_7", "núñezjosé", "3.5", "7", "no", "")]
    assert "ignored libo_LATE_102_5552_fixture_lab.ipynb" in rows[0]["reason"]
    assert list(rows[0])[-6:] == ["reason", "lms_user_id", "late", "submitted_at", "assignment", "review"]
    assert {r["assignment"] for r in rows} == {"fixture_lab"}
