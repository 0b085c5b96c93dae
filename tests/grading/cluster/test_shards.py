"""`grade --shard K/N` in processes started at once over one folder, then `merge` (fixture assignment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import movielens_lab
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab.errors import LabError
from movielens_lab.grading.cluster.merge import merge
from movielens_lab.grading.cluster.shards import Shard, assign
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.outputs.runfacts import RunFacts

STUDENTS = ("alice", "bob", "carol", "dave")
SHARD = ("import sys; from pathlib import Path; from movielens_lab.grading.grade import grade; "
         "grade(Path(sys.argv[1]), out=Path(sys.argv[2]), data_dir=Path(sys.argv[3]), source=Path(sys.argv[4]), "
         "config=Path(sys.argv[5]), unsafe=True, shard=sys.argv[6])")
"""A shard as `python -m movielens_lab grade SUBMISSIONS --out DIR --shard K/N` runs it."""


@pytest.fixture(scope="module")
def graded_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(submissions, data folder, the folder of one plain `grade --jobs 2` of them)."""
    root = tmp_path_factory.mktemp("shards")
    student = nbformat.read(build_course(root / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    notebooks = {"alice": filled(student), "bob": student,
                 "carol": filled(student, mean="def mean(xs):\n    return sum(xs) / 3"),
                 "dave": filled(student, square="def square(x):\n    return x * abs(x)")}
    for name, nb in notebooks.items():
        write(nb, root / "submissions" / f"{name}.ipynb")
    data = data_folder(root / "data")
    assert grade(root / "submissions", out=root / "single", jobs=2, unsafe=True, data_dir=data, source=SOURCE,
                 config=CONFIG) == 0
    return root / "submissions", data, root / "single"


def start_shard(submissions: Path, out: Path, data: Path, shard: str) -> subprocess.Popen:
    root = str(Path(movielens_lab.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", SHARD, submissions, out, data, SOURCE, CONFIG, shard], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def results(out: Path) -> dict[str, dict]:
    return {s: {k: v for k, v in json.loads((out / "students" / s / "results.json").read_text()).items()
                if k != "execution_time"} for s in STUDENTS}  # how long each took differs from run to run


def test_the_parts_are_disjoint_cover_the_class_and_do_not_depend_on_order():
    students = [f"s{i:03d}" for i in range(101)]
    for count in (1, 2, 3, 7):
        parts = assign(students, count)
        assert parts == assign(reversed(students), count) == assign(students + students[:5], count)
        assert set(parts) == set(students) and set(parts.values()) == set(range(1, count + 1))
        sizes = [list(parts.values()).count(k) for k in range(1, count + 1)]
        assert max(sizes) - min(sizes) <= 1
    assert assign(STUDENTS, 2) == {"alice": 1, "bob": 2, "carol": 2, "dave": 1}  # sha256: the same everywhere


@pytest.mark.parametrize("text, why", [("2", "takes K/N"), ("a/b", "takes K/N"), ("1/0", "at least 1"),
                                       ("0/3", r"shard i\+1"), ("4/3", "from 1 to 3")])
def test_a_bad_shard_is_one_line(text: str, why: str):
    with pytest.raises(LabError, match=why) as err:
        Shard.parse(text)
    assert "\n" not in str(err.value)
    assert Shard.parse(" 3 / 4 ") == Shard(3, 4)


def test_a_bad_shard_or_a_roster_stops_grade_before_any_work(tmp_path: Path):
    with pytest.raises(LabError, match="from 1 to 2"):
        grade(tmp_path / "nothing", out=tmp_path / "out", shard="3/2")
    with pytest.raises(LabError, match="pass it to merge"):
        grade(tmp_path / "nothing", out=tmp_path / "out", shard="1/2", roster=tmp_path / "roster.csv")
    with pytest.raises(LabError, match="no shard manifests"):
        merge(tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_shards_started_at_once_merge_into_the_grades_of_one_run(graded_once: tuple[Path, Path, Path],
                                                                   tmp_path: Path):
    submissions, data, single = graded_once
    out = tmp_path / "out"
    shards = [start_shard(submissions, out, data, f"{k}/3") for k in (1, 2, 3)]
    assert [proc.wait(timeout=600) for proc in shards] == [0, 0, 0]
    assert not (out / "grades.csv").exists()  # a shard writes its students' files only
    manifests = [json.loads((out / "shards" / f"{k}-of-3.json").read_text()) for k in (1, 2, 3)]
    assert sorted(s for m in manifests for s in m["students"]) == sorted(STUDENTS)
    assert all(m["run"]["finished"] for m in manifests)
    assert merge(out, config=CONFIG) == 0
    assert (out / "grades.csv").read_text() == (single / "grades.csv").read_text()
    assert results(out) == results(single)
    facts = RunFacts.read(out)
    assert facts is not None and (facts.students, facts.graded, facts.shards) == (4, 4, 3)
    assert "| jobs | 1 per shard, 3 shards |" in (out / "report.md").read_text()
    assert not (out / "work").exists()


@pytest.mark.slow
def test_a_killed_shard_and_one_that_never_ran_are_named_then_graded_again(
        graded_once: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    submissions, data, single = graded_once
    out, parts = tmp_path / "out", assign(STUDENTS, 3)
    big = max((1, 2, 3), key=list(parts.values()).count)  # 2 students: one graded before the kill, one not
    small, never = sorted({1, 2, 3} - {big})
    killed, other = start_shard(submissions, out, data, f"{big}/3"), start_shard(submissions, out, data, f"{small}/3")
    records = [out / "students" / s / "record.json" for s in STUDENTS if parts[s] == big]
    deadline = time.monotonic() + 300
    while not any(r.exists() for r in records) and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    killed.kill()
    killed.wait()
    assert other.wait(timeout=600) == 0
    first = next(r for r in records if r.exists())
    assert sum(r.exists() for r in records) == 1, "the shard finished before it was killed"
    capsys.readouterr()
    assert merge(out, config=CONFIG) == 1
    said = capsys.readouterr().err
    assert not (out / "grades.csv").exists()
    unfinished = [s for s in STUDENTS if parts[s] == big and s != first.parent.name]
    assert f"shard {big}/3 (started " in said and "did not finish" in said and ", ".join(unfinished) in said
    assert f"shard {never}/3 (never ran): {', '.join(s for s in STUDENTS if parts[s] == never)}" in said
    stamp = first.stat().st_mtime_ns
    for k in (big, never):
        assert grade(submissions, out=out, data_dir=data, source=SOURCE, config=CONFIG, unsafe=True,
                     shard=f"{k}/3") == 0
    assert first.stat().st_mtime_ns == stamp  # graded before the kill: not graded again
    assert merge(out, config=CONFIG) == 0
    assert (out / "grades.csv").read_text() == (single / "grades.csv").read_text()
    assert results(out) == results(single)
