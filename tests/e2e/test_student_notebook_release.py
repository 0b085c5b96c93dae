"""The committed student notebook is exactly what `release` generates from the source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from movielens_lab.config import lab_settings
from movielens_lab.grading.course import kernel_language_info
from movielens_lab.grading.judge.spec import split_hidden
from movielens_lab.paths import LAB, LAB_2, solution_notebook, student_notebook

pytestmark = pytest.mark.parametrize("assignment", [LAB, LAB_2])


def _release(tmp_path: Path, assignment: str) -> Path:
    student = tmp_path / "student.ipynb"
    subprocess.run([sys.executable, "-c",
                    "import sys; from pathlib import Path; from movielens_lab.grading.course import release; "
                    "release(assignment=sys.argv[3], course_dir=Path(sys.argv[1]), student=Path(sys.argv[2]))",
                    str(tmp_path / "course"), str(student), assignment], check=True, capture_output=True, text=True)
    return student


def _as_released_here(generated: Path, committed: Path) -> str:
    """The generated notebook's text with the committed one's Python version: release records the version of the
    Python that released it (its kernel's language_info), and CI may run another."""
    version = json.loads(committed.read_text())["metadata"]["language_info"]["version"]
    return generated.read_text().replace(json.dumps(kernel_language_info()["version"]), json.dumps(version))


def test_committed_student_notebook_is_the_generated_one(tmp_path: Path, assignment: str) -> None:
    generated = _release(tmp_path, assignment)
    assert _as_released_here(generated, student_notebook(assignment)) == student_notebook(assignment).read_text(), (
        f"notebooks/{assignment}.ipynb differs from what `python -m movielens_lab release --assignment "
        f"{assignment}` generates: edit solutions/{assignment}.ipynb and release again, never the student copy")


def _secret_lines(source: nbformat.NotebookNode) -> list[str]:
    """The long lines of the reference answers and hidden tests that no released part of the source holds."""
    secret, public = [], []
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            before, rest = cell.source.split("### BEGIN SOLUTION", 1)
            answer, after = rest.split("### END SOLUTION", 1)
            secret.append(answer)
            public += [before, after]
        else:
            visible, hidden, tail = split_hidden(cell.source)
            secret.append(hidden)
            public += [visible, tail]
    released = "\n".join(public)
    lines = (line.strip() for text in secret for line in text.splitlines())
    return [line for line in lines if len(line) > 30 and line not in released]


def test_student_notebook_hides_solutions_and_hidden_tests(assignment: str) -> None:
    text = student_notebook(assignment).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN TESTS"):
        assert marker not in text
    student = nbformat.reads(text, as_version=4)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    # The reference code of every answer cell is gone, replaced by the TODO placeholder.
    answers = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == len(lab_settings(assignment=assignment).points)
    assert all("raise NotImplementedError()" in c.source for c in answers)
    given = "\n".join(c.source for c in student.cells)
    secret = _secret_lines(nbformat.read(solution_notebook(assignment), as_version=4))
    assert len(secret) > 30
    shown = [line for line in secret if line in given]
    assert not shown


def test_source_has_a_test_cell_after_every_todo_with_points_summing_to_100(assignment: str) -> None:
    source = json.loads(solution_notebook(assignment).read_text())
    meta = [c["metadata"].get("nbgrader", {}) for c in source["cells"]]
    answers = [i for i, m in enumerate(meta) if m.get("solution")]
    for i in answers:
        assert meta[i + 1].get("grade") and meta[i + 1]["grade_id"] == "test_" + meta[i]["grade_id"]
        assert "### BEGIN SOLUTION" in "".join(source["cells"][i]["source"])
        assert "### BEGIN HIDDEN TESTS" in "".join(source["cells"][i + 1]["source"])
    points = {m["grade_id"]: m["points"] for m in meta if m.get("grade")}
    bonus = lab_settings(assignment=assignment).bonus
    assert sum(v for k, v in points.items() if k not in bonus) == 100
    assert len(bonus) == 1 and points[bonus[0]] > 0
