"""What every kernel this package starts has in common (grading, ``check`` and ``demo``)."""

from __future__ import annotations

import os
import sys

from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode

PYTHON = os.path.normpath(sys.executable)
"""This Python, as kernels, judges and the sandbox run it: without ``..`` (``../.venv/bin/python``), a path a
sandbox's own view of the files may not resolve; symlinks kept, so a virtual environment stays itself."""

QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONWARNINGS": "ignore"}
"""Forced into each kernel's environment, whatever the caller's: TensorFlow's log and warnings stay quiet."""

QUIET_KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False"]
"""ipykernel options: what the kernel process itself writes (TensorFlow's C++ start-up lines, which
no setting silences) goes to the process's own output, not into the cells."""


class LoggedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel process writes its own output to a file, not the terminal.

    That output is TensorFlow's C++ log and Jupyter's start-up warnings; the cells' outputs
    travel over the kernel's channels into the notebook as usual.
    """

    log_file = Unicode(os.devnull, help="File that receives the kernel process's stdout and stderr").tag(config=True)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        with open(self.log_file, "wb") as sink:
            await super()._async_launch_kernel(kernel_cmd, stdout=sink, stderr=sink, **kw)
