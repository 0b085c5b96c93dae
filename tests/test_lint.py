"""ruff (pycodestyle, pyflakes and import order; its settings in pyproject.toml) finds nothing in the code."""

from __future__ import annotations

import subprocess
import sys

from movielens_lab import paths

CHECKED = ("movielens_lab", "tests", "bench")


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *CHECKED], cwd=paths.CHECKOUT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
