"""What each student gets back, in ``students/<id>/``: feedback.html and Gradescope's results.json."""

from __future__ import annotations

import json

from ...config import LabGrader
from ...files import atomic_write
from ..outcomes import Outcome
from . import feedback
from .folder import GradingFolder


def gradescope_results(settings: LabGrader, outcome: Outcome) -> dict:
    """Gradescope's results.json of ``outcome``, with the objectives and leaderboard order of ``settings``."""
    ascending = [c["name"] for c in settings.leaderboard if c.get("order") == "asc"]
    return outcome.to_gradescope_dict(settings.objectives, ascending)


def write_student_files(folder: GradingFolder, outcomes: list[Outcome], settings: LabGrader) -> None:
    """Each student's feedback.html and results.json, from ``outcomes`` with their notes of collection."""
    for outcome in outcomes:
        atomic_write(folder.feedback(outcome.student), feedback.render(outcome, settings.assignment))
        atomic_write(folder.results(outcome.student),
                     json.dumps(gradescope_results(settings, outcome), indent=1) + "\n")
