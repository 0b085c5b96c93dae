"""A grading folder (``grade --out``): where each of its files is, the one place that names them.

    grades.csv                one row per student (``grades``)
    run.json                  how the last run went (``runfacts``)
    report.html, report.md    the class report (``report/``)
    similar_submissions.csv   every similar pair (``report/similar_section``)
    canvas_import.csv         with a roster (``lms/canvas``)
    secret                    the grader's own secret (:func:`grading_secret`)
    course/                   the released nbgrader course (``course``)
    students/<id>/            record.json (``cache``), feedback.html (``feedback``), results.json, grading.log
    executed/<id>.ipynb       the notebook as it ran, every output: for the instructor, never for students
    sealed/                   what each run gave its judge, to judge it again (``judge/transcript``): instructor only
      students/<id>/          transcript.json
      blobs/                  the arrays the transcripts name, each once (content-addressed)
      memo/<data>/            the judges' references, computed once per data set (``judge/session.MemoStore``)
    shards/                   the shards' manifests (``cluster/shards``)
    work/[<shard>/]           the workers' folders, while grading
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GRADES = "grades.csv"
RUN = "run.json"
REPORT_HTML, REPORT_MD = "report.html", "report.md"
SIMILAR_CSV = "similar_submissions.csv"
CANVAS_IMPORT = "canvas_import.csv"
SECRET = "secret"
"""The grader's own secret, from which each submission's unpredictable choices come (the judge's spot checks);
kept so that grading again chooses the same."""
COURSE = "course"
STUDENTS = "students"
RECORD, FEEDBACK, RESULTS, GRADING_LOG = "record.json", "feedback.html", "results.json", "grading.log"
"""In each student's folder."""
EXECUTED = "executed"
SEALED = "sealed"
SHARDS = "shards"
WORK = "work"


def _file(name: str) -> property:
    """A file or folder at the top of the grading folder."""
    return property(lambda self: self.root / name, doc=f"``{name}``")


def _students(name: str) -> Callable[[GradingFolder, str], Path]:
    """A file in each student's folder."""
    return lambda self, student: self.student(student) / name


@dataclass(frozen=True)
class GradingFolder:
    """A grading folder, by the paths of its files."""

    root: Path

    grades = _file(GRADES)
    run = _file(RUN)
    report_html = _file(REPORT_HTML)
    report_md = _file(REPORT_MD)
    similar_csv = _file(SIMILAR_CSV)
    canvas_import = _file(CANVAS_IMPORT)
    secret = _file(SECRET)
    course = _file(COURSE)
    students = _file(STUDENTS)
    shards = _file(SHARDS)
    record = _students(RECORD)
    feedback = _students(FEEDBACK)
    results = _students(RESULTS)
    grading_log = _students(GRADING_LOG)

    def student(self, student: str) -> Path:
        return self.root / STUDENTS / student

    def executed(self, student: str) -> Path:
        return self.root / EXECUTED / f"{student}.ipynb"

    def released(self, assignment: str) -> Path:
        """The released notebook of ``assignment`` in the course ``grade`` built here (``course.Course``)."""
        return self.root / COURSE / "release" / assignment / f"{assignment}.ipynb"

    def transcript(self, student: str) -> Path:
        """The folder of ``student``'s transcript (``judge/transcript``)."""
        return self.root / SEALED / STUDENTS / student

    @property
    def blobs(self) -> Path:
        """The class's store of the transcripts' blobs."""
        return self.root / SEALED / "blobs"

    def memo(self, data_key: str) -> Path:
        """The judges' references on the data set of key ``data_key`` (kept from run to run)."""
        return self.root / SEALED / "memo" / data_key

    def work(self, shard: str = "") -> Path:
        """The folder of the worker folders: one per shard (named ``shard``), as shards share the grading folder."""
        return self.root / WORK / shard if shard else self.root / WORK


def grading_secret(folder: GradingFolder) -> str:
    """The grading folder's secret (made once; shards that share the folder share it)."""
    path = folder.secret
    folder.root.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()
