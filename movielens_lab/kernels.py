"""What every kernel this package starts has in common (grading, ``check`` and ``demo``)."""

from __future__ import annotations

QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONWARNINGS": "ignore"}
"""Forced into each kernel's environment, whatever the caller's: TensorFlow's log and warnings stay quiet."""

QUIET_KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False"]
"""ipykernel options: what the kernel process itself writes (TensorFlow's C++ start-up lines, which
no setting silences) goes to the process's own output, not into the cells."""
