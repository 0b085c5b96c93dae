"""A record's keys: the run key moves only with what the kernel computes, the judge key with the tests."""

from __future__ import annotations

from pathlib import Path

import nbformat

from fixtures.submissions import SETTINGS, SOURCE, data_folder
from movielens_lab.grading.judge.spec import judge_spec
from movielens_lab.grading.keys import SHARED, Keys, changed_tests
from movielens_lab.grading.keys import test_fingerprints as prints


def keys(tmp_path: Path, change=lambda s: s, points: dict | None = None) -> tuple[Keys, dict]:
    """The keys and spec of the fixture assignment changed by ``change`` (its data written once per test)."""
    data = tmp_path / "data" if (tmp_path / "data").is_dir() else data_folder(tmp_path / "data")
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        cell.source = change(cell.source)
    spec = judge_spec(nb, points or SETTINGS.points, SETTINGS.bonus, SETTINGS.leaderboard)
    return Keys.of(nb, SETTINGS, spec, data), spec


def test_a_hidden_change_or_points_move_the_judge_key_alone(tmp_path: Path) -> None:
    before, spec = keys(tmp_path)
    hint, hint_spec = keys(tmp_path, lambda s: s.replace("negative numbers too", "mind the sign"))
    points, points_spec = keys(tmp_path, points={**SETTINGS.points, "test_mean": 4})
    assert hint.run == points.run == before.run
    assert len({hint.judge, points.judge, before.judge}) == 3 and hint.key != before.key
    assert changed_tests(prints(spec), prints(hint_spec)) == ["test_square"]
    assert changed_tests(prints(spec), prints(points_spec)) == ["test_mean"]
    assert changed_tests({}, prints(spec)) == []


def test_a_visible_test_an_answer_cell_or_the_given_cells_move_the_run_key(tmp_path: Path) -> None:
    before, spec = keys(tmp_path)
    visible, _ = keys(tmp_path, lambda s: s.replace("square(2) should be 4", "square(2) is 4"))
    given, given_spec = keys(tmp_path, lambda s: s.replace('"data")', '"data2")'))
    solution, _ = keys(tmp_path, lambda s: s.replace("return x * x", "return x ** 2"))
    assert visible.run != before.run and given.run != before.run
    assert solution.run == before.run and solution.judge != before.judge  # the solution is the judge's reference
    assert changed_tests(prints(spec), prints(given_spec)) == [SHARED]
