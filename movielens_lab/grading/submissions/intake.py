"""The files of a submissions folder or zip, read entry by entry in bounded memory.

Each notebook file (``.ipynb``, in any case) and each archive inside the download becomes an
:class:`Entry`: its path as submitted, its time, and the SHA-256 and size of its first
``max_bytes + 1`` bytes, read in chunks and never held; :meth:`Entry.data` reads it again
when it is graded. Nothing in a zip is ever written by its own path (no zip-slip). One bad
entry never stops the others: a name flagged UTF-8 that is not is read and noted; a notebook
past the size limit, an archive inside the download (not opened) or a member the zip cannot
give back becomes an entry that says why it is not graded, and gets its row. Only a folder
or zip that cannot be read at all stops, in one line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ...errors import LabError
from .rebuild import DEFAULT_LIMITS, InputLimits, InvalidSubmission

MAX_ZIP_BYTES = 4 * 2**30
"""What intake reads from one zip in all; past it, the remaining entries are not read (each gets its row)."""
CHUNK = 2**20
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}
NOTEBOOK = ".ipynb"
ARCHIVES = {".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar"}
"""Archives inside a download: not opened, each gets a row saying so."""
UTF8_FLAG = 0x800
"""Zip flag bit: the entry's name is UTF-8 (without it, zipfile decodes the name as cp437)."""
END = struct.Struct("<4s4H2LH")
"""A zip's end of central directory record."""
CENTRAL = struct.Struct("<4s6H3L5H2L")
"""A central directory header (flags: field 3; name, extra and comment lengths: 10-12; local header offset: 16)."""
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)
"""What reading one zip member may raise (damaged, unsupported compression, encrypted)."""


@dataclass(frozen=True)
class Entry:
    """A file of the submissions: a notebook to grade, or one that says why it is not graded."""

    path: PurePosixPath
    """Its path in the folder or zip (NFC)."""
    mtime: float
    sha256: str
    """Of the bytes read (for a refused entry: of its refusal)."""
    refusal: str = ""
    """Why it is not graded (too large, an archive, unreadable); empty for a notebook to grade."""
    notes: tuple[str, ...] = ()
    """What intake noticed (a name that is not what its zip says)."""
    read: Callable[[], bytes] | None = None
    """Reads its bytes again (at most the size limit and one byte)."""

    @property
    def notebook(self) -> bool:
        return self.path.suffix.lower() == NOTEBOOK

    def data(self) -> bytes:
        """Its bytes, as intake hashed them; InvalidSubmission saying why when it cannot be graded."""
        if self.refusal or self.read is None:
            raise InvalidSubmission(self.refusal)
        try:
            data = self.read()
        except READ_ERRORS as err:
            raise InvalidSubmission(f"{self.path.as_posix()} could not be read: {err}") from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise InvalidSubmission(f"{self.path.as_posix()} changed while it was graded; grade again")
        return data


def notebook_files(root: Path, limits: InputLimits = DEFAULT_LIMITS) -> list[Entry]:
    """The notebooks (and archives) under ``root``, a folder or a zip, sorted by path; a LabError when there is
    none, or when ``root`` cannot be read at all."""
    root = Path(root)
    if root.is_file() and zipfile.is_zipfile(root):
        entries = _zip_entries(root, limits.notebook_bytes)
    elif root.is_file():
        raise LabError(f"{root} is neither a folder nor a zip of submissions; pass one of those")
    elif not root.is_dir():
        raise LabError(f"{root} not found; pass the folder or zip of submissions")
    else:
        entries = _folder_entries(root, limits.notebook_bytes)
    if not entries:
        raise LabError(f"no .ipynb submissions found in {root}; pass a folder of NAME.ipynb, "
                       "an nbgrader submitted/ tree, an LMS download, or a zip of either")
    return entries


def _kept(path: PurePosixPath) -> bool:
    """Whether a file is one of the submissions: a notebook or an archive, outside editors' folders."""
    suffix = path.suffix.lower()
    return (suffix == NOTEBOOK or suffix in ARCHIVES) and not IGNORED_PARTS & set(path.parts)


def _refused(path: PurePosixPath, mtime: float, why: str, notes: tuple[str, ...] = ()) -> Entry:
    return Entry(path, mtime, hashlib.sha256(f"refused: {why}".encode()).hexdigest(), why, notes)


def _archive(path: PurePosixPath, mtime: float, notes: tuple[str, ...] = ()) -> Entry:
    return _refused(path, mtime, f"{path.name} is an archive ({path.suffix.lower()}), not a notebook: archives "
                                 "inside the submissions are not opened; hand in the .ipynb file itself", notes)


def _too_large(path: PurePosixPath, mtime: float, max_bytes: int, notes: tuple[str, ...] = ()) -> Entry:
    return _refused(path, mtime, f"too large: {path.name} is over {max_bytes / 2**20:g} MiB, the most a notebook may "
                                 "be (max_notebook_mb in grader_config.py); not read", notes)


def _hashed(path: PurePosixPath, mtime: float, chunks: Iterator[bytes], max_bytes: int, read: Callable[[], bytes],
            notes: tuple[str, ...] = ()) -> tuple[Entry, int]:
    """The entry of a notebook read as ``chunks`` (up to ``max_bytes + 1`` bytes, never held); and the bytes read."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    if size > max_bytes:
        return _too_large(path, mtime, max_bytes, notes), size
    return Entry(path, mtime, digest.hexdigest(), "", notes, read), size


def _chunks(fh: BinaryIO, limit: int) -> Iterator[bytes]:
    """At most ``limit`` bytes of ``fh``, a chunk at a time."""
    while limit > 0 and (chunk := fh.read(min(CHUNK, limit))):
        limit -= len(chunk)
        yield chunk


def _folder_entries(root: Path, max_bytes: int) -> list[Entry]:
    found = []
    for path in sorted(root.rglob("*")):
        rel = PurePosixPath(unicodedata.normalize("NFC", path.relative_to(root).as_posix()))
        if not _kept(rel) or not path.is_file():
            continue
        mtime = path.stat().st_mtime
        if rel.suffix.lower() != NOTEBOOK:
            found.append(_archive(rel, mtime))
            continue
        with open(path, "rb") as fh:
            found.append(_hashed(rel, mtime, _chunks(fh, max_bytes + 1), max_bytes, partial(_read_file, path,
                                                                                          max_bytes + 1))[0])
    return found


def _read_file(path: Path, limit: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(limit)


def _zip_entries(path: Path, max_bytes: int) -> list[Entry]:
    try:
        archive, misnamed = _open_zip(path)
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as err:
        raise LabError(f"{path} is a damaged zip ({err}); download it again") from None
    infos = [i for i in archive.infolist() if not i.is_dir()]
    named = sorted(((_entry_name(i, i.header_offset in misnamed), i) for i in infos), key=lambda n: n[0][0])
    found, budget = [], MAX_ZIP_BYTES
    for (name, notes), info in named:
        rel = PurePosixPath(name)
        if not _kept(rel):
            continue
        when = _zip_time(info)
        if rel.suffix.lower() != NOTEBOOK:
            found.append(_archive(rel, when, notes))
        elif info.file_size > max_bytes:  # as the zip says; what it really holds is capped when read
            found.append(_too_large(rel, when, max_bytes, notes))
        elif budget <= 0:
            found.append(_refused(rel, when, f"not read: {path.name} expands to more than {MAX_ZIP_BYTES >> 30} GiB "
                                             "of notebooks; split it", notes))
        else:
            entry, size = _zip_entry(archive, info, rel, when, max_bytes, notes)
            found.append(entry)
            budget -= size
    return found


def _zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, rel: PurePosixPath, when: float, max_bytes: int,
               notes: tuple[str, ...]) -> tuple[Entry, int]:
    """A notebook member, hashed as it streams; a refused entry when the zip cannot give it back."""
    read = partial(_read_member, archive, info, max_bytes + 1)
    try:
        with archive.open(info) as fh:
            return _hashed(rel, when, _chunks(fh, max_bytes + 1), max_bytes, read, notes)
    except READ_ERRORS as err:
        return _refused(rel, when, f"{rel.as_posix()} could not be read from the zip: {err}", notes), 0


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as fh:
        return fh.read(limit)


def _entry_name(info: zipfile.ZipInfo, misflagged: bool) -> tuple[str, tuple[str, ...]]:
    """A zip entry's name and notes on it: UTF-8 when flagged so (read as such, and noted, where it is not);
    unflagged, UTF-8 if its bytes are, else cp437 (old zip tools)."""
    name, notes = info.filename, ()
    if misflagged:
        name = info.orig_filename.encode("cp437").decode("utf-8", "replace")
        notes = (f"the zip marks the name of {name} as UTF-8 but it is not (read with its bad bytes as \ufffd)",)
    elif not info.flag_bits & UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass
    return unicodedata.normalize("NFC", name.replace("\\", "/")), notes


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:
        return dt.datetime(*info.date_time).timestamp()
    except ValueError:
        return 0.0


def _open_zip(path: Path) -> tuple[zipfile.ZipFile, set[int]]:
    """The zip, open for reading; and the local header offsets of the entries whose name it flags UTF-8 though
    it is not (zipfile refuses the whole zip for one such name: their flag is cleared as they are read)."""
    try:
        return zipfile.ZipFile(path), set()
    except UnicodeDecodeError:
        pass
    raw = open(path, "rb")  # noqa: SIM115 (held by the ZipFile, as its own file would be)
    patches, misflagged = _misflagged(raw)
    return zipfile.ZipFile(_Patched(raw, patches)), misflagged


def _misflagged(fh: BinaryIO) -> tuple[dict[int, bytes], set[int]]:
    """Where the UTF-8 flags of names that are not UTF-8 sit (central directory and local header), with the
    bytes that clear them; and those entries' local header offsets (``ZipInfo.header_offset``)."""
    fh.seek(0, io.SEEK_END)
    end = fh.tell()
    fh.seek(max(0, end - END.size - 0xFFFF))
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + END.size:
        return {}, set()
    _, _, _, _, count, size, offset, _ = END.unpack_from(tail, at)
    base = end - len(tail) + at - size - offset  # bytes before the zip (a self-extractor's, say)
    fh.seek(base + offset)
    directory = fh.read(size)
    patches, local_headers, pos = {}, set(), 0
    for _ in range(count):
        if directory[pos:pos + 4] != b"PK\x01\x02" or pos + CENTRAL.size > len(directory):
            break
        fields = CENTRAL.unpack_from(directory, pos)
        flags, name_len, extra_len, comment_len, local = fields[3], fields[10], fields[11], fields[12], fields[16]
        name = directory[pos + CENTRAL.size:pos + CENTRAL.size + name_len]
        if flags & UTF8_FLAG and not _is_utf8(name):
            patches[base + offset + pos + 8] = struct.pack("<H", flags & ~UTF8_FLAG)
            fh.seek(base + local + 6)
            (local_flags,) = struct.unpack("<H", fh.read(2))
            patches[base + local + 6] = struct.pack("<H", local_flags & ~UTF8_FLAG)
            local_headers.add(base + local)
        pos += CENTRAL.size + name_len + extra_len + comment_len
    return patches, local_headers


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


class _Patched(io.RawIOBase):
    """A file read with some bytes replaced (``patches``: offset -> bytes)."""

    def __init__(self, raw: BinaryIO, patches: dict[int, bytes]) -> None:
        super().__init__()
        self.raw, self.patches = raw, patches

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        start = self.raw.tell()
        n = self.raw.readinto(buffer)
        for at, value in self.patches.items():
            for k, byte in enumerate(value):
                if start <= at + k < start + n:
                    buffer[at + k - start] = byte
        return n
