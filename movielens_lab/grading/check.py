"""``python -m movielens_lab check NOTEBOOK``: what the grader will say of the visible tests.

The notebook is rebuilt on the released student notebook exactly as ``grade`` rebuilds it
(answer cells taken by grade_id, added cells kept, the released tests restored), run by
nbgrader's own execute preprocessor with the grading kernel and limits, and judged by the
same judge as ``grade`` (``judge.sealed``) on the released tests: the visible part of every test,
the very code the grader runs before its hidden part.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

import nbformat
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from .. import paths
from ..config import LabGrader, course_settings, pick
from ..data import locate
from ..errors import LabError
from ..kernels import LoggedKernelManager
from .executed import run_problems
from .judge.sealed import SealedExecute, Verdict
from .judge.session import judge_limits
from .judge.spec import cell_sections, course_spec
from .outcomes import TestResult
from .sandbox.client import Limits, client_config, probe, write_kernelspec
from .submissions.assignments import Assignments, cells_of
from .submissions.rebuild import InvalidSubmission, read_cells, rebuild
from .testoutput import what_failed

LATER_SECTIONS = ("note: fix the first failed section first: the ones after it may fail here only because of "
                  "it (the grader gives them correct values from its hidden checks, so a mistake costs only its "
                  "own section)")


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def sections_table(results: list[TestResult], points: dict[str, float]) -> str:
    """Per section, by its title as its test cell names it: visible points earned of the visible points, what
    failed (``testoutput.what_failed``), the hidden points left."""
    names = [r.label for r in results]
    width = max([len(name) for name in names] + [7]) + 4
    lines = []
    for r, name in zip(results, names):
        hidden = points.get(r.grade_id, r.max_score) - r.max_score
        extra = f"  + {hidden:g} hidden" if hidden > 0 else ""
        lines.append(f"{name:<{width}} {r.score:>4g} / {r.max_score:<4g} {'passed' if r.passed else 'FAILED'}{extra}")
        if not r.passed:
            lines += [f"    {line}" for line in what_failed(r.output)] or [""]
    return "\n".join(lines)


def cell_names(nb: NotebookNode) -> dict[str, str]:
    """What a student calls each cell with a grade_id: its kind and its section ("the TODO cell of 9. ...")."""
    names, cells = {}, {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for grade_id, section in cell_sections(nb).items():
        cell = cells[grade_id]
        kind = "TODO" if utils.is_solution(cell) else "test" if utils.is_grade(cell) else "given"
        names[grade_id] = f"the {kind} cell of {section}" if section else f"the {kind} cell {grade_id}"
    return names


def named(note: str, names: dict[str, str]) -> str:
    """``note`` with the cells it calls by their grade_ids ("answer cell existing_user") named as students know them."""
    if not names:
        return note
    ids = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.sub(rf"\b(?:(?:answer|test|given) )?(?:cell )?({ids})\b", lambda m: names[m.group(1)], note)


def _settings(notebook: Path, data: bytes, assignment: str | None, config: Path) -> LabGrader:
    """The settings of ``assignment``; without it, of the one ``notebook`` (its bytes ``data``) is, said on a
    line. A notebook of another assignment is a LabError saying which."""
    course = course_settings(config)
    known = Assignments.of(course)
    if assignment is None:
        choice = known.choose([(PurePosixPath(notebook.as_posix()), data)])
        print(choice)
        assignment = choice.name
    settings = pick(course, assignment)
    if (found := known.elsewhere(cells_of(data), settings.assignment)) is not None:
        raise LabError(f"{notebook} is a notebook of {found}, not of {settings.assignment}: check it with "
                       f"--assignment {found}")
    return settings


def judged(nb: nbformat.NotebookNode, spec: dict, settings: LabGrader, data_dir: Path, mode: str = "check",
           log: Path | None = None, timeout: int | None = None) -> tuple[Verdict, nbformat.NotebookNode]:
    """Run ``nb`` with each test of ``spec`` (``judge.spec.judge_spec``) sealed and judged in ``mode`` (``check``:
    visible parts; ``grade``: hidden parts too), in the grading kernel and sandbox; the verdict and the notebook
    as it ran. ``log``: where the kernel's own output goes; ``timeout``: per cell, default the assignment's."""
    sandboxed = probe() is None
    with tempfile.TemporaryDirectory(prefix="movielens-check-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        (Path(tmp) / "spec.json").write_text(json.dumps(spec))
        kernel = write_kernelspec(Path(tmp) / "jupyter", work, Limits.of(settings), sandboxed)
        config = client_config()
        config.Execute.kernel_name = kernel
        config.LoggedKernelManager.log_file = str(log or Path(tmp) / "kernel.log")
        config.Execute.timeout = timeout or settings.cell_timeout
        config.SealedExecute.update(spec_file=str(Path(tmp) / "spec.json"), judge_mode=mode,
                                    data_dir=str(data_dir), judge_limits=judge_limits(settings).to_dict(),
                                    sandboxed=sandboxed)
        executor = SealedExecute(config=config, kernel_manager_class=LoggedKernelManager)
        with _environ(JUPYTER_PATH=str(Path(tmp) / "jupyter"), **{paths.DATA_ENV: str(data_dir)}):
            try:
                executor.preprocess(nb, {"metadata": {"path": str(work)}})
            except DeadKernelError:
                print("note: the kernel died while running the notebook (os._exit, a crash, or more than the "
                      f"{settings.memory_limit_mb} MiB memory limit); the sections after it fail")
    return executor.verdict, nb


def check(notebook: Path, *, assignment: str | None = None, data_dir: Path | None = None,
          template: Path | None = None, config: Path = paths.GRADER_CONFIG) -> int:
    """Run ``notebook`` and judge its visible tests as the grader does; exit code 1 if one failed.

    Without ``assignment``, the one the notebook is (``Assignments.choose``); ``template`` defaults to
    its released notebook (``paths.student_notebook``).
    """
    notebook = Path(notebook)
    if not notebook.is_file():
        raise LabError(f"{notebook} not found; pass the path of your notebook")
    data = notebook.read_bytes()
    settings = _settings(notebook, data, assignment, Path(config))
    data_dir = locate.where(data_dir, notebook.parent).require(f"checking {settings.assignment}")
    template = paths.student_notebook(settings.assignment) if template is None else Path(template)
    if not template.is_file():
        raise LabError(f"released notebook {template} not found; run `python -m movielens_lab release "
                       f"--assignment {settings.assignment}`")
    released = nbformat.read(template, as_version=4)
    try:
        nb, notes = rebuild(read_cells(data), released)
    except InvalidSubmission as why:
        raise LabError(f"{notebook} cannot be graded: {why}") from None
    names = cell_names(released)
    for note in notes:
        print(f"note: {named(note, names)}")
    verdict, nb = judged(nb, course_spec(released, settings), settings, data_dir)
    for note in verdict.notes:
        print(f"note: {named(note, names)}")
    results = verdict.tests
    for note in run_problems(nb, settings.cell_timeout)[1]:
        print(f"note: {named(note, names)}")
    print(sections_table(results, settings.points))
    failed = [r for r in results if not r.passed]
    earned, visible = sum(r.score for r in results), sum(r.max_score for r in results)
    hidden = sum(settings.points.values()) - visible
    if len(failed) > 1:
        print(LATER_SECTIONS)
    print(f"visible tests: {earned:g} of {visible:g} points, {len(results) - len(failed)} of {len(results)} "
          f"sections passed; the grader adds hidden checks worth {hidden:g} points")
    return 1 if failed else 0
