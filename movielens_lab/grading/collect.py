"""Collect submissions: a folder of ``NAME.ipynb``, an nbgrader ``submitted/`` tree, an LMS download, or a zip.

The layout (``LAYOUTS``) is guessed from how the files and folders are named, unless given:
Canvas, Moodle and Blackboard "download all submissions" zips name each file after its
student, and say which files are one student's attempts. Two files are graded as one
student only when their layout says so; anything less certain stays apart, with a note.

Zips are read in memory (no member is ever written by its own path: no zip-slip) with a
cap on what they may expand to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import LabError
from .rebuild import MAX_NOTEBOOK_BYTES

MAX_ZIP_BYTES = 4 * 2**30
"""What a submissions zip may expand to in all."""

IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}

UTF8_FLAG = 0x800
"""Zip flag bit: the entry's name is UTF-8 (without it, zipfile decodes the name as cp437)."""

CANVAS = re.compile(r"(?P<name>.+?)_(?P<late>LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<original>.+)")
"""``<sortablename>_[LATE_]<userid>_<submissionid>_<original name>``."""
CANVAS_RESUBMISSION = re.compile(r"-(?P<n>\d{1,2})$")
"""Canvas adds ``-1``, ``-2``... to the original name of a resubmitted file."""
MOODLE = re.compile(r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<file>.*)")
"""A folder ``Full Name_<id>_assignsubmission_file_/`` (or a file with that prefix)."""
BLACKBOARD = re.compile(r"(?P<who>.+_(?P<user>[^_]+))_attempt_(?P<time>\d{4}(?:-\d\d){5})(?:_.+)?\.ipynb")
"""``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original name>``."""

File = tuple[PurePosixPath, bytes, float]
"""A notebook file of the submissions: its path in the folder or zip, its bytes (capped), its time."""


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
    lms_user_id: str = ""
    """The LMS's id of the student (Canvas user id, Moodle id, Blackboard username); "" without an LMS."""
    attempt: int | None = None
    """Attempt number, where the layout numbers attempts (Canvas resubmissions)."""
    submitted_at: str = ""
    """ISO time of the attempt, where the layout names it (Blackboard)."""
    late: bool | None = None
    """Whether the LMS marked it late (Canvas); None where the layout does not say."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Owner:
    """Whose a file is, as its layout tells."""

    key: str
    """Files with the same key are one student's attempts."""
    name: str
    student: str
    lms_user_id: str = ""
    attempt: int | None = None
    submitted_at: str = ""
    late: bool | None = None


def student_id(name: str) -> str:
    """A path-safe, deterministic student id for a display name (``"José Núñez"`` -> ``jose_nunez``).

    Names without any ASCII letter or digit get ``student-<hash>``.
    """
    name = unicodedata.normalize("NFC", name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_.-]+", "_", ascii_name.lower()).strip("._-")
    return slug or "student-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _by_name(name: str) -> Owner:
    return Owner("name:" + name, name, student_id(name))


def _folder(path: PurePosixPath, assignment: str) -> Owner:
    """The file's stem; where that is the assignment's name, the nearest folder that is not."""
    candidates = [path.stem, *reversed(path.parts[:-1])]
    return _by_name(next((c for c in candidates if c != assignment), path.stem))


def _nbgrader(path: PurePosixPath, assignment: str) -> Owner | None:
    """``submitted/<student>/<assignment>/x.ipynb`` -> ``<student>``."""
    parts = path.parts
    return _by_name(parts[-3]) if len(parts) >= 3 and parts[-2] == assignment else None


def _canvas(path: PurePosixPath, assignment: str) -> Owner | None:
    match = CANVAS.fullmatch(path.name)
    if not match:
        return None
    name, user = match["name"], match["user"]
    resubmission = CANVAS_RESUBMISSION.search(PurePosixPath(match["original"]).stem)
    return Owner("canvas:" + user, name, f"{student_id(name)}_{user}", user,
                 attempt=1 + int(resubmission["n"]) if resubmission else 1, late=bool(match["late"]))


def _moodle(path: PurePosixPath, assignment: str) -> Owner | None:
    match = next(filter(None, (MOODLE.fullmatch(part) for part in path.parts)), None)
    if not match:
        return None
    name, number = match["name"], match["id"]
    return Owner("moodle:" + number, name, f"{student_id(name)}_{number}", number)


def _blackboard(path: PurePosixPath, assignment: str) -> Owner | None:
    match = BLACKBOARD.fullmatch(path.name)
    if not match:
        return None
    try:
        when = dt.datetime.strptime(match["time"], "%Y-%m-%d-%H-%M-%S")
    except ValueError:
        return None
    # The key is assignment and username together: an underscore in either never merges two students.
    user = match["user"]
    return Owner("blackboard:" + match["who"], user, student_id(user), user, submitted_at=when.isoformat())


Parser = Callable[[PurePosixPath, str], Owner | None]

PARSERS: dict[str, Parser] = {"nbgrader": _nbgrader, "canvas": _canvas, "moodle": _moodle,
                              "blackboard": _blackboard}
LAYOUTS = ("auto", "folder", *PARSERS)
"""What ``--layout`` accepts: ``auto`` guesses from the names, ``folder`` names students by file."""


def _detect(paths: list[PurePosixPath], assignment: str) -> str:
    """The layout that more than half of ``paths`` follow; else ``folder``."""
    counts = {layout: sum(parse(p, assignment) is not None for p in paths) for layout, parse in PARSERS.items()}
    best = max(counts, key=counts.__getitem__)
    return best if 2 * counts[best] > len(paths) else "folder"


def _owner(path: PurePosixPath, assignment: str, layout: str) -> tuple[Owner, list[str]]:
    """Whose ``path`` is in ``layout``; a file that does not follow it is named after the file, with a note."""
    owner = PARSERS[layout](path, assignment) if layout in PARSERS else None
    if owner is not None:
        return owner, []
    owner = _folder(path, assignment)
    notes = [] if layout == "folder" else [
        f"{path.as_posix()} is not named like the other {layout} files: student taken from the file name"]
    return owner, notes


def _entries(root: Path) -> list[File]:
    if root.is_file() and zipfile.is_zipfile(root):
        return _zip_entries(root)
    if root.is_file():
        raise LabError(f"{root} is neither a folder nor a zip of submissions; pass one of those")
    if not root.is_dir():
        raise LabError(f"{root} not found; pass the folder or zip of submissions")
    found = []
    for path in sorted(root.rglob("*.ipynb")):
        rel = PurePosixPath(unicodedata.normalize("NFC", path.relative_to(root).as_posix()))
        if path.is_file() and not IGNORED_PARTS & set(rel.parts):
            found.append((rel, _read_capped(path), path.stat().st_mtime))
    return found


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(MAX_NOTEBOOK_BYTES + 1)


def _entry_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's name: UTF-8 when flagged so; unflagged, UTF-8 if its bytes are, else cp437 (old zip tools)."""
    name = info.filename
    if not info.flag_bits & UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def _zip_entries(path: Path) -> list[File]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".ipynb")]
            if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
                raise LabError(f"{path} expands to more than {MAX_ZIP_BYTES >> 30} GiB; split it")
            found = []
            for info in sorted(infos, key=_entry_name):
                rel = PurePosixPath(_entry_name(info))
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


def _newest(files: list[Submission]) -> Submission:
    """The newest attempt (the LMS's time, then its attempt number, then the file time; ties: the last path)."""
    files = sorted(files, key=lambda s: (s.submitted_at, s.attempt or 0, s.mtime, s.origin))
    best = files[-1]
    if len(files) > 1:
        others = ", ".join(s.origin for s in files[:-1])
        best.notes.append(f"{len(files)} submissions for this student: graded {best.origin} (newest), "
                          f"ignored {others}")
    return best


def _keep_apart(chosen: dict[str, Submission]) -> None:
    """Give students whose names make the same id distinct ids (the id and a hash of their key), with a note."""
    by_id: dict[str, list[str]] = {}
    for key, sub in chosen.items():
        by_id.setdefault(sub.student, []).append(key)
    for sid, keys in by_id.items():
        if len(keys) < 2:
            continue
        names = ", ".join(f"{chosen[k].name} ({chosen[k].origin})" for k in keys)
        for key in keys:
            chosen[key].student = f"{sid}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"
            chosen[key].notes.append(f"{len(keys)} students give the id {sid}: {names}; graded apart "
                                     "(merge them by hand if they are one person)")


def notebook_files(root: Path) -> list[File]:
    """The notebook files under ``root``, a folder or a zip; a LabError when there is none."""
    root = Path(root)
    entries = _entries(root)
    if not entries:
        raise LabError(f"no .ipynb submissions found in {root}; pass a folder of NAME.ipynb, "
                       "an nbgrader submitted/ tree, an LMS download, or a zip of either")
    return entries


def collect(root: Path, assignment: str, layout: str = "auto") -> list[Submission]:
    """The submissions under ``root``, one per student (:func:`by_student`)."""
    return by_student(notebook_files(root), assignment, layout)


def by_student(entries: list[File], assignment: str, layout: str = "auto") -> list[Submission]:
    """The submissions of the notebook files ``entries``, one per student, sorted by student id; print the
    layout used.

    Files are one student's only when their layout says so (``Owner.key``): then the newest
    attempt is kept and the choice is noted on the submission.
    """
    if layout not in LAYOUTS:
        raise LabError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    used = _detect([rel for rel, _, _ in entries], assignment) if layout == "auto" else layout
    by_key: dict[str, list[Submission]] = {}
    for rel, data, mtime in entries:
        owner, notes = _owner(rel, assignment, used)
        by_key.setdefault(owner.key, []).append(Submission(
            owner.student, owner.name, rel.as_posix(), data, mtime, notes, owner.lms_user_id, owner.attempt,
            owner.submitted_at, owner.late))
    chosen = {key: _newest(files) for key, files in by_key.items()}
    _keep_apart(chosen)
    print(describe(used, layout == "auto", len(entries), len(chosen)))
    return sorted(chosen.values(), key=lambda s: s.student)


def describe(layout: str, detected: bool, files: int, students: int) -> str:
    """One line: the layout, how it was chosen, and how many files and students it gave."""
    line = (f"submissions: {layout} layout ({'detected' if detected else 'as --layout says'}): "
            f"{files} notebook file{'s' * (files != 1)}, {students} student{'s' * (students != 1)}")
    if students < files:
        line += (f"; {files - students} older attempt{'s' * (files - students != 1)} not graded "
                 "(listed in the notes of its student's row)")
    return line
