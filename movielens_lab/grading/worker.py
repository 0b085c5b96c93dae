"""Grade one student in its own course copy: ``python -m movielens_lab.grading.worker ROOT STUDENT ASSIGNMENT
CELL_TIMEOUT KERNEL PARENT``.

Runs real ``nbgrader autograde`` of ASSIGNMENT on the course folder ROOT, whose gradebook only
this process writes, each cell limited to CELL_TIMEOUT seconds, and records what nbgrader said
in ``ROOT/worker.json``. (The points come from the
judge afterwards; see ``judging``.) The grading process PARENT kills it (and its
kernel's process group) when it runs past the notebook timeout; it dies with PARENT (``lifetime``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .course import nbgrader_api, nbgrader_environment
from .lifetime import die_with_parent
from .sandbox.client import client_config

REPORT = "worker.json"


def _summary(result: dict) -> dict:
    """nbgrader's outcome: success, whether the kernel died, and its first error line."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    errors = [line for line in text.splitlines() if line.startswith("[ERROR]")] or text.strip().splitlines()[-1:]
    return {"success": bool(result.get("success")), "kernel_died": "DeadKernelError" in text,
            "error": errors[0][:500] if errors else ""}


def run(root: Path, student: str, assignment: str, cell_timeout: int, kernel_name: str) -> dict:
    """Autograde ``student``'s ``assignment``; return nbgrader's outcome."""
    extra = client_config()
    extra.Execute.kernel_name = kernel_name
    extra.Execute.timeout = cell_timeout
    with nbgrader_environment():
        api = nbgrader_api(root, extra)
        return {"autograde": _summary(api.autograde(assignment, student, force=True, create=True))}


def main(argv: list[str]) -> int:
    die_with_parent(parent=int(argv[5]))  # its kernel's supervisor then stops the kernel, dying with it
    root, student, assignment, cell_timeout, kernel_name = Path(argv[0]), argv[1], argv[2], int(argv[3]), argv[4]
    report = run(root, student, assignment, cell_timeout, kernel_name)
    (root / REPORT).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
