"""die_with_parent: a process ends with the process that started it, even one killed with SIGKILL; a stopped grader
adopts and waits for orphans, and SIGTERM ends a command as an interrupt does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from movielens_lab.grading.sandbox.lifetime import Terminated, sigterm_raises

START_A_CHILD = """
import subprocess, sys, time
from movielens_lab.grading.sandbox.lifetime import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=die_with_parent)
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(60)
"""


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_child_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", START_A_CHILD, str(pid_file)])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and parent.poll() is None, "the parent never started its child"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert not _gone(child, within=0.3)
        parent.kill()
        parent.wait()
        assert _gone(child), "the child outlived its parent"
    finally:
        parent.kill()


def test_a_parent_that_ended_before_the_request_sends_the_signal_at_once() -> None:
    code = ("import os, signal\nfrom movielens_lab.grading.sandbox.lifetime import die_with_parent\n"
            f"die_with_parent(signal.SIGTERM, parent={os.getpid()} + 999999)\nprint('still here')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGTERM and "still here" not in run.stdout


def test_a_living_parent_leaves_the_process_running() -> None:
    code = ("import os\nfrom movielens_lab.grading.sandbox.lifetime import die_with_parent\n"
            "die_with_parent(parent=os.getppid())\nprint('still here')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (0, "still here\n")


ADOPTER = """
import subprocess, sys, time
from movielens_lab.grading.sandbox.lifetime import adopt_orphans, children, reap_children
adopt_orphans()
parent = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1.5)'])"
subprocess.run([sys.executable, "-c", parent])  # its child outlives it: an orphan
adopted = children()
started = time.monotonic()
print(len(adopted), reap_children(30), time.monotonic() - started > 0.5, children())
"""


def test_an_orphan_is_adopted_and_waited_for() -> None:
    """A grader that stops waits for what its workers left running (a sandbox's supervisor, tidying up)."""
    done = subprocess.run([sys.executable, "-c", ADOPTER], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["1", "True", "True", "[]"], done.stderr


def test_sigterm_raises_terminated_once_then_the_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_raises():
        with pytest.raises(Terminated, match="^stopped by SIGTERM$"):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)  # not reached: the handler raises at once
        os.kill(os.getpid(), signal.SIGTERM)  # a second one, while tidying up: ignored
        time.sleep(0.2)
    assert signal.getsignal(signal.SIGTERM) is before
