"""`gradescope`: the autograder zip, run for real in a temporary folder laid out like Gradescope's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, COURSE, SETTINGS, SOURCE, SOURCE_2, data_folder, filled, write
from movielens_lab.errors import LabError
from movielens_lab.grading.course import build_course
from movielens_lab.grading.lms.gradescope import _pick, build


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/autograder with the fixture assignment's zip unpacked as Gradescope does, and the data setup.sh would fetch."""
    root = tmp_path_factory.mktemp("gradescope")
    build(out=root / "autograder.zip", source=SOURCE, config=CONFIG)
    return _unpack(root / "autograder.zip", root)


def _unpack(archive: Path, root: Path) -> Path:
    """``root/autograder`` with ``archive`` unpacked as Gradescope does, and the data setup.sh would fetch."""
    autograder = root / "autograder"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(autograder / "source")
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    for name in ("run_autograder", "setup.sh"):  # as unzip does
        (autograder / "source" / name).chmod(modes[name])
    data_folder(autograder / "source" / "data")
    shutil.copy2(autograder / "source" / "run_autograder", autograder / "run_autograder")
    return autograder


def _run(autograder: Path, notebook: nbformat.NotebookNode | None, name: str = "mine.ipynb") -> dict:
    submission = autograder / "submission"
    for old in submission.glob("*"):
        old.unlink()
    submission.mkdir(exist_ok=True)
    if notebook is not None:
        write(notebook, submission / name)
    env = {**os.environ, "GRADESCOPE_ROOT": str(autograder),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([str(autograder / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((autograder / "results" / "results.json").read_text())


def test_zip_contents(autograder: Path):
    source = autograder / "source"
    assert "pip install -r requirements.txt" in (source / "setup.sh").read_text()
    assert (source / "movielens_lab" / "grading" / "grade.py").is_file()
    assert (source / "movielens_lab" / "grading" / "outputs" / "folder.py").is_file()  # the subpackages too
    assert (source / "solutions" / "fixture_lab.ipynb").read_bytes() == SOURCE.read_bytes()
    assert (source / "grader_config.py").read_bytes() == CONFIG.read_bytes()
    assert 'gradescope "$ROOT" fixture_lab\n' in (source / "run_autograder").read_text()
    local = [line.split()[-1] for line in (source / "requirements.txt").read_text().splitlines()
             if line.split() and line.split()[-1].startswith(".")]
    assert local == [".", "./jupyter-config"] and all((source / path / "pyproject.toml").is_file() for path in local)
    assert all((source / "jupyter-config" / name).is_file()  # what setup.sh's pip install needs
               for name in ("movielens-lab.json", "movielens-lab-server.json"))


@pytest.mark.slow  # grades through run_autograder (its failure path stays fast)
def test_run_autograder_grades_the_submission(autograder: Path, tmp_path: Path):
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    results = _run(autograder, filled(student, mean="def mean(xs):\n    return sum(xs) / 3"))
    assert results["score"] == 4.5
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["2. Mean"]["score"] == 1.5 and tests["1. Square"]["score"] == 2
    assert "HIDDEN" not in json.dumps(results)


def test_run_autograder_without_a_notebook(autograder: Path):
    results = _run(autograder, None)
    assert results["score"] == 0 and "no .ipynb file submitted" in results["tests"][0]["output"]


def test_the_zip_of_an_assignment_grades_that_one(tmp_path: Path):
    archive = tmp_path / "part2.zip"
    build(assignment="fixture_lab_2", out=archive, source=SOURCE_2, config=COURSE)
    autograder = _unpack(archive, tmp_path)
    assert (autograder / "source" / "solutions" / "fixture_lab_2.ipynb").read_bytes() == SOURCE_2.read_bytes()
    results = _run(autograder, None)
    assert [t["name"] for t in results["tests"]] == ["test_cube", "test_shout (bonus)"]
    assert "upload your fixture_lab_2.ipynb" in results["tests"][0]["output"]
    part_1 = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    results = _run(autograder, filled(part_1))
    assert results["score"] == 0 and results["output"] == (
        "invalid: this notebook is fixture_lab, not fixture_lab_2: hand it in to fixture_lab")


def test_missing_source_is_a_clear_error(tmp_path: Path):
    with pytest.raises(LabError, match="not found"):
        build(out=tmp_path / "a.zip", source=tmp_path / "missing.ipynb", config=CONFIG)


def test_an_upper_case_extension_is_a_notebook(tmp_path: Path):
    (tmp_path / "LAB.IPYNB").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a notebook")
    assert _pick(tmp_path, "fixture_lab") == tmp_path / "LAB.IPYNB"
