"""The nbgrader course folder: written from ``grader_config.py``, released with real nbgrader.

``python -m movielens_lab release`` (:func:`release`) also writes the student notebook from it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import nbformat
from traitlets.config import Config

from ..config import LabGrader, lab_settings, load_config
from ..errors import LabError
from ..files import fingerprint
from ..paths import GRADER_CONFIG, SOLUTION_NOTEBOOK, STUDENT_NOTEBOOK
from .preprocessors import ApplyPoints

STAMP = "release.json"
"""File in the course folder recording what it was released from (its fingerprint)."""
LOCK = ".build.lock"
"""File in the course folder that one builder at a time holds (``grade --shard`` shares the folder)."""


@dataclass(frozen=True)
class Course:
    """A released nbgrader course folder and the settings it was released with."""

    root: Path
    settings: LabGrader
    fingerprint: str

    @property
    def assignment(self) -> str:
        return self.settings.assignment

    @property
    def source_notebook(self) -> Path:
        return self.root / "source" / self.assignment / f"{self.assignment}.ipynb"

    @property
    def student_notebook(self) -> Path:
        return self.root / "release" / self.assignment / f"{self.assignment}.ipynb"


def nbgrader_config_text(settings: LabGrader) -> str:
    """The course's ``nbgrader_config.py``, derived from the LabGrader settings."""
    return "\n".join([
        "# Written by `python -m movielens_lab release` from grader_config.py: edit that file instead.",
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {settings.course_id!r}",
        f"c.Execute.timeout = {settings.cell_timeout!r}",
        "c.Execute.interrupt_on_timeout = True",
        "c.Execute.allow_errors = True",
        "c.Execute.raise_on_iopub_timeout = False",
        "",
    ])


@contextmanager
def nbgrader_environment() -> Iterator[None]:
    """Put this interpreter's bin folder on PATH: nbgrader runs ``alembic`` for its gradebook."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), old])
    try:
        yield
    finally:
        os.environ["PATH"] = old


def nbgrader_api(root: Path, extra: Config | None = None):
    """nbgrader's API on the course folder ``root``, configured from its ``nbgrader_config.py``."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root / "nbgrader_config.py")
    if extra is not None:
        config.merge(extra)
    config.CourseDirectory.root = str(root)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def run_nbgrader(result: dict, what: str) -> None:
    """Raise a one-line LabError when an nbgrader API call failed."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "no detail").strip().splitlines()[-1]
        raise LabError(f"nbgrader {what} failed: {detail}")


def read_source(source: Path) -> nbformat.NotebookNode:
    """The nbgrader source notebook, or a clear error when it is missing or broken."""
    if not source.is_file():
        raise LabError(f"source notebook {source} not found; restore it (the lab's is {SOLUTION_NOTEBOOK.name} "
                       "in solutions/) or pass the right path")
    try:
        return nbformat.read(source, as_version=4)
    except Exception as err:
        raise LabError(f"source notebook {source} cannot be read ({type(err).__name__}); fix or restore it") from err


def build_course(root: Path, source: Path, settings: LabGrader) -> Course:
    """Release ``source`` into the nbgrader course folder ``root`` (skipped when already up to date).

    Writes ``nbgrader_config.py`` from ``settings``, copies the source with the configured points
    into ``source/<assignment>/`` and runs ``nbgrader generate_assignment`` on a fresh gradebook.
    """
    nb = read_source(Path(source))
    ApplyPoints(points=settings.points).preprocess(nb, {})
    source_text = nbformat.writes(nb) + "\n"
    config_text = nbgrader_config_text(settings)
    stamp = fingerprint(source_text.encode(), config_text.encode(), json.dumps(settings.bonus).encode())
    root = Path(root).resolve()
    with _exclusive(root / LOCK):
        _release(Course(root, settings, stamp), config_text, source_text)
    return Course(root, settings, stamp)


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold ``lock`` (``fcntl.flock``, which NFS emulates with its own locks) while the block runs."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _release(course: Course, config_text: str, source_text: str) -> None:
    """Write and release the course folder, unless it was released from the same files already."""
    root, stamp = course.root, course.fingerprint
    stamp_file = root / STAMP
    if stamp_file.is_file() and json.loads(stamp_file.read_text()).get("fingerprint") == stamp:
        return
    stamp_file.unlink(missing_ok=True)
    for stale in ("gradebook.db", f"source/{course.assignment}", f"release/{course.assignment}"):
        path = root / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    course.source_notebook.parent.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(config_text)
    course.source_notebook.write_text(source_text)
    with nbgrader_environment():
        run_nbgrader(nbgrader_api(root).generate_assignment(course.assignment, force=True, create=True),
                     "generate_assignment")
    stamp_file.write_text(json.dumps({"fingerprint": stamp, "assignment": course.assignment}) + "\n")


def release(*, course_dir: Path = Path("course"), source: Path = SOLUTION_NOTEBOOK, config: Path = GRADER_CONFIG,
            student: Path = STUDENT_NOTEBOOK) -> None:
    """Set up the course folder from ``config`` and write the student notebook (no outputs) to ``student``."""
    course = build_course(Path(course_dir), Path(source), lab_settings(Path(config)))
    student = Path(student)
    student.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(course.student_notebook, student)
    print(f"released {course.assignment}: course folder {course.root}, student notebook {student}")
