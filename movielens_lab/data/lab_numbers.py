"""The lab's numbers (baselines, the Keras model's losses, the sweep) beside grader_config.py's references.

``lab_numbers`` trains the Keras model, about 10 s per model on 2 cores at full scale; it returns
a plain dict that tests assert, and ``lab_rows`` pairs it with the references and tolerances.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import model as lab_model
from ..paths import LAB
from ..config import LabGrader, lab_settings
from .facts import Row, row

TOP_MEAN = 4.8
"""LAB_SPEC section 5: movies whose mean training rating is above this."""
FEW_RATINGS = 5
"""What "very few ratings" means for those movies."""
SWEEP_DIMS = tuple(range(9))
"""LAB_SPEC section 11: emb_dim 0..8."""
RANKING_OVER_RANDOM = 4.0
"""On real data (LAB_SPEC_PART2: MovieLens 100K) the model's precision@10 is about 6x a random ranking's."""
LAB_KEYS = ("mae_movie", "mae_user", "mae_bias", "train_loss", "test_loss", "best_emb_dim")
"""The lab numbers whose references and tolerances live in grader_config.py."""


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
    ``dims`` (its emb_dim 4 losses are the lab's ``train_loss``/``test_loss``; its precision and
    recall at 10 beside popularity's and a random ranking's are ``ranking``, LAB_SPEC_PART2 section 4).
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
        mod, hist = lab_model.train(s, int(user.max()), int(movie.max()), emb_dim=dim)
        sweep[dim] = (float(hist["loss"][-1]), float(hist["val_loss"][-1]))
        if dim == lab_model.EMB_DIM:
            out["ranking"] = {name: lab_model.ranking_at_k(s, scores) for name, scores in (
                ("model", lab_model.model_scores(mod)), ("popularity", lab_model.popularity_scores(s)),
                ("random", lab_model.random_scores(s)))}
    out["train_loss"], out["test_loss"] = sweep[lab_model.EMB_DIM]
    out["sweep"] = sweep
    if len(sweep) > 1:
        out["best_emb_dim"] = min(sweep, key=lambda d: sweep[d][1])
    return out


def ranking_ok(ranking: dict[str, tuple[float, float]]) -> bool:
    """Whether the model ranks as on real data: well above random, below popularity (LAB_SPEC_PART2)."""
    p = {name: precision for name, (precision, _) in ranking.items()}
    return RANKING_OVER_RANDOM * p["random"] <= p["model"] < p["popularity"]


def within(key: str, value: float, settings: LabGrader) -> bool:
    """Whether a lab number is within grader_config.py's tolerance of its reference."""
    return abs(value - settings.references[key]) <= settings.tolerances[key]


def lab_rows(n: dict[str, object]) -> list[Row]:
    """Lab numbers beside grader_config.py's references and tolerances."""
    settings = lab_settings(assignment=LAB)
    labels = {"mae_movie": "movie-mean MAE", "mae_user": "user-mean MAE", "mae_bias": "user+movie bias MAE",
              "train_loss": f"Keras emb_dim {lab_model.EMB_DIM}: final train loss",
              "test_loss": f"Keras emb_dim {lab_model.EMB_DIM}: final test loss",
              "best_emb_dim": "sweep 0..8: emb_dim of lowest test loss"}
    rows = []
    for key in LAB_KEYS:
        if key in n:
            ref, tol = settings.references[key], settings.tolerances[key]
            fmt = "{:g}".format if key == "best_emb_dim" else "{:.4f}".format
            rows.append(row(labels[key], n[key], f"{ref:g} +- {tol:g}", within(key, n[key], settings), fmt))
    if "ranking" in n:
        p = {name: precision for name, (precision, _) in n["ranking"].items()}
        rows.append(row(f"precision@{lab_model.RANK_K}: model / popularity / random",
                        f"{p['model']:.3f} / {p['popularity']:.3f} / {p['random']:.3f}",
                        f"random < model < popularity; model >= {RANKING_OVER_RANDOM:g}x random",
                        ranking_ok(n["ranking"])))
    rows.append(row(f"movies with mean > {TOP_MEAN}: how many", n["top_movies"], ">= 1", n["top_movies"] >= 1))
    rows.append(row(f"movies with mean > {TOP_MEAN}: median count", n["top_movies_median_count"],
                    f"<= {FEW_RATINGS} (very few)",
                    n["top_movies"] >= 1 and n["top_movies_median_count"] <= FEW_RATINGS, "{:g}".format))
    return rows
