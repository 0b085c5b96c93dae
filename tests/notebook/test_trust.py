"""`notebook.trust`: through jupyter_server's own contents manager, on a notary that knows no signature (a fresh
machine), a code cell with no output opens trusted and a cell with an output keeps what its signature says.

The browser's side, Notebook 7's "Trusted": tests/e2e/test_browser.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager
from traitlets.config import Config

from movielens_lab.notebook import trust
from movielens_lab.paths import CHECKOUT, LAB, LAB_2, student_notebook


def _manager(root: Path, notary: Path) -> FileContentsManager:
    """A contents manager serving ``root`` as a Jupyter server with the course's extension loaded has it."""
    notary.mkdir(exist_ok=True)
    config = Config()
    config.NotebookNotary.data_dir = str(notary)
    manager = FileContentsManager(root_dir=str(root), config=config)
    trust._load_jupyter_server_extension(SimpleNamespace(contents_manager=manager))
    return manager


def _trusted(manager: FileContentsManager, path: str) -> list[bool | None]:
    return [cell.metadata.get("trusted") for cell in manager.get(path)["content"].cells]


@pytest.fixture
def from_elsewhere(tmp_path: Path) -> Path:
    """A notebook written by someone else: a cell without output, one with an HTML output, a markdown cell."""
    shown = nbformat.v4.new_code_cell("display(HTML('<b>hi</b>'))", outputs=[nbformat.v4.new_output(
        "display_data", {"text/html": "<b>hi</b>", "text/plain": "hi"})])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), shown, nbformat.v4.new_markdown_cell("")])
    (tmp_path / "root").mkdir()
    nbformat.write(nb, tmp_path / "root" / "nb.ipynb")
    return tmp_path / "root"


def test_a_cell_without_output_opens_trusted_and_one_with_an_output_does_not(from_elsewhere: Path,
                                                                           tmp_path: Path) -> None:
    assert _trusted(_manager(from_elsewhere, tmp_path / "notary"), "nb.ipynb") == [True, False, None]


def test_a_notebook_the_user_trusted_keeps_every_cell_trusted(from_elsewhere: Path, tmp_path: Path) -> None:
    manager = _manager(from_elsewhere, tmp_path / "notary")
    manager.trust_notebook("nb.ipynb")
    assert _trusted(manager, "nb.ipynb") == [True, True, None]
    assert _trusted(_manager(from_elsewhere, tmp_path / "another-notary"), "nb.ipynb") == [True, False, None]


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_every_code_cell_of_a_released_notebook_opens_trusted(assignment: str, tmp_path: Path) -> None:
    released = student_notebook(assignment)
    flags = _trusted(_manager(released.parent, tmp_path / "notary"), released.name)
    assert flags.count(True) > 10 and set(flags) == {True, None}


def test_the_course_config_enables_the_extension() -> None:
    """requirements.txt installs jupyter-config/, whose server settings load this module."""
    folder = CHECKOUT / "jupyter-config"
    name = "movielens-lab-server.json"
    assert f'"etc/jupyter/jupyter_server_config.d" = ["{name}"]' in (folder / "pyproject.toml").read_text()
    assert json.loads((folder / name).read_text()) == {"ServerApp": {"jpserver_extensions": {trust.__name__: True}}}
    assert trust._jupyter_server_extension_points() == [{"module": trust.__name__}]
