"""A dataset's facts (shape, counts, star shares, tails, timestamps) beside MovieLens 1M's: fast, no Keras.

``shape_facts`` returns a plain dict that tests assert; ``shape_rows`` pairs it with the targets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabError
from . import loaders
from . import movielens as ml


@dataclass(frozen=True)
class Row:
    """One measure of a dataset beside its target."""

    measure: str
    value: str
    target: str
    ok: bool


def row(measure: str, value: object, target: str, ok: bool, fmt: Callable[[object], str] = str) -> Row:
    """A Row whose value is formatted by ``fmt``."""
    return Row(measure, fmt(value), target, bool(ok))


def load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ratings and movies of an ml-1m folder (``ratings.dat``) or an ml-100k one (``u.data``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LabError(f"{folder} is not a folder: give the dataset folder (e.g. data/ml-1m); "
                       f"get one with `python -m movielens_lab data fetch` or `... data twin`")
    if (folder / "u.data").is_file() and not (folder / "ratings.dat").is_file():
        return loaders.load_ratings_100k(folder), loaders.load_movies_100k(folder)
    return loaders.load_ratings(folder), loaders.load_movies(folder)


def shape_facts(ratings: pd.DataFrame, movies: pd.DataFrame) -> dict[str, object]:
    """The dataset's shape: counts, ids, star shares, tails, timestamps, file order."""
    user = ratings["UserID"].to_numpy()
    movie = ratings["MovieID"].to_numpy()
    stars = ratings["Rating"].to_numpy()
    per_user = np.bincount(user)[np.unique(user)]
    per_movie = np.bincount(movie)[np.unique(movie)]
    listed = movies["MovieID"].to_numpy()
    stamps = ratings["Timestamp"].to_numpy()
    return {
        "users": int(per_user.size),
        "user_id_min": int(user.min()),
        "user_id_max": int(user.max()),
        "ratings": int(stars.size),
        "movies_listed": int(listed.size),
        "movies_rated": int(per_movie.size),
        "rated_all_listed": bool(np.isin(np.unique(movie), listed).all()),
        "max_movie_id": int(max(listed.max(), movie.max())),
        "min_per_user": int(per_user.min()),
        "star_shares": [float(100 * np.mean(stars == s)) for s in range(1, 6)],
        "whole_stars": bool(np.isin(stars, np.arange(1, 6)).all()),
        "mean": float(stars.mean()),
        "per_user_median": float(np.median(per_user)),
        "per_user_max": int(per_user.max()),
        "per_movie_median": float(np.median(per_movie)),
        "per_movie_max": int(per_movie.max()),
        "movies_under_5": int(np.count_nonzero(per_movie < 5)),
        "first_timestamp": int(stamps.min()),
        "last_timestamp": int(stamps.max()),
        "grouped_by_user": bool(np.count_nonzero(np.diff(user)) + 1 == per_user.size),
    }


def _date(stamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def shape_rows(f: dict[str, object]) -> list[Row]:
    """Shape facts beside ml-1m's (issue 2's targets)."""
    rows = [
        row("users", f["users"], f"{ml.USERS}", f["users"] == ml.USERS),
        row("user ids", f"{f['user_id_min']}..{f['user_id_max']}", f"1..{ml.USERS}",
            f["user_id_min"] == 1 and f["user_id_max"] == ml.USERS),
        row("ratings", f["ratings"], f"{ml.RATINGS:,}", f["ratings"] == ml.RATINGS, "{:,}".format),
        row("movies in movies.dat", f["movies_listed"], f"{ml.MOVIES_LISTED}", f["movies_listed"] == ml.MOVIES_LISTED),
        row("rated movies", f["movies_rated"], f"{ml.MOVIES_RATED}", f["movies_rated"] == ml.MOVIES_RATED),
        row("rated movies all in movies.dat", f["rated_all_listed"], "True", f["rated_all_listed"]),
        row("largest movie id", f["max_movie_id"], f"{ml.MAX_MOVIE_ID}", f["max_movie_id"] == ml.MAX_MOVIE_ID),
        row("min ratings per user", f["min_per_user"], f">= {ml.MIN_PER_USER}", f["min_per_user"] >= ml.MIN_PER_USER),
        row("whole stars 1..5", f["whole_stars"], "True", f["whole_stars"]),
    ]
    for star, (share, count) in enumerate(zip(f["star_shares"], ml.STAR_COUNTS), start=1):
        target = 100 * count / ml.RATINGS
        rows.append(row(f"{star}-star share %", share, f"{target:.2f} +- 0.5", abs(share - target) <= 0.5,
                        "{:.2f}".format))
    rows += [
        row("mean rating", f["mean"], f"{ml.MEAN_RATING:.2f} +- 0.02", abs(f["mean"] - ml.MEAN_RATING) <= 0.02,
            "{:.4f}".format),
        row("ratings per user: median", f["per_user_median"], f"{ml.PER_USER_MEDIAN} +- 5",
            abs(f["per_user_median"] - ml.PER_USER_MEDIAN) <= 5, "{:g}".format),
        row("ratings per user: max", f["per_user_max"], f"{ml.PER_USER_MAX} +- 5%",
            abs(f["per_user_max"] - ml.PER_USER_MAX) <= 0.05 * ml.PER_USER_MAX),
        row("ratings per movie: median", f["per_movie_median"], f"{ml.PER_MOVIE_MEDIAN} +- 10%",
            abs(f["per_movie_median"] - ml.PER_MOVIE_MEDIAN) <= 0.1 * ml.PER_MOVIE_MEDIAN, "{:g}".format),
        row("ratings per movie: max", f["per_movie_max"], f"{ml.PER_MOVIE_MAX} +- 5%",
            abs(f["per_movie_max"] - ml.PER_MOVIE_MAX) <= 0.05 * ml.PER_MOVIE_MAX),
        row("movies with < 5 ratings", f["movies_under_5"], f"about {ml.MOVIES_UNDER_5} (+- 20%)",
            abs(f["movies_under_5"] - ml.MOVIES_UNDER_5) <= 0.2 * ml.MOVIES_UNDER_5),
        row("timestamps", f"{_date(f['first_timestamp'])} .. {_date(f['last_timestamp'])}",
            f"within {_date(ml.FIRST_TIMESTAMP)} .. {_date(ml.LAST_TIMESTAMP)}",
            ml.FIRST_TIMESTAMP <= f["first_timestamp"] and f["last_timestamp"] <= ml.LAST_TIMESTAMP),
        row("ratings.dat grouped by user", f["grouped_by_user"], "True", f["grouped_by_user"]),
    ]
    return rows
