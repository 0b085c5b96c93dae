"""File utilities shared by the commands that write into folders a user keeps."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


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
