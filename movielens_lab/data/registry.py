"""The MovieLens datasets ``data fetch`` knows: where each lives, its hashes, what it extracts to.

A download from another address (``--url``, e.g. a course mirror) is checked against the
same registry hashes: a mirror must serve the very same zip. To fetch a different file on
purpose (a test serving a zip of the synthetic twin), put its SHA-256 in the URL's
fragment, as pip does: ``--url http://host/ml-1m.zip#sha256=HEX``. The fragment is never
sent to the server; it replaces the registry's size and hashes with that one SHA-256.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from urllib.parse import urldefrag

from ..errors import LabError
from . import movielens

BASE_URL = "https://files.grouplens.org/datasets/movielens/"


@dataclass(frozen=True)
class Checksum:
    """What a downloaded file must be: its SHA-256, and its size and MD5 where known."""

    sha256: str
    size: int | None = None
    md5: str | None = None


@dataclass(frozen=True)
class Dataset:
    """One zip to download and the folder it extracts to."""

    name: str
    url: str
    checksum: Checksum
    folder: str
    members: tuple[str, ...]
    """Files that must exist in ``folder`` after extraction."""

    @property
    def file_name(self) -> str:
        """The zip's name in the data folder."""
        return f"{self.name}.zip"


def _grouplens(name: str, sha256: str, size: int, md5: str, folder: str, members: tuple[str, ...]) -> Dataset:
    """A dataset GroupLens publishes at ``BASE_URL/<name>.zip``."""
    return Dataset(name=name, url=f"{BASE_URL}{name}.zip", checksum=Checksum(sha256=sha256, size=size, md5=md5),
                   folder=folder, members=members)


DATASETS: dict[str, Dataset] = {
    "ml-1m": _grouplens("ml-1m", "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20", 5_917_549,
                        "c4d9eecfca2ab87c1945afe126590906", movielens.FOLDER, movielens.FILES),
    # Size and SHA-256 from tensorflow_datasets' url_checksums/movielens.txt (whose ml-1m line
    # matches GroupLens' figures above); the MD5 is the one GroupLens publishes.
    "ml-100k": _grouplens("ml-100k", "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229", 4_924_029,
                          "0e33842e24a9c977be4e0107933c0723", "ml-100k", ("u.data", "u.item", "u.genre", "u.user",
                                                                         "README")),
}

_FRAGMENT = re.compile(r"sha256=([0-9a-fA-F]{64})")


def resolve(name: str, url: str | None = None) -> Dataset:
    """The registry entry for ``name``, downloaded from ``url`` if given (see the module docstring)."""
    try:
        dataset = DATASETS[name]
    except KeyError:
        close = difflib.get_close_matches(name, DATASETS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(DATASETS)}"
        raise LabError(f"unknown dataset '{name}'; {hint}") from None
    if not url:
        return dataset
    address, fragment = urldefrag(url)
    if not fragment:
        return replace(dataset, url=address)
    match = _FRAGMENT.fullmatch(fragment)
    if not match:
        raise LabError(f"cannot read the URL fragment '#{fragment}'; "
                       "write it as '#sha256=' followed by the file's 64-digit SHA-256, or leave it out")
    return replace(dataset, url=address, checksum=Checksum(sha256=match.group(1).lower()))
