"""Read MovieLens files into DataFrames with the lab's column names.

ml-1m's ``.dat`` files separate fields with ``::``. pandas only accepts a
multi-character separator on its slow pure-Python engine, so the bytes are rewritten
to single tabs first (no field contains a tab) and parsed by the C engine.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import LabError
from .movielens import ENCODING

RATINGS_COLUMNS = ["UserID", "MovieID", "Rating", "Timestamp"]
MOVIES_COLUMNS = ["MovieID", "Title", "Genres"]
USERS_COLUMNS = ["UserID", "Gender", "Age", "Occupation", "Zip-code"]

_MISSING_HINT = ("download MovieLens with `python -m movielens_lab data fetch` "
                 "or write the offline twin with `python -m movielens_lab data twin`")


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise LabError(f"{path} not found: {_MISSING_HINT}") from None


def _parse(text: bytes, sep: str, names: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(text), sep=sep, header=None, names=names, dtype=dtypes,
                       encoding=ENCODING, quoting=csv.QUOTE_NONE, engine="c")


def read_dat(path: Path, names: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    """Parse a ``::``-separated ml-1m file with pandas' C engine."""
    return _parse(_read_bytes(path).replace(b"::", b"\t"), "\t", names, dtypes)


def load_ratings(folder: Path) -> pd.DataFrame:
    """``ratings.dat``: UserID, MovieID, Rating, Timestamp."""
    return read_dat(Path(folder) / "ratings.dat", RATINGS_COLUMNS,
                    {"UserID": "int32", "MovieID": "int32", "Rating": "int8", "Timestamp": "int64"})


def load_movies(folder: Path) -> pd.DataFrame:
    """``movies.dat``: MovieID, Title, Genres."""
    return read_dat(Path(folder) / "movies.dat", MOVIES_COLUMNS,
                    {"MovieID": "int32", "Title": "str", "Genres": "str"})


def load_users(folder: Path) -> pd.DataFrame:
    """``users.dat``: UserID, Gender, Age, Occupation, Zip-code."""
    return read_dat(Path(folder) / "users.dat", USERS_COLUMNS,
                    {"UserID": "int32", "Gender": "str", "Age": "int16", "Occupation": "int16",
                     "Zip-code": "str"})


def load_ratings_100k(folder: Path) -> pd.DataFrame:
    """ml-100k's ``u.data`` (tab separated) with the lab's rating columns."""
    return _parse(_read_bytes(Path(folder) / "u.data"), "\t", RATINGS_COLUMNS,
                  {"UserID": "int32", "MovieID": "int32", "Rating": "int8", "Timestamp": "int64"})


def load_movies_100k(folder: Path) -> pd.DataFrame:
    """ml-100k's ``u.item`` as MovieID, Title, Genres (``|``-joined names from ``u.genre``)."""
    folder = Path(folder)
    genres = _parse(_read_bytes(folder / "u.genre"), "|", ["Genre", "Index"], {"Genre": "str", "Index": "int16"})
    genres = genres.dropna()["Genre"].tolist()
    items = _parse(_read_bytes(folder / "u.item"), "|",
                   ["MovieID", "Title", "Released", "VideoReleased", "URL", *genres],
                   {"MovieID": "int32", "Title": "str"})
    flags = items[genres].to_numpy(dtype=bool)
    items["Genres"] = ["|".join(g for g, on in zip(genres, row) if on) for row in flags]
    return items[MOVIES_COLUMNS]
