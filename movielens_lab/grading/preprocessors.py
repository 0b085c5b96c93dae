"""nbgrader-style preprocessors the grader adds: one concern each."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Float

from ..errors import LabError


class ApplyPoints(NbGraderPreprocessor):
    """Write the points of ``grader_config.py`` into the autograder-test cells, by grade_id."""

    points = Dict(value_trait=Float(), help="points of each autograder-test cell, by grade_id").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        tests = [cell for cell in nb.cells if utils.is_grade(cell) and not utils.is_solution(cell)]
        ids = [cell.metadata.nbgrader["grade_id"] for cell in tests]
        missing = sorted(set(ids) - set(self.points))
        extra = sorted(set(self.points) - set(ids))
        if missing or extra:
            raise LabError(
                f"grader_config.py points do not match the notebook's test cells (no points for: "
                f"{', '.join(missing) or '-'}; no such cell: {', '.join(extra) or '-'}); fix c.LabGrader.points"
            )
        for cell in tests:
            cell.metadata.nbgrader["points"] = self.points[cell.metadata.nbgrader["grade_id"]]
        return nb, resources
