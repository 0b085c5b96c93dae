"""Where things live: the course folder's files, and the variable that names the data folder.

The course folder holds ``grader_config.py``, ``solutions/`` and ``notebooks/``. It is found the
way nbgrader finds ``nbgrader_config.py``: the current folder, when it holds ``grader_config.py``.
Otherwise, where the package runs from a checkout of this repository (``pip install -e .``), that
checkout. So a wheel installed anywhere (``pip install .``, an image) grades the course of the
folder it is run from. The data-folder rule itself is ``data.locate``.
"""

from __future__ import annotations

from pathlib import Path

DATA_ENV = "MOVIELENS_DIR"
"""Environment variable naming the data folder (the notebook reads it too)."""
CONFIG_NAME = "grader_config.py"

PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed package, ``movielens_lab/``."""
CHECKOUT = PACKAGE_DIR.parent
"""Where the package lies: a checkout of this repository when installed editable, site-packages otherwise."""


def course_root(cwd: Path | None = None) -> Path:
    """The course folder: ``cwd`` (default: the current folder) if it holds ``grader_config.py``, else the checkout
    the package runs from if it holds one, else ``cwd`` (whose missing config ``config.load_config`` then names)."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if (cwd / CONFIG_NAME).is_file() or not (CHECKOUT / CONFIG_NAME).is_file():
        return cwd.resolve()
    return CHECKOUT


PROJECT_ROOT = course_root()
GRADER_CONFIG = PROJECT_ROOT / CONFIG_NAME


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
