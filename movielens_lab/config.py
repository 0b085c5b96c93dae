"""The grading configuration: traitlets configurables loaded from ``grader_config.py``."""

from __future__ import annotations

from pathlib import Path

from traitlets import Dict, Float, Integer, List, Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

from .errors import LabError
from .paths import GRADER_CONFIG


class LabGrader(Configurable):
    """Course, assignment, limits and points of the lab (nbgrader's own settings sit beside it)."""

    course_id = Unicode("movielens-lab", help="nbgrader course id").tag(config=True)
    assignment = Unicode("movielens_lab", help="assignment name, also the notebook's file stem").tag(config=True)
    cell_timeout = Integer(300, help="seconds one cell may run while grading").tag(config=True)
    notebook_timeout = Integer(1800, help="seconds a whole submission may run while grading").tag(config=True)
    memory_limit_mb = Integer(4096, help="memory a submission's kernel may use, in MiB").tag(config=True)
    disk_limit_mb = Integer(1024, help="space a submission may write in all (its folder and /tmp, held in "
                                       "memory), in MiB").tag(config=True)
    points = Dict(value_trait=Float(), help="points of each autograder-test cell, by grade_id").tag(config=True)
    bonus = List(Unicode(), help="grade_ids of the bonus test cells (reported on top of the total)").tag(config=True)
    tolerances = Dict(value_trait=Float(), help="absolute tolerances of the lab's key values").tag(config=True)
    references = Dict(value_trait=Float(), help="the lab's published key values").tag(config=True)
    objectives = Dict(value_trait=Unicode(), help="each test's learning objective, by grade_id (Gradescope's "
                                                  "tags)").tag(config=True)
    leaderboard = List(Dict(), help="Gradescope leaderboard columns, each {'name', 'test' (a grade_id), 'value' "
                                    "(an expression the judge evaluates after that test), 'order' ('asc' where lower "
                                    "is better)}; empty: no leaderboard").tag(config=True)


def load_config(path: Path = GRADER_CONFIG) -> Config:
    """Read ``grader_config.py`` (a traitlets config file, like nbgrader_config.py)."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"{path} not found: run from the project folder or restore grader_config.py")
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def lab_settings(path: Path = GRADER_CONFIG) -> LabGrader:
    """The LabGrader settings from ``grader_config.py``."""
    return LabGrader(config=load_config(path))
