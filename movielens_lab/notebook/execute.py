"""Run the lab notebook end to end with a real kernel and read its key numbers."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbformat import NotebookNode
from traitlets import Unicode
from traitlets.config import Config

from .. import paths
from ..errors import LabError
from ..kernels import QUIET_ENV, QUIET_KERNEL_ARGS

KEY_VALUES_CODE = """
import json as _json
print(_json.dumps({
    "nusers": int(nusers), "nmovies": int(nmovies), "nratings": int(nratings),
    "mae_movie": float(mae_movie), "mae_user": float(mae_user),
    "params": int(mod.count_params()),
    "train_loss": float(hist.history["loss"][-1]), "test_loss": float(hist.history["val_loss"][-1]),
    "sweep_train": [float(v) for v in train_loss], "sweep_test": [float(v) for v in test_loss],
    "best_emb_dim": int(dims[np.argmin(test_loss)]),
    "top_movies": int(len(top_movies)), "top_movies_max_count": int(top_movies["count"].max()),
}))
"""
"""Printed as JSON in the kernel after the last cell: the lab's key values (LAB_SPEC)."""


class LoggedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel process writes its own output to a file, not the terminal.

    That output is TensorFlow's C++ log and Jupyter's start-up warnings; the cells' outputs
    travel over the kernel's channels into the notebook as usual.
    """

    log_file = Unicode(os.devnull, help="File that receives the kernel process's stdout and stderr").tag(config=True)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        with open(self.log_file, "wb") as sink:
            await super()._async_launch_kernel(kernel_cmd, stdout=sink, stderr=sink, **kw)


@dataclass
class Run:
    """An executed notebook and the key values read from its kernel."""

    notebook: NotebookNode
    values: dict


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook, or fail with one line naming the problem."""
    try:
        return nbformat.read(Path(path), as_version=4)
    except FileNotFoundError:
        raise LabError(f"{path} not found") from None
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, nbformat.ValidationError, KeyError) as err:
        raise LabError(f"{path} is not a valid notebook ({type(err).__name__})") from None


def execute(path: Path, data_dir: Path, log: Path, timeout: int = 600, cwd: Path | None = None) -> Run:
    """Execute every cell of ``path`` with MOVIELENS_DIR=``data_dir``, stopping at the first error.

    The kernel process's own output (TensorFlow's C++ log, Jupyter's start-up warnings; not
    the cells' outputs, which go into the notebook) is written to ``log``.
    """
    nb = read_notebook(path)
    env = {**os.environ, **QUIET_ENV, paths.DATA_ENV: str(Path(data_dir).resolve())}
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, kernel_manager_class=LoggedKernelManager,
                            extra_arguments=QUIET_KERNEL_ARGS,
                            config=Config({"LoggedKernelManager": {"log_file": str(log)}}),
                            resources={"metadata": {"path": str(cwd or Path(path).parent)}})
    try:
        with client.setup_kernel(env=env):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            nb.cells.append(nbformat.v4.new_code_cell(KEY_VALUES_CODE))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    except CellExecutionError as err:
        first_line = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise LabError(f"{path}: a cell failed: {first_line}") from None
    except DeadKernelError:
        raise LabError(f"{path}: the kernel died while running the notebook") from None
    probe = nb.cells.pop()
    stdout = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
    return Run(nb, json.loads(stdout))


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
