"""`grade` as a batch: zips, --jobs, interruption and the CLI (fixture assignment, real nbgrader)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from fixtures.standin import stand_in
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab.cli import main
from movielens_lab.config import lab_settings
from movielens_lab.grading import grade as grading
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.outputs.grades import write_grades


@pytest.fixture(scope="module")
def lms_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of an nbgrader submitted/ tree with four students."""
    root = tmp_path_factory.mktemp("lms")
    student = nbformat.read(build_course(root / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    notebooks = {
        "alice": filled(student),
        "bob": filled(student, mean="def mean(xs):\n    return sum(xs) / 3"),
        "carol": student,
        "dave": filled(student, square="def square(x):\n    return x * abs(x)"),
    }
    archive = root / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, nb in notebooks.items():
            zf.writestr(f"submitted/{name}/fixture_lab/fixture_lab.ipynb", nbformat.writes(nb))
    return archive


@pytest.mark.slow  # grades four submissions twice
def test_jobs_2_gives_the_grades_of_jobs_1(lms_zip: Path, tmp_path: Path):
    data = data_folder(tmp_path / "data")
    for jobs in (1, 2):
        assert grade(lms_zip, out=tmp_path / f"jobs{jobs}", jobs=jobs, data_dir=data, source=SOURCE, config=CONFIG) == 0
    one, two = ((tmp_path / f"jobs{j}" / "grades.csv").read_text() for j in (1, 2))
    assert one == two
    assert [line.split(",")[5] for line in one.splitlines()[1:]] == ["5", "3.5", "0", "3"]
    assert not (tmp_path / "jobs2" / "work").exists()


@pytest.mark.slow  # grades, is interrupted, grades again
def test_an_interrupted_run_keeps_what_was_graded(tmp_path: Path):
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    submissions = tmp_path / "submissions"
    for name in ("a1", "a2", "a3"):
        write(filled(student), submissions / f"{name}.ipynb")
    data, out = data_folder(tmp_path / "data"), tmp_path / "out"
    code = ("import sys; from pathlib import Path; from movielens_lab.grading.grade import grade; "
            "grade(Path(sys.argv[1]), out=Path(sys.argv[2]), data_dir=Path(sys.argv[3]), "
            "source=Path(sys.argv[4]), config=Path(sys.argv[5]))")
    proc = subprocess.Popen([sys.executable, "-c", code, submissions, out, data, SOURCE, CONFIG],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = out / "students" / "a1" / "record.json"
    deadline = time.monotonic() + 300
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    assert first.exists()
    stamp = first.stat().st_mtime_ns
    assert grade(submissions, out=out, data_dir=data, source=SOURCE, config=CONFIG) == 0
    assert first.stat().st_mtime_ns == stamp  # not graded again
    rows = (out / "grades.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["a1", "a2", "a3"]
    assert all(",5,1,graded,ok" in row for row in rows)


@pytest.mark.slow  # waits out the notebook timeout
def test_the_notebook_timeout_stops_a_whole_submission(tmp_path: Path):
    config = tmp_path / "grader_config.py"
    config.write_text(CONFIG.read_text().replace("notebook_timeout = 60", "notebook_timeout = 8")
                      .replace("cell_timeout = 5", "cell_timeout = 120"))
    course = build_course(tmp_path / "course", SOURCE, lab_settings(config))
    student = nbformat.read(course.student_notebook, as_version=4)
    write(filled(student, square="import time\ntime.sleep(600)"), tmp_path / "submissions" / "slow.ipynb")
    start = time.monotonic()
    grade(tmp_path / "submissions", out=tmp_path / "out", data_dir=data_folder(tmp_path / "data"),
          source=SOURCE, config=config)
    assert time.monotonic() - start < 120
    row = (tmp_path / "out" / "grades.csv").read_text().splitlines()[1]
    assert row == "slow,slow,0,0,0,0,0,timeout,the notebook ran past 8 s in all and was stopped,,,,fixture_lab,timeout"


def test_grades_csv_is_written_once_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """40 students, their notebook runs stood in for (tests/fixtures/standin.py): one write of grades.csv, not 40."""
    writes: list[int] = []

    def counted(out, outcomes, *args):
        writes.append(len(outcomes))
        write_grades(out, outcomes, *args)

    monkeypatch.setattr(grading, "_grade", stand_in)
    monkeypatch.setattr(grading, "write_grades", counted)
    out = tmp_path / "out"  # its course released here, as grade releases it (grade finds it current)
    student = nbformat.read(build_course(out / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    for k in range(40):
        write(filled(student), tmp_path / "subs" / f"s{k:02d}.ipynb")
    assert grade(tmp_path / "subs", out=out, unsafe=True, data_dir=data_folder(tmp_path / "data"), source=SOURCE,
                 config=CONFIG) == 0
    assert writes == [40]
    assert (out / "grades.csv").read_text().count(",5,1,graded,ok,") == 40


def test_cli_errors_are_one_line(tmp_path: Path, capsys):
    assert main(["grade", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"), "--unsafe",
                 "--data-dir", str(data_folder(tmp_path / "data"))]) == 1
    err = capsys.readouterr().err.splitlines()  # the input is checked before anything else is said
    assert len(err) == 1 and err[0].startswith("error: ") and "nothing not found" in err[0]
    assert main(["grade", str(tmp_path), "--jobs", "0", "--unsafe"]) == 1
    assert "--jobs must be at least 1" in capsys.readouterr().err
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "x.ipynb").write_text("{}")
    assert main(["grade", str(tmp_path / "subs"), "--unsafe", "--data-dir", str(tmp_path / "empty")]) == 1
    assert "no ml-1m/ratings.dat" in capsys.readouterr().err


@pytest.mark.slow
def test_feedback_carries_the_notes_of_collection(tmp_path: Path):
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    submissions = tmp_path / "canvas"
    submissions.mkdir()
    nbformat.write(student, submissions / "alice_102_5552_fixture_lab.ipynb")
    nbformat.write(filled(student), submissions / "alice_102_5553_fixture_lab-1.ipynb")
    assert grade(submissions, out=tmp_path / "out", data_dir=data_folder(tmp_path / "data"), source=SOURCE,
                 config=CONFIG) == 0
    feedback = (tmp_path / "out" / "students" / "alice_102" / "feedback.html").read_text()
    assert "2 submissions for this student" in feedback and "alice_102_5552_fixture_lab.ipynb" in feedback


@pytest.mark.slow
def test_results_json_has_the_judges_leaderboard_and_the_objectives(tmp_path: Path):
    config = tmp_path / "grader_config.py"
    config.write_text(CONFIG.read_text() + '\nc.LabGrader.objectives = {"test_mean": "average a list"}\n'
                      'c.LabGrader.leaderboard = [{"name": "twice the answer", "test": "test_bonus_answer", '
                      '"value": "answer * 2"}, {"name": "never", "test": "test_mean", "value": "1 / 0"}]\n')
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    write(filled(student), tmp_path / "subs" / "alice.ipynb")
    assert grade(tmp_path / "subs", out=tmp_path / "out", data_dir=data_folder(tmp_path / "data"), source=SOURCE,
                 config=config) == 0
    results = json.loads((tmp_path / "out" / "students" / "alice" / "results.json").read_text())
    assert results["leaderboard"] == [{"name": "twice the answer", "value": 84.0}]
    assert results["execution_time"] >= 1 and results["stdout_visibility"] == "hidden"
    assert [(t["status"], t["tags"]) for t in results["tests"]] == [("passed", []), ("passed", ["average a list"]),
                                                                    ("passed", [])]
