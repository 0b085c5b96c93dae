"""Processes that end with the process that started them: the kernel's parent-death signal.

Each process of a grading run asks for a signal when its parent ends (``prctl(PR_SET_PDEATHSIG)``),
even when the parent is killed with SIGKILL, so that nothing outlives the grader: the worker
dies with the batch, the sandbox supervisor (SIGTERM: it then kills the sandbox and tidies up)
with its client, and ``unshare`` and the unsandboxed kernel with the supervisor. (Linux sends
the signal when the *thread* that started the process ends; every process here is started by a
thread that waits for it.)
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL, parent: int | None = None) -> None:
    """Have ``sig`` sent to this process when its parent ends; send it now if ``parent`` has ended already.

    ``parent`` is the PID of the process that started this one (default: the current parent).
    Safe in ``preexec_fn``: it only calls ``prctl`` and ``kill``.
    """
    parent = os.getppid() if parent is None else parent
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, int(sig))
    if os.getppid() != parent:  # the parent ended before the request: no signal will come
        os.kill(os.getpid(), sig)
