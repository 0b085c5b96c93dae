"""`check` on the real lab notebook (the lab's grading through `grade` is in test_lab_grading.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from lab_submissions import completed
from movielens_lab.cli import main


def test_check_passes_the_completed_lab_notebook(small_twin: Path, tmp_path: Path, capsys) -> None:
    notebook = tmp_path / "my lab.ipynb"
    nbformat.write(completed(), notebook)
    assert main(["check", str(notebook), "--data-dir", str(small_twin.parent)]) == 0
    out = capsys.readouterr().out
    assert "11 of 11 visible tests passed" in out and "FAILED" not in out
