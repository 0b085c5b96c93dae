"""Where things live: the project files the package names are where it says, and the notebook reads its variable."""

from __future__ import annotations

import nbformat

from movielens_lab import paths
from movielens_lab.config import course_settings


def test_the_project_files_are_where_the_package_looks() -> None:
    assert paths.GRADER_CONFIG.is_file() and (paths.PROJECT_ROOT / "movielens_lab" / "paths.py").is_file()
    for assignment in course_settings(paths.GRADER_CONFIG):
        for path in (paths.solution_notebook(assignment), paths.student_notebook(assignment)):
            assert path.is_file(), path


def test_the_notebooks_are_named_after_the_assignment() -> None:
    assert paths.solution_notebook("part_9") == paths.PROJECT_ROOT / "solutions" / "part_9.ipynb"
    assert paths.student_notebook("part_9") == paths.PROJECT_ROOT / "notebooks" / "part_9.ipynb"
    assert paths.LAB in course_settings(paths.GRADER_CONFIG) and paths.SOLUTION_NOTEBOOK.stem == paths.LAB


def test_the_student_notebook_reads_the_data_folder_variable() -> None:
    nb = nbformat.read(paths.student_notebook(paths.LAB), as_version=4)
    assert any(paths.DATA_ENV in cell.source for cell in nb.cells if cell.cell_type == "code")


def test_the_course_folder_is_the_current_one_when_it_holds_grader_config(tmp_path, monkeypatch) -> None:
    """As nbgrader finds nbgrader_config.py; elsewhere the checkout the package runs from (an editable install)."""
    (tmp_path / "grader_config.py").write_text("c = get_config()\n")
    assert paths.course_root(tmp_path) == tmp_path.resolve()
    assert paths.course_root(tmp_path / "elsewhere") == paths.CHECKOUT
    monkeypatch.setattr(paths, "CHECKOUT", tmp_path / "site-packages")  # a wheel's: no grader_config.py beside it
    assert paths.course_root(tmp_path / "elsewhere") == (tmp_path / "elsewhere").resolve()
