"""deploy/slurm on a real single-node Slurm (Debian's slurm-wlm and munge), submitted by an ordinary user.

A class of five (the fixture assignment) in a folder whose name holds a comma, a space and a
percent sign, graded in 3 shards by ``deploy/slurm/submit.sh``: the merged grades.csv is the very
file one ``grade`` writes. One shard is cancelled mid-grading (``scancel``): the merge names its
students, the shard leaves no process, worker folder or temporary file, and running the same
command again completes the class. ``submit.sh`` refuses in one line, submitting nothing, what the
jobs could not use. Where Slurm cannot be installed or started, the test fails saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from fixtures.slurm import Cluster, SlurmFailed, install
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from fixtures.users import NOBODY
from movielens_lab import paths
from movielens_lab.grading.cluster.shards import assign
from movielens_lab.grading.course import build_course

pytestmark = pytest.mark.slow  # installs Slurm where it is missing, starts it, grades a class twice

SUBMIT = paths.CHECKOUT / "deploy" / "slurm" / "submit.sh"
SLOW = {"square": "import time\ntime.sleep(4)  # within the 5 s cell timeout\ndef square(x):\n    return x * x",
        "mean": "time.sleep(4)\ndef mean(xs):\n    return sum(xs) / len(xs)"}
OUT = "grading, 50%"


@pytest.fixture(scope="module")
def class_on_slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Path]]:
    """(a running cluster, the course folder), the folder owned by the ordinary user who submits."""
    course = tmp_path_factory.mktemp("slurm") / "class, fall 2026"
    (course / "solutions").mkdir(parents=True)
    shutil.copyfile(CONFIG, course / "grader_config.py")
    shutil.copyfile(SOURCE, course / "solutions" / "fixture_lab.ipynb")
    student = nbformat.read(build_course(course.parent / "released", SOURCE, SETTINGS).student_notebook,
                            as_version=4)
    notebooks = {"alice": filled(student), "bob": student, "carol": filled(student, mean="def mean(xs):\n    "
                                                                                       "return sum(xs) / 3"),
                 "dave": filled(student, **SLOW), "erin": filled(student, square="def square(x):\n    return x + x")}
    for name, nb in notebooks.items():
        write(nb, course / "submissions" / f"{name}.ipynb")
    data_folder(course / "data")
    for folder in (course, *course.rglob("*")):
        os.chown(folder, NOBODY, NOBODY)
    course.chmod(0o755)
    try:
        install()
        cluster = Cluster(Path(tempfile.mkdtemp(prefix="mlk-slurm-")), lent=[course])
    except SlurmFailed as why:
        pytest.fail(f"no Slurm to test deploy/slurm on: {why}")
    for name, mode in (("home", 0o1777), ("tmp", 0o1777)):
        (cluster.root / name).mkdir()
        (cluster.root / name).chmod(mode)
    try:
        cluster.start()
    except SlurmFailed as why:
        cluster.stop()
        pytest.fail(f"Slurm did not start: {why}")
    yield cluster, course
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)


def _submit(cluster: Cluster, course: Path, out: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    """``deploy/slurm/submit.sh submissions OUT 3 data`` as the ordinary user, from the course folder."""
    env = {"HOME": str(cluster.root / "home"), "TMPDIR": str(cluster.root / "tmp"), "PYTHON": python,
           "USER": "nobody"}
    return cluster.run(["bash", str(SUBMIT), "submissions", out, "3", "data"], user=NOBODY, cwd=course, env=env)


def _queued(cluster: Cluster) -> str:
    return cluster.run(["squeue", "-h"]).stdout


def test_submit_refuses_in_one_line_what_the_jobs_could_not_use(class_on_slurm: tuple[Cluster, Path]) -> None:
    cluster, course = class_on_slurm
    private = cluster.root / "private"  # a virtual environment in root's private folder, say
    private.mkdir(mode=0o700)
    (private / "python").symlink_to(sys.executable)
    done = _submit(cluster, course, "grading", python=str(private / "python"))
    assert (done.returncode, done.stderr) == (1, f"submit.sh: nobody cannot run {private / 'python'} (the jobs run "
                                                 "as nobody): install movielens_lab where nobody can read and run it "
                                                 "(not in a virtual environment under another user's private "
                                                 "home)\n")
    rootonly = cluster.root / "results"  # root's, mode 0755: the jobs could not write their logs or grades
    rootonly.mkdir()
    done = _submit(cluster, course, str(rootonly / "grading"))
    assert (done.returncode, done.stderr) == (1, f"submit.sh: error: cannot write into the grading folder "
                                                 f"{rootonly / 'grading'} as nobody: Permission denied\n")
    assert _queued(cluster) == "" and not (course / "grading").exists()


def test_shards_merge_into_one_grades_csv_and_a_cancelled_shard_is_named_then_resumed(
        class_on_slurm: tuple[Cluster, Path]) -> None:
    cluster, course = class_on_slurm
    single = subprocess.run([sys.executable, "-m", "movielens_lab", "grade", "submissions", "--out", "single",
                             "--data-dir", "data", "--jobs", "2"], cwd=course, capture_output=True, text=True,
                            timeout=600)
    assert single.returncode == 0, single.stderr[-2000:]
    out, tmp = course / OUT, cluster.root / "tmp"

    done = _submit(cluster, course, OUT)
    assert done.returncode == 0, done.stderr + cluster.logs()
    array, merge = re.search(r"job array (\d+) .* merge: job (\d+)", done.stdout).groups()
    assert f"logs: {out}/logs/grade-{array}_<task>.out and {out}/logs/merge-{merge}.out" in done.stdout
    assert f"watch: squeue -j {array},{merge}" in done.stdout
    shard = assign(["alice", "bob", "carol", "dave", "erin"], 3)["dave"]
    running = _kernel_of(cluster, out / "work" / f"{shard}-of-3", "dave", array, merge)
    cancelled = cluster.run(["scancel", f"{array}_{shard - 1}"])
    assert cancelled.returncode == 0, cancelled.stderr
    cluster.wait(array, merge)
    said = (out / "logs" / f"merge-{merge}.out").read_text()
    assert re.search(rf"  shard {shard}/3 \(started [^)]*, did not finish: still running, or died\): .*dave", said)
    assert not (out / "grades.csv").exists() and not (out / "students" / "dave" / "record.json").exists()
    assert not (out / "work" / f"{shard}-of-3").exists(), "the cancelled shard left its worker folder"
    assert list(tmp.iterdir()) == [], "the cancelled shard left temporary files"
    assert not [pid for pid in running if Path(f"/proc/{pid}").exists()], "the cancelled shard left processes"
    assert sorted(p.name for p in (out / "logs").iterdir()) == sorted(
        [f"grade-{array}_{i}.out" for i in range(3)] + [f"merge-{merge}.out"])

    again = _submit(cluster, course, OUT)  # the same command: every shard again, the graded students kept
    assert again.returncode == 0, again.stderr + cluster.logs()
    array, merge = re.search(r"job array (\d+) .* merge: job (\d+)", again.stdout).groups()
    cluster.wait(array, merge)
    assert (out / "grades.csv").read_bytes() == (course / "single" / "grades.csv").read_bytes(), (
        (out / "logs" / f"merge-{merge}.out").read_text())
    assert list(tmp.iterdir()) == []


def _kernel_of(cluster: Cluster, work: Path, student: str, *jobs: str) -> list[int]:
    """Wait until ``student``'s kernel runs in the shard whose worker folders are in ``work``; the PIDs of the
    processes grading it then (the worker, its kernel's supervisor and sandbox)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        kernels = list(work.glob(f"{student}-*/autograded/.sandbox-*"))
        if kernels:
            return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _mentions(p, work)]
        if not cluster.jobs(*jobs):
            break
        time.sleep(0.2)
    raise AssertionError(f"{student}'s kernel never ran in {work}: {cluster.jobs(*jobs)}{cluster.logs()}")


def _mentions(proc: Path, text: Path) -> bool:
    try:
        return str(text).encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False
