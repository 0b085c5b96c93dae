"""Where the dataset is and what it is: the one rule for the commands and the notebook.

The data folder (``where``, ``data_folder``) is ``--data-dir``, else ``$MOVIELENS_DIR``, else the
nearest folder named ``data`` that holds ``ml-1m/ratings.dat``, in the notebook's folder (for
``check``; the current folder for the other commands) or a folder above it, else ``data`` there
(where new data goes). The notebooks' data cells follow the same rule from the kernel's folder,
the notebook's own, so that ``data twin``, the notebook and ``check`` agree. The dataset is its
``ml-1m`` folder, which ``demo`` and ``data stats`` recognise as one of:

- a verified download: ``data fetch`` wrote its marker (the zip's SHA-256) there;
- MovieLens 1M placed by hand (the zip unzipped by a person): its files have ml-1m's
  published sizes and line counts;
- the offline twin: its README starts with ``TWIN_MARKER``.
"""

from __future__ import annotations

import enum
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..errors import LabError
from ..paths import DATA_ENV
from . import movielens, registry

MARKER = ".sha256"
"""File that ``data fetch`` writes last into a folder it extracted: the SHA-256 of the zip."""
TWIN_MARKER = "SYNTHETIC offline twin of MovieLens 1M"
"""First line of the twin's README: how a twin is told apart from real MovieLens data."""


class Kind(enum.Enum):
    """How a dataset folder came to be."""

    DOWNLOAD = "download"
    HAND_PLACED = "hand-placed"
    TWIN = "twin"


TWIN_NAME, REAL_NAME = "offline twin (synthetic)", "real MovieLens 1M"
"""What messages, reports and run.json call the two kinds of data."""


@dataclass(frozen=True)
class Dataset:
    """A recognised ``ml-1m`` folder."""

    folder: Path
    kind: Kind

    def describe(self) -> str:
        """What the data is, for messages."""
        return TWIN_NAME if self.kind is Kind.TWIN else REAL_NAME


def has_data(folder: Path) -> bool:
    """Whether data folder ``folder`` holds a dataset (its ``ml-1m/ratings.dat``), as the notebooks test it (a folder
    this user cannot look into holds none it can use)."""
    try:
        return (Path(folder) / movielens.FOLDER / "ratings.dat").is_file()
    except PermissionError:
        return False


@dataclass(frozen=True)
class Where:
    """The data folder the rule chose, and how: ``--data-dir``, ``$MOVIELENS_DIR``, or the search from ``starts``."""

    folder: Path
    how: str
    starts: tuple[Path, ...] = ()

    def require(self, task: str) -> Path:
        """The folder, when it holds a dataset; else a one-line LabError saying where it looked and how to point it."""
        if has_data(self.folder):
            return self.folder
        twin = f"`python -m movielens_lab data twin --data-dir {shlex.quote(str(self.folder))}`"
        if self.starts:
            looked = ", ".join(str(start) for start in self.starts)
            raise LabError(f"no MovieLens data for {task}: ${DATA_ENV} is not set and no folder data/ holds "
                           f"ml-1m/ratings.dat in {looked} or a folder above; write the offline twin with {twin}, "
                           f"or pass --data-dir (or set ${DATA_ENV}) to a folder that holds ml-1m/")
        raise LabError(f"no MovieLens data for {task}: {self.folder} ({self.how}) has no ml-1m/ratings.dat; write the "
                       f"offline twin there with {twin}, or point {self.how} at a folder that holds ml-1m/")


def where(explicit: str | os.PathLike[str] | None = None, near: Path | None = None) -> Where:
    """The data folder by the rule: ``explicit`` (``--data-dir``), else ``$MOVIELENS_DIR``, else the nearest
    ``data/`` holding ``ml-1m/ratings.dat`` in ``near`` (a notebook's folder), the current folder or a folder above
    either, else ``data`` in the first of them; absolute."""
    if explicit:
        return Where(Path(explicit).expanduser().resolve(), "--data-dir")
    if os.environ.get(DATA_ENV):
        return Where(Path(os.environ[DATA_ENV]).expanduser().resolve(), f"${DATA_ENV}")
    starts = tuple(dict.fromkeys(p.resolve() for p in ([Path(near)] if near is not None else []) + [Path.cwd()]))
    for start in starts:
        for folder in (start, *start.parents):
            if has_data(folder / "data"):
                return Where(folder / "data", "search", starts)
    return Where(starts[0] / "data", "search", starts)


def data_folder(explicit: str | os.PathLike[str] | None = None, near: Path | None = None) -> Path:
    """The data folder, absolute (see :func:`where`)."""
    return where(explicit, near).folder


def is_fetched(folder: Path, entry: registry.Dataset) -> bool:
    """Whether ``folder`` holds a complete extraction of the zip ``entry`` expects (``data fetch``'s marker)."""
    try:
        recorded = (folder / MARKER).read_text().strip()
    except OSError:
        return False
    return recorded == entry.checksum.sha256 and all((folder / m).is_file() for m in entry.members)


def is_twin(folder: Path) -> bool:
    """True when ``folder`` holds a twin (its README starts with the marker)."""
    readme = Path(folder) / "README"
    return readme.is_file() and readme.read_text(encoding=movielens.ENCODING, errors="replace").startswith(TWIN_MARKER)


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _unlike_movielens(folder: Path) -> list[str]:
    """What keeps ``folder`` from being MovieLens 1M as ml-1m.zip extracts it; empty when nothing does."""
    if not folder.is_dir():
        return ["it is not a folder"]
    wrong = [f"{name} is missing" for name in movielens.FILES if not (folder / name).is_file()]
    for name, lines in movielens.FILE_LINES.items():
        path = folder / name
        if not path.is_file():
            continue
        got, published = (_count_lines(path), path.stat().st_size), (lines, movielens.FILE_SIZES[name])
        if got != published:
            wrong.append(f"{name} has {got[0]:,} lines of {got[1]:,} bytes, "
                         f"not MovieLens 1M's {published[0]:,} lines of {published[1]:,} bytes")
    return wrong


def recognise(folder: Path) -> Dataset:
    """The dataset in ``folder`` (an ``ml-1m`` folder); LabError naming what is wrong when it is none."""
    folder = Path(folder)
    if is_fetched(folder, registry.DATASETS["ml-1m"]):
        return Dataset(folder, Kind.DOWNLOAD)
    if is_twin(folder):
        return Dataset(folder, Kind.TWIN)
    wrong = _unlike_movielens(folder)
    if wrong:
        raise LabError(f"{folder} is neither MovieLens 1M nor the offline twin: {'; '.join(wrong)}; move it away "
                       "and run `python -m movielens_lab data fetch` (or `data twin` offline)")
    return Dataset(folder, Kind.HAND_PLACED)


def describe(data: Path) -> str:
    """What data folder ``data`` holds, for run.json and the report: MovieLens 1M (downloaded, or placed by hand
    with its published sizes), the twin, or other data, named by its counts (never as MovieLens 1M)."""
    folder = Path(data) / movielens.FOLDER
    if is_fetched(folder, registry.DATASETS["ml-1m"]):
        return f"{REAL_NAME} (verified download)"
    if is_twin(folder):
        return TWIN_NAME
    if not _unlike_movielens(folder):
        return f"{REAL_NAME} (placed by hand, its published sizes)"
    try:
        with open(folder / "ratings.dat", "rb") as fh:
            rows = [line.split(b"::")[:2] for line in fh if line.strip()]
        users, movies = {r[0] for r in rows}, {r[1] for r in rows if len(r) > 1}
    except OSError:
        return "other data (no readable ratings.dat)"
    return (f"other data in the MovieLens 1M layout ({len(rows):,} ratings, {len(users):,} users, "
            f"{len(movies):,} movies)")


def find(data: Path) -> Dataset | None:
    """The dataset in data folder ``data``, recognised; None when it has no ``ml-1m`` or an empty one."""
    folder = Path(data) / movielens.FOLDER
    if not os.path.lexists(folder) or (folder.is_dir() and not any(folder.iterdir())):
        return None
    return recognise(folder)
