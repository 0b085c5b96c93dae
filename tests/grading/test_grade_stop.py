"""`grade` stopped by SIGTERM mid-grading, as `kill`, `scancel` or a pod's end stop it: nothing is left behind.

Two ways a grader is stopped: SIGTERM to its first process only (`kill PID`, Kubernetes), or, as
Slurm cancels a job, SIGTERM to every process of the job at once and then, once the first
process has ended, SIGKILL to whatever is left. Either way the grader ends last, after every
sandbox has removed its cgroup (`movielens-lab-PID`, grading as root) and every temporary file
and worker folder is gone; the students cut short get no record, and the next run grades them.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab.grading.course import build_course
from movielens_lab.grading.sandbox import cgroups
from movielens_lab.grading.sandbox.lifetime import Terminated

pytestmark = pytest.mark.slow  # grades a batch, stops it, grades it again

SLOW = {"square": "import time\ntime.sleep(4)  # within the 5 s cell timeout\ndef square(x):\n    return x * x",
        "mean": "time.sleep(4)\ndef mean(xs):\n    return sum(xs) / len(xs)"}


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (those in the sandboxes' PID namespaces included), as host PIDs."""
    found = [pid]
    try:
        threads = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for thread in threads:
        try:
            children = (thread / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _tree(int(child))
    return found


def _cgroups_of(pids: list[int]) -> list[Path]:
    """The submission cgroups made by the supervisors among ``pids`` (``movielens-lab-<supervisor pid>``)."""
    return [folder / f"movielens-lab-{pid}" for folder in cgroups.parents().values() for pid in pids
            if (folder / f"movielens-lab-{pid}").is_dir()]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder (the fixture assignment) with two slow submissions and ./data."""
    (tmp_path / "solutions").mkdir()
    shutil.copyfile(CONFIG, tmp_path / "grader_config.py")
    shutil.copyfile(SOURCE, tmp_path / "solutions" / "fixture_lab.ipynb")
    student = nbformat.read(build_course(tmp_path / "released", SOURCE, SETTINGS).student_notebook, as_version=4)
    for name in ("alice", "bob"):
        write(filled(student, **SLOW), tmp_path / "submissions" / f"{name}.ipynb")
    data_folder(tmp_path / "data")
    (tmp_path / "tmp").mkdir()
    return tmp_path


def _grade(course: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(course / "tmp")}  # what it leaves in the temporary folder is seen here
    return subprocess.Popen([sys.executable, "-m", "movielens_lab", "grade", "submissions", "--jobs", "2"],
                            cwd=course, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _mid_grading(course: Path, grader: subprocess.Popen) -> tuple[str, list[int]]:
    """Wait until a kernel runs (in its cgroup, where there are some); the student's name and the grader's
    processes then."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and grader.poll() is None:
        pids = _tree(grader.pid)
        kernels = list((course / "grading" / "work").glob("*/autograded/.sandbox-*"))
        if kernels and (not cgroups.parents() or _cgroups_of(pids)):
            return kernels[0].parents[1].name.rsplit("-", 1)[0], pids
        time.sleep(0.1)
    raise AssertionError(f"grading never got under way: {grader.communicate()[1][-2000:]}")


@pytest.mark.parametrize("how", ["the first process", "every process, then SIGKILL to what is left"])
def test_a_grader_stopped_mid_grading_leaves_nothing_behind(course: Path, how: str) -> None:
    grader = _grade(course)
    running, pids = _mid_grading(course, grader)
    time.sleep(1)
    pids = _tree(grader.pid)
    made = _cgroups_of(pids)
    assert bool(made) == bool(cgroups.parents())  # grading as root where it can: each sandbox has one
    for pid in pids if how.startswith("every") else [grader.pid]:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    assert grader.wait(timeout=120) == Terminated.EXIT_CODE
    assert grader.stderr.read().splitlines()[-1] == "stopped by SIGTERM; work finished so far is kept"
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    for pid in alive:  # a scheduler kills what the job left once its first process has ended
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "the grader ended before the processes it started"
    assert [c for c in made if c.exists()] == []
    assert list((course / "tmp").iterdir()) == []
    assert not (course / "grading" / "work").exists() or not list((course / "grading" / "work").iterdir())
    recorded = {p.parent.name: json.loads(p.read_text())["outcome"]["status"]
                for p in (course / "grading" / "students").glob("*/record.json")}
    assert running not in recorded and set(recorded.values()) <= {"graded"}  # cut short: no record
    if how == "the first process":
        return
    again = _grade(course)
    assert again.wait(timeout=600) == 0, again.stderr.read()
    with open(course / "grading" / "grades.csv", newline="", encoding="utf-8") as fh:
        assert {row["student"]: (row["total"], row["status"]) for row in csv.DictReader(fh)} == {
            "alice": ("5", "graded"), "bob": ("5", "graded")}
    assert list((course / "tmp").iterdir()) == []
