"""Where things live: the project files the package names are where it says, and the notebook reads its variable."""

from __future__ import annotations

import nbformat

from movielens_lab import paths
from movielens_lab.config import lab_settings


def test_the_project_files_are_where_the_package_looks() -> None:
    for path in (paths.SOLUTION_NOTEBOOK, paths.STUDENT_NOTEBOOK, paths.GRADER_CONFIG):
        assert path.is_file(), path
    assert (paths.PROJECT_ROOT / "movielens_lab" / "paths.py").is_file()


def test_the_notebooks_are_named_after_the_assignment() -> None:
    stem = lab_settings(paths.GRADER_CONFIG).assignment
    assert paths.SOLUTION_NOTEBOOK.stem == paths.STUDENT_NOTEBOOK.stem == stem


def test_the_student_notebook_reads_the_data_folder_variable() -> None:
    nb = nbformat.read(paths.STUDENT_NOTEBOOK, as_version=4)
    assert any(paths.DATA_ENV in cell.source for cell in nb.cells if cell.cell_type == "code")
