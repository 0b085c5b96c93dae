"""``python -m movielens_lab gradescope``: the Gradescope autograder zip, and what runs inside it.

One zip per assignment: it holds ``setup.sh`` (installs the pinned requirements and fetches the
data, the twin when offline), ``run_autograder`` (grades ``/autograder/submission`` as that
assignment into ``/autograder/results/results.json`` with this package's ``grade``), the
package, the assignment's nbgrader source notebook and ``grader_config.py``; Gradescope unpacks
it into ``/autograder/source``.
``$GRADESCOPE_ROOT`` replaces ``/autograder`` (tests lay out a temporary folder like Gradescope's).
"""

from __future__ import annotations

import io
import json
import shlex
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from ... import paths
from ...config import course_settings, lab_settings, pick
from ...errors import LabError
from ...files import atomic_write
from ..grade import grade_submissions
from ..outcomes import Outcome
from ..outputs.folder import GradingFolder
from ..outputs.students import gradescope_results
from ..sandbox.client import probe
from ..submissions.assignments import Assignments
from ..submissions.collect import collect

ROOT_ENV = "GRADESCOPE_ROOT"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
ROOT="${GRADESCOPE_ROOT:-/autograder}"
apt-get update && apt-get install -y python3 python3-venv util-linux
python3 -m venv "$ROOT/venv"
cd "$ROOT/source"
"$ROOT/venv/bin/python" -m pip install -r requirements.txt
"$ROOT/venv/bin/python" -m movielens_lab data fetch --data-dir data \\
  || "$ROOT/venv/bin/python" -m movielens_lab data twin --data-dir data
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission as {assignment} into $ROOT/results/results.json.
set -euo pipefail
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
PYTHON="$ROOT/venv/bin/python"
[ -x "$PYTHON" ] || PYTHON=python3
cd "$ROOT/source"
exec "$PYTHON" -m movielens_lab.grading.lms.gradescope "$ROOT" {assignment}
"""


def _package_files() -> list[tuple[str, Path]]:
    """The package's source and what installs it (setup.sh runs ``pip install -r requirements.txt``), by zip name."""
    root = paths.CHECKOUT
    missing = [name for name in ("pyproject.toml", "requirements.txt") if not (root / name).is_file()]
    if missing:
        raise LabError(f"the Gradescope zip installs this package from its source, and {' and '.join(missing)} are "
                       f"not beside it in {root}: build the zip from a checkout of movielens-lab (pip install -e .)")
    files = [(p.relative_to(root).as_posix(), p) for p in sorted(paths.PACKAGE_DIR.rglob("*.py"))]
    files += [(name, root / name) for name in ("pyproject.toml", "requirements.txt", "README.md")
              if (root / name).is_file()]
    files += [(p.relative_to(root).as_posix(), p) for p in sorted((root / "jupyter-config").glob("*")) if p.is_file()]
    return files


def build(*, assignment: str | None = None, out: Path | None = None, source: Path | None = None,
          config: Path = paths.GRADER_CONFIG) -> None:
    """Write the Gradescope autograder zip of ``assignment`` (None: the first listed) to ``out`` (default
    ``out/gradescope_<assignment>.zip``); ``source`` defaults to its ``paths.solution_notebook``."""
    config = Path(config)
    name = lab_settings(config, assignment).assignment  # a broken config fails here, not on Gradescope
    source = paths.solution_notebook(name) if source is None else Path(source)
    out = Path("out") / f"gradescope_{name}.zip" if out is None else Path(out)
    if not source.is_file():
        raise LabError(f"source notebook {source} not found; restore it (solutions/) before building the zip")
    package = _package_files()
    scripts = {"setup.sh": SETUP_SH, "run_autograder": RUN_AUTOGRADER.format(assignment=shlex.quote(name))}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for script, text in scripts.items():
            info = zipfile.ZipInfo(script, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o755 << 16
            archive.writestr(info, text)
        for member, path in package:
            archive.write(path, member)
        archive.write(source, paths.solution_notebook(name).relative_to(paths.PROJECT_ROOT).as_posix())
        archive.write(config, paths.GRADER_CONFIG.name)
    atomic_write(out, buffer.getvalue())
    print(f"Gradescope autograder of {name}: {out} (upload it as that assignment's autograder zip)")


def _pick(submission: Path, assignment: str) -> Path | None:
    """The submitted notebook: ``<assignment>.ipynb`` if there, else the newest ``.ipynb`` (in any case)."""
    found = sorted((p for p in submission.rglob("*") if p.suffix.lower() == ".ipynb" and p.is_file()
                    and ".ipynb_checkpoints" not in p.parts),
                   key=lambda p: (p.name != f"{assignment}.ipynb", -p.stat().st_mtime, str(p)))
    return found[0] if found else None


def run_autograder(root: Path, assignment: str) -> None:
    """Grade ``root/submission`` as ``assignment`` into ``root/results/results.json`` (Gradescope's layout)."""
    course = course_settings(paths.GRADER_CONFIG)
    settings = pick(course, assignment)
    results = root / "results" / "results.json"
    notebook = _pick(root / "submission", settings.assignment)
    if notebook is None:
        outcome = Outcome.ungraded("student", "student", "invalid", [f"no .ipynb file submitted; upload your "
                                   f"{settings.assignment}.ipynb"], settings.points, settings.bonus)
        atomic_write(results, json.dumps(gradescope_results(settings, outcome), indent=1))
        return
    unsafe = probe() is not None
    if unsafe:
        print("note: the grading sandbox is not available in this container; grading without it")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        submission = Path(tmp) / "submission"
        submission.mkdir()
        shutil.copyfile(notebook, submission / "student.ipynb")
        out = Path(tmp) / "out"
        collected = collect(submission, settings.assignment, "auto")
        print(collected.said)
        grade_submissions(collected.submissions, settings, Assignments.of(course), out=out,
                          jobs=1, unsafe=unsafe, data_dir=paths.PROJECT_ROOT / "data",
                          source=paths.solution_notebook(settings.assignment))
        atomic_write(results, GradingFolder(out).results("student").read_bytes())


if __name__ == "__main__":
    run_autograder(Path(sys.argv[1]), sys.argv[2])
