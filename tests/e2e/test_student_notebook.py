"""What the student notebook tells the student is true: the points table, the expected values, where the data is."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from fixtures.offline import offline_env
from movielens_lab.config import lab_settings
from movielens_lab.data import locate
from movielens_lab.grading.executed import is_test
from movielens_lab.grading.judge.spec import section_titles, split_hidden
from movielens_lab.paths import LAB, LAB_2, solution_notebook, student_notebook

PART = re.compile(r"\bt\.part\(\s*(\d+(?:\.\d+)?)\s*,")
ROW = re.compile(r"^\| (\d+\.[^|]*?) \| (\d+) \| (\d+) \| (\d+)(?: bonus)? \|$", re.MULTILINE)


def _points(code: str) -> float:
    """The points of the ``t.part(points, ...)`` calls in ``code``."""
    return sum(float(p) for p in PART.findall(code))


def _split(nb: nbformat.NotebookNode, assignment: str) -> dict[str, tuple[str, float, float, float]]:
    """Per test cell of the source: its title, visible points, hidden points, points in grader_config.py."""
    titles, points = section_titles(nb), lab_settings(assignment=assignment).points
    rows = {}
    for cell in filter(is_test, nb.cells):
        visible, hidden, _ = split_hidden(cell.source)
        grade_id = cell.metadata.nbgrader["grade_id"]
        rows[grade_id] = (titles[grade_id], _points(visible), _points(hidden), float(points[grade_id]))
    return rows


@pytest.fixture(scope="module", params=[LAB, LAB_2])
def assignment(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def student(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(student_notebook(assignment), as_version=4)


def test_the_introduction_splits_the_points_as_the_tests_do(student, assignment: str) -> None:
    split = _split(nbformat.read(solution_notebook(assignment), as_version=4), assignment)
    assert all(visible + hidden == total for _, visible, hidden, total in split.values()), split
    table = [(title, float(v), float(h), float(p)) for title, v, h, p in ROW.findall(student.cells[0].source)]
    assert table == list(split.values())
    hidden = sum(row[2] for grade_id, row in split.items() if grade_id not in lab_settings(assignment=assignment).bonus)
    assert f"worth {hidden:g} of the 100 points" in student.cells[0].source


def test_every_todo_says_what_a_correct_answer_looks_like(student, assignment: str) -> None:
    cells = student.cells
    todos = [cells[k - 1] for k, cell in enumerate(cells) if cell.metadata.get("nbgrader", {}).get("solution")]
    assert len(todos) == len(lab_settings(assignment=assignment).points)
    assert all("**TODO" in cell.source for cell in todos)
    missing = [cell.source.splitlines()[0] for cell in todos if "you should see" not in cell.source]
    assert not missing


def _data_cell(assignment: str) -> str:
    nb = nbformat.read(student_notebook(assignment), as_version=4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in ("data", "p2_data"))


def _run_data_cell(assignment: str, runs: list[tuple[Path, str | None, str]]) -> list[dict]:
    """The data cell run in one real kernel, offline, once per (folder it runs in, $MOVIELENS_DIR, code run first):
    each run's outputs, then DATA_DIR."""
    cells = [nbformat.v4.new_code_cell("import hashlib, os, zipfile\nfrom pathlib import Path\n"
                                       "from tqdm.auto import tqdm")]
    for folder, variable, first in runs:
        setting = (f"os.environ['MOVIELENS_DIR'] = {variable!r}" if variable else
                   "os.environ.pop('MOVIELENS_DIR', None)")
        cells += [nbformat.v4.new_code_cell(f"os.chdir({str(folder)!r})\n{setting}\n{first}"),
                  nbformat.v4.new_code_cell(_data_cell(assignment)), nbformat.v4.new_code_cell("print(DATA_DIR)")]
    nb = nbformat.v4.new_notebook(cells=cells)
    env = {**offline_env(), "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        NotebookClient(nb, allow_errors=True, timeout=120, resources={"metadata": {"path": str(runs[0][0])}}).execute()
    return [{"outputs": nb.cells[k + 1].outputs, "DATA_DIR": nb.cells[k + 2].outputs[0]["text"].strip()}
            for k in range(1, len(cells), 3)]


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_the_data_cell_finds_the_data_folder_as_the_commands_do(assignment: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """One rule: $MOVIELENS_DIR, else the nearest data/ holding ml-1m/ here or above, else data/ here; offline and
    without data, one message with the command that writes the twin where the notebook reads, or, without the
    course's package, what to ask for. Nothing is left behind."""
    project = tmp_path / "project"
    notebooks, elsewhere = project / "notebooks", tmp_path / "elsewhere"
    notebooks.mkdir(parents=True)
    elsewhere.mkdir()
    for folder in (project / "data", elsewhere):
        (folder / "ml-1m").mkdir(parents=True)
        (folder / "ml-1m" / "ratings.dat").write_text("1::1::5::978300760\n")
        (folder / "ml-1m" / "movies.dat").write_text("1::Toy Story (1995)::Animation\n")
        (folder / "ml-1m" / "README").write_text("a data set\n")
    layouts = [(notebooks, None, ""), (notebooks, str(elsewhere), ""), (tmp_path, None, ""),
               (tmp_path, None, "import sys\nsys.modules['movielens_lab'] = None  # the course's package is missing")]
    runs = _run_data_cell(assignment, layouts)
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    for (folder, variable, _), run in zip(layouts, runs):
        if variable:
            monkeypatch.setenv("MOVIELENS_DIR", variable)
        monkeypatch.chdir(folder)
        assert run["DATA_DIR"] == str(locate.data_folder()), (folder, variable)
        monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    assert [o["text"] for o in runs[0]["outputs"]] == [f"Data folder: {project / 'data' / 'ml-1m'}\na data set\n"]
    for run, fix in ((runs[2], f"    python -m movielens_lab data twin --data-dir {tmp_path / 'data'}"),
                     (runs[3], f"Ask your instructor for the data folder, and put its ml-1m/ folder into "
                               f"{tmp_path / 'data'};")):
        ((error,),) = [run["outputs"]]
        assert error["output_type"] == "error" and error["ename"] == "NoData"
        assert error["traceback"][1:] == [
            f"This cell looked for ml-1m/ in a data/ folder in {tmp_path} or in a folder above it "
            "(MOVIELENS_DIR is not set).", *([] if fix.startswith("Ask") else [
                "To work offline, write the synthetic twin of the data set where this notebook reads it; "
                "in a terminal:"]), fix,
        "then run this cell again (or set MOVIELENS_DIR to a folder that holds ml-1m/)."]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "project"]  # no data/ left behind


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_the_data_cell_says_in_one_line_what_an_odd_data_folder_lacks(assignment: str, tmp_path: Path) -> None:
    """An empty or missing README is no error; a folder without movies.dat is one line saying so, no traceback."""
    files = {"empty_readme": {"README": "", "movies.dat": "1::Toy Story (1995)::Animation\n"},
             "no_readme": {"movies.dat": "1::Toy Story (1995)::Animation\n"},
             "no_movies": {"README": "a data set\n"}}
    for name, written in files.items():
        (tmp_path / name / "ml-1m").mkdir(parents=True)
        for file, text in {"ratings.dat": "1::1::5::978300760\n", **written}.items():
            (tmp_path / name / "ml-1m" / file).write_text(text)
    runs = _run_data_cell(assignment, [(tmp_path, str(tmp_path / name), "") for name in files])
    for name, run in zip(("empty_readme", "no_readme"), runs):
        assert [o["text"] for o in run["outputs"]] == [
            f"Data folder: {tmp_path / name / 'ml-1m'}\n(this data set has no README)\n"]
    ((error,),) = [runs[2]["outputs"]]
    assert error["output_type"] == "error" and error["ename"] == "NoData"
    assert error["traceback"] == [f"{tmp_path / 'no_movies' / 'ml-1m'} has no movies.dat: this lab reads ratings.dat "
                                  "and movies.dat, in the MovieLens 1M layout (one record per line, fields separated "
                                  "by ::)"]


RESTART = "Kernel → Restart Kernel and Run All Cells…"
"""The menu item as JupyterLab 4 and Notebook 7 name it (tests/e2e/test_browser.py reads it from the menu)."""


def test_each_test_cell_names_its_section_by_the_sections_title(student, assignment: str) -> None:
    """The test cells' summaries, `check` and the feedback all name a section by its heading."""
    titles = section_titles(student)
    named = {cell.metadata.nbgrader["grade_id"]: re.search(r'_LabCheck\("([^"]+)"\)', cell.source).group(1)
             for cell in filter(is_test, student.cells)}
    assert named == titles


def test_the_notebook_names_the_restart_menu_item_as_jupyter_does(student) -> None:
    text = "\n".join(cell.source for cell in student.cells if cell.cell_type == "markdown")
    assert "Restart & Run All" not in text and text.count(RESTART) == 2


def _section(nb: nbformat.NotebookNode, heading: str) -> str:
    """The markdown of the section that starts with ``heading``, up to the next section."""
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def test_section_7_asks_for_the_setting_it_explains() -> None:
    """steps_per_execution=100 makes training (and the bonus sweep, trained as section 7) several times faster."""
    section = _section(nbformat.read(student_notebook(LAB), as_version=4), "## 7. Training")
    assert section.count("steps_per_execution=100") == 2 and "**TODO.**" in section
    assert "steps_per_execution=100" in section.split("**TODO.**", 1)[1]


def test_section_1_shows_the_first_row_of_the_twin_too(full_twin: Path) -> None:
    first = (full_twin / "movies.dat").read_text(encoding="latin-1").splitlines()[0].split("::")
    section = _section(nbformat.read(student_notebook(LAB), as_version=4), "## 1. Movies")
    assert "`1, Toy Story (1995), Animation|Children's|Comedy`" in section
    assert "On the offline twin" in section and f"`{', '.join(first)}`" in section


def test_nan_and_inf_each_fail_a_visible_part_with_their_cause() -> None:
    """The released check helper and section 5's test cell, in a real kernel, on stand-ins whose movie means hold
    NaN, inf, or neither: a non-finite value loses its part with the hint that names the cause."""
    by_id = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
             for cell in nbformat.read(student_notebook(LAB), as_version=4).cells}
    given = ("import numpy as np\nytr, movietr, nmovies, y0 = np.array([4.0, 3.0]), np.array([1, 1]), 2, 3.5\n"
             "ycnt, mae_movie, mae_user = np.array([0, 2, 0]), 0.8, 0.8\n")
    cells = [nbformat.v4.new_code_cell(f"ML_DIR, SEED = None, 0\n{by_id['check_helper']}")]
    for first in ("np.nan", "np.inf", "3.5"):
        cells += [nbformat.v4.new_code_cell(f"{given}ymean = np.array([{first}, 3.5, 3.5])"),
                  nbformat.v4.new_code_cell(by_id["test_baselines"])]
    nb = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(nb, timeout=120).execute()
    summaries = [cell.outputs[0]["data"]["text/html"] for cell in nb.cells[2::2]]
    assert [re.search(r"(\d+)/6 points", text).group(1) for text in summaries] == ["4", "4", "6"], summaries
    assert all("NaN or inf in ymean, mae_movie or mae_user: a movie (or user) without training ratings divides 0 by 0"
               in text for text in summaries[:2])
