"""A wheel installed in a fresh virtual environment grades the course of the folder it is run from.

`pip install .` (not editable), as a container image does it: the package then lies in
site-packages, far from any grader_config.py, and finds the course in the current folder (as
nbgrader finds nbgrader_config.py). The fresh environment gets the wheel (built with --no-deps)
and, to keep this fast, hard links to this environment's other packages, the editable install
of this checkout left out.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, SOURCE, data_folder, filled, write
from movielens_lab import paths

pytestmark = pytest.mark.slow  # builds a wheel and a virtual environment, then grades with it


def _site_packages(prefix: Path) -> Path:
    return prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def _editable(name: str) -> bool:
    """Whether a site-packages entry belongs to this checkout's editable install (or is the package itself)."""
    return name.startswith(("__editable__", "movielens_lab")) or name.replace("-", "_").startswith("movielens_lab")


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment holding the wheel of this checkout; yields its python."""
    build = tmp_path_factory.mktemp("wheel")
    shutil.copytree(paths.PACKAGE_DIR, build / "src" / "movielens_lab", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):  # a copy: building leaves build/ and egg-info/ where it runs
        shutil.copyfile(paths.CHECKOUT / name, build / "src" / name)
    # With this environment's setuptools where it has one (Python 3.12's venvs have none: then pip gets it).
    local = importlib.util.find_spec("setuptools") and importlib.util.find_spec("wheel")
    isolation = ["--no-build-isolation"] if local else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w",
                    str(build / "dist"), str(build / "src")], check=True, capture_output=True, timeout=300)
    wheel = next((build / "dist").glob("movielens_lab-*.whl"))
    # Beside this environment (one file system: hard links), removed afterwards.
    env = Path(tempfile.mkdtemp(prefix="wheel-test-", dir=sys.prefix))
    try:
        env.chmod(0o755)  # as any install: the sandbox's user (grading as root) reads it
        venv.create(env, with_pip=False, symlinks=True)
        ours, theirs = _site_packages(Path(sys.prefix)), _site_packages(env)
        for entry in ours.iterdir():
            if not _editable(entry.name) and entry.name != "__pycache__":
                target = theirs / entry.name
                if entry.is_dir():
                    shutil.copytree(entry, target, copy_function=os.link, symlinks=True)
                else:
                    os.link(entry, target)
        python = env / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                       check=True, capture_output=True, timeout=300)
        yield python
    finally:
        shutil.rmtree(env, ignore_errors=True)


def _run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # The packages' scripts (nbgrader runs alembic) are this environment's: the links hold their modules.
    env = {**os.environ, "PATH": os.pathsep.join([str(python.parent), str(Path(sys.executable).parent),
                                                  os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_wheel_is_installed_apart_from_this_checkout(wheel_env: Path, tmp_path: Path) -> None:
    where = _run(wheel_env, tmp_path, "-c", "import movielens_lab; print(movielens_lab.__file__)")
    assert where.returncode == 0, where.stderr
    installed = Path(where.stdout.strip())
    assert installed.is_relative_to(wheel_env.parent.parent)
    assert not installed.is_relative_to(paths.CHECKOUT / "movielens_lab")


def test_outside_a_course_folder_it_says_where_to_run(wheel_env: Path, tmp_path: Path) -> None:
    done = _run(wheel_env, tmp_path, "-m", "movielens_lab", "release")
    assert done.returncode == 1
    assert done.stderr == (f"error: {tmp_path.resolve() / 'grader_config.py'} not found: run from the course folder "
                           "(the one holding grader_config.py, solutions/ and notebooks/) or restore it\n")


def test_release_grade_and_check_from_a_course_folder(wheel_env: Path, tmp_path: Path) -> None:
    course = tmp_path / "my-course"
    (course / "solutions").mkdir(parents=True)
    shutil.copyfile(CONFIG, course / "grader_config.py")
    shutil.copyfile(SOURCE, course / "solutions" / "fixture_lab.ipynb")
    released = _run(wheel_env, course, "-m", "movielens_lab", "release")
    assert released.returncode == 0, released.stderr
    student = nbformat.read(course / "notebooks" / "fixture_lab.ipynb", as_version=4)
    assert (course / "course" / "release" / "fixture_lab" / "fixture_lab.ipynb").is_file()
    write(filled(student), course / "submissions" / "alice.ipynb")
    write(filled(student, mean="def mean(xs):\n    return sum(xs) / 3"), course / "submissions" / "bob.ipynb")
    data_folder(course / "data")  # ./data: the default data folder

    graded = _run(wheel_env, course, "-m", "movielens_lab", "grade", "submissions")
    assert graded.returncode == 0, graded.stderr
    with open(course / "grading" / "grades.csv", newline="", encoding="utf-8") as fh:
        totals = {row["student"]: (row["total"], row["status"]) for row in csv.DictReader(fh)}
    assert totals == {"alice": ("5", "graded"), "bob": ("3.5", "graded")}

    write(filled(student, square="def square(x):\n    return x + x + 1"), course / "mine.ipynb")
    checked = _run(wheel_env, course, "-m", "movielens_lab", "check", "mine.ipynb")
    assert checked.returncode == 1, checked.stderr  # a visible check failed, and says so
    assert "visible tests: 2.5 of 6 points, 2 of 3 sections passed" in checked.stdout
