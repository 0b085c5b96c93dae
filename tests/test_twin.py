"""The offline twin (`data twin`) and the shape facts of `data stats`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SMALL_SCALE
from movielens_lab.data import loaders, stats, twin
from movielens_lab.errors import LabError

FILES = ("ratings.dat", "movies.dat", "users.dat", "README")
TITLE = re.compile(r"^Synthetic Film (\d{4})( \(Film synthétique \1\))? \((19[1-9]\d|2000)\)$")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "movielens_lab", *args], capture_output=True, text=True,
                          timeout=300)


def _same_files(a: Path, b: Path) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in FILES)


def test_same_seed_gives_identical_bytes(small_twin: Path, tmp_path: Path) -> None:
    again = twin.write_twin(tmp_path, seed=0, scale=SMALL_SCALE)
    assert again == tmp_path / "ml-1m"
    assert _same_files(small_twin, again)


def test_another_seed_gives_another_twin(small_twin: Path, tmp_path: Path) -> None:
    other = twin.write_twin(tmp_path, seed=1, scale=SMALL_SCALE)
    for name in ("ratings.dat", "movies.dat", "users.dat"):
        assert (other / name).read_bytes() != (small_twin / name).read_bytes(), name


def test_rewriting_a_twin_replaces_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    first = twin.write_twin(tmp_path, seed=1, scale=SMALL_SCALE)
    (first / "stray.txt").write_text("left over")
    second = twin.write_twin(tmp_path, seed=2, scale=SMALL_SCALE)
    assert second == first and sorted(p.name for p in second.iterdir()) == sorted(FILES)
    assert "seed 2" in (second / "README").read_text(encoding="latin-1")
    assert f"to {second}" in capsys.readouterr().out.splitlines()[-1]
    assert not [p for p in tmp_path.iterdir() if p.name != "ml-1m"]  # no staging folder left


def test_small_twin_shape(small_twin: Path) -> None:
    size = twin.sizes(SMALL_SCALE)
    ratings, movies = stats.load(small_twin)
    facts = stats.shape_facts(ratings, movies)
    assert facts["users"] == size["users"] and (facts["user_id_min"], facts["user_id_max"]) == (1, size["users"])
    assert facts["ratings"] == size["ratings"]
    assert facts["movies_listed"] == size["listed"] and facts["movies_rated"] == size["rated"]
    assert facts["max_movie_id"] == size["max_id"] and facts["rated_all_listed"]
    assert facts["min_per_user"] >= twin.MIN_PER_USER
    assert facts["grouped_by_user"] and facts["whole_stars"]
    for share, count in zip(facts["star_shares"], twin.STAR_COUNTS):
        assert abs(share - 100 * count / twin.RATINGS) < 0.5
    assert twin.FIRST_TIMESTAMP <= facts["first_timestamp"] <= facts["last_timestamp"] <= twin.LAST_TIMESTAMP
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
    assert genres <= set(twin.GENRES) and len(genres) > 10

    users = loaders.load_users(small_twin)
    assert users["UserID"].tolist() == list(range(1, twin.sizes(SMALL_SCALE)["users"] + 1))
    assert set(users["Gender"]) == {"M", "F"}
    assert set(users["Age"]) <= set(twin.AGE_CODES)
    assert users["Occupation"].between(0, 20).all()
    assert users["Zip-code"].str.fullmatch(r"\d{5}").all()

    readme = (small_twin / "README").read_text(encoding="latin-1")
    assert readme.startswith(twin.TWIN_MARKER) and twin.is_twin(small_twin)
    assert "SYNTHETIC" in readme and "contains no MovieLens data" in readme
    assert f"--seed 0 --scale {SMALL_SCALE:g}" in readme


def test_refuses_to_overwrite_real_movielens(tmp_path: Path) -> None:
    real = tmp_path / "ml-1m"
    real.mkdir()
    (real / "ratings.dat").write_bytes(b"1::1193::5::978300760\n")
    (real / "README").write_text("SUMMARY\n================================================================\n"
                                 "These files contain 1,000,209 anonymous ratings ...\n")
    with pytest.raises(LabError, match="refusing to overwrite"):
        twin.write_twin(tmp_path, seed=0, scale=SMALL_SCALE)
    assert (real / "ratings.dat").read_bytes() == b"1::1193::5::978300760\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-1m"]

    result = _cli("data", "twin", "--data-dir", str(tmp_path), "--scale", str(SMALL_SCALE))
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("scale", [0.0, -0.5, 1.5, 0.001, float("nan")])
def test_bad_scale_is_refused(scale: float, tmp_path: Path) -> None:
    with pytest.raises(LabError, match="--scale between"):
        twin.write_twin(tmp_path, seed=0, scale=scale)
    assert not any(tmp_path.iterdir())


def test_cli_twin_then_stats(small_twin: Path, tmp_path: Path) -> None:
    made = _cli("data", "twin", "--data-dir", str(tmp_path), "--scale", str(SMALL_SCALE))
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "ml-1m"
    assert made.stdout.strip().endswith(str(folder)) and "wrote the synthetic twin" in made.stdout
    assert _same_files(folder, small_twin)  # the CLI and the fixture write the same bytes

    shown = _cli("data", "stats", str(folder), "--no-model")
    assert shown.returncode == 0, shown.stderr
    size = twin.sizes(SMALL_SCALE)
    lines = shown.stdout.splitlines()
    assert "measure" in lines[1] and "target" in lines[1] and "ok?" in lines[1]
    row = next(line for line in lines if line.startswith("ratings "))
    assert f"{size['ratings']:,}" in row and row.endswith("NO")  # a small twin is not ml-1m's size
    assert next(line for line in lines if line.startswith("ratings.dat grouped by user")).endswith("yes")
    assert not any("Keras" in line for line in lines)

    bad = _cli("data", "stats", str(tmp_path / "missing"), "--no-model")
    assert bad.returncode == 1 and "not a folder" in bad.stderr and "data twin" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_stats_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="ratings.dat not found.*data twin"):
        stats.print_stats(tmp_path, model=False)


def test_shape_rows_flag_what_is_off(full_twin: Path) -> None:
    facts = stats.shape_facts(*stats.load(full_twin))
    assert all(row.ok for row in stats.shape_rows(facts))
    broken = {**facts, "ratings": facts["ratings"] - 1, "grouped_by_user": False,
              "star_shares": [s + 0.6 if i == 0 else s for i, s in enumerate(facts["star_shares"])]}
    off = {row.measure for row in stats.shape_rows(broken) if not row.ok}
    assert off == {"ratings", "ratings.dat grouped by user", "1-star share %"}


def test_full_twin_matches_ml1m_shape(full_twin: Path) -> None:
    facts = stats.shape_facts(*stats.load(full_twin))
    assert (facts["users"], facts["user_id_min"], facts["user_id_max"]) == (6040, 1, 6040)
    assert facts["ratings"] == 1_000_209
    assert (facts["movies_listed"], facts["movies_rated"], facts["max_movie_id"]) == (3883, 3706, 3952)
    assert facts["min_per_user"] == 20 and facts["grouped_by_user"]
    for share, target in zip(facts["star_shares"], (5.62, 10.75, 26.11, 34.89, 22.63)):
        assert abs(share - target) <= 0.5
    assert abs(facts["mean"] - 3.58) < 0.01
    assert abs(facts["per_user_median"] - 96) <= 5 and facts["per_user_max"] == 2314
    assert abs(facts["per_movie_median"] - 123.5) <= 12.35
    assert abs(facts["per_movie_max"] - 3428) <= 0.05 * 3428
    assert 232 <= facts["movies_under_5"] <= 348
