"""Processes that end with the process that started them, and a grader that ends only after them.

Each process of a grading run asks for a signal when its parent ends (``prctl(PR_SET_PDEATHSIG)``),
even when the parent is killed with SIGKILL, so that nothing outlives the grader: the worker
dies with the batch, the sandbox supervisor (SIGTERM: it then kills the sandbox and tidies up)
with its client, and ``unshare`` and the unsandboxed kernel with the supervisor. (Linux sends
the signal when the *thread* that started the process ends; every process here is started by a
thread that waits for it.)

Stopped (SIGTERM: ``kill``, ``scancel``, a Kubernetes pod's end), a command ends as if
interrupted (:class:`Terminated`); the grader then waits for what it started to end and tidy up
(a sandbox removes its cgroup and its folders) before it exits, since a scheduler kills
whatever is left of a job once its first process has ended. Processes whose parent died on the
way are adopted meanwhile (:func:`adopt_orphans`) and waited for (:func:`reap_children`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
REAP_PAUSE = 0.05


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM): it ends as an interrupted one does, tidying up on the way."""

    EXIT_CODE = 128 + signal.SIGTERM


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` in the main thread (once: later ones are ignored
    while it tidies up). Enter it from the main thread."""

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, lambda *_: None)  # a handler, not SIG_IGN: children do not inherit it
        raise Terminated(f"stopped by {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def adopt_orphans() -> None:
    """Become the parent of every process this one's descendants leave orphaned (``PR_SET_CHILD_SUBREAPER``)."""
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)


def children() -> list[int]:
    """The PIDs of this process's children (those of every thread, adopted ones included)."""
    found = []
    for thread in Path("/proc/self/task").iterdir():
        try:
            found += [int(pid) for pid in (thread / "children").read_text().split()]
        except OSError:
            pass
    return found


def stop_children() -> None:
    """Send SIGTERM to every child: a sandbox's supervisor then ends its sandbox and tidies up."""
    for pid in children():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def reap_children(seconds: float) -> bool:
    """Wait up to ``seconds`` for every child (adopted ones included) to end; whether they all did.

    Call it only once no thread waits for a child of its own (``subprocess``), whose status it would take.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            if time.monotonic() > deadline:
                return False
            time.sleep(REAP_PAUSE)


def die_with_parent(sig: int = signal.SIGKILL, parent: int | None = None) -> None:
    """Have ``sig`` sent to this process when its parent ends; send it now if ``parent`` has ended already.

    ``parent`` is the PID of the process that started this one (default: the current parent).
    Safe in ``preexec_fn``: it only calls ``prctl`` and ``kill``.
    """
    parent = os.getppid() if parent is None else parent
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, int(sig))
    if os.getppid() != parent:  # the parent ended before the request: no signal will come
        os.kill(os.getpid(), sig)
