"""How a submission's kernel is started while grading (the sandbox hook).

FIRST VERSION: no isolation yet, only the kernelspec plumbing the grader uses. The sandbox
(separate user, namespaces, resource limits) replaces ``kernel_argv``'s internals.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "movielens-grading"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel."""

    memory_mb: int


def kernel_argv(workdir: Path, limits: Limits) -> list[str]:
    """The command that starts a grading kernel whose cwd is ``workdir``."""
    return [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def write_kernelspec(jupyter_path: Path, workdir: Path, limits: Limits) -> str:
    """Write a kernelspec under ``jupyter_path/kernels``; return its name.

    Run nbgrader with ``JUPYTER_PATH=jupyter_path`` and
    ``--ExecutePreprocessor.kernel_name=<name>`` so the submission runs through it.
    """
    spec_dir = Path(jupyter_path) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": kernel_argv(workdir, limits), "display_name": "Python 3 (grading)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return KERNEL_NAME
