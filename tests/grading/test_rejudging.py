"""A test fixed after grading: `grade` judges the class again from the kept runs, and its result is a fresh grading's.

Fixture assignment, real nbgrader, kernels and judge: the class is graded once; each change of the
instructor's tests is then graded into a copy of that folder (no notebook may run: the worker is
replaced by one that fails the test) and, for comparison, into an empty folder.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from fixtures.submissions import CONFIG, SOURCE, data_folder, filled, write
from movielens_lab.config import lab_settings
from movielens_lab.grading import grade as grading
from movielens_lab.grading.cluster.merge import merge
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.judge.transcript import NeedsRun
from movielens_lab.grading.outcomes import Outcome, TestResult
from movielens_lab.grading.outputs.runfacts import RunFacts
from movielens_lab.grading.rejudging import Tally, moved, rejudge

TOLERANT = "if abs(mean([1.5]) - 1.5) <= 0.5:  # HIDDEN_MEAN_SINGLE"
STUDENTS = ["bob", "carol", "dave", "eve"]
CHANGES = {  # (the instructor's notebook, grader_config.py's points of test_mean)
    "tolerance": (lambda s: s.replace("<= 0.5:", "<= 1.5:"), 3),
    "points": (lambda s: s.replace("    score += 1.5\n### END", "    score += 2.5\n### END"), 4),
    "hint": (lambda s: s.replace("negative numbers too", "mind the sign of x"), 3),
}


def source(root: Path, name: str, change=lambda s: s, mean_points: float = 3) -> tuple[Path, Path]:
    """The fixture assignment with a tolerance in its hidden mean check, changed by ``change``: (notebook, config)."""
    nb = nbformat.read(SOURCE, as_version=4)
    texts = [cell.source.replace("if mean([1.5]) == 1.5:  # HIDDEN_MEAN_SINGLE", TOLERANT) for cell in nb.cells]
    for cell, text in zip(nb.cells, texts):
        cell.source = change(text)
    assert any(TOLERANT in text for text in texts) and ([c.source for c in nb.cells] != texts or name == "before")
    folder = root / name
    write(nb, folder / "fixture_lab.ipynb")
    config = CONFIG.read_text().replace('"test_mean": 3', f'"test_mean": {mean_points}')
    (folder / "grader_config.py").write_text(config)
    return folder / "fixture_lab.ipynb", folder / "grader_config.py"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the class, its data, its grading under the notebook "before")."""
    root = tmp_path_factory.mktemp("rejudge")
    notebook, config = source(root, "before")
    student = nbformat.read(build_course(root / "course", notebook, lab_settings(config)).student_notebook, 4)
    for name, nb in {"bob": filled(student, mean="def mean(xs):\n    return sum(xs) / 3"), "carol": student,
                     "dave": filled(student, square="def square(x):\n    return x * abs(x)")}.items():
        write(nb, root / "class" / f"{name}.ipynb")
    (root / "class" / "eve.ipynb").write_text("not a notebook")
    data = data_folder(root / "data")
    assert grade(root / "class", out=root / "first", unsafe=True, data_dir=data, source=notebook, config=config) == 0
    return root / "class", data, root / "first"


def no_run(*args, **kwargs):
    raise AssertionError("a notebook ran")


def without_times(text: str) -> str:
    return re.sub(r'"execution_time": \d+', '"execution_time": 0', text)


def sections(report: str, *left_out: str) -> str:
    """report.md without the sections ``left_out`` (a run's facts, its changes)."""
    parts = re.split(r"(?m)^(?=## )", report)
    return "".join(p for p in parts if not any(p.startswith(f"## {name}\n") for name in left_out))


def outputs(out: Path) -> dict[str, str]:
    """What a grading gives everyone to read (times aside; the report without the run's own facts and changes)."""
    files = {"grades.csv": (out / "grades.csv").read_text(),
             "report.md": sections((out / "report.md").read_text(), "Run", "Changes since the last grading")}
    for student in STUDENTS:
        for name in ("feedback.html", "results.json"):
            files[f"{student}/{name}"] = without_times((out / "students" / student / name).read_text())
    return files


def fresh(classroom: Path, data: Path, notebook: Path, config: Path, out: Path) -> dict[str, str]:
    assert grade(classroom, out=out, unsafe=True, data_dir=data, source=notebook, config=config) == 0
    return outputs(out)


@pytest.mark.slow  # grades the class once (shared), then once per change both ways
@pytest.mark.parametrize("change", ["tolerance", "points"])
def test_a_changed_hidden_check_is_judged_again_without_a_run_as_a_fresh_grading(
        change: str, graded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    classroom, data, first = graded
    notebook, config = source(tmp_path, "after", *CHANGES[change])
    expected = fresh(classroom, data, notebook, config, tmp_path / "fresh")
    shutil.copytree(first, tmp_path / "out")
    capsys.readouterr()
    monkeypatch.setattr(grading, "_run_worker", no_run)
    assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=notebook, config=config) == 0
    assert "re-judged 4, ran 0 again\n" in capsys.readouterr().out
    assert outputs(tmp_path / "out") == expected
    assert outputs(tmp_path / "out") != outputs(first)
    facts = RunFacts.read(tmp_path / "out")
    assert facts is not None and (facts.graded, facts.rejudged) == (0, 4)
    assert facts.changed == ["2. Mean (test_mean)"]
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Tests changed since the grading before: 2. Mean (test_mean)." in report
    moved = "| bob | bob | 3.5 + 1 bonus | 5 + 1 bonus |" if change == "tolerance" else \
        "| bob | bob | 3.5 + 1 bonus | 3.5 + 1 bonus |"
    assert (moved in report) == (change == "tolerance")


@pytest.mark.slow
def test_a_changed_hint_is_judged_again_by_the_shards_and_merged_as_a_fresh_grading(
        graded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    classroom, data, first = graded
    notebook, config = source(tmp_path, "after", *CHANGES["hint"])
    expected = fresh(classroom, data, notebook, config, tmp_path / "fresh")
    assert "mind the sign of x" in expected["dave/feedback.html"]
    shutil.copytree(first, tmp_path / "out")
    capsys.readouterr()
    monkeypatch.setattr(grading, "_run_worker", no_run)
    for shard in ("1/2", "2/2"):
        assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=notebook, config=config,
                     shard=shard) == 0
    printed = capsys.readouterr().out
    assert sorted(map(int, re.findall(r"re-judged (\d+), ran 0 again\n", printed))) == [2, 2]
    assert merge(tmp_path / "out", config=config) == 0
    assert outputs(tmp_path / "out") == expected
    facts = RunFacts.read(tmp_path / "out")
    assert facts is not None and (facts.graded, facts.rejudged, facts.shards) == (0, 4, 2) and not facts.moved


@pytest.mark.slow
def test_a_test_that_reads_a_new_name_runs_those_notebooks_again(graded, tmp_path: Path, capsys) -> None:
    classroom, data, first = graded
    reads_square = "if square(3) == 9 and mean([1.5]) > 0:  # HIDDEN_MEAN_SINGLE"
    notebook, config = source(tmp_path, "after", lambda s: s.replace(TOLERANT, reads_square))
    expected = fresh(classroom, data, notebook, config, tmp_path / "fresh")
    shutil.copytree(first, tmp_path / "out")
    capsys.readouterr()
    assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=notebook, config=config) == 0
    assert "re-judged 1, ran 3 again (3: test_mean reads square, which the run never sent)\n" in capsys.readouterr().out
    assert outputs(tmp_path / "out") == expected
    record = json.loads((tmp_path / "out" / "students" / "bob" / "record.json").read_text())
    transcript = json.loads((tmp_path / "out" / "sealed" / "students" / "bob" / "transcript.json").read_text())
    assert "square" in transcript["tests"]["test_mean"]["names"] and record["kernel"]["status"] == "graded"
    assert not (tmp_path / "out" / "students" / "bob" / "transcript.json").exists()  # never in what students get


def test_a_damaged_kept_run_runs_again_and_costs_nothing(tmp_path: Path) -> None:
    for kernel in ({"status": "graded"}, {"status": "graded", "notes": 3, "ran": "x"}, []):
        with pytest.raises(NeedsRun, match="its kept run is damaged"):
            rejudge({"kernel": kernel}, "bob", "bob", {}, lab_settings(CONFIG), tmp_path, tmp_path, tmp_path,
                    False, tmp_path)


def test_the_line_counts_the_re_judged_and_why_the_others_ran_and_is_safe_on_a_terminal() -> None:
    assert Tally().line() is None  # first gradings and reused records only
    tally = Tally(3)
    tally.again.update(["t reads x, which the run never sent", "t reads x, which the run never sent", "a\x1b[2Jnew"])
    assert tally.line() == ("re-judged 3, ran 3 again (2: t reads x, which the run never sent; 1: a\\x1b[2Jnew)")


def test_moved_lists_whose_points_changed_with_the_bonus_on_top() -> None:
    def outcome(student: str, score: float, bonus: float = 0.0) -> Outcome:
        return Outcome(student, f"<{student}>", "graded", [TestResult("a", score, 5, ""),
                                                           TestResult("b", bonus, 1, "", bonus=True)])

    before = {"ann": outcome("ann", 3), "bo": outcome("bo", 5, 1), "cy": outcome("cy", 2)}
    assert moved(before, [outcome("ann", 4), outcome("bo", 5, 1), outcome("cy", 2, 1), outcome("new", 1)]) == [
        ["ann", "<ann>", "3", "4"], ["cy", "<cy>", "2", "2 + 1 bonus"]]
