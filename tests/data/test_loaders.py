"""Loaders: the lab's columns, on a small twin and on hand-written ml-100k files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from movielens_lab.data import loaders
from movielens_lab.errors import LabError

ML1M_FILES = [
    (loaders.load_ratings, "ratings.dat", loaders.RATINGS_COLUMNS),
    (loaders.load_movies, "movies.dat", loaders.MOVIES_COLUMNS),
    (loaders.load_users, "users.dat", loaders.USERS_COLUMNS),
]


@pytest.mark.parametrize("load, name, columns", ML1M_FILES, ids=[f[1] for f in ML1M_FILES])
def test_fast_parse_equals_pandas_python_engine(small_twin, load, name, columns):
    ours = load(small_twin)
    slow = pd.read_csv(small_twin / name, sep="::", engine="python", header=None, names=columns,
                       encoding=loaders.ENCODING, dtype={"Zip-code": str})  # zip codes keep leading zeros
    assert list(ours.columns) == columns
    pd.testing.assert_frame_equal(ours, slow, check_dtype=False)
    assert [ours[c].dtype.kind for c in columns] == [slow[c].dtype.kind for c in columns]


def test_twin_ratings_shape(small_twin):
    ratings = loaders.load_ratings(small_twin)
    users, movies = loaders.load_users(small_twin), loaders.load_movies(small_twin)
    assert ratings["Rating"].between(1, 5).all()
    assert set(ratings["UserID"]) == set(users["UserID"])
    assert set(ratings["MovieID"]) <= set(movies["MovieID"])
    assert str(ratings["UserID"].dtype) == "int32" and str(ratings["Rating"].dtype) == "int8"


@pytest.fixture
def ml100k(tmp_path: Path) -> Path:
    """Hand-written files in ml-100k's formats (tab-separated u.data; ``|``-separated, latin-1 u.item)."""
    genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
              "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
              "Thriller", "War", "Western"]
    (tmp_path / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(genres)) + "\n")
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n")

    def item(movie_id: int, title: str, on: set[str]) -> str:
        flags = "|".join("1" if g in on else "0" for g in genres)
        return f"{movie_id}|{title}|01-Jan-1995||http://us.imdb.com/x|{flags}\n"

    (tmp_path / "u.item").write_bytes((
        item(1, "Toy Story (1995)", {"Animation", "Children's", "Comedy"})
        + item(267, "unknown", {"unknown"})
        + item(1300, "'Til There Was You (1997)", {"Drama", "Romance"})
        + item(1681, "Café au lait (1994)", {"Comedy"})
    ).encode("latin-1"))
    return tmp_path


def test_ml100k_ratings(ml100k):
    ratings = loaders.load_ratings_100k(ml100k)
    assert list(ratings.columns) == loaders.RATINGS_COLUMNS
    assert ratings.to_numpy().tolist() == [[196, 242, 3, 881250949], [186, 302, 3, 891717742],
                                           [22, 377, 1, 878887116]]


def test_ml100k_movies(ml100k):
    movies = loaders.load_movies_100k(ml100k)
    assert list(movies.columns) == loaders.MOVIES_COLUMNS
    assert movies.to_numpy().tolist() == [
        [1, "Toy Story (1995)", "Animation|Children's|Comedy"],
        [267, "unknown", "unknown"],
        [1300, "'Til There Was You (1997)", "Drama|Romance"],
        [1681, "Café au lait (1994)", "Comedy"],
    ]


def test_missing_file_says_how_to_get_data(tmp_path):
    with pytest.raises(LabError, match=r"ratings\.dat not found: download MovieLens with .*data fetch"):
        loaders.load_ratings(tmp_path)
