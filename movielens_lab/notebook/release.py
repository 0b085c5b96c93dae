"""``python -m movielens_lab release``: the nbgrader course folder and the student notebook."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..grading.course import build_course
from ..paths import GRADER_CONFIG, SOLUTION_NOTEBOOK, STUDENT_NOTEBOOK


def release(course_dir: Path = Path("course"), source: Path = SOLUTION_NOTEBOOK, config: Path = GRADER_CONFIG,
            student: Path = STUDENT_NOTEBOOK) -> None:
    """Set up the course folder from ``grader_config.py`` and write the student notebook (no outputs)."""
    course = build_course(Path(course_dir), source, config)
    student = Path(student)
    student.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(course.student_notebook, student)
    print(f"released {course.assignment}: course folder {course.root}, student notebook {student}")
