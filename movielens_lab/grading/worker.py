"""Grade one student in its own course copy: ``python -m movielens_lab.grading.worker ROOT STUDENT KERNEL``.

Runs real ``nbgrader autograde`` then ``nbgrader generate_feedback`` (hidden test code kept
out of the HTML) on the course folder ROOT, whose gradebook only this process writes, and
records what nbgrader said in ``ROOT/worker.json``. The parent process kills it (and its
kernel's process group) when it runs past the notebook timeout.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from . import sandbox
from .course import nbgrader_api, nbgrader_environment
from .preprocessors import HideTestCode

REPORT = "worker.json"


def _summary(result: dict) -> dict:
    """nbgrader's outcome: success, whether the kernel died, and its first error line."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    errors = [line for line in text.splitlines() if line.startswith("[ERROR]")] or text.strip().splitlines()[-1:]
    return {"success": bool(result.get("success")), "kernel_died": "DeadKernelError" in text,
            "error": errors[0][:500] if errors else ""}


def run(root: Path, student: str, kernel_name: str) -> dict:
    """Autograde ``student`` and generate the feedback; return nbgrader's outcome of each step."""
    assignment = json.loads((root / "release.json").read_text())["assignment"]
    extra = sandbox.client_config()
    extra.Execute.kernel_name = kernel_name
    extra.GenerateFeedback.preprocessors = [GetGrades, HideTestCode, CSSHTMLHeaderPreprocessor]
    with nbgrader_environment():
        api = nbgrader_api(root, extra)
        report = {"autograde": _summary(api.autograde(assignment, student, force=True, create=True))}
        if report["autograde"]["success"]:
            report["feedback"] = _summary(api.generate_feedback(assignment, student, force=True))
    return report


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
