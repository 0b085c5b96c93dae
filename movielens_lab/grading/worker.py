"""Grade one student in its own course copy: ``python -m movielens_lab.grading.worker ROOT STUDENT ASSIGNMENT
CELL_TIMEOUT KERNEL PARENT``.

Runs real ``nbgrader autograde`` of ASSIGNMENT on the course folder ROOT, whose gradebook only
this process writes, each cell limited to CELL_TIMEOUT seconds, with two of nbgrader's steps
changed: the restored test cells lose their hidden parts (``StripHiddenTests``: the student's
kernel runs the visible tests only), and the notebook runs through ``SealedExecute``, which
hands each test's values to the judge as the test runs (``ROOT/sealed.json`` holds its settings;
its verdict, the points, goes to ``ROOT/verdict.json``). What nbgrader said is recorded in
``ROOT/worker.json``. The grading process PARENT kills it (and its kernel's process group) when it
runs past the notebook timeout; it dies with PARENT (``lifetime``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets.config import Config

from .course import nbgrader_api, nbgrader_environment
from .judge.sealed import SealedExecute, StripHiddenTests
from .sandbox.client import client_config
from .sandbox.lifetime import die_with_parent

REPORT = "worker.json"
SETTINGS = "sealed.json"
"""In ROOT: ``SealedExecute``'s settings, written by the grader."""
VERDICT = "verdict.json"


def _summary(result: dict) -> dict:
    """nbgrader's outcome: success, whether the kernel died, and its first error line."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    errors = [line for line in text.splitlines() if line.startswith("[ERROR]")] or text.strip().splitlines()[-1:]
    return {"success": bool(result.get("success")), "kernel_died": "DeadKernelError" in text,
            "error": errors[0][:500] if errors else ""}


def autograde_config(root: Path, cell_timeout: int, kernel_name: str) -> Config:
    """nbgrader's autograde, with the hidden tests kept out of the kernel and every test sealed."""
    extra = client_config()
    extra.Execute.kernel_name = kernel_name
    extra.Execute.timeout = cell_timeout
    extra.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                              StripHiddenTests, CheckCellMetadata]
    extra.Autograde.autograde_preprocessors = [SealedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                               SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    for key, value in json.loads((root / SETTINGS).read_text()).items():
        setattr(extra.SealedExecute, key, value)
    extra.SealedExecute.verdict_file = str(root / VERDICT)
    extra.SealedExecute.scratch_dir = str(root)  # the grader removes it, even after killing this worker
    return extra


def run(root: Path, student: str, assignment: str, cell_timeout: int, kernel_name: str) -> dict:
    """Autograde ``student``'s ``assignment``; return nbgrader's outcome."""
    with nbgrader_environment():
        api = nbgrader_api(root, autograde_config(root, cell_timeout, kernel_name))
        return {"autograde": _summary(api.autograde(assignment, student, force=True, create=True))}


def main(argv: list[str]) -> int:
    die_with_parent(parent=int(argv[5]))  # its kernel's supervisor then stops the kernel, dying with it
    root, student, assignment, cell_timeout, kernel_name = Path(argv[0]), argv[1], argv[2], int(argv[3]), argv[4]
    report = run(root, student, assignment, cell_timeout, kernel_name)
    (root / REPORT).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
