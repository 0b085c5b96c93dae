"""``data fetch``: download a MovieLens zip, verify it, extract it atomically.

The extracted folder holds a marker file (``locate.MARKER``) with the hash of the zip it
came from, written last, before the folder is renamed into place: "already there" is a check
of that one line and of the member files' presence (``locate.is_fetched``), not a re-hash.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from .. import paths
from ..errors import LabError
from ..files import replace_folder
from . import registry
from .download import DownloadError, download
from .locate import MARKER, data_folder, is_fetched


def fetch(*, dataset: str = "ml-1m", data_dir: Path | None = None, url: str | None = None) -> Path:
    """Download, verify and extract ``dataset`` into the data folder; return its folder.

    ``url`` replaces GroupLens' address; the registry's hashes still apply unless the URL
    ends in ``#sha256=HEX`` (see ``registry``). Raises DownloadError when the data cannot
    be obtained (offline, HTTP error, wrong or corrupt file), LabError when the folder
    cannot be written.
    """
    entry = registry.resolve(dataset, url)
    root = data_folder(data_dir)
    target = root / entry.folder
    if is_fetched(target, entry):
        print(f"{entry.name} is already in {target} (verified); nothing to do")
        return target
    with _writing_to(root):
        root.mkdir(parents=True, exist_ok=True)
        print(f"fetching {entry.url} into {root}")
        archive = download(entry.url, root / entry.file_name, entry.checksum)
        _extract(archive, entry, target)
    print(f"{entry.name} ready in {target}")
    return target


def _extract(archive: Path, entry: registry.Dataset, target: Path) -> None:
    """Extract into a temporary folder beside ``target``, check it, then rename it into place."""
    work = Path(tempfile.mkdtemp(prefix=f".{entry.folder}-", dir=target.parent))
    try:
        try:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(work)
        except (zipfile.BadZipFile, zlib.error, EOFError) as err:
            archive.unlink()
            raise DownloadError(f"{archive} is not a readable zip ({err}); it was deleted: run the command "
                                "again, and if this repeats, the file at the address is damaged") from None
        extracted = work / entry.folder
        missing = [m for m in entry.members if not (extracted / m).is_file()]
        if missing:
            archive.unlink()
            raise DownloadError(f"{archive} has no {', '.join(f'{entry.folder}/{m}' for m in missing)}; "
                                f"it was deleted: check that the address serves {entry.file_name}")
        (extracted / MARKER).write_text(entry.checksum.sha256 + "\n")
        if os.path.lexists(target):
            print(f"replacing {target}, which was not a verified download (the offline twin, or a partial copy)")
        replace_folder(extracted, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _writing_to(folder: Path) -> Iterator[None]:
    """Turn a failure to write in ``folder`` into a one-line LabError naming the fix."""
    try:
        yield
    except OSError as err:
        other = f"choose another data folder with --data-dir or ${paths.DATA_ENV}"
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            cause, fix = "the disk is full", f"free some space, or {other} on another disk"
        elif err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            cause, fix = f"it is not writable ({err.strerror})", other.replace("another", "a writable")
        else:
            cause, fix = err.strerror or str(err), other
        raise LabError(f"cannot write to {folder}: {cause}; {fix}") from None
