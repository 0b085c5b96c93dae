"""The data rule: where the data folder is, and how its ``ml-1m`` folder is recognised."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from movielens_lab.data import locate
from movielens_lab.data import movielens as ml
from movielens_lab.data.registry import DATASETS
from movielens_lab.errors import LabError


def test_data_folder_is_the_option_else_the_variable_else_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    assert locate.data_folder() == tmp_path / "data"
    monkeypatch.setenv("MOVIELENS_DIR", "from-env")
    assert locate.data_folder() == tmp_path / "from-env"
    assert locate.data_folder(Path("given")) == tmp_path / "given"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert locate.data_folder("~/lab-data") == tmp_path / "home" / "lab-data"


def _dataset(folder: Path) -> Path:
    """``folder`` made a data folder the rule accepts (an ``ml-1m/ratings.dat``)."""
    (folder / ml.FOLDER).mkdir(parents=True)
    (folder / ml.FOLDER / "ratings.dat").write_text("1::1::5::978300760\n")
    return folder


def test_without_option_or_variable_the_nearest_data_folder_above_the_notebook_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook in notebooks/ reads the project's data/, as `data twin` run at the project root writes it."""
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    notebooks = project / "notebooks"
    notebooks.mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert locate.where(near=notebooks) == locate.Where(notebooks / "data", "search", (notebooks, elsewhere))
    _dataset(project / "data")
    assert locate.data_folder(near=notebooks) == project / "data"  # the folder above the notebook's
    _dataset(notebooks / "data")
    assert locate.data_folder(near=notebooks) == notebooks / "data"  # the nearest first
    monkeypatch.chdir(project)
    assert locate.data_folder() == project / "data"  # a command without a notebook: from the current folder
    monkeypatch.setenv("MOVIELENS_DIR", str(elsewhere))
    assert locate.where(near=notebooks) == locate.Where(elsewhere, "$MOVIELENS_DIR")  # the variable comes first


def test_a_notebook_without_data_nearby_falls_back_on_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    (tmp_path / "downloads").mkdir()
    monkeypatch.chdir(_dataset(tmp_path / "project" / "data").parent)
    assert locate.data_folder(near=tmp_path / "downloads") == tmp_path / "project" / "data"


def test_no_data_is_one_line_naming_where_it_looked_and_how_to_point_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    notebooks = tmp_path / "my lab" / "notebooks"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LabError) as caught:
        locate.where(near=notebooks).require("checking movielens_lab")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("no MovieLens data for checking movielens_lab: ")
    assert f"in {notebooks}, {tmp_path} or a folder above" in message and "$MOVIELENS_DIR is not set" in message
    assert f"`python -m movielens_lab data twin --data-dir '{notebooks / 'data'}'`" in message
    assert "--data-dir" in message.rsplit("`", 1)[1]
    monkeypatch.setenv("MOVIELENS_DIR", str(tmp_path / "empty"))
    with pytest.raises(LabError, match=r"empty \(\$MOVIELENS_DIR\) has no ml-1m/ratings.dat; write the offline twin "
                                       r"there with .*, or point \$MOVIELENS_DIR at a folder"):
        locate.where().require("grading")
    with pytest.raises(LabError, match=r"given \(--data-dir\) has no ml-1m/ratings.dat"):
        locate.where(tmp_path / "given").require("grading")
    assert locate.where(_dataset(tmp_path / "given")).require("grading") == tmp_path / "given"


def test_the_twin_is_recognised_by_its_readme(small_twin: Path) -> None:
    found = locate.recognise(small_twin)
    assert found == locate.Dataset(small_twin, locate.Kind.TWIN)
    assert found.describe() == "offline twin (synthetic)"


def test_a_download_is_recognised_by_fetchs_marker(tmp_path: Path) -> None:
    folder = tmp_path / ml.FOLDER
    folder.mkdir()
    for name in ml.FILES:
        (folder / name).write_text("1::1::5::978300760\n")
    with pytest.raises(LabError):  # small files, no marker: not MovieLens 1M
        locate.recognise(folder)
    (folder / locate.MARKER).write_text(DATASETS["ml-1m"].checksum.sha256 + "\n")
    found = locate.recognise(folder)
    assert found.kind is locate.Kind.DOWNLOAD and found.describe() == "real MovieLens 1M"
    (folder / locate.MARKER).write_text("0" * 64 + "\n")  # the marker of another zip
    with pytest.raises(LabError):
        locate.recognise(folder)


def test_movielens_placed_by_hand_is_recognised_by_its_published_shape(hand_placed: Path) -> None:
    found = locate.recognise(hand_placed)
    assert found == locate.Dataset(hand_placed, locate.Kind.HAND_PLACED)
    assert found.describe() == "real MovieLens 1M"


def test_a_truncated_file_is_named(hand_placed: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(hand_placed, tmp_path / ml.FOLDER)
    ratings = folder / "ratings.dat"
    ratings.write_bytes(ratings.read_bytes()[:ml.FILE_SIZES["ratings.dat"] // 2])
    lines = ratings.read_bytes().count(b"\n")
    with pytest.raises(LabError) as caught:
        locate.recognise(folder)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{folder} is neither MovieLens 1M nor the offline twin: ")
    assert (f"ratings.dat has {lines:,} lines of {ml.FILE_SIZES['ratings.dat'] // 2:,} bytes, "
            f"not MovieLens 1M's 1,000,209 lines of 24,594,131 bytes;") in message
    assert "movies.dat" not in message and "data fetch" in message


def test_missing_files_are_named(hand_placed: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(hand_placed, tmp_path / ml.FOLDER)
    (folder / "users.dat").unlink()
    (folder / "README").unlink()
    with pytest.raises(LabError, match="users.dat is missing; README is missing; move it away"):
        locate.recognise(folder)


def test_find_in_a_data_folder(small_twin: Path, tmp_path: Path) -> None:
    assert locate.find(small_twin.parent) == locate.Dataset(small_twin, locate.Kind.TWIN)
    assert locate.find(tmp_path) is None  # no ml-1m
    (tmp_path / ml.FOLDER).mkdir()
    assert locate.find(tmp_path) is None  # an empty one
    (tmp_path / ml.FOLDER).rmdir()
    (tmp_path / ml.FOLDER).write_text("not a folder")
    with pytest.raises(LabError, match="it is not a folder"):
        locate.find(tmp_path)


def test_a_folder_is_described_as_what_it_is(small_twin: Path, hand_placed: Path, tmp_path: Path) -> None:
    """run.json and the report name the data: the twin, MovieLens 1M by its published sizes, or other data by its
    counts, never as MovieLens 1M."""
    assert locate.describe(small_twin.parent) == locate.TWIN_NAME
    assert locate.describe(hand_placed.parent) == "real MovieLens 1M (placed by hand, its published sizes)"
    other = tmp_path / "other" / "ml-1m"
    other.mkdir(parents=True)
    (other / "ratings.dat").write_text("1::10::5::1\n1::11::3::2\n2::10::4::3\n")
    assert locate.describe(other.parent) == "other data in the MovieLens 1M layout (3 ratings, 2 users, 2 movies)"
