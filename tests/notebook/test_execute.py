"""`notebook.execute`: the kernel it starts is shut down when it returns, whether the notebook ran or failed.

The code run after the last cell is the demo's key-values probe, on stand-ins for the lab's variables."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from movielens_lab.benchmark import children_cpu_seconds
from movielens_lab.errors import LabError
from movielens_lab.notebook.demo import KEY_VALUES_CODE
from movielens_lab.notebook.execute import execute

BURN = "import time\n_t = time.process_time()\nwhile time.process_time() - _t < 0.5:\n    pass"
"""A cell that keeps the kernel busy for half a second of CPU."""

KEY_VALUES = """
import types
import numpy as np
nusers = nmovies = nratings = 1
mae_movie = mae_user = 0.5
mod = types.SimpleNamespace(count_params=lambda: 5)
hist = types.SimpleNamespace(history={"loss": [0.7], "val_loss": [0.8]})
train_loss, test_loss, dims = [0.7], [0.8], np.arange(1)
top_movies = {"count": np.array([3])}
"""
"""Stand-ins for the variables the demo's probe reads after the last cell."""


def notebook(tmp_path: Path, *sources: str) -> Path:
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    return path


def test_a_run_returns_the_key_values_and_shuts_its_kernel_down(tmp_path: Path) -> None:
    before = children_cpu_seconds()
    run = execute(notebook(tmp_path, BURN, KEY_VALUES), tmp_path, log=tmp_path / "kernel.log", after=KEY_VALUES_CODE)
    values = json.loads(run.printed)
    assert values["params"] == 5 and values["test_loss"] == 0.8 and values["best_emb_dim"] == 0
    assert len(run.notebook.cells) == 2  # the probe is not kept
    assert children_cpu_seconds() - before >= 0.4  # the kernel has exited (and its CPU time is counted)


def test_a_failing_run_is_one_line_and_shuts_its_kernel_down(tmp_path: Path) -> None:
    before = children_cpu_seconds()
    with pytest.raises(LabError, match="a cell failed: .*ZeroDivisionError"):
        execute(notebook(tmp_path, BURN, "1 / 0"), tmp_path, log=tmp_path / "kernel.log")
    assert children_cpu_seconds() - before >= 0.4
