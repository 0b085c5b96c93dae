"""Small file utilities: writes that readers never see half done, folders replaced whole, content fingerprints."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``path`` through a temporary file and a rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:  # a full disk, an interrupt: no temporary file is left beside it
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def replace_folder(new: Path, target: Path) -> None:
    """Rename folder ``new`` (on the same file system) to ``target``, replacing what is there.

    The old ``target`` is first renamed aside, into a hidden folder beside it, and deleted only
    once ``new`` is in place: a failed or interrupted replace puts it back, whole.
    """
    if not os.path.lexists(target):
        os.replace(new, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    old = aside / target.name
    try:
        os.replace(target, old)
        os.replace(new, target)
    except BaseException:
        if os.path.lexists(old) and not os.path.lexists(target):
            os.replace(old, target)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def fingerprint(*parts: bytes) -> str:
    """A short hash of the given contents."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]
