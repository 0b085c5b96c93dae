"""`plan`: before grading in shards, what a shard would lack is one line; the class it records lets `merge` name
every student, even when no shard ever started."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.submissions import CONFIG, SOURCE, data_folder
from fixtures.users import NOBODY, as_ordinary_user
from movielens_lab.errors import LabError
from movielens_lab.grading.cluster.merge import merge
from movielens_lab.grading.cluster.plan import plan
from movielens_lab.grading.cluster.shards import assign

STUDENTS = ("alice", "bob", "carol")


def _course(root: Path) -> Path:
    """A course folder (the fixture assignment), a class of three (copies of the source notebook) and ./data."""
    (root / "solutions").mkdir(parents=True)
    shutil.copyfile(CONFIG, root / "grader_config.py")
    shutil.copyfile(SOURCE, root / "solutions" / "fixture_lab.ipynb")
    (root / "submissions").mkdir()
    for name in STUDENTS:
        shutil.copyfile(SOURCE, root / "submissions" / f"{name}.ipynb")
    data_folder(root / "data")
    return root


def test_merge_names_every_student_of_the_plan_when_no_shard_ran(tmp_path: Path, capsys) -> None:
    course = _course(tmp_path)
    out = course / "grading, fall"
    assert plan(course / "submissions", shards=2, out=out, data_dir=course / "data", source=SOURCE,
                config=CONFIG) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"fixture_lab: 3 students in 2 shards of 1 to 2; grading folder {out}; data folder {course / 'data'}")
    planned = json.loads((out / "shards" / "plan.json").read_text())
    assert [m["student"] for m in planned["members"]] == list(STUDENTS) and planned["shard"]["count"] == 2

    assert merge(out, config=CONFIG) == 1
    said = capsys.readouterr().err.splitlines()
    parts = assign(STUDENTS, 2)
    assert said[0] == "error: 3 of 3 students have no grade yet; grades.csv not written"
    for k in (1, 2):
        who = ", ".join(s for s in STUDENTS if parts[s] == k)
        assert f"  shard {k}/2 (never ran since the plan of {planned['started']}): {who}" in said
    assert not (out / "grades.csv").exists()


def test_a_bad_number_of_shards_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="at least 1"):
        plan(tmp_path, shards=0, config=CONFIG)


def _plan_as_nobody(course: Path, *args: str) -> subprocess.CompletedProcess:
    course.chmod(0o755)
    command = [*as_ordinary_user(also=[course]), sys.executable, "-m", "movielens_lab", "plan", "submissions",
               "--shards", "2", *args]
    return subprocess.run(command, cwd=course, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ["PATH"], "HOME": "/tmp", "USER": "nobody"})


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user (root reads and writes anything)")
def test_what_the_submitting_user_cannot_read_or_write_is_one_line(tmp_path: Path) -> None:
    """As the user who submits the shards (and whom they run as): the data folder, the grading folder, a
    submission."""
    course = _course(tmp_path / "course")
    (course / "out").mkdir()
    (course / "mine").mkdir()
    os.chown(course / "mine", NOBODY, NOBODY)

    done = _plan_as_nobody(course, "--out", "mine/grading")
    assert done.returncode == 0, done.stderr
    assert (course / "mine" / "grading" / "shards" / "plan.json").is_file()

    done = _plan_as_nobody(course, "--out", "out")  # root's folder, mode 0755
    assert (done.returncode, done.stderr) == (1, f"error: cannot write into the grading folder {course / 'out'} as "
                                                 "nobody: Permission denied\n")
    (course / "data" / "ml-1m" / "ratings.dat").chmod(0o600)
    done = _plan_as_nobody(course, "--out", "mine/grading")
    assert (done.returncode, done.stderr) == (1, f"error: ratings.dat in {course / 'data' / 'ml-1m'} cannot be "
                                                 "read by nobody: make them readable (chmod o+r) or grade as their "
                                                 "owner\n")
    (course / "data").chmod(0o700)
    done = _plan_as_nobody(course, "--out", "mine/grading")
    assert (done.returncode, done.stderr) == (1, f"error: {course / 'data'} cannot be read by nobody: make it "
                                                 "readable (chmod o+rX) or grade as its owner\n")
    (course / "data").chmod(0o755)
    (course / "submissions" / "bob.ipynb").chmod(0o600)
    done = _plan_as_nobody(course, "--out", "mine/grading")
    assert (done.returncode, done.stderr) == (1, "error: cannot read submissions/bob.ipynb as nobody: Permission "
                                                 "denied\n")
