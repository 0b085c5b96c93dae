"""The offline twin (`data twin`): its files, its shape against MovieLens 1M's, how it is written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_SCALE

from movielens_lab.data import facts, loaders, locate, twin
from movielens_lab.data import movielens as ml
from movielens_lab.errors import LabError

TITLE = re.compile(r"^Synthetic Film (\d{4})( \(Film synthétique \1\))? \((19[1-9]\d|2000)\)$")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "movielens_lab", *args], capture_output=True, text=True,
                          timeout=300)


def _same_files(a: Path, b: Path) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in ml.FILES)


def test_same_seed_gives_identical_bytes(small_twin: Path, tmp_path: Path) -> None:
    again = twin.write_twin(data_dir=tmp_path, seed=0, scale=SMALL_SCALE)
    assert again == tmp_path / "ml-1m"
    assert _same_files(small_twin, again)


def test_another_seed_gives_another_twin(small_twin: Path, tmp_path: Path) -> None:
    other = twin.write_twin(data_dir=tmp_path, seed=1, scale=SMALL_SCALE)
    for name in ("ratings.dat", "movies.dat", "users.dat"):
        assert (other / name).read_bytes() != (small_twin / name).read_bytes(), name


def test_rewriting_a_twin_replaces_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    first = twin.write_twin(data_dir=tmp_path, seed=1, scale=SMALL_SCALE)
    (first / "stray.txt").write_text("left over")
    second = twin.write_twin(data_dir=tmp_path, seed=2, scale=SMALL_SCALE)
    assert second == first and sorted(p.name for p in second.iterdir()) == sorted(ml.FILES)
    assert "seed 2" in (second / "README").read_text(encoding="latin-1")
    assert f"to {second}" in capsys.readouterr().out.splitlines()[-1]
    assert not [p for p in tmp_path.iterdir() if p.name != "ml-1m"]  # no staging folder left


def test_small_twin_shape(small_twin: Path) -> None:
    size = twin.sizes(SMALL_SCALE)
    ratings, movies = facts.load(small_twin)
    shape = facts.shape_facts(ratings, movies)
    assert shape["users"] == size["users"] and (shape["user_id_min"], shape["user_id_max"]) == (1, size["users"])
    assert shape["ratings"] == size["ratings"]
    assert shape["movies_listed"] == size["listed"] and shape["movies_rated"] == size["rated"]
    assert shape["max_movie_id"] == size["max_id"] and shape["rated_all_listed"]
    assert shape["min_per_user"] >= ml.MIN_PER_USER
    assert shape["grouped_by_user"] and shape["whole_stars"]
    for share, count in zip(shape["star_shares"], ml.STAR_COUNTS):
        assert abs(share - 100 * count / ml.RATINGS) < 0.5
    assert ml.FIRST_TIMESTAMP <= shape["first_timestamp"] <= shape["last_timestamp"] <= ml.LAST_TIMESTAMP
    assert not ratings.duplicated(["UserID", "MovieID"]).any()
    assert np.all(np.diff(ratings["UserID"].to_numpy()) >= 0)  # sorted by user, as ml-1m


def test_small_twin_files_look_like_ml1m(small_twin: Path) -> None:
    raw = (small_twin / "movies.dat").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # latin-1 text: a reader must say so, as with ml-1m
    movies = loaders.load_movies(small_twin)
    assert movies["MovieID"].is_monotonic_increasing and movies["MovieID"].min() >= 1
    for mid, title in zip(movies["MovieID"], movies["Title"]):
        match = TITLE.match(title)
        assert match and int(match.group(1)) == mid, title
    genres = {g for combo in movies["Genres"] for g in combo.split("|")}
    assert genres <= set(ml.GENRES) and len(genres) > 10

    users = loaders.load_users(small_twin)
    assert users["UserID"].tolist() == list(range(1, twin.sizes(SMALL_SCALE)["users"] + 1))
    assert set(users["Gender"]) == {"M", "F"}
    assert set(users["Age"]) <= set(ml.AGE_CODES)
    assert users["Occupation"].between(0, 20).all()
    assert users["Zip-code"].str.fullmatch(r"\d{5}").all()

    readme = (small_twin / "README").read_text(encoding="latin-1")
    assert readme.startswith(locate.TWIN_MARKER) and locate.is_twin(small_twin)
    assert "SYNTHETIC" in readme and "contains no MovieLens data" in readme
    assert f"--seed 0 --scale {SMALL_SCALE:g}" in readme


def test_refuses_to_overwrite_real_movielens(tmp_path: Path) -> None:
    real = tmp_path / "ml-1m"
    real.mkdir()
    (real / "ratings.dat").write_bytes(b"1::1193::5::978300760\n")
    (real / "README").write_text("SUMMARY\n================================================================\n"
                                 "These files contain 1,000,209 anonymous ratings ...\n")
    with pytest.raises(LabError, match="refusing to overwrite"):
        twin.write_twin(data_dir=tmp_path, seed=0, scale=SMALL_SCALE)
    assert (real / "ratings.dat").read_bytes() == b"1::1193::5::978300760\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-1m"]

    result = _cli("data", "twin", "--data-dir", str(tmp_path), "--scale", str(SMALL_SCALE))
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("scale", [0.0, -0.5, 1.5, 0.001, float("nan")])
def test_bad_scale_is_refused(scale: float, tmp_path: Path) -> None:
    with pytest.raises(LabError, match="--scale between"):
        twin.write_twin(data_dir=tmp_path, seed=0, scale=scale)
    assert not any(tmp_path.iterdir())


def test_cli_twin_writes_the_fixtures_bytes(small_twin: Path, tmp_path: Path) -> None:
    made = _cli("data", "twin", "--data-dir", str(tmp_path), "--scale", str(SMALL_SCALE))
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "ml-1m"
    assert made.stdout.strip().endswith(str(folder)) and "wrote the synthetic twin" in made.stdout
    assert _same_files(folder, small_twin)  # the CLI and the fixture write the same bytes


def test_an_interrupted_rewrite_leaves_the_old_twin_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = twin.write_twin(data_dir=tmp_path, seed=1, scale=SMALL_SCALE)
    before = {p.name: p.read_bytes() for p in old.iterdir()}

    def interrupted(move):  # Ctrl-C just as the new twin is renamed into place
        def moving(src: Path, dst: Path) -> None:
            if Path(dst) == old and Path(src).name.startswith(".ml-1m-twin-"):
                raise KeyboardInterrupt
            move(src, dst)
        return moving

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", interrupted(os.replace))
        patch.setattr(os, "rename", interrupted(os.rename))
        with pytest.raises(KeyboardInterrupt):
            twin.write_twin(data_dir=tmp_path, seed=2, scale=SMALL_SCALE)
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["ml-1m"]  # no staging or set-aside folder left


def test_full_twin_matches_ml1m_shape(full_twin: Path) -> None:
    shape = facts.shape_facts(*facts.load(full_twin))
    assert (shape["users"], shape["user_id_min"], shape["user_id_max"]) == (ml.USERS, 1, ml.USERS)
    assert shape["ratings"] == ml.RATINGS
    assert ((shape["movies_listed"], shape["movies_rated"], shape["max_movie_id"])
            == (ml.MOVIES_LISTED, ml.MOVIES_RATED, ml.MAX_MOVIE_ID))
    assert shape["min_per_user"] == ml.MIN_PER_USER and shape["grouped_by_user"]
    for share, count in zip(shape["star_shares"], ml.STAR_COUNTS):
        assert abs(share - 100 * count / ml.RATINGS) <= 0.5
    assert abs(shape["mean"] - ml.MEAN_RATING) < 0.01
    assert abs(shape["per_user_median"] - ml.PER_USER_MEDIAN) <= 5 and shape["per_user_max"] == ml.PER_USER_MAX
    assert abs(shape["per_movie_median"] - ml.PER_MOVIE_MEDIAN) <= 0.1 * ml.PER_MOVIE_MEDIAN
    assert abs(shape["per_movie_max"] - ml.PER_MOVIE_MAX) <= 0.05 * ml.PER_MOVIE_MAX
    assert 0.8 * ml.MOVIES_UNDER_5 <= shape["movies_under_5"] <= 1.2 * ml.MOVIES_UNDER_5
