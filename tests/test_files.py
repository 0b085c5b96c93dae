"""Replacing a folder a user keeps: the old one is never deleted before the new one is in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from movielens_lab.files import replace_folder


def _folder(path: Path, **files: str) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def _contents(path: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in path.iterdir()}


def test_a_folder_is_replaced_and_nothing_is_left_beside_it(tmp_path: Path) -> None:
    target = _folder(tmp_path / "target", a="old", b="old")
    replace_folder(_folder(tmp_path / "new", a="new"), target)
    assert _contents(target) == {"a": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["target"]


def test_an_absent_target_is_created(tmp_path: Path) -> None:
    replace_folder(_folder(tmp_path / "new", a="new"), tmp_path / "target")
    assert _contents(tmp_path / "target") == {"a": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["target"]


def test_a_failed_replace_puts_the_old_folder_back(tmp_path: Path) -> None:
    target = _folder(tmp_path / "target", a="old", b="old")
    with pytest.raises(FileNotFoundError):
        replace_folder(tmp_path / "no-such-folder", target)
    assert _contents(target) == {"a": "old", "b": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["target"]


def test_a_link_is_replaced_not_followed(tmp_path: Path) -> None:
    kept = _folder(tmp_path / "elsewhere", a="kept")
    (tmp_path / "target").symlink_to(kept)
    replace_folder(_folder(tmp_path / "new", a="new"), tmp_path / "target")
    assert not (tmp_path / "target").is_symlink() and _contents(tmp_path / "target") == {"a": "new"}
    assert _contents(kept) == {"a": "kept"}
