"""The committed student notebook is exactly what `release` generates from the source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from movielens_lab.paths import LAB, SOLUTION_NOTEBOOK, student_notebook

STUDENT_NOTEBOOK = student_notebook(LAB)


def _release(tmp_path: Path) -> Path:
    student = tmp_path / "student.ipynb"
    subprocess.run([sys.executable, "-c",
                    "import sys; from pathlib import Path; from movielens_lab.grading.course import release; "
                    "release(assignment=sys.argv[3], course_dir=Path(sys.argv[1]), student=Path(sys.argv[2]))",
                    str(tmp_path / "course"), str(student), LAB], check=True, capture_output=True, text=True)
    return student


def test_committed_student_notebook_is_the_generated_one(tmp_path: Path) -> None:
    generated = _release(tmp_path)
    assert generated.read_text() == STUDENT_NOTEBOOK.read_text(), (
        "notebooks/movielens_lab.ipynb differs from what `python -m movielens_lab release` generates: "
        "edit solutions/movielens_lab.ipynb and release again, never the student copy")


def test_student_notebook_hides_solutions_and_hidden_tests() -> None:
    text = STUDENT_NOTEBOOK.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN TESTS"):
        assert marker not in text
    student = nbformat.reads(text, as_version=4)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    # The reference code of every answer cell is gone, replaced by the TODO placeholder.
    answers = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == 11
    assert all("raise NotImplementedError()" in c.source for c in answers)
    assert "ysum / np.maximum(ycnt, 1)" not in text and "top10_new = pd.DataFrame" not in text


def test_source_has_a_test_cell_after_every_todo_with_points_summing_to_100() -> None:
    source = json.loads(SOLUTION_NOTEBOOK.read_text())
    meta = [c["metadata"].get("nbgrader", {}) for c in source["cells"]]
    answers = [i for i, m in enumerate(meta) if m.get("solution")]
    for i in answers:
        assert meta[i + 1].get("grade") and meta[i + 1]["grade_id"] == "test_" + meta[i]["grade_id"]
        assert "### BEGIN SOLUTION" in "".join(source["cells"][i]["source"])
        assert "### BEGIN HIDDEN TESTS" in "".join(source["cells"][i + 1]["source"])
    points = {m["grade_id"]: m["points"] for m in meta if m.get("grade")}
    assert sum(v for k, v in points.items() if k != "test_bonus_sweep") == 100
    assert points["test_bonus_sweep"] > 0
