"""nbgrader-style preprocessors the grader adds: one concern each."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
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


class HideTestCode(ClearHiddenTests):
    """Keep hidden test code out of feedback: drop the hidden region and test-cell tracebacks.

    nbgrader's feedback shows the autograded notebook, whose test cells were restored from
    the source with their hidden tests; a traceback would quote the failing hidden line too.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            self._remove_hidden_test_region(cell)
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
