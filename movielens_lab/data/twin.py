"""The offline twin: a synthetic dataset in MovieLens 1M's exact layout, shape and lab numbers.

Nothing here comes from MovieLens: only its published summary facts (counts, star shares,
quantiles of ratings per user and per movie) are used as targets. How it is made:

1. Ratings per user and per movie follow deterministic quantile profiles through ml-1m's
   published quantiles, fitted to the exact totals.
2. Every user and movie gets latent biases and low-rank factors (who likes what).
3. Each user rates distinct movies, drawn by popularity weights tilted toward the movies that
   user likes (weighted sampling without replacement, all users at once): people mostly watch
   what they expect to enjoy, which is what lets a model trained on ratings recommend better
   than chance (LAB_SPEC_PART2 section 4). The weights are fitted so that each movie's
   expected count matches its profile.
4. A latent score per rating (user bias + movie bias + popularity bonus + the factors' dot
   product + noise) is cut at the quantiles that give ml-1m's star counts.

The knobs (``StarModel``, the profile knots) were fitted by measuring with ``data stats``; the
spread of the lab's numbers over seeds is recorded in grader_config.py.

``--scale F`` scales users and ratings by F and movies by sqrt(F), so that the ratings per user
keep ml-1m's distribution (and its floor of 20); movie ids are renumbered into a range scaled the
same way.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LabError
from ..files import replace_folder
from .locate import TWIN_MARKER, data_folder, is_twin
from .movielens import (
    AGE_CODES,
    AGE_USERS,
    ENCODING,
    FEMALE_USERS,
    FIRST_TIMESTAMP,
    FOLDER,
    GENRES,
    LAST_TIMESTAMP,
    MAX_MOVIE_ID,
    MIN_PER_USER,
    MOVIES_LISTED,
    MOVIES_RATED,
    OCCUPATIONS,
    PER_USER_MAX,
    RATINGS,
    STAR_COUNTS,
    USERS,
)

PER_USER_QUANTILES = ((0.0, MIN_PER_USER), (0.25, 44), (0.5, 98), (0.75, 208), (0.9, 400), (0.95, 556),
                      (0.99, 906), (0.999, 1500), (1.0, PER_USER_MAX))
"""Knots (quantile, ratings) of the per-user profile: gives ml-1m's median 96 and max 2314."""
PER_MOVIE_QUANTILES = ((0.0, 1), (0.072, 4.5), (0.25, 34), (0.5, 128), (0.75, 350), (0.9, 700),
                       (0.99, 1800), (0.999, 2900), (1.0, 3510))
"""Knots of the per-movie target profile: ml-1m has median 123.5, max 3428, ~290 movies below 5."""
MIN_SCALE = 0.01
"""Below this, users cannot rate 20 distinct movies each in the proportions above."""


@dataclass(frozen=True)
class StarModel:
    """Knobs of the latent score behind the stars, in units of the noise's standard deviation.

    Biases have the given standard deviation over the ratings; the popularity bonus and activity
    penalty multiply the standardized log count of a movie's / user's ratings; dimension ``j`` of
    the dot product has standard deviation ``factor_scale * factor_decay**j``.
    """

    user_bias: float = 0.47
    movie_bias: float = 0.63
    popularity_bonus: float = 0.76
    activity_penalty: float = 0.10
    rank: int = 4
    factor_scale: float = 0.33
    factor_decay: float = 0.90
    popularity_floor: float = 0.5
    """The popularity bonus stops falling this many standard deviations below the typical movie: the
    least-rated movies are not all bad, and a few of them are rated 5 stars by their handful of viewers."""
    exposure: float = 0.5
    """How strongly taste decides which movies a user rates: the tilt is ``exp(exposure * z)``, with
    ``z`` the user's affinity for the movie over the standard deviation of all affinities (0: by
    popularity alone)."""


@dataclass(frozen=True)
class Twin:
    """A generated twin, before it is written: ratings sorted by user, and the catalogue."""

    user: np.ndarray
    movie: np.ndarray
    rating: np.ndarray
    timestamp: np.ndarray
    movie_ids: np.ndarray
    nusers: int


def _round_total(x: np.ndarray, total: int) -> np.ndarray:
    """Round ``x`` to integers summing to ``total`` (largest remainders)."""
    base = np.floor(x).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        base[np.argsort(base - x, kind="stable")[:short]] += 1
    return base


def _profile(n: int, knots: tuple, total: int, floor: float, cap: float) -> np.ndarray:
    """``n`` counts along a quantile profile (log-linear between knots), summing to ``total``.

    The smallest and largest stay at the profile's ends (the largest at most ``cap``); the others
    are stretched above ``floor`` to hit the total.
    """
    q, v = np.array(knots, dtype=float).T
    x = np.exp(np.interp(np.linspace(0.0, 1.0, n), q, np.log(v)))
    x[-1] = min(x[-1], cap)
    inner = x[1:-1]
    for _ in range(50):  # stretch, clip at the cap, repeat until the clipped total fits
        room = total - x[0] - x[-1] - floor * inner.size
        free = inner < cap
        fixed = (cap - floor) * np.count_nonzero(~free)
        factor = (room - fixed) / (inner[free] - floor).sum()
        inner = np.minimum(cap, floor + factor * (inner - floor))
        if abs(inner.sum() + x[0] + x[-1] - total) < 0.5:
            break
    x[1:-1] = inner
    return _round_total(x, total)


def _fit_weights(per_user: np.ndarray, target: np.ndarray, rounds: int = 30) -> np.ndarray:
    """Popularity weights whose expected counts under weighted sampling match ``target``.

    A user drawing ``k`` movies without replacement by weight ``w`` includes movie ``m`` with
    probability about ``1 - exp(-t_k w_m)``, where ``t_k`` makes the probabilities sum to ``k``;
    users with about the same ``k`` share one ``t_k``.
    """
    bins = np.unique(np.round(40 * np.log(per_user)), return_inverse=True)[1]  # ~2.5% wide
    nk = np.bincount(bins)
    ks = np.bincount(bins, weights=per_user) / nk
    w = target / target.sum()
    t = ks.astype(float)
    for _ in range(rounds):
        for _ in range(3):  # Newton steps for t_k, warm-started
            e = np.exp(-np.outer(t, w))
            f = (1.0 - e).sum(axis=1) - ks
            t = np.maximum(t - f / (e @ w), 1e-12)
        expected = nk @ (1.0 - np.exp(-np.outer(t, w)))
        w *= target / expected
    return w


def _pick_movies(rng: np.random.Generator, per_user: np.ndarray, weight: np.ndarray,
                 taste: np.ndarray) -> np.ndarray:
    """Each user's distinct movies (Efraimidis-Spirakis keys); a boolean users x movies matrix.

    ``taste`` (users x movies) tilts each user's weights toward the movies they will like:
    people mostly watch what they expect to enjoy. Each movie's tilt averages 1 over the users,
    so its expected count stays about the one its weight was fitted for.
    """
    keys = rng.standard_exponential((per_user.size, weight.size), dtype=np.float32)
    keys /= weight.astype(np.float32) * taste
    thresholds = np.sort(keys, axis=1)[np.arange(per_user.size), per_user - 1]
    return keys <= thresholds[:, None]


def _cover_all_movies(rng: np.random.Generator, rated: np.ndarray) -> None:
    """Give every movie at least one rating, taken from a user of the most-rated movies."""
    counts = rated.sum(axis=0)
    for m in np.flatnonzero(counts == 0):
        donor = int(np.argmax(counts))
        users = np.flatnonzero(rated[:, donor] & ~rated[:, m])
        u = users[rng.integers(users.size)]
        rated[u, donor], rated[u, m] = False, True
        counts[donor] -= 1
        counts[m] += 1


@dataclass(frozen=True)
class Latent:
    """Who likes what: user and movie biases and low-rank factors, in units of the noise."""

    user_bias: np.ndarray
    movie_bias: np.ndarray
    p: np.ndarray
    q: np.ndarray

    def affinity(self) -> np.ndarray:
        """Users x movies: the taste part of every possible rating's score (float32)."""
        return (self.p.astype(np.float32) @ self.q.T.astype(np.float32))

    def score(self, user: np.ndarray, movie: np.ndarray) -> np.ndarray:
        """The noise-free score of each (user, movie) rating."""
        return self.user_bias[user] + self.movie_bias[movie] + np.einsum("ij,ij->i", self.p[user], self.q[movie])


def _standardized(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Mean 0 and sd 1 over the ratings (each row counted ``weight`` times): steadier across seeds."""
    w = (weight / weight.sum()).reshape(-1, *[1] * (x.ndim - 1))
    x = x - (w * x).sum(axis=0)
    return x / np.sqrt((w * x**2).sum(axis=0))


def _latent(rng: np.random.Generator, per_user: np.ndarray, per_movie: np.ndarray, knobs: StarModel) -> Latent:
    """Biases and factors, weighted by each user's and movie's (expected) number of ratings."""
    nusers, nmovies = per_user.size, per_movie.size
    user_bias = (knobs.user_bias * _standardized(rng.standard_normal(nusers), per_user)
                 - knobs.activity_penalty * _standardized(np.log(per_user), np.ones(nusers)))
    movie_bias = (knobs.movie_bias * _standardized(rng.standard_normal(nmovies), per_movie)
                  + knobs.popularity_bonus * np.maximum(_standardized(np.log(per_movie), np.ones(nmovies)),
                                                        -knobs.popularity_floor))
    scales = np.sqrt(knobs.factor_scale * knobs.factor_decay ** np.arange(knobs.rank))
    p = _standardized(rng.standard_normal((nusers, knobs.rank)), per_user) * scales
    q = _standardized(rng.standard_normal((nmovies, knobs.rank)), per_movie) * scales
    return Latent(user_bias, movie_bias, p, q)


def _taste(latent: Latent, exposure: float) -> np.ndarray:
    """Users x movies tilt ``exp(exposure * affinity / sd of all affinities)``, scaled to average 1 per movie."""
    a = latent.affinity()
    a *= np.float32(exposure / a.std())
    np.exp(a, out=a)
    a /= a.mean(axis=0, keepdims=True)
    return a


def _stars(rng: np.random.Generator, user: np.ndarray, movie: np.ndarray, latent: Latent, total: int) -> np.ndarray:
    """Stars 1..5 in ml-1m's proportions, cut from the latent score plus noise."""
    score = latent.score(user, movie) + rng.standard_normal(user.size)
    counts = _round_total(np.array(STAR_COUNTS) * total / RATINGS, total)
    stars = np.empty(user.size, dtype=np.int8)
    stars[np.argsort(score, kind="stable")] = np.repeat(np.arange(1, 6, dtype=np.int8), counts)
    return stars


def _timestamps(rng: np.random.Generator, user: np.ndarray, nusers: int) -> np.ndarray:
    """Seconds since 1970: each user rates in bursts after joining; ml-1m's first and last second."""
    span = LAST_TIMESTAMP - FIRST_TIMESTAMP
    joined = FIRST_TIMESTAMP + span * rng.beta(0.5, 4.0, nusers)
    offset = rng.standard_exponential(user.size) * 86_400 * np.exp(rng.normal(1.5, 2.0, nusers))[user]
    t = np.minimum(joined[user] + offset, LAST_TIMESTAMP).astype(np.int64)
    t[rng.integers(t.size)] = FIRST_TIMESTAMP
    t[rng.integers(t.size)] = LAST_TIMESTAMP
    return t


def sizes(scale: float) -> dict[str, int]:
    """The twin's counts at ``scale`` (ml-1m's at 1): users and ratings times F, movies times sqrt(F)."""
    if not isinstance(scale, (int, float)) or not MIN_SCALE <= scale <= 1:
        raise LabError(f"scale {scale!r} is out of range; give --scale between {MIN_SCALE} and 1 "
                       "(1 is MovieLens 1M's size)")
    root = float(np.sqrt(scale))
    return {"users": round(USERS * scale), "ratings": round(RATINGS * scale),
            "listed": round(MOVIES_LISTED * root), "rated": round(MOVIES_RATED * root),
            "max_id": round(MAX_MOVIE_ID * root)}


def generate(seed: int = 0, scale: float = 1.0, knobs: StarModel = StarModel()) -> Twin:
    """The twin's ratings and catalogue, in memory."""
    n = sizes(scale)
    rng = np.random.default_rng([seed, 0x4D4C31])
    per_user = _profile(n["users"], PER_USER_QUANTILES, n["ratings"], MIN_PER_USER,
                        min(PER_USER_QUANTILES[-1][1], 0.9 * n["rated"]))
    per_user = rng.permutation(per_user)
    target = rng.permutation(_profile(n["rated"], PER_MOVIE_QUANTILES, n["ratings"], 1, 0.6 * n["users"]))
    latent = _latent(rng, per_user, target.astype(float), knobs)
    rated = _pick_movies(rng, per_user, _fit_weights(per_user, target.astype(float)),
                         _taste(latent, knobs.exposure))
    _cover_all_movies(rng, rated)
    user, movie = np.nonzero(rated)  # sorted by user: ratings.dat is grouped by user
    stars = _stars(rng, user, movie, latent, n["ratings"])

    listed = np.append(rng.choice(np.arange(1, n["max_id"]), n["listed"] - 1, replace=False), n["max_id"])
    rated_ids = np.sort(np.append(rng.choice(listed[:-1], n["rated"] - 1, replace=False), n["max_id"]))
    return Twin(user.astype(np.int32) + 1, rated_ids[movie].astype(np.int32), stars,
                _timestamps(rng, user, n["users"]), np.sort(listed), n["users"])


def _ratings_text(t: Twin) -> str:
    return "".join(map("{}::{}::{}::{}\n".format, t.user.tolist(), t.movie.tolist(),
                       t.rating.tolist(), t.timestamp.tolist()))


def _movies_text(rng: np.random.Generator, movie_ids: np.ndarray) -> str:
    """``MovieID::Title::Genres``: plainly synthetic titles, some with a latin-1 alternative title."""
    years = np.clip(np.round(2000 - rng.gamma(1.3, 9.0, movie_ids.size)), 1919, 2000).astype(int)
    ngenres = rng.choice([1, 2, 3, 4], movie_ids.size, p=[0.5, 0.32, 0.14, 0.04])
    popular = np.array([12, 5, 1, 1, 15, 3, 1, 20, 1, 1, 4, 1, 2, 6, 3, 6, 2, 1], dtype=float)
    foreign = rng.random(movie_ids.size) < 0.03
    foreign[rng.integers(movie_ids.size)] = True  # at least one title needs latin-1
    lines = []
    for mid, year, k, alt in zip(movie_ids.tolist(), years.tolist(), ngenres.tolist(), foreign.tolist()):
        picks = np.sort(rng.choice(len(GENRES), k, replace=False, p=popular / popular.sum()))
        aka = f" (Film synthétique {mid:04d})" if alt else ""
        lines.append(f"{mid}::Synthetic Film {mid:04d}{aka} ({year})::{'|'.join(GENRES[i] for i in picks)}\n")
    return "".join(lines)


def _users_text(rng: np.random.Generator, nusers: int) -> str:
    """``UserID::Gender::Age::Occupation::Zip-code`` with ml-1m's codes."""
    gender = np.where(rng.random(nusers) < FEMALE_USERS / USERS, "F", "M")
    age = rng.choice(AGE_CODES, nusers, p=np.array(AGE_USERS) / sum(AGE_USERS))
    occupation = rng.integers(0, OCCUPATIONS, nusers)
    zips = rng.integers(1000, 99999, nusers)
    return "".join(f"{u}::{g}::{a}::{o}::{z:05d}\n" for u, g, a, o, z in
                   zip(range(1, nusers + 1), gender.tolist(), age.tolist(), occupation.tolist(), zips.tolist()))


def _readme(seed: int, scale: float, t: Twin, knobs: StarModel) -> str:
    other = "" if knobs == StarModel() else (
        f"\nIts latent score has other knobs than the twin's calibration ({knobs}): a test shape of\n"
        "data, not calibrated to MovieLens 1M.\n")
    return f"""{TWIN_MARKER}
{"=" * len(TWIN_MARKER)}

This folder is SYNTHETIC. It contains no MovieLens data: no real ratings, users, titles or
timestamps. It was written by `python -m movielens_lab data twin --seed {seed} --scale {scale:g}`
(seed {seed}, scale {scale:g}) and is byte-for-byte identical whenever the same command runs
again. It may be shared freely.
{other}
It has the exact file layout of MovieLens 1M (ratings.dat, movies.dat, users.dat; `::`
separated, latin-1) so that the lab runs offline. At scale 1 it matches ml-1m's published
shape and the lab's numbers within their bands.

- ratings.dat: {t.user.size} ratings (UserID::MovieID::Rating::Timestamp), grouped by user
- movies.dat: {t.movie_ids.size} movies (MovieID::Title::Genres), titles like "Synthetic Film 0421 (1994)"
- users.dat: {t.nusers} users (UserID::Gender::Age::Occupation::Zip-code), ml-1m's codes

How it was made: ratings per user and per movie follow quantile profiles through ml-1m's
published quantiles; each user rates distinct movies drawn by fitted popularity weights,
tilted toward the movies that user likes; a latent score (user bias + movie bias + popularity bonus
+ a rank-{StarModel().rank} dot product + Gaussian noise) is cut at the quantiles that give ml-1m's
star proportions. See movielens_lab/data/twin.py.
"""


def write_twin(*, data_dir: Path | None = None, seed: int = 0, scale: float = 1.0,
               knobs: StarModel = StarModel()) -> Path:
    """Write the twin as ``<data folder>/ml-1m`` and return that folder; refuses to replace real data.

    ``knobs``: the latent score's (tests write other shapes of data with them; the command never does).
    """
    target = data_folder(data_dir) / FOLDER
    if target.exists() and not is_twin(target) and (not target.is_dir() or any(target.iterdir())):
        raise LabError(f"{target} holds data that is not the synthetic twin (MovieLens?); refusing to overwrite "
                       "it: give another --data-dir or move that folder away")
    t = generate(seed, scale, knobs)
    rng = np.random.default_rng([seed, 0x4D4C32])
    files = {"ratings.dat": _ratings_text(t), "movies.dat": _movies_text(rng, t.movie_ids),
             "users.dat": _users_text(rng, t.nusers), "README": _readme(seed, scale, t, knobs)}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".ml-1m-twin-", dir=target.parent))
    except OSError as err:
        raise LabError(f"cannot write to {target.parent}: {err.strerror}; give a writable --data-dir") from None
    try:  # write beside the target, then swap it in: an interrupted run leaves the old folder whole
        staging.chmod(0o755)
        for name, text in files.items():
            (staging / name).write_bytes(text.encode(ENCODING))
        replace_folder(staging, target)
    except OSError as err:
        raise LabError(f"writing the twin to {target} failed: {err.strerror}; free some disk space "
                       "or give another --data-dir") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"wrote the synthetic twin (seed {seed}, scale {scale:g}; {t.user.size:,} ratings, "
          f"{t.nusers} users, {t.movie_ids.size} movies) to {target}")
    return target
