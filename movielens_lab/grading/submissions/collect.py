"""Collect submissions: a folder of ``NAME.ipynb``, an nbgrader ``submitted/`` tree, an LMS download, or a zip.

The layout (``LAYOUTS``) is guessed from how the files and folders are named, unless given:
Canvas, Moodle and Blackboard "download all submissions" zips name each file after its
student, and say which files are one student's attempts. Two files are graded as one
student only when their layout says so; anything less certain stays apart, with a note.

Whose a file is comes from the parts of its path the LMS writes, read from the start: the
first Moodle folder (or prefix), Canvas's and Blackboard's first fields; never from text
further on, which the student chose (their own file name). A path that holds a second
such prefix is read the same way, and its row says the name is ambiguous. Student ids are
safe in paths, at most ``MAX_ID`` characters, and unique: ids that would clash are kept
apart by construction. The files themselves are read by ``intake``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath

from ...errors import LabError
from ..outcomes import Outcome
from ..review import AMBIGUOUS, DUPLICATE, NAMED_BY_FILE, Note, from_json, to_json
from .intake import Entry, notebook_files
from .rebuild import DEFAULT_LIMITS

MAX_ID = 64
"""The longest student id: it names folders and files (a file system takes 255 bytes)."""
CANVAS = re.compile(r"(?P<name>.+?)_(?P<late>LATE_)?(?P<user>\d+)_(?P<file>\d+)_(?P<original>.+)")
"""``<sortablename>_[LATE_]<userid>_<fileid>_<original name>``; the file id grows with each upload."""
CANVAS_AGAIN = re.compile(r"_(?:LATE_)?\d+_\d+_")
MOODLE_FOLDER = re.compile(r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_")
"""A folder ``Full Name_<id>_assignsubmission_file_/``: its end is Moodle's."""
MOODLE_FILE = re.compile(r"(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<file>.+)")
"""A file ``Full Name_<id>_assignsubmission_file_<original name>`` (no folders): its start is Moodle's."""
MOODLE_AGAIN = re.compile(r"_\d+_assignsubmission_[a-z]+_")
BLACKBOARD = re.compile(r"(?P<who>.+?)_attempt_(?P<time>\d{4}(?:-\d\d){5})(?:_(?P<original>.+)|\.[^.]*)")
"""``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original name>``."""
BLACKBOARD_AGAIN = re.compile(r"_attempt_\d{4}(?:-\d\d){5}")


@dataclass
class Submission:
    """One student's file: a notebook, or one that cannot be graded and says why (``entry.refusal``)."""

    student: str
    """nbgrader student id: safe in paths (lower-case ASCII letters, digits, ``_ . -``), at most MAX_ID long."""
    name: str
    """The name as submitted, for display."""
    entry: Entry
    notes: list[str] = field(default_factory=list)
    lms_user_id: str = ""
    """The LMS's id of the student (Canvas user id, Moodle id, Blackboard username); "" without an LMS."""
    order: int | None = None
    """Where the layout orders one student's files (Canvas's file id)."""
    submitted_at: str = ""
    """ISO time of the attempt, where the layout names it (Blackboard)."""
    late: bool | None = None
    """Whether the LMS marked it late (Canvas); None where the layout does not say."""

    @property
    def origin(self) -> str:
        """Where it came from (path inside the folder or zip)."""
        return self.entry.path.as_posix()

    @property
    def data(self) -> bytes:
        """Its bytes, read again; InvalidSubmission saying why when it cannot be graded."""
        return self.entry.data()

    @property
    def sha256(self) -> str:
        return self.entry.sha256

    @property
    def mtime(self) -> float:
        return self.entry.mtime


@dataclass(frozen=True)
class Member:
    """A student as collected: what grades.csv and results.json take from the submission."""

    student: str
    name: str
    sha256: str
    notes: list[str]
    lms_user_id: str
    late: bool | None
    submitted_at: str

    @classmethod
    def of(cls, sub: Submission) -> Member:
        return cls(sub.student, sub.name, sub.sha256, list(sub.notes), sub.lms_user_id, sub.late, sub.submitted_at)

    def to_dict(self) -> dict:
        """For a JSON file (a shard's manifest): its notes with their categories (``review.to_json``)."""
        return {**asdict(self), "notes": to_json(self.notes)}

    @classmethod
    def from_dict(cls, data: dict) -> Member:
        return cls(**{**data, "notes": from_json(data["notes"])})


def with_collect_notes(outcome: Outcome, member: Member) -> Outcome:
    """The outcome with the notes of collection (e.g. a second submission) first, and the LMS's fields."""
    return replace(outcome, name=member.name, notes=member.notes + outcome.notes, lms_user_id=member.lms_user_id,
                   late=member.late, submitted_at=member.submitted_at)


@dataclass(frozen=True)
class Owner:
    """Whose a file is, as its layout tells."""

    key: str
    """Files with the same key are one student's attempts."""
    name: str
    student: str
    lms_user_id: str = ""
    order: int | None = None
    submitted_at: str = ""
    late: bool | None = None
    notes: tuple[str, ...] = ()


def student_id(name: str, suffix: str = "") -> str:
    """A path-safe, deterministic student id for a display name (``"José Núñez"`` -> ``jose_nunez``), then
    ``suffix``; at most MAX_ID characters.

    Names without any ASCII letter or digit get ``student-<hash>``; a longer id is cut, and a hash of the name
    added.
    """
    name = unicodedata.normalize("NFC", name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_.-]+", "_", ascii_name.lower()).strip("._-")
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    if not slug:
        slug = "student-" + digest
    if len(slug) + len(suffix) > MAX_ID:
        slug = slug[:MAX_ID - len(suffix) - len(digest) - 1].rstrip("._-") + "-" + digest
    return slug + suffix


def _ambiguous(path: PurePosixPath, layout: str, owner: str) -> tuple[str, ...]:
    return (Note(f"ambiguous name: {path.as_posix()} holds a second {layout} prefix; read from the start, as the "
                 f"LMS writes it, it is {owner}'s", AMBIGUOUS),)


def _by_name(name: str) -> Owner:
    return Owner("name:" + name, name, student_id(name))


def _folder(path: PurePosixPath, assignment: str) -> Owner:
    """The file's stem; where that is the assignment's name, the nearest folder that is not."""
    candidates = [path.stem, *reversed(path.parts[:-1])]
    return _by_name(next((c for c in candidates if c != assignment), path.stem))


def _nbgrader(path: PurePosixPath, assignment: str) -> Owner | None:
    """``[...]/submitted/<student>/<assignment>/x.ipynb`` -> ``<student>``: the first folder, after ``submitted``
    where there is one, that holds a folder named after the assignment."""
    parts = path.parts[:-1]
    start = parts.index("submitted") + 1 if "submitted" in parts else 0
    found = [k for k in range(start, len(parts) - 1) if parts[k + 1] == assignment]
    if not found:
        return None
    owner = _by_name(parts[found[0]])
    return Owner(owner.key, owner.name, owner.student, notes=_ambiguous(path, "nbgrader", owner.name)
                 if len(found) > 1 else ())


def _canvas(path: PurePosixPath, assignment: str) -> Owner | None:
    match = CANVAS.fullmatch(path.name)
    if not match:
        return None
    name, user = match["name"], match["user"]
    notes = _ambiguous(path, "Canvas", name) if CANVAS_AGAIN.search(match["original"]) else ()
    return Owner("canvas:" + user, name, student_id(name, f"_{user}"), user, order=int(match["file"]),
                 late=bool(match["late"]), notes=notes)


def _moodle(path: PurePosixPath, assignment: str) -> Owner | None:
    """The first part of the path that Moodle wrote: a participant's folder, or (without folders) the prefix of
    the file's name."""
    for k, part in enumerate(path.parts):
        folder = k < len(path.parts) - 1 and MOODLE_FOLDER.fullmatch(part)
        match = folder or MOODLE_FILE.fullmatch(part)
        if match:
            name, number = match["name"], match["id"]
            rest = "/".join(path.parts[k + 1:]) if folder else match["file"]
            notes = _ambiguous(path, "Moodle", name) if MOODLE_AGAIN.search("_" + rest) else ()
            return Owner("moodle:" + number, name, student_id(name, f"_{number}"), number, notes=notes)
    return None


def _blackboard(path: PurePosixPath, assignment: str) -> Owner | None:
    match = BLACKBOARD.fullmatch(path.name)
    if not match:
        return None
    try:
        when = dt.datetime.strptime(match["time"], "%Y-%m-%d-%H-%M-%S")
    except ValueError:
        return None
    # The key is assignment and username together: an underscore in either never merges two students.
    user = match["who"].rsplit("_", 1)[-1]
    notes = _ambiguous(path, "Blackboard", user) if BLACKBOARD_AGAIN.search(match["original"] or "") else ()
    return Owner("blackboard:" + match["who"], user, student_id(user), user, submitted_at=when.isoformat(),
                 notes=notes)


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
    """Whose ``path`` is in ``layout``, with notes; a file that does not follow it is named after the file, with a
    note."""
    owner = PARSERS[layout](path, assignment) if layout in PARSERS else None
    if owner is not None:
        return owner, list(owner.notes)
    owner = _folder(path, assignment)
    notes = [] if layout == "folder" else [Note(f"{path.as_posix()} is not named like the other {layout} files: "
                                                "student taken from the file name", NAMED_BY_FILE)]
    return owner, notes


def _newest(files: list[Submission]) -> Submission:
    """The newest attempt that can be graded, if any (the LMS's time, then its order, then the file time; ties:
    the last path)."""
    files = sorted(files, key=lambda s: (not s.entry.refusal, s.submitted_at, s.order or 0, s.mtime, s.origin))
    best = files[-1]
    if len(files) > 1:
        others = ", ".join(s.origin + (" (not a notebook to grade)" if s.entry.refusal else "") for s in files[:-1])
        best.notes.append(Note(f"{len(files)} submissions for this student: graded {best.origin} (newest), "
                               f"ignored {others}", DUPLICATE))
    return best


def _keep_apart(chosen: dict[str, Submission]) -> None:
    """Give students whose names make the same id distinct ids, with a note: ``<id>-2``, ``<id>-3``... each checked
    against every id taken, so that no file can be named to take one."""
    by_id: dict[str, list[str]] = {}
    for key, sub in chosen.items():
        by_id.setdefault(sub.student, []).append(key)
    taken = {sid for sid, keys in by_id.items() if len(keys) == 1}
    for sid, keys in sorted(by_id.items()):
        if len(keys) < 2:
            continue
        names = ", ".join(f"{chosen[k].name} ({chosen[k].origin})" for k in keys)
        n = 1
        for key in sorted(keys):
            while (new := _suffixed(sid, f"-{n}")) in taken:
                n += 1
            taken.add(new)
            chosen[key].student = new
            chosen[key].notes.append(Note(f"{len(keys)} students give the id {sid}: {names}; graded apart "
                                          "(merge them by hand if they are one person)", DUPLICATE))


def _suffixed(sid: str, suffix: str) -> str:
    """``sid`` then ``suffix``, cut to MAX_ID characters."""
    return sid[:MAX_ID - len(suffix)] + suffix


@dataclass(frozen=True)
class Collected:
    """A class as collected: one submission per student, and how (:func:`describe`)."""

    submissions: list[Submission]
    said: str
    """One line: the layout, how it was chosen, how many files and students (for the command to print)."""


def collect(root: Path, assignment: str, layout: str = "auto") -> Collected:
    """The submissions under ``root``, one per student (:func:`by_student`)."""
    return by_student(notebook_files(root, DEFAULT_LIMITS), assignment, layout)


def by_student(entries: list[Entry], assignment: str, layout: str = "auto") -> Collected:
    """The submissions of the files ``entries``, one per student, sorted by student id, and the layout used.

    Files are one student's only when their layout says so (``Owner.key``): then the newest
    attempt is kept and the choice is noted on the submission.
    """
    if layout not in LAYOUTS:
        raise LabError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    used = _detect([e.path for e in entries], assignment) if layout == "auto" else layout
    by_key: dict[str, list[Submission]] = {}
    for entry in entries:
        owner, notes = _owner(entry.path, assignment, used)
        by_key.setdefault(owner.key, []).append(Submission(
            owner.student, owner.name, entry, [*entry.notes, *notes], owner.lms_user_id, owner.order,
            owner.submitted_at, owner.late))
    chosen = {key: _newest(files) for key, files in by_key.items()}
    _keep_apart(chosen)
    return Collected(sorted(chosen.values(), key=lambda s: s.student),
                     describe(used, layout == "auto", len(entries), len(chosen)))


def describe(layout: str, detected: bool, files: int, students: int) -> str:
    """One line: the layout, how it was chosen, and how many files and students it gave."""
    line = (f"submissions: {layout} layout ({'detected' if detected else 'as --layout says'}): "
            f"{files} file{'s' * (files != 1)}, {students} student{'s' * (students != 1)}")
    if students < files:
        line += (f"; {files - students} older attempt{'s' * (files - students != 1)} not graded "
                 "(listed in the notes of its student's row)")
    return line
