"""Collect submissions: a folder of ``NAME.ipynb``, an nbgrader ``submitted/`` tree, or a zip of either.

Zips are read in memory (no member is ever written by its own path: no zip-slip) with a
cap on what they may expand to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import LabError
from .rebuild import MAX_NOTEBOOK_BYTES

MAX_ZIP_BYTES = 4 * 2**30
"""What a submissions zip may expand to in all."""

IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}


@dataclass
class Submission:
    """One student's notebook file."""

    student: str
    """nbgrader student id: safe in paths (lower-case ASCII letters, digits, ``_ . -``)."""
    name: str
    """The name as submitted, for display."""
    origin: str
    """Where it came from (path inside the folder or zip)."""
    data: bytes
    mtime: float
    notes: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def student_id(name: str) -> str:
    """A path-safe, deterministic student id for a display name (``"José Núñez"`` -> ``jose_nunez``).

    Names without any ASCII letter or digit get ``student-<hash>``.
    """
    name = unicodedata.normalize("NFC", name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_.-]+", "_", ascii_name.lower()).strip("._-")
    return slug or "student-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _student_of(path: PurePosixPath, assignment: str) -> str:
    """``submitted/<student>/<assignment>/x.ipynb`` -> ``<student>``; any other layout: the file's stem."""
    parts = path.parts
    if len(parts) >= 3 and parts[-2] == assignment:
        return parts[-3]
    return path.stem


def _entries(root: Path) -> list[tuple[PurePosixPath, bytes, float]]:
    if root.is_file() and zipfile.is_zipfile(root):
        return _zip_entries(root)
    if root.is_file():
        raise LabError(f"{root} is neither a folder nor a zip of submissions; pass one of those")
    if not root.is_dir():
        raise LabError(f"{root} not found; pass the folder or zip of submissions")
    found = []
    for path in sorted(root.rglob("*.ipynb")):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if path.is_file() and not IGNORED_PARTS & set(rel.parts):
            found.append((rel, _read_capped(path), path.stat().st_mtime))
    return found


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(MAX_NOTEBOOK_BYTES + 1)


def _zip_entries(path: Path) -> list[tuple[PurePosixPath, bytes, float]]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".ipynb")]
            if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
                raise LabError(f"{path} expands to more than {MAX_ZIP_BYTES >> 30} GiB; split it")
            found = []
            for info in sorted(infos, key=lambda i: i.filename):
                rel = PurePosixPath(info.filename.replace("\\", "/"))
                if IGNORED_PARTS & set(rel.parts):
                    continue
                with archive.open(info) as fh:
                    data = fh.read(MAX_NOTEBOOK_BYTES + 1)
                found.append((rel, data, _zip_time(info)))
            return found
    except (zipfile.BadZipFile, OSError) as err:
        raise LabError(f"{path} is a damaged zip ({err}); download it again") from err


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:
        return dt.datetime(*info.date_time).timestamp()
    except ValueError:
        return 0.0


def collect(root: Path, assignment: str) -> list[Submission]:
    """The submissions under ``root``, one per student, sorted by student id.

    When one student has several files, the newest is kept (ties: the last path in sorted
    order) and the choice is noted on the submission.
    """
    root = Path(root)
    by_student: dict[str, list[Submission]] = {}
    for rel, data, mtime in _entries(root):
        name = unicodedata.normalize("NFC", _student_of(rel, assignment))
        sid = student_id(name)
        by_student.setdefault(sid, []).append(Submission(sid, name, rel.as_posix(), data, mtime))
    if not by_student:
        raise LabError(f"no .ipynb submissions found in {root}; pass a folder of NAME.ipynb, "
                       "an nbgrader submitted/ tree, or a zip of either")
    chosen = []
    for sid in sorted(by_student):
        subs = sorted(by_student[sid], key=lambda s: (s.mtime, s.origin))
        best = subs[-1]
        if len(subs) > 1:
            others = ", ".join(s.origin for s in subs[:-1])
            best.notes.append(f"{len(subs)} submissions for this student: graded {best.origin} (newest), "
                              f"ignored {others}")
        chosen.append(best)
    return chosen
