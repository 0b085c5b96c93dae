"""The judge on its own: what a kernel recorded, replayed in a namespace no student code ran in.

The real kernel, sandbox and nbgrader are in test_batch*.py and the corpus; the grader's side
of the judge (the spec, the instrumented notebook, the judge's process) in test_judging.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import nbformat
import pytest

from fixtures.judged import CORRECT, kernel_run, spec
from movielens_lab import model, paths
from movielens_lab.config import lab_settings
from movielens_lab.data.loaders import load_ratings
from movielens_lab.grading.judge import Judge
from movielens_lab.grading.judging import judge_spec
from movielens_lab.grading.recorder import Recorder


def verdict(folder: Path, hidden: bool = True) -> dict:
    return Judge(spec(), folder).test(spec()["tests"][0], hidden)


def test_a_correct_answer_gets_every_point(tmp_path: Path) -> None:
    ns = kernel_run(CORRECT, tmp_path)
    assert ns["t"].got == 4 and ns["double"].__name__ == "double" and not hasattr(ns["double"], "__wrapped__")
    result = verdict(tmp_path)
    assert (result["score"], result["max_score"], result["error"]) == (4, 4, False)


def test_warm_up_functions_of_the_hidden_code_compute_ahead_and_a_failing_one_is_ignored(tmp_path: Path) -> None:
    """``_warm_*`` functions fill the given memo before the export comes; the test finds the value there."""
    kernel_run(CORRECT, tmp_path)
    hidden = ("def _warm_broken():\n    raise ValueError\n\n\ndef _warm_reference():\n    _MEMO['ahead'] = True\n\n\n"
              "t.part(1, lambda: _MEMO.get('ahead', False), 'the reference was computed ahead')")
    test = {**spec()["tests"][0], "hidden": hidden, "points": 2.0}
    warmed = {**spec(), "given": [*spec()["given"], "_MEMO = {}"], "tests": [test]}
    cold, warm = Judge(warmed, tmp_path), Judge(warmed, tmp_path)
    warm.warm_up()
    assert (cold.test(test, True)["score"], warm.test(test, True)["score"]) == (1, 2)


def test_the_labs_bonus_reference_is_computed_ahead_for_the_labs_own_split(small_twin: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The bonus check's biases-only fit, warmed up from ratings.dat, is found for a correct split (section 4's)."""
    monkeypatch.setenv(paths.DATA_ENV, str(small_twin.parent))
    settings = lab_settings(assignment=paths.LAB)
    judge = Judge(judge_spec(nbformat.read(paths.SOLUTION_NOTEBOOK, as_version=4), settings.points, settings.bonus),
                  tmp_path)
    judge.warm_up()
    ratings = load_ratings(small_twin)
    user, movie = ratings["UserID"].to_numpy(), ratings["MovieID"].to_numpy()
    s = model.split(user, movie, ratings["Rating"].to_numpy().astype(float))

    def _bias_only_loss(*args: object) -> None:  # what the memo answers instead of fitting again
        return None

    found = judge.base["_remember"](_bias_only_loss, (s.usertr, s.movietr), list(s.ytr), int(user.max()),
                                    int(movie.max()))
    assert judge.given_error is None and isinstance(found, float) and 0.5 < found < 2.0, found


def test_check_runs_the_visible_part_alone(tmp_path: Path) -> None:
    kernel_run(CORRECT, tmp_path)
    assert (verdict(tmp_path, hidden=False)["score"], verdict(tmp_path, hidden=False)["max_score"]) == (1, 1)


def test_what_the_student_did_to_the_kernel_changes_nothing(tmp_path: Path) -> None:
    cheat = "LabCheck.score = lambda self: 4\n" + CORRECT.replace("2 * x", "x")
    ns = kernel_run(cheat, tmp_path)
    assert ns["t"].score() == 4  # the kernel was fooled...
    result = verdict(tmp_path)
    assert result["score"] == 2 and "double(2) should be 4" in result["output"]  # ...the judge was not


def test_a_helper_made_to_skip_the_tests_can_only_lose_points(tmp_path: Path) -> None:
    """The tests never called the functions in the kernel: the judge has no answer of theirs to check."""
    kernel_run("LabCheck.part = lambda self, *a: True\n" + CORRECT, tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 1 and "double(2) should be 4 [ReplayError]" in result["output"]


def test_a_function_that_changes_its_argument_is_caught(tmp_path: Path) -> None:
    kernel_run(CORRECT.replace('return table.assign(x=table["x"] / 2)',
                               'table["x"] = table["x"] / 2\n    return table'), tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 3 and "leaving its argument alone" in result["output"]


def test_errors_replay_with_their_own_name(tmp_path: Path) -> None:
    kernel_run(CORRECT.replace("return 2 * x", "raise ZeroDivisionError('oops')"), tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 2 and "double(2) should be 4 [ZeroDivisionError]" in result["output"]


def test_a_recording_that_does_not_match_the_test_fails(tmp_path: Path) -> None:
    kernel_run(CORRECT, tmp_path)
    index = tmp_path / "test_double.json"
    index.write_text(index.read_text().replace('"v": 2}', '"v": 3}', 1))  # the recorded argument of double(2)
    assert "double(2) should be 4 [ReplayError]" in verdict(tmp_path)["output"]


def test_values_that_are_not_data_get_a_reason(tmp_path: Path) -> None:
    kernel_run(CORRECT.replace("answer = 42", "answer = object()"), tmp_path)
    result = verdict(tmp_path)
    assert result["score"] == 3 and "answer could not be graded: a object cannot be exported" in result["output"]


def test_no_export_means_the_notebook_stopped_before(tmp_path: Path) -> None:
    result = verdict(tmp_path)
    assert result["score"] == 0 and "stopped before this test ran" in result["output"]


def test_frames_from_the_kernel_are_frames_in_the_judge(tmp_path: Path) -> None:
    ns = {"table": pd.DataFrame({"a": [1, 2]})}
    Recorder(tmp_path).section("s", ["table", "missing"], ns)
    judge = Judge({"given": [], "tests": []}, tmp_path)
    values, notes = judge.namespace("s")
    pd.testing.assert_frame_equal(values["table"], ns["table"])
    assert "missing" not in values and notes == []
