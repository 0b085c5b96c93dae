"""Grade one student in its own course copy: ``python -m movielens_lab.grading.worker ROOT STUDENT KERNEL``.

Runs real ``nbgrader autograde`` on the course folder ROOT, whose gradebook only this process
writes, and records what nbgrader said in ``ROOT/worker.json``. (The points come from the
judge afterwards; see ``judging``.) The parent process kills it (and its
kernel's process group) when it runs past the notebook timeout.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from . import sandbox
from .course import nbgrader_api, nbgrader_environment

REPORT = "worker.json"


def _summary(result: dict) -> dict:
    """nbgrader's outcome: success, whether the kernel died, and its first error line."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    errors = [line for line in text.splitlines() if line.startswith("[ERROR]")] or text.strip().splitlines()[-1:]
    return {"success": bool(result.get("success")), "kernel_died": "DeadKernelError" in text,
            "error": errors[0][:500] if errors else ""}


def run(root: Path, student: str, kernel_name: str) -> dict:
    """Autograde ``student``; return nbgrader's outcome."""
    assignment = json.loads((root / "release.json").read_text())["assignment"]
    extra = sandbox.client_config()
    extra.Execute.kernel_name = kernel_name
    with nbgrader_environment():
        api = nbgrader_api(root, extra)
        return {"autograde": _summary(api.autograde(assignment, student, force=True, create=True))}


def _exit_with_parent() -> None:
    """End this worker (and so its kernel) when the grading process that started it is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str]) -> int:
    _exit_with_parent()
    root, student, kernel_name = Path(argv[0]), argv[1], argv[2]
    report = run(root, student, kernel_name)
    (root / REPORT).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
