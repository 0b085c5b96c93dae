"""`demo`'s data: the dataset already in the data folder, whatever its kind, else the twin written there."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from conftest import SMALL_SCALE

from movielens_lab import cli
from movielens_lab.data import locate
from movielens_lab.data import movielens as ml
from movielens_lab.data.twin import write_twin
from movielens_lab.errors import LabError
from movielens_lab.notebook.demo import ensure_dataset


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any address lookup fails: a download attempt would say MovieLens 1M is not available."""
    def unresolvable(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unresolvable)


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
def test_the_twin_data_twin_wrote_is_used(tmp_path: Path, offline: bool, no_network: None,
                                          capsys: pytest.CaptureFixture) -> None:
    folder = write_twin(data_dir=tmp_path, seed=3, scale=SMALL_SCALE)
    readme = (folder / "README").read_bytes()
    capsys.readouterr()
    assert ensure_dataset(tmp_path, offline) == locate.Dataset(folder, locate.Kind.TWIN)
    assert (folder / "README").read_bytes() == readme  # not written again (at scale 1)
    assert [p.name for p in tmp_path.iterdir()] == [ml.FOLDER]
    assert capsys.readouterr().out == f"Using the offline twin (synthetic) in {folder}.\n"


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
def test_movielens_unzipped_by_hand_is_used(hand_placed: Path, tmp_path: Path, offline: bool,
                                            no_network: None, capsys: pytest.CaptureFixture) -> None:
    folder = shutil.copytree(hand_placed, tmp_path / ml.FOLDER)
    assert ensure_dataset(tmp_path, offline) == locate.Dataset(folder, locate.Kind.HAND_PLACED)
    assert [p.name for p in tmp_path.iterdir()] == [ml.FOLDER]
    assert capsys.readouterr().out == f"Using the real MovieLens 1M in {folder}.\n"


def test_offline_without_data_the_twin_is_written_as_ml1m(tmp_path: Path) -> None:
    data = tmp_path / "data"
    found = ensure_dataset(data, offline=True)
    assert found == locate.Dataset(data / ml.FOLDER, locate.Kind.TWIN)
    assert [p.name for p in data.iterdir()] == [ml.FOLDER]


def test_a_folder_that_is_neither_stops_the_demo(hand_placed: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    folder = shutil.copytree(hand_placed, tmp_path / ml.FOLDER)
    (folder / "movies.dat").write_bytes(b"1::Toy Story (1995)::Animation\n")
    with pytest.raises(LabError, match="movies.dat has 1 lines"):
        ensure_dataset(tmp_path, offline=True)
    assert cli.main(["demo", "--offline", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {folder} is neither MovieLens 1M nor the offline twin: movies.dat has 1 lines")
    assert err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == [ml.FOLDER]
