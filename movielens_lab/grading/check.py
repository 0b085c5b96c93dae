"""``python -m movielens_lab check NOTEBOOK``: run a notebook and the visible tests the grader runs.

The notebook is rebuilt on the released student notebook exactly as ``grade`` rebuilds
it on the source (answer cells taken by grade_id, the released tests restored), executed
by nbgrader's own execute preprocessor with the grading kernel and limits, and its test
cells read with the same model of a test (``grading.results``).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import nbformat
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute

from .. import paths
from ..config import lab_settings
from ..errors import LabError
from ..notebook.execute import LoggedKernelManager
from . import sandbox
from .rebuild import InvalidSubmission, read_cells, rebuild
from .results import format_table, read_results, run_problems


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def check(notebook: Path, data_dir: Path | None = None, template: Path = paths.STUDENT_NOTEBOOK,
          config: Path = paths.GRADER_CONFIG) -> int:
    """Execute ``notebook`` with its visible tests; print per-section results. Exit code 1 if one failed."""
    settings = lab_settings(config)
    notebook, template = Path(notebook), Path(template)
    if not notebook.is_file():
        raise LabError(f"{notebook} not found; pass the path of your notebook")
    if not template.is_file():
        raise LabError(f"released notebook {template} not found; run `python -m movielens_lab release`")
    try:
        nb, notes = rebuild(read_cells(notebook.read_bytes()), nbformat.read(template, as_version=4))
    except InvalidSubmission as why:
        raise LabError(f"{notebook} cannot be graded: {why}") from None
    for note in notes:
        print(f"note: {note}")
    limits = sandbox.Limits(memory_mb=settings.memory_limit_mb)
    with tempfile.TemporaryDirectory(prefix="movielens-check-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        kernel = sandbox.write_kernelspec(Path(tmp) / "jupyter", work, limits, sandbox.probe() is None)
        config_ = sandbox.client_config()
        config_.Execute.kernel_name = kernel
        config_.LoggedKernelManager.log_file = str(Path(tmp) / "kernel.log")
        config_.Execute.timeout = settings.cell_timeout
        executor = Execute(config=config_, kernel_manager_class=LoggedKernelManager)
        data = str(paths.data_dir(data_dir).resolve())
        with _environ(JUPYTER_PATH=str(Path(tmp) / "jupyter"), **{paths.DATA_ENV: data}):
            try:
                executor.preprocess(nb, {"metadata": {"path": str(work)}})
            except DeadKernelError:
                raise LabError("the kernel died while running the notebook (os._exit, a crash, or more than "
                               f"the {settings.memory_limit_mb} MiB memory limit); fix that cell and retry") from None
    results = read_results(nb, settings.bonus)
    for note in run_problems(nb, settings.cell_timeout)[1]:
        print(f"note: {note}")
    print(format_table(results))
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} of {len(results)} visible tests passed"
          + ("" if failed else "; hidden tests run when the notebook is graded"))
    return 1 if failed else 0
