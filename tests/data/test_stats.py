"""`data stats`: what it prints of a dataset folder, and how it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL_SCALE

from movielens_lab.data import facts, stats, twin
from movielens_lab.errors import LabError


def _stats(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "movielens_lab", "data", "stats", *args, "--no-model"],
                          capture_output=True, text=True, timeout=300, env=env)


def test_cli_stats_of_a_small_twin(small_twin: Path) -> None:
    shown = _stats("--data-dir", str(small_twin.parent))
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == ""
    size = twin.sizes(SMALL_SCALE)
    lines = shown.stdout.splitlines()
    assert lines[0] == f"offline twin (synthetic) {small_twin}: targets are MovieLens 1M's (scale 1)"
    assert "measure" in lines[1] and "target" in lines[1] and "ok?" in lines[1]
    row = next(line for line in lines if line.startswith("ratings "))
    assert f"{size['ratings']:,}" in row and row.endswith("NO")  # a small twin is not ml-1m's size
    assert next(line for line in lines if line.startswith("ratings.dat grouped by user")).endswith("yes")
    assert not any("Keras" in line for line in lines)


def test_every_spelling_of_the_data_folder_is_the_same_dataset(small_twin: Path) -> None:
    """The data folder as every command takes it: --data-dir, DATA_DIR, $MOVIELENS_DIR; the ml-1m folder itself
    (the old spelling) with a note."""
    data = small_twin.parent
    expected = _stats("--data-dir", str(data)).stdout
    assert _stats(str(data)).stdout == expected
    from_env = _stats(env={**os.environ, "MOVIELENS_DIR": str(data)})
    assert (from_env.returncode, from_env.stdout, from_env.stderr) == (0, expected, "")
    old = _stats(str(small_twin))
    assert old.returncode == 0 and old.stdout == expected
    assert old.stderr == (f"note: {small_twin} is a dataset folder itself; data stats takes the data folder that "
                          f"holds ml-1m/, like every command: --data-dir {data}\n")


def test_another_dataset_is_named_so(small_twin: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(small_twin, tmp_path / "ml-1m")
    (folder / "README").write_text("someone's own ratings\n")
    shown = _stats("--data-dir", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"dataset {folder}: ")


def test_cli_stats_of_a_folder_without_a_dataset(tmp_path: Path) -> None:
    for args in (["--data-dir", str(tmp_path / "missing")], [str(tmp_path)]):
        bad = _stats(*args)
        assert bad.returncode == 1 and f"no ml-1m/ in data folder {Path(args[-1])}" in bad.stderr
        assert "data twin" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_stats_names_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / "ml-1m").mkdir()
    with pytest.raises(LabError, match="ratings.dat not found.*data twin"):
        stats.print_stats(data_dir=tmp_path, model=False)
    with pytest.raises(LabError, match="give the data folder once"):
        stats.print_stats(tmp_path, data_dir=tmp_path / "other", model=False)


def test_format_table_marks_each_row() -> None:
    rows = [facts.Row("users", "6040", "6040", True), facts.Row("ratings", "5", "1,000,209", False)]
    assert stats.format_table(rows) == ("measure  value  target     ok?\n"
                                        "------------------------------\n"
                                        "users     6040  6040       yes\n"
                                        "ratings      5  1,000,209  NO")
