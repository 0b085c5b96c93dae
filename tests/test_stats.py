"""`data stats`: what it prints of a dataset folder, and how it fails."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SMALL_SCALE
from movielens_lab.data import facts, stats, twin
from movielens_lab.errors import LabError


def _stats(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "movielens_lab", "data", "stats", str(folder), "--no-model"],
                          capture_output=True, text=True, timeout=300)


def test_cli_stats_of_a_small_twin(small_twin: Path) -> None:
    shown = _stats(small_twin)
    assert shown.returncode == 0, shown.stderr
    size = twin.sizes(SMALL_SCALE)
    lines = shown.stdout.splitlines()
    assert lines[0] == f"offline twin (synthetic) {small_twin}: targets are MovieLens 1M's (scale 1)"
    assert "measure" in lines[1] and "target" in lines[1] and "ok?" in lines[1]
    row = next(line for line in lines if line.startswith("ratings "))
    assert f"{size['ratings']:,}" in row and row.endswith("NO")  # a small twin is not ml-1m's size
    assert next(line for line in lines if line.startswith("ratings.dat grouped by user")).endswith("yes")
    assert not any("Keras" in line for line in lines)


def test_another_dataset_is_named_so(small_twin: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(small_twin, tmp_path / "ml-1m")
    (folder / "README").write_text("someone's own ratings\n")
    shown = _stats(folder)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"dataset {folder}: ")


def test_cli_stats_of_a_missing_folder(tmp_path: Path) -> None:
    bad = _stats(tmp_path / "missing")
    assert bad.returncode == 1 and "not a folder" in bad.stderr and "data twin" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_stats_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="ratings.dat not found.*data twin"):
        stats.print_stats(tmp_path, model=False)


def test_format_table_marks_each_row() -> None:
    rows = [facts.Row("users", "6040", "6040", True), facts.Row("ratings", "5", "1,000,209", False)]
    assert stats.format_table(rows) == ("measure  value  target     ok?\n"
                                        "------------------------------\n"
                                        "users     6040  6040       yes\n"
                                        "ratings      5  1,000,209  NO")
