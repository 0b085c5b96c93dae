"""The grading configuration: traitlets configurables loaded from ``grader_config.py``.

A course lists its assignments in ``c.LabGrader.assignments``: each entry overrides the
LabGrader settings for that assignment. :func:`course_settings` resolves every one (once, at
the command's edge) and :func:`pick` chooses one by name.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path

from traitlets import Bool, Dict, Float, Integer, List, Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

from .errors import LabError
from .paths import CONFIG_NAME, GRADER_CONFIG


class LabGrader(Configurable):
    """The settings of one assignment: course, name, limits and points (nbgrader's own settings sit beside it)."""

    course_id = Unicode("movielens-lab", help="nbgrader course id").tag(config=True)
    assignment = Unicode("movielens_lab", help="assignment name, also the notebook's file stem").tag(config=True)
    cell_timeout = Integer(300, help="seconds one cell may run while grading").tag(config=True)
    notebook_timeout = Integer(1800, help="seconds a whole submission may run while grading").tag(config=True)
    memory_limit_mb = Integer(4096, help="memory a submission's kernel may use, in MiB").tag(config=True)
    disk_limit_mb = Integer(1024, help="space a submission may write in all (its folder and /tmp, held in "
                                       "memory), in MiB").tag(config=True)
    max_notebook_mb = Integer(50, help="the largest notebook file a submission may be, in MiB: a larger one is not "
                              "read, and its row says it is too large").tag(config=True)
    max_cells = Integer(2000, help="the most cells a submitted notebook may have (checked before they are "
                        "parsed)").tag(config=True)
    max_cell_kb = Integer(256, help="the largest code cell a submitted notebook may have, in KiB (checked before it "
                          "is parsed)").tag(config=True)
    points = Dict(value_trait=Float(), help="points of each autograder-test cell, by grade_id").tag(config=True)
    bonus = List(Unicode(), help="grade_ids of the bonus test cells (reported on top of the total)").tag(config=True)
    tolerances = Dict(value_trait=Float(), help="absolute tolerances of the lab's key values").tag(config=True)
    references = Dict(value_trait=Float(), help="the lab's published key values").tag(config=True)
    objectives = Dict(value_trait=Unicode(), help="each test's learning objective, by grade_id (Gradescope's "
                                                  "tags)").tag(config=True)
    leaderboard = List(Dict(), help="Gradescope leaderboard columns, each {'name', 'test' (a grade_id), 'value' "
                                    "(an expression the judge evaluates after that test), 'order' ('asc' where lower "
                                    "is better)}; empty: no leaderboard").tag(config=True)
    kept_given_calls = List(Unicode(), help="functions of the given cells whose calls in a given cell the judge keeps "
                                            "with the course's references (a training every judge would repeat), "
                                            "keyed by the given cells up to the call, its arguments and the data: "
                                            "its returned value only (what it does to its arguments, or to the "
                                            "random generators, is not kept)").tag(config=True)
    reveals = List(Unicode(), help="assignments whose answers this one's given cells hold: `release` says to hand it "
                                   "out only after their deadline").tag(config=True)
    similarity = Bool(True, help="compare the class's answers after grading: the class report's Similar submissions "
                                 "and similar_submissions.csv (False: neither)").tag(config=True)
    similarity_threshold = Float(0.5, help="the similarity, from 0 to 1, from which the report lists a pair of "
                                           "students").tag(config=True)
    assignments = Dict(value_trait=Dict(), help="the course's assignments, by name, in order (the first is the "
                                                "default): each one's LabGrader settings that differ from the "
                                                "values above; empty: the one `assignment`").tag(config=True)


COURSE_WIDE = ("course_id", "assignment", "assignments")
"""Settings an entry of ``assignments`` cannot override: they belong to the course, or are the entry's name."""


def load_config(path: Path = GRADER_CONFIG) -> Config:
    """Read ``grader_config.py`` (a traitlets config file, like nbgrader_config.py)."""
    path = Path(path)
    if not path.is_file():
        where = (f"run from the course folder (the one holding {CONFIG_NAME}, solutions/ and notebooks/) or restore "
                 "it" if path.name == CONFIG_NAME else f"restore {path.name}")
        raise LabError(f"{path} not found: {where}")
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def _overridden(config: Config, name: str, overrides: dict) -> LabGrader:
    """The settings of assignment ``name``: ``config`` with its ``overrides`` of LabGrader's traits."""
    allowed = [t for t in LabGrader.class_trait_names(config=True) if t not in COURSE_WIDE]
    for key in overrides:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"an assignment may set {', '.join(sorted(allowed))}"
            raise LabError(f"grader_config.py: assignment {name!r} sets {key!r}, not a setting of one assignment; "
                           f"{hint}")
    merged = copy.deepcopy(config)
    merged.merge(Config({"LabGrader": {**overrides, "assignment": name}}))
    return LabGrader(config=merged)


def course_settings(path: Path = GRADER_CONFIG) -> dict[str, LabGrader]:
    """Every assignment's settings from ``grader_config.py``, by name, in the order it lists them.

    Without ``c.LabGrader.assignments``, the one assignment ``c.LabGrader.assignment`` names.
    """
    config = load_config(path)
    base = LabGrader(config=config)
    if not base.assignments:
        return {base.assignment: base}
    return {name: _overridden(config, name, overrides) for name, overrides in base.assignments.items()}


def pick(course: dict[str, LabGrader], assignment: str | None = None) -> LabGrader:
    """The settings of ``assignment`` (None: the first listed); a one-line LabError naming the known ones."""
    if assignment is None:
        return next(iter(course.values()))
    if assignment not in course:
        close = difflib.get_close_matches(assignment, list(course), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise LabError(f"unknown assignment {assignment!r}; {hint}grader_config.py lists {', '.join(course)}")
    return course[assignment]


def lab_settings(path: Path = GRADER_CONFIG, assignment: str | None = None) -> LabGrader:
    """The settings of ``assignment`` (None: the first listed) from ``grader_config.py``."""
    return pick(course_settings(path), assignment)
