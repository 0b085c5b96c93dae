"""Run a notebook end to end with a real kernel, as a student runs it, and read what code run after its last cell
prints. Hidden tests are judge code: they run in the grader's judge (``grading.judge``), never in a kernel, so a
solution notebook runs here without them, as a student's finished notebook would."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbformat import NotebookNode
from traitlets.config import Config

from .. import paths
from ..errors import LabError
from ..grading.judge.spec import without_hidden
from ..kernels import QUIET_ENV, QUIET_KERNEL_ARGS, LoggedKernelManager


@dataclass
class Run:
    """An executed notebook and what the code run after its last cell printed."""

    notebook: NotebookNode
    printed: str


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook, or fail with one line naming the problem."""
    try:
        return nbformat.read(Path(path), as_version=4)
    except FileNotFoundError:
        raise LabError(f"{path} not found") from None
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, nbformat.ValidationError, KeyError) as err:
        raise LabError(f"{path} is not a valid notebook ({type(err).__name__})") from None


def execute(path: Path, data_dir: Path, log: Path, timeout: int = 600, cwd: Path | None = None,
            after: str = "") -> Run:
    """Execute every cell of ``path`` but its hidden tests with MOVIELENS_DIR=``data_dir``, stopping at the first
    error, then ``after``.

    ``after`` runs in the same kernel but is not kept in the notebook: what it prints is returned.
    The kernel process's own output (TensorFlow's C++ log, Jupyter's start-up warnings; not
    the cells' outputs, which go into the notebook) is written to ``log``.
    """
    nb = read_notebook(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = without_hidden(cell.source)
    env = {**os.environ, **QUIET_ENV, paths.DATA_ENV: str(Path(data_dir).resolve())}
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, kernel_manager_class=LoggedKernelManager,
                            extra_arguments=QUIET_KERNEL_ARGS,
                            config=Config({"LoggedKernelManager": {"log_file": str(log)}}),
                            resources={"metadata": {"path": str(cwd or Path(path).parent)}})
    try:
        with client.setup_kernel(env=env):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            nb.cells.append(nbformat.v4.new_code_cell(after))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    except CellExecutionError as err:
        first_line = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise LabError(f"{path}: a cell failed: {first_line}") from None
    except DeadKernelError:
        raise LabError(f"{path}: the kernel died while running the notebook") from None
    tail = nb.cells.pop()
    return Run(nb, "".join(o.get("text", "") for o in tail.outputs if o.get("name") == "stdout"))


def save_figures(nb: NotebookNode, folder: Path) -> list[Path]:
    """Write every PNG output of ``nb`` to ``folder``; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                dest = folder / f"cell{index:02d}_{len(written) + 1}.png"
                dest.write_bytes(base64.b64decode(png))
                written.append(dest)
    return written
