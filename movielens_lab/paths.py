"""Where things live: the project's own files, and the variable that names the data folder.

The data-folder rule itself is ``data.locate``.
"""

from __future__ import annotations

from pathlib import Path

DATA_ENV = "MOVIELENS_DIR"
"""Environment variable naming the data folder (the notebook reads it too)."""

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GRADER_CONFIG = PROJECT_ROOT / "grader_config.py"


def solution_notebook(assignment: str) -> Path:
    """An assignment's nbgrader source notebook (reference solution and tests): ``solutions/<assignment>.ipynb``."""
    return PROJECT_ROOT / "solutions" / f"{assignment}.ipynb"


def student_notebook(assignment: str) -> Path:
    """An assignment's student notebook, written by ``release``: ``notebooks/<assignment>.ipynb``."""
    return PROJECT_ROOT / "notebooks" / f"{assignment}.ipynb"


LAB = "movielens_lab"
"""Part 1, the lab whose key numbers ``demo`` and ``data stats`` print beside MovieLens 1M's published ones."""
LAB_2 = "movielens_lab_2"
"""Part 2, "beyond MAE"."""
SOLUTION_NOTEBOOK = solution_notebook(LAB)
"""Part 1's source notebook."""
