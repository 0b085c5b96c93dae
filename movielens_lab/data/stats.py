"""``data stats``: a dataset's shape and the lab's numbers, beside MovieLens 1M's targets.

The computations return plain dicts (``shape_facts``, ``lab_numbers``) so tests can assert
them; ``rows`` pairs them with targets and ``print_stats`` only prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import model as lab_model
from ..config import LabGrader, lab_settings
from ..errors import LabError
from . import loaders, twin

TOP_MEAN = 4.8
"""LAB_SPEC section 5: movies whose mean training rating is above this."""
FEW_RATINGS = 5
"""What "very few ratings" means for those movies."""
SWEEP_DIMS = tuple(range(9))
"""LAB_SPEC section 11: emb_dim 0..8."""
LAB_KEYS = ("mae_movie", "mae_user", "mae_bias", "train_loss", "test_loss", "best_emb_dim")
"""The lab numbers whose references and tolerances live in grader_config.py."""


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    measure: str
    value: str
    target: str
    ok: bool


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


def bias_baseline_mae(s: lab_model.Split) -> float:
    """Test MAE of global mean + movie offset + user offset (of what the movie offset leaves)."""
    y0 = float(s.ytr.mean())
    nmovies = int(max(s.movietr.max(), s.moviets.max())) + 1
    nusers = int(max(s.usertr.max(), s.userts.max())) + 1
    movie_offset, _ = lab_model.group_means(s.movietr, s.ytr - y0, nmovies, 0.0)
    user_offset, _ = lab_model.group_means(s.usertr, s.ytr - y0 - movie_offset[s.movietr], nusers, 0.0)
    return float(np.abs(y0 + movie_offset[s.moviets] + user_offset[s.userts] - s.yts).mean())


def lab_numbers(ratings: pd.DataFrame, dims: Iterable[int] = SWEEP_DIMS) -> dict[str, object]:
    """The lab's numbers on LAB_SPEC's random 75/25 split.

    Bias baselines, movies with a mean above 4.8, and the Keras model trained at each of
    ``dims`` (its emb_dim 4 losses are the lab's ``train_loss``/``test_loss``).
    """
    user = ratings["UserID"].to_numpy()
    movie = ratings["MovieID"].to_numpy()
    s = lab_model.split(user, movie, ratings["Rating"].to_numpy().astype(float))
    mae_movie, mae_user = lab_model.bias_maes(s)
    ymean, ycnt = lab_model.group_means(s.movietr, s.ytr, int(movie.max()) + 1, float(s.ytr.mean()))
    top_counts = ycnt[ymean > TOP_MEAN]
    out: dict[str, object] = {"mae_movie": mae_movie, "mae_user": mae_user, "mae_bias": bias_baseline_mae(s),
                              "top_movies": int(top_counts.size),
                              "top_movies_median_count": float(np.median(top_counts)) if top_counts.size else 0.0}
    sweep = {}
    for dim in sorted(set(dims) | {lab_model.EMB_DIM}):
        _, hist = lab_model.train(s, int(user.max()), int(movie.max()), emb_dim=dim)
        sweep[dim] = (float(hist["loss"][-1]), float(hist["val_loss"][-1]))
    out["train_loss"], out["test_loss"] = sweep[lab_model.EMB_DIM]
    out["sweep"] = sweep
    if len(sweep) > 1:
        out["best_emb_dim"] = min(sweep, key=lambda d: sweep[d][1])
    return out


def _date(stamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def _row(measure: str, value: object, target: str, ok: bool, fmt: Callable[[object], str] = str) -> Row:
    return Row(measure, fmt(value), target, bool(ok))


def shape_rows(f: dict[str, object]) -> list[Row]:
    """Shape facts beside ml-1m's (issue 2's targets)."""
    shares = f["star_shares"]
    rows = [
        _row("users", f["users"], f"{twin.USERS}", f["users"] == twin.USERS),
        _row("user ids", f"{f['user_id_min']}..{f['user_id_max']}", f"1..{twin.USERS}",
             f["user_id_min"] == 1 and f["user_id_max"] == twin.USERS),
        _row("ratings", f["ratings"], f"{twin.RATINGS:,}", f["ratings"] == twin.RATINGS, "{:,}".format),
        _row("movies in movies.dat", f["movies_listed"], f"{twin.MOVIES_LISTED}",
             f["movies_listed"] == twin.MOVIES_LISTED),
        _row("rated movies", f["movies_rated"], f"{twin.MOVIES_RATED}", f["movies_rated"] == twin.MOVIES_RATED),
        _row("rated movies all in movies.dat", f["rated_all_listed"], "True", f["rated_all_listed"]),
        _row("largest movie id", f["max_movie_id"], f"{twin.MAX_MOVIE_ID}", f["max_movie_id"] == twin.MAX_MOVIE_ID),
        _row("min ratings per user", f["min_per_user"], f">= {twin.MIN_PER_USER}",
             f["min_per_user"] >= twin.MIN_PER_USER),
        _row("whole stars 1..5", f["whole_stars"], "True", f["whole_stars"]),
    ]
    for star, (share, count) in enumerate(zip(shares, twin.STAR_COUNTS), start=1):
        target = 100 * count / twin.RATINGS
        rows.append(_row(f"{star}-star share %", share, f"{target:.2f} +- 0.5", abs(share - target) <= 0.5,
                         "{:.2f}".format))
    mean = sum(s * c for s, c in enumerate(twin.STAR_COUNTS, start=1)) / twin.RATINGS
    rows += [
        _row("mean rating", f["mean"], f"{mean:.2f} +- 0.02", abs(f["mean"] - mean) <= 0.02, "{:.4f}".format),
        _row("ratings per user: median", f["per_user_median"], "96 +- 5", abs(f["per_user_median"] - 96) <= 5,
             "{:g}".format),
        _row("ratings per user: max", f["per_user_max"], "2314 +- 5%",
             abs(f["per_user_max"] - 2314) <= 0.05 * 2314),
        _row("ratings per movie: median", f["per_movie_median"], "123.5 +- 10%",
             abs(f["per_movie_median"] - 123.5) <= 12.35, "{:g}".format),
        _row("ratings per movie: max", f["per_movie_max"], "3428 +- 5%",
             abs(f["per_movie_max"] - 3428) <= 0.05 * 3428),
        _row("movies with < 5 ratings", f["movies_under_5"], "about 290 (+- 20%)",
             abs(f["movies_under_5"] - 290) <= 58),
        _row("timestamps", f"{_date(f['first_timestamp'])} .. {_date(f['last_timestamp'])}",
             f"within {_date(twin.FIRST_TIMESTAMP)} .. {_date(twin.LAST_TIMESTAMP)}",
             twin.FIRST_TIMESTAMP <= f["first_timestamp"] and f["last_timestamp"] <= twin.LAST_TIMESTAMP),
        _row("ratings.dat grouped by user", f["grouped_by_user"], "True", f["grouped_by_user"]),
    ]
    return rows


def within(key: str, value: float, settings: LabGrader) -> bool:
    """Whether a lab number is within grader_config.py's tolerance of its reference."""
    return abs(value - settings.references[key]) <= settings.tolerances[key]


def lab_rows(n: dict[str, object]) -> list[Row]:
    """Lab numbers beside grader_config.py's references and tolerances."""
    settings = lab_settings()
    labels = {"mae_movie": "movie-mean MAE", "mae_user": "user-mean MAE", "mae_bias": "user+movie bias MAE",
              "train_loss": f"Keras emb_dim {lab_model.EMB_DIM}: final train loss",
              "test_loss": f"Keras emb_dim {lab_model.EMB_DIM}: final test loss",
              "best_emb_dim": "sweep 0..8: emb_dim of lowest test loss"}
    rows = []
    for key in LAB_KEYS:
        if key in n:
            ref, tol = settings.references[key], settings.tolerances[key]
            fmt = "{:g}".format if key == "best_emb_dim" else "{:.4f}".format
            rows.append(_row(labels[key], n[key], f"{ref:g} +- {tol:g}", within(key, n[key], settings), fmt))
    rows.append(_row(f"movies with mean > {TOP_MEAN}: how many", n["top_movies"], ">= 1", n["top_movies"] >= 1))
    rows.append(_row(f"movies with mean > {TOP_MEAN}: median count", n["top_movies_median_count"],
                     f"<= {FEW_RATINGS} (very few)",
                     n["top_movies"] >= 1 and n["top_movies_median_count"] <= FEW_RATINGS, "{:g}".format))
    return rows


def format_table(rows: list[Row]) -> str:
    """The rows as an aligned text table."""
    header = Row("measure", "value", "target", True)
    widths = [max(len(getattr(r, col)) for r in [header, *rows]) for col in ("measure", "value", "target")]
    lines = [f"{'measure':<{widths[0]}}  {'value':>{widths[1]}}  {'target':<{widths[2]}}  ok?"]
    lines.append("-" * len(lines[0]))
    lines += [f"{r.measure:<{widths[0]}}  {r.value:>{widths[1]}}  {r.target:<{widths[2]}}  {'yes' if r.ok else 'NO'}"
              for r in rows]
    return "\n".join(lines)


def print_stats(folder: Path, model: bool = True) -> None:
    """Print the shape facts and (unless ``model`` is False) the lab's numbers of a dataset folder."""
    folder = Path(folder)
    ratings, movies = load(folder)
    kind = "synthetic twin" if twin.is_twin(folder) else "dataset"
    print(f"{kind} {folder}: targets are MovieLens 1M's (scale 1)")
    rows = shape_rows(shape_facts(ratings, movies))
    if model:
        print(f"training the Keras model for emb_dim {SWEEP_DIMS[0]}..{SWEEP_DIMS[-1]} "
              "(about 10 s each on 2 cores at full scale)...", flush=True)
        rows += lab_rows(lab_numbers(ratings))
    print(format_table(rows))
