"""The nbgrader course folder: written from ``grader_config.py``, released with real nbgrader.

The folder holds every assignment of the course side by side (``source/<name>/``,
``release/<name>/``, one gradebook); building one replaces only that one.
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
from nbgrader.api import MissingEntry
from traitlets.config import Config

from .. import paths
from ..config import LabGrader, lab_settings, load_config
from ..errors import LabError
from ..files import fingerprint
from .preprocessors import ApplyPoints

STAMP = "release.json"
"""File in the course folder recording what each assignment was released from (its fingerprint), by name."""
NBGRADER_CONFIG = "nbgrader_config.py"
GRADEBOOK = "gradebook.db"
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
    """The course's ``nbgrader_config.py``: what every assignment shares (the cell timeout is each one's own:
    the grading worker sets it)."""
    return "\n".join([
        "# Written by `python -m movielens_lab release` from grader_config.py: edit that file instead.",
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {settings.course_id!r}",
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

    config = load_config(root / NBGRADER_CONFIG)
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
        raise LabError(f"source notebook {source} not found; restore it (an assignment's is "
                       "solutions/<assignment>.ipynb) or pass the right path")
    try:
        return nbformat.read(source, as_version=4)
    except Exception as err:
        raise LabError(f"source notebook {source} cannot be read ({type(err).__name__}); fix or restore it") from err


def kernel_language_info() -> dict:
    """The ``language_info`` this environment's Python kernel reports: JupyterLab writes it into a notebook as soon
    as its kernel starts, so a notebook released with it opens unmodified where the kernel is the same Python."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def build_course(root: Path, source: Path, settings: LabGrader) -> Course:
    """Release ``source`` as ``settings``' assignment into the course folder ``root`` (skipped when up to date).

    Writes ``nbgrader_config.py`` from ``settings``, copies the source with the configured points (and this
    environment's ``kernel_language_info``) into ``source/<assignment>/`` and runs ``nbgrader
    generate_assignment``, the assignment fresh in the gradebook; the course's other assignments stay as they are.
    """
    stamp, source_text, config_text = _released_from(Path(source), settings)
    root = Path(root).resolve()
    with _exclusive(root / LOCK):
        _release(Course(root, settings, stamp), config_text, source_text)
    return Course(root, settings, stamp)


def _released_from(source: Path, settings: LabGrader) -> tuple[str, str, str]:
    """What ``build_course`` releases: (its fingerprint, the source with the configured points, nbgrader_config.py)."""
    nb = read_source(source)
    ApplyPoints(points=settings.points).preprocess(nb, {})
    nb.metadata["language_info"] = kernel_language_info()
    source_text = nbformat.writes(nb) + "\n"
    config_text = nbgrader_config_text(settings)
    stamp = fingerprint(source_text.encode(), config_text.encode(), json.dumps(settings.bonus).encode(),
                        str(settings.cell_timeout).encode())
    return stamp, source_text, config_text


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold ``lock`` (``fcntl.flock``, which NFS emulates with its own locks) while the block runs."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _stamps(root: Path) -> dict[str, str]:
    """Each released assignment's fingerprint, by name (none where the folder has no record)."""
    try:
        stamps = json.loads((root / STAMP).read_text())["assignments"]
        return {str(name): str(stamp) for name, stamp in stamps.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_stamps(root: Path, stamps: dict[str, str]) -> None:
    (root / STAMP).write_text(json.dumps({"assignments": stamps}, indent=1, sort_keys=True) + "\n")


def _remove(root: Path, names: list[str]) -> None:
    """Remove these files and folders of the course folder, where they are."""
    for name in names:
        path = root / name
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def _forget(root: Path, assignment: str) -> None:
    """Take ``assignment`` out of the course folder (its record first, its folders, its gradebook entry)."""
    _write_stamps(root, {k: v for k, v in _stamps(root).items() if k != assignment})
    _remove(root, [f"source/{assignment}", f"release/{assignment}"])
    if (root / GRADEBOOK).is_file():
        with nbgrader_environment(), nbgrader_api(root).gradebook as gradebook:
            try:
                gradebook.remove_assignment(assignment)
            except MissingEntry:
                pass


def _release(course: Course, config_text: str, source_text: str) -> None:
    """Write and release the course's assignment, unless it was released from the same files already.

    A course folder written with another ``nbgrader_config.py`` (another course id) is emptied first.
    """
    root = course.root
    if not (root / NBGRADER_CONFIG).is_file() or (root / NBGRADER_CONFIG).read_text() != config_text:
        _remove(root, [STAMP, GRADEBOOK, "source", "release"])
        (root / NBGRADER_CONFIG).write_text(config_text)
    if _stamps(root).get(course.assignment) == course.fingerprint:
        return
    _forget(root, course.assignment)
    course.source_notebook.parent.mkdir(parents=True)
    course.source_notebook.write_text(source_text)
    with nbgrader_environment():
        run_nbgrader(nbgrader_api(root).generate_assignment(course.assignment, force=True, create=True),
                     "generate_assignment")
    _write_stamps(root, {**_stamps(root), course.assignment: course.fingerprint})


def release(*, assignment: str | None = None, course_dir: Path = Path("course"), source: Path | None = None,
            config: Path = paths.GRADER_CONFIG, student: Path | None = None) -> None:
    """Set up ``assignment`` (None: the first listed) in the course folder from ``config`` and write its student
    notebook (no outputs) to ``student``; the notebooks default to ``paths.solution_notebook`` and
    ``paths.student_notebook`` of the assignment."""
    settings = lab_settings(Path(config), assignment)
    source = paths.solution_notebook(settings.assignment) if source is None else Path(source)
    student = paths.student_notebook(settings.assignment) if student is None else Path(student)
    course = build_course(Path(course_dir), source, settings)
    student.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(course.student_notebook, student)
    print(f"released {course.assignment}: course folder {course.root}, student notebook {student}")
    if settings.reveals:
        earlier = " and ".join(settings.reveals)
        print(f"note: {course.assignment}'s given cells hold working answers to {earlier}: hand it out to students "
              f"only after {earlier}'s deadline")
