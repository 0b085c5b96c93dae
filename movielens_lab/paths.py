"""Where things live: the data-folder rule and the project's own files."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "MOVIELENS_DIR"
"""Environment variable naming the data folder (the notebook reads it too)."""

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOLUTION_NOTEBOOK = PROJECT_ROOT / "solutions" / "movielens_lab.ipynb"
STUDENT_NOTEBOOK = PROJECT_ROOT / "notebooks" / "movielens_lab.ipynb"
GRADER_CONFIG = PROJECT_ROOT / "grader_config.py"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``explicit`` (``--data-dir``), else ``$MOVIELENS_DIR``, else ``./data``."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path("data")
