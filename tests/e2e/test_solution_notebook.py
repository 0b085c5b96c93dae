"""The main job: `demo` runs the solution notebook on the full twin and reproduces LAB_SPEC's values."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from movielens_lab import model
from movielens_lab.config import lab_settings
from movielens_lab.data import lab_numbers
from movielens_lab.data.loaders import load_ratings
from movielens_lab.paths import LAB, LAB_2, student_notebook


@pytest.fixture(scope="module")
def demo_run(full_twin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "movielens_lab", "demo", "--offline",
         "--data-dir", str(full_twin.parent), "--out", str(out)],
        capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, out


@pytest.mark.slow
def test_demo_reproduces_the_lab_values(demo_run) -> None:
    proc, out = demo_run
    values = json.loads((out / LAB / "key_numbers.json").read_text())
    settings = lab_settings(assignment=LAB)
    for key in ("mae_movie", "train_loss", "test_loss"):
        assert abs(values[key] - settings.references[key]) <= settings.tolerances[key], (key, values[key])
    assert values["params"] == 49_970
    assert 3 <= values["best_emb_dim"] <= 6
    assert values["test_loss"] < values["mae_movie"]  # the model beats the movie-mean baseline
    assert "offline twin" in proc.stdout and "final test loss" in proc.stdout
    # the kernel's own chatter goes to a log file, not to the terminal
    assert "IPKernelApp" not in proc.stdout + proc.stderr and (out / LAB / "kernel.log").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("assignment, figures", [(LAB, 3), (LAB_2, 2)])
def test_demo_saves_the_executed_notebooks_with_full_marks_and_figures(demo_run, assignment: str,
                                                                       figures: int) -> None:
    """Part 1: ratings histogram, learning curves, sweep. Part 2: the two sweeps, the map of the movies."""
    proc, out = demo_run
    executed = nbformat.read(out / assignment / f"{assignment}.ipynb", as_version=4)
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
              for c in executed.cells if c.metadata.get("nbgrader", {}).get("grade")}
    verdict = json.loads((out / assignment / "verdict.json").read_text())
    assert {t["grade_id"]: t["score"] for t in verdict["tests"]} == points  # the judge's, hidden parts included
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    # the hidden tests ran in the judge: none of their code reached the kernel
    assert "HIDDEN TESTS" not in "".join(c.source for c in executed.cells)
    assert len(list((out / assignment / "figures").glob("*.png"))) == figures
    assert "graded as a submission: 100/100, bonus 10/10" in proc.stdout


@pytest.mark.slow
def test_demo_reproduces_part_2s_lessons(demo_run) -> None:
    proc, out = demo_run
    values = json.loads((out / LAB_2 / "key_numbers.json").read_text())
    settings = lab_settings(assignment=LAB_2)
    for key in lab_numbers.PART2_KEYS:
        assert abs(values[key] - settings.references[key]) <= settings.tolerances[key], (key, values[key])
    assert values["rmse_mse"] < values["rmse_mae"] and values["mae_mae"] < values["rmse_mae"]
    plain, l2 = dict(zip(values["dims"], values["test_plain"])), dict(zip(values["dims"], values["test_l2"]))
    assert plain[16] - plain[4] >= lab_numbers.OVERFIT and l2[16] < plain[16]
    assert lab_numbers.RANKING_OVER_RANDOM * values["precision_random"] <= values["precision_model"]
    assert values["precision_model"] < values["precision_popularity"]
    assert "Part 2: key numbers" in proc.stdout and "precision@10: model" in proc.stdout


@pytest.mark.slow
def test_package_reference_gives_the_notebooks_numbers(demo_run, full_twin: Path) -> None:
    _, out = demo_run
    values = json.loads((out / LAB / "key_numbers.json").read_text())
    ratings = load_ratings(full_twin)
    s = model.split(ratings["UserID"].to_numpy(), ratings["MovieID"].to_numpy(),
                    ratings["Rating"].to_numpy(dtype=float))
    mae_movie, mae_user = model.bias_maes(s)
    assert (mae_movie, mae_user) == pytest.approx((values["mae_movie"], values["mae_user"]), abs=1e-9)
    _, hist = model.train(s, values["nusers"], values["nmovies"])
    assert np.allclose([hist["loss"][-1], hist["val_loss"][-1]],
                       [values["train_loss"], values["test_loss"]], atol=1e-4)


def test_demo_without_the_solution_notebook_fails_clearly(tmp_path: Path, monkeypatch, capsys) -> None:
    from movielens_lab import cli, paths

    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)
    assert cli.main(["demo", "--offline", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "movielens_lab.ipynb is missing" in err and "\n" not in err
    assert not (tmp_path / "ml-1m").exists()  # stopped before getting any data


@pytest.mark.slow  # the whole lab in nbconvert
def test_plain_nbconvert_runs_the_solution_without_errors(small_twin: Path, tmp_path: Path) -> None:
    """`jupyter nbconvert --execute`, as a student would run the finished notebook (the solution without its
    hidden tests, which are judge code), with the data folder from the environment."""
    from movielens_lab.grading.judge.spec import without_hidden
    from movielens_lab.paths import SOLUTION_NOTEBOOK

    finished = nbformat.read(SOLUTION_NOTEBOOK, as_version=4)
    for cell in finished.cells:
        cell.source = without_hidden(cell.source)
    nbformat.write(finished, tmp_path / "finished.ipynb")
    env = {**os.environ, "MOVIELENS_DIR": str(small_twin.parent),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "finished.ipynb",
         "--output-dir", str(tmp_path / "out"), "--ExecutePreprocessor.timeout=600"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    executed = nbformat.read(tmp_path / "out" / "finished.ipynb", as_version=4)
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not (tmp_path / "data").exists()  # it used $MOVIELENS_DIR, not ./data


@pytest.mark.slow
def test_package_reference_gives_part_2s_numbers(demo_run, part2_numbers: dict) -> None:
    _, out = demo_run
    values, numbers = json.loads((out / LAB_2 / "key_numbers.json").read_text()), part2_numbers
    for key in ("mae_mae", "rmse_mae", "mae_mse", "rmse_mse", "plain_last", "l2_last", "mae_range"):
        assert numbers[key] == pytest.approx(values[key], abs=1e-4), key
    assert numbers["precision_model"] == pytest.approx(values["precision_model"], abs=1e-3)
    assert numbers["precision_popularity"] == pytest.approx(values["precision_popularity"], abs=1e-3)


@pytest.mark.slow
def test_what_section_11_says_of_the_twin_is_what_the_twin_shows(demo_run) -> None:
    """The sweep's training loss falls by and large, not steadily: each size is a single training run."""
    _, out = demo_run
    values = json.loads((out / LAB / "key_numbers.json").read_text())
    student = nbformat.read(student_notebook(LAB), as_version=4)
    text = "\n".join(cell.source for cell in student.cells if cell.cell_type == "markdown")
    said = re.search(r"training loss goes from about (\d\.\d+) at `emb_dim` 0 to (\d\.\d+) at 8, a little\s+up at "
                     r"(\d) and at (\d), and the test loss is lowest at (\d)", text)
    assert said, "section 11 says what the twin shows"
    first, last, up, up_again, best = said.groups()
    train = values["sweep_train"]
    assert abs(train[0] - float(first)) < 0.005 and abs(train[8] - float(last)) < 0.005, train
    rises = [d for d in range(1, 9) if train[d] > train[d - 1]]
    assert rises == [int(up), int(up_again)] and values["best_emb_dim"] == int(best), (train, values["best_emb_dim"])
