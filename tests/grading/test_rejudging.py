"""A test fixed after grading: `grade` judges the class again from the kept runs, and its result is a fresh grading's.

Fixture assignment, real nbgrader, kernels and judge: the class is graded once; each change of the
instructor's tests is then graded into a copy of that folder (no notebook may run: the worker is
replaced by one that fails the test) and, for comparison, into an empty folder. Then the real lab:
part of the corpus, as the corpus test graded it (``conftest.corpora``), judged again after the
lab's hidden tests changed, and compared with a fresh grading of the same students.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from fixtures.corpus import Edits, edited
from fixtures.submissions import CONFIG, SOURCE, data_folder, filled, write
from movielens_lab.config import lab_settings
from movielens_lab.grading import grade as grading
from movielens_lab.grading.cluster.merge import merge
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.judge import session
from movielens_lab.grading.judge.transcript import NeedsRun
from movielens_lab.grading.outcomes import Outcome, TestResult
from movielens_lab.grading.outputs.runfacts import RunFacts
from movielens_lab.grading.rejudging import Tally, moved, rejudge
from movielens_lab.paths import LAB, solution_notebook

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


def outputs(out: Path, students: list[str] = STUDENTS) -> dict[str, str]:
    """What a grading gives everyone to read (times aside; the report without the run's own facts and changes)."""
    files = {"grades.csv": (out / "grades.csv").read_text(),
             "report.md": sections((out / "report.md").read_text(), "Run", "Changes since the last grading")}
    for student in students:
        for name in ("feedback.html", "results.json"):
            files[f"{student}/{name}"] = without_times((out / "students" / student / name).read_text())
    return files


def launches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """The judge processes started from now on, as ``(mode, host)``: filled in as they start."""
    launched, launch = [], session.launch

    def recorded(spec, mode, *args, host=False):
        launched.append((mode, host))
        return launch(spec, mode, *args, host=host)

    monkeypatch.setattr(session, "launch", recorded)
    return launched


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
    launched = launches(monkeypatch)
    assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=notebook, config=config) == 0
    assert "re-judged 4, ran 0 again\n" in capsys.readouterr().out
    assert [host for mode, host in launched if mode == "grade"] == [True]  # one judge host forked every judge
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


DATA_DIR = 'DATA_DIR = os.environ.get("MOVIELENS_DIR", "data")'
THREAD = (DATA_DIR, DATA_DIR + "\n\nimport threading\n\n_asked, _done = threading.Event(), []\n"
                               "threading.Thread(target=lambda: (_asked.wait(), _done.append(1)), daemon=True).start()")
WAITS = (TOLERANT, "_asked.set()\nwhile not _done:\n    pass\n" + TOLERANT)


@pytest.mark.slow  # grades two students three times (first, fresh, again), and waits for a stuck test once
def test_a_judge_host_whose_judge_fails_leaves_the_verdicts_to_judges_of_their_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Its first given cell starts a thread that a test waits for, later: a judge process has it, a judge that a
    host forked does not (as TensorFlow's threads, had that cell started them), and waits until the test's time is
    up. Its student is judged again by a judge of its own, and the others too: the grading is a fresh one's."""
    before, config = source(tmp_path, "before", lambda s: s.replace(*THREAD))
    after, _ = source(tmp_path, "after", lambda s: s.replace(*THREAD).replace(*WAITS))
    student = nbformat.read(build_course(tmp_path / "course", before, lab_settings(config)).student_notebook, 4)
    for name, nb in {"bob": filled(student, mean="def mean(xs):\n    return sum(xs) / 3"), "carol": student}.items():
        write(nb, tmp_path / "class" / f"{name}.ipynb")
    classroom, data = tmp_path / "class", data_folder(tmp_path / "data")
    assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=before, config=config) == 0
    assert grade(classroom, out=tmp_path / "fresh", unsafe=True, data_dir=data, source=after, config=config) == 0
    capsys.readouterr()
    monkeypatch.setattr(grading, "_run_worker", no_run)
    launched = launches(monkeypatch)
    assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=after, config=config) == 0
    printed = capsys.readouterr()
    assert "re-judged 2, ran 0 again\n" in printed.out
    assert "note: a forked judge failed on bob, not a judge of its own: this grading thread re-judges with " \
           "judges of their own (each imports its libraries)\n" in printed.err
    # the host; a judge of its own for the failed one's next test, for its student again, for the other student
    assert [host for mode, host in launched if mode == "grade"] == [True, False, False, False]
    assert outputs(tmp_path / "out", ["bob", "carol"]) == outputs(tmp_path / "fresh", ["bob", "carol"])
    assert "could not check" not in (tmp_path / "out" / "students" / "bob" / "feedback.html").read_text()
    deadline = time.monotonic() + 10
    while running_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running_in(tmp_path)  # the stuck judge ended with its host (no sandbox here to end them both)


@pytest.mark.slow  # grades two students twice, then each check that is stuck waits twice per student
def test_a_check_stuck_for_every_judge_leaves_the_host_in_use(
        graded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A judge of its own is stuck too: the checks are, not the fork, and the next student's judge is forked again.
    The section is lost, as in a fresh grading (stuck as well)."""
    classroom, data, first = graded
    stuck = ("    score += 1.5\n### END", "    score += 1.5\nwhile True:  # its calls made: judged, not run again\n"
                                          "    pass\n### END")
    notebook, config = source(tmp_path, "after", lambda s: s.replace(*stuck))
    shutil.copytree(first, tmp_path / "out")
    monkeypatch.setattr(grading, "_run_worker", no_run)
    launched = launches(monkeypatch)
    assert grade(classroom, out=tmp_path / "out", unsafe=True, data_dir=data, source=notebook, config=config) == 0
    hosts = [host for mode, host in launched if mode == "grade"]
    # bob: the host, the session's next judge after it was stuck, a judge of its own and that one's next judge;
    # carol (no mean: her check fails before it is stuck): the host again; dave: carol's host, then as bob
    assert hosts == [True, False, False, False, True, False, False, False], hosts
    for student in ("bob", "carol", "dave"):
        result = (tmp_path / "out" / "students" / student / "results.json").read_text()
        assert ("could not check" in result) == (student != "carol")


def running_in(folder: Path) -> list[str]:
    """The processes whose working folder is in ``folder``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/cwd").startswith(str(folder)):
                found.append(pid)
    return found


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
            rejudge({"kernel": kernel}, "bob", "bob", lab_settings(CONFIG), tmp_path, tmp_path, no_run)


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


LAB_CLASS = ["complete", "first_75_percent", "ymean_by_id_minus_1", "fabricated_training",
             "cheat_complete_with_fake_helper", "kernel_dies_in_curves", "another_assignment"]
"""Part of the corpus: a correct solution, classic mistakes, fabricated training, a cheat, a crash, a stray file."""
LAB_CHANGES: Edits = {
    # a tolerance: section 7's numbers "as training gives them" up to 1.0 (fabricated_training's still fail)
    "test_training": [("_TOL = 2e-3", "_TOL = 1.0")],
    # a hidden part's points: 2 + 2 become 3 + 1 (the section's 10 stay)
    "test_split": [("_partition_is_ok = t.part(2,", "_partition_is_ok = t.part(3,"),
                   ("t.part(2, lambda: _seen(userts, usertr)", "t.part(1, lambda: _seen(userts, usertr)")],
    # a hint
    "test_baselines": [("ymean is indexed by id - 1: index it", "ymean is off by one, indexed by id - 1: index it")],
}
NEW_NAME: Edits = {"test_curves": [("### BEGIN HIDDEN TESTS\n",
                                    "### BEGIN HIDDEN TESTS\n_epochs = t.compute(lambda: len(hist.history))\n")]}
"""A test that reads a name (hist) its run never sent."""


def lab_source(root: Path, edits: Edits) -> Path:
    """The lab's solution notebook with ``edits`` made to its hidden tests (each text must be there)."""
    nb = edited(nbformat.read(solution_notebook(LAB), as_version=4), edits)
    path = root / "source" / f"{LAB}.ipynb"
    write(nb, path)
    return path


def graded_part(folder: Path, students: list[str], to: Path) -> None:
    """``to``: the grading ``folder`` as if only ``students`` had been graded into it (their records, executed
    notebooks and transcripts; the course, the secret, the blobs, the references and run.json)."""
    def others(where: str, names: list[str]) -> list[str]:
        kept = {*students, *(f"{s}.ipynb" for s in students)}
        mine = {str(folder / "students"), str(folder / "executed"), str(folder / "sealed" / "students")}
        return [n for n in names if where in mine and n not in kept]

    shutil.copytree(folder, to, ignore=others)


def regraded(classroom: Path, out: Path, data: Path, source: Path) -> tuple[list[str], str]:
    """Grade ``classroom`` into ``out`` from ``source``: the students whose notebooks ran, and what grade printed."""
    ran, run_worker = [], grading._run_worker

    def recorded(batch, work, student):
        ran.append(student)
        return run_worker(batch, work, student)

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(grading, "_run_worker", recorded)
        assert grade(classroom, assignment=LAB, out=out, jobs=2, data_dir=data, source=source) == 0
    return sorted(ran), printed.getvalue()


def lab_class(corpora, students: list[str], tmp_path: Path) -> tuple[Path, Path]:
    """The corpus's ``students`` as a class (their notebooks), and their first grading (the corpus test's)."""
    graded = corpora(LAB)
    (tmp_path / "class").mkdir()
    for name in students:
        shutil.copy(graded.submissions / f"{name}.ipynb", tmp_path / "class")
    graded_part(graded.out, students, tmp_path / "out")
    return tmp_path / "class", tmp_path / "out"


@pytest.mark.slow  # 7 notebook runs: the fresh grading and the crashed one again
def test_the_lab_judged_again_after_a_tolerance_points_and_a_hint_changed_is_a_fresh_grading(
        corpora, small_twin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    classroom, out = lab_class(corpora, LAB_CLASS, tmp_path)
    source = lab_source(tmp_path, LAB_CHANGES)
    assert regraded(classroom, tmp_path / "fresh", small_twin.parent, source)[0] == sorted(LAB_CLASS[:-1])
    expected = outputs(tmp_path / "fresh", LAB_CLASS)
    assert "ymean is off by one" in expected["ymean_by_id_minus_1/feedback.html"]
    launched = launches(monkeypatch)
    ran, printed = regraded(classroom, out, small_twin.parent, source)
    assert ran == ["kernel_dies_in_curves"]  # its run may get further; the others' repairs are the run's
    assert "re-judged 6, ran 1 again (1: its kernel died)\n" in printed
    # forked from TensorFlow's import: one host per grading thread (--jobs 2), none failed (no judge of its own)
    assert [host for mode, host in launched if mode == "grade"] in ([True], [True, True])
    assert outputs(out, LAB_CLASS) == expected
    facts = RunFacts.read(out)
    assert facts is not None and (facts.graded, facts.rejudged) == (1, 6)
    assert facts.changed == ["4. Training and test sets (test_split)", "5. Baselines: movie and user means "
                             "(test_baselines)", "7. Training (test_training)"]
    assert facts.moved == [["first_75_percent", "first_75_percent", "95 + 10 bonus", "96 + 10 bonus"]]
    report = (out / "report.md").read_text()
    assert f"Tests changed since the grading before: {', '.join(facts.changed)}." in report
    assert "| first_75_percent | first_75_percent | 95 + 10 bonus | 96 + 10 bonus |" in report


@pytest.mark.slow  # 4 notebook runs
def test_the_lab_after_all_four_changes_runs_again_only_the_notebooks_the_new_name_needs(
        corpora, small_twin: Path, tmp_path: Path) -> None:
    students = ["another_assignment", "complete", "first_75_percent"]
    classroom, out = lab_class(corpora, students, tmp_path)
    source = lab_source(tmp_path, {**LAB_CHANGES, **NEW_NAME})
    regraded(classroom, tmp_path / "fresh", small_twin.parent, source)
    ran, printed = regraded(classroom, out, small_twin.parent, source)
    assert ran == ["complete", "first_75_percent"]  # the stray file has no run to judge again
    assert "re-judged 1, ran 2 again (2: test_curves reads hist, which the run never sent)\n" in printed
    assert outputs(out, students) == outputs(tmp_path / "fresh", students)
    facts = RunFacts.read(out)
    assert facts is not None and facts.changed[-1] == "8. Learning curves (test_curves)"
    assert facts.moved == [["first_75_percent", "first_75_percent", "95 + 10 bonus", "96 + 10 bonus"]]
