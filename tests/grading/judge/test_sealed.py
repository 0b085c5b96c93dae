"""Each test sealed as it runs, in a real kernel under real nbgrader (the fixture assignment, one batch).

What the judge gets for a test leaves the kernel at that test's own step; no later cell, no forged
message and no code the student wrote can change it, and no line of hidden test code is ever in the
kernel for student code to read.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.judge.exporter import MIME
from movielens_lab.grading.judge.spec import split_hidden

REEXPORT = f'''import json
from IPython.display import display
for grade_id, names in (("test_square", ["square"]), ("test_mean", ["mean"]), ("test_bonus_answer", ["answer"])):
    _mlk.export(grade_id, names, {{"square": lambda x: x * x, "mean": lambda xs: sum(xs) / len(xs), "answer": 42}})
display({{"{MIME}": {{"step": "export", "blobs": {{}},
                      "body": json.dumps({{"grade_id": "test_square", "values": {{}}}})}}}}, raw=True)'''
"""A last cell that exports every section again, correct this time, and forges a step's message."""
SNOOP = '''import gc, sys
seen = [str(v) for v in list(globals().values())] + list(In) + [repr(m.__dict__) for m in list(sys.modules.values())
                                                                if m.__name__.startswith("_mlk")]
seen += [o for o in gc.get_objects() if isinstance(o, str)]
seen += [repr(o.co_consts) for o in gc.get_objects() if type(o).__name__ == "code"]
print("FOUND" if any(s is not MARK and MARK in s for s in seen) else "CLEAN")'''
"""A last cell that looks for a hidden test's text everywhere a kernel keeps things."""


def _hidden_mark() -> str:
    """Code of the fixture's hidden tests that no visible part holds (not a hint: hints are for students)."""
    source = nbformat.read(SOURCE, as_version=4)
    hidden = "\n".join(split_hidden(c.source)[1] for c in source.cells if c.cell_type == "code")
    assert "assert square(-3) == 9" in hidden
    return "assert square(-3) == 9"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("sealed")
    student = nbformat.read(build_course(root / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    subs = root / "submissions"
    wrong = filled(student, square="def square(x):\n    return x * abs(x)", mean="def mean(xs):\n    return 0",
                   bonus_answer="answer = 41")
    reexport = wrong.copy()
    reexport.cells = [*wrong.cells, nbformat.v4.new_code_cell(REEXPORT)]
    write(reexport, subs / "reexport.ipynb")
    snoop = filled(student)
    half = len(_hidden_mark()) // 2  # the mark is made at run time: the cell's own text does not hold it
    mark = f"MARK = {_hidden_mark()[:half]!r} + {_hidden_mark()[half:]!r}\n"
    snoop.cells = [*snoop.cells, nbformat.v4.new_code_cell(mark + SNOOP)]
    write(snoop, subs / "snoop.ipynb")
    write(filled(student, square="def square(x):\n    # ### BEGIN HIDDEN TESTS (a student's own words)\n"
                                 "    return x * x"), subs / "markers.ipynb")
    out = root / "out"
    assert grade(subs, out=out, data_dir=data_folder(root / "data"), source=SOURCE, config=CONFIG, jobs=2) == 0
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"out": out, "rows": rows}


def scores(row: dict) -> tuple[float, ...]:
    return float(row["test_square"]), float(row["test_mean"]), float(row["test_bonus_answer"])


def test_a_later_cell_that_exports_again_or_forges_a_step_changes_nothing(graded: dict) -> None:
    assert scores(graded["rows"]["reexport"]) == (0, 0, 0)


def test_no_hidden_test_code_is_anywhere_in_the_kernel(graded: dict) -> None:
    executed = nbformat.read(graded["out"] / "executed" / "snoop.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "CLEAN" in printed and "FOUND" not in printed
    assert scores(graded["rows"]["snoop"]) == (2, 3, 1)


def test_the_executed_notebook_holds_the_visible_tests_and_no_step_of_the_grader(graded: dict) -> None:
    for name in ("markers", "snoop"):  # (the other one's own cells call the exporter)
        text = (graded["out"] / "executed" / f"{name}.ipynb").read_text()
        assert MIME not in text and "_mlk.export" not in text and _hidden_mark() not in text


def test_hidden_test_markers_in_an_answer_are_the_students_own_words(graded: dict) -> None:
    assert scores(graded["rows"]["markers"]) == (2, 3, 1) and graded["rows"]["markers"]["status"] == "graded"


def test_the_kernels_visible_scores_agree_with_the_judges(graded: dict) -> None:
    """An honest notebook is never listed for review: its own tests scored what the judge gave their visible parts."""
    assert "review" not in graded["rows"]["markers"]["reason"]
    assert "scored" not in graded["rows"]["snoop"]["reason"]  # (listed for reading In, not for its scores)


def test_feedback_shows_none_of_what_a_student_printed(graded: dict) -> None:
    for name in graded["rows"]:
        feedback = (graded["out"] / "students" / name / "feedback.html").read_text()
        assert "CLEAN" not in feedback and _hidden_mark() not in feedback
