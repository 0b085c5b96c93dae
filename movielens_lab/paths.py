"""Where things live: the project's own files, and the variable that names the data folder.

The data-folder rule itself is ``data.locate``.
"""

from __future__ import annotations

from pathlib import Path

DATA_ENV = "MOVIELENS_DIR"
"""Environment variable naming the data folder (the notebook reads it too)."""

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOLUTION_NOTEBOOK = PROJECT_ROOT / "solutions" / "movielens_lab.ipynb"
STUDENT_NOTEBOOK = PROJECT_ROOT / "notebooks" / "movielens_lab.ipynb"
GRADER_CONFIG = PROJECT_ROOT / "grader_config.py"
