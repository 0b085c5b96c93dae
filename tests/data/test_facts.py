"""A dataset's facts (`data stats` without the model) and the rows that set them beside MovieLens 1M's."""

from __future__ import annotations

from pathlib import Path

import pytest

from movielens_lab.data import facts


def test_shape_facts_of_a_tiny_dataset(tmp_path: Path) -> None:
    (tmp_path / "ratings.dat").write_text("1::10::5::978300760\n2::10::3::978300761\n1::30::1::978300762\n")
    (tmp_path / "movies.dat").write_text("10::A (1999)::Drama\n20::B (2000)::Comedy\n30::C (2001)::War\n")
    shape = facts.shape_facts(*facts.load(tmp_path))
    assert (shape["users"], shape["user_id_min"], shape["user_id_max"], shape["ratings"]) == (2, 1, 2, 3)
    assert (shape["movies_listed"], shape["movies_rated"], shape["max_movie_id"]) == (3, 2, 30)
    assert shape["rated_all_listed"] and shape["whole_stars"] and shape["min_per_user"] == 1
    assert shape["star_shares"] == pytest.approx([100 / 3, 0, 100 / 3, 0, 100 / 3]) and shape["mean"] == 3.0
    assert (shape["per_movie_max"], shape["movies_under_5"]) == (2, 2)
    assert (shape["first_timestamp"], shape["last_timestamp"]) == (978300760, 978300762)
    assert not shape["grouped_by_user"]  # user 1 comes back after user 2


def test_shape_rows_flag_what_is_off(full_twin: Path) -> None:
    shape = facts.shape_facts(*facts.load(full_twin))
    assert all(row.ok for row in facts.shape_rows(shape))
    broken = {**shape, "ratings": shape["ratings"] - 1, "grouped_by_user": False,
              "star_shares": [s + 0.6 if i == 0 else s for i, s in enumerate(shape["star_shares"])]}
    off = {row.measure for row in facts.shape_rows(broken) if not row.ok}
    assert off == {"ratings", "ratings.dat grouped by user", "1-star share %"}
