"""What the judge runs, read from the instructor's notebook: given cells, and each test cell in parts.

:func:`judge_spec` takes the source notebook for ``grade`` (visible and hidden tests) or the
released notebook for ``check`` (visible tests only). Per test cell it keeps the code before,
inside and after the hidden-test markers, the names the test reads from the student's variables
(exactly what the kernel exports for it, and all the judge takes), and the names of that section's
TODO that the hidden code corrects when the section is lost (``repairs``): the kernel receives them
only as data, or, for a function, as the solution's own, after the section is judged. The solution's
functions (``solutions``, by name) are also what the hidden code's ``_solution(name)`` gives it: the
reference the judge fits and compares with is the instructor's own answer.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable

from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from ...config import LabGrader
from ..executed import is_test
from .judge import PROVIDED

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HEADING = re.compile(r"^#{1,3}\s+(.+)$", re.MULTILINE)


def is_given(cell: NotebookNode) -> bool:
    """A code cell of the instructor's that is neither an answer nor a test (setup, data, helpers)."""
    return cell.cell_type == "code" and not utils.is_solution(cell) and not utils.is_grade(cell)


def split_hidden(source: str) -> tuple[str, str, str]:
    """A test cell's code before, inside and after its hidden-test region."""
    lines = source.splitlines()
    marks = [k for k, line in enumerate(lines) if line.strip() in (BEGIN, END)]
    if len(marks) < 2:
        return source, "", ""
    start, stop = marks[0], marks[-1]
    hidden = [line for line in lines[start + 1:stop] if line.strip() not in (BEGIN, END)]
    return "\n".join(lines[:start]), "\n".join(hidden), "\n".join(lines[stop + 1:])


def without_hidden(source: str) -> str:
    """A test cell's code without its hidden-test region (what a student's kernel runs)."""
    visible, hidden, tail = split_hidden(source)
    return "\n".join(part for part in (visible, tail) if part) if hidden else source


def defined_names(code: str) -> set[str]:
    """Names ``code`` defines at module level (assigned, imported, or a ``def``/``class``)."""
    try:
        table = symtable.symtable(code, "<cell>", "exec")
    except SyntaxError:
        return set()
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}


def module_names(code: str) -> set[str]:
    """Every name ``code`` uses or sets at module level."""
    try:
        return {s.get_name() for s in symtable.symtable(code, "<cell>", "exec").get_symbols()}
    except SyntaxError:
        return set()


def without_solution_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def functions(source: str) -> dict[str, str]:
    """The module-level functions of ``source`` (solution markers dropped), by name: their own source."""
    code = without_solution_markers(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    return {node.name: ast.get_source_segment(code, node) for node in tree.body if isinstance(node, ast.FunctionDef)}


def sections(nb: NotebookNode) -> dict[str, list[str]]:
    """Each test cell's answer cells: the sources of the solution cells since the test cell before it."""
    answers: list[str] = []
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and utils.is_solution(cell):
            answers.append(cell.source)
        elif is_test(cell):
            out[cell.metadata.nbgrader["grade_id"]] = answers
            answers = []
    return out


class _FirstUse(ast.NodeVisitor):
    """The first use of every name in a cell, in the order Python runs it (values before targets)."""

    def __init__(self) -> None:
        self.first: dict[str, bool] = {}

    def visit_Name(self, node: ast.Name) -> None:
        self.first.setdefault(node.id, isinstance(node.ctx, ast.Load))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for child in [*node.decorator_list, *node.args.defaults, *node.body]:
            self.visit(child)
        self.first.setdefault(node.name, False)


def read_names(code: str) -> set[str]:
    """Module-level names ``code`` reads before it sets them, in its own body or in its functions and lambdas.

    A name a nested function reads counts only where it is a global there: not a parameter or a local
    of that function, though another function may read the same name as a global.
    """
    def globals_read(table: symtable.SymbolTable) -> set[str]:
        names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
        return names.union(*(globals_read(child) for child in table.get_children()))

    visitor = _FirstUse()
    visitor.visit(ast.parse(code))
    top = symtable.symtable(code, "<test>", "exec")
    nested = set().union(*(globals_read(child) for child in top.get_children()))
    top_level = {s.get_name() for s in top.get_symbols()}
    return {name for name, read in visitor.first.items() if read and (name in top_level or name in nested)}


def cell_sections(nb: NotebookNode) -> dict[str, str]:
    """Each code cell with a grade_id: its section, the last markdown heading above it ("" above the first)."""
    sections, current = {}, ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = HEADING.findall(cell.source)
            current = headings[-1].strip() if headings else current
        elif cell.metadata.get("nbgrader", {}).get("grade_id"):
            sections[cell.metadata.nbgrader["grade_id"]] = current
    return sections


def section_titles(nb: NotebookNode) -> dict[str, str]:
    """Each test cell's section: the last markdown heading above it."""
    sections = cell_sections(nb)
    return {cell.metadata.nbgrader["grade_id"]: sections[cell.metadata.nbgrader["grade_id"]]
            or cell.metadata.nbgrader["grade_id"] for cell in nb.cells if is_test(cell)}


def judge_spec(nb: NotebookNode, points: dict[str, float], bonus: list[str], leaderboard: list[dict] = (),
               kept: list[str] = ()) -> dict:
    """What the judge runs: the given cells and every test cell, with the names each test reads.

    A test ``repairs`` the names its hidden code sets that its section's answer cells use or set (the
    section's TODO): a mistake there costs only that section, as later sections get these corrected.

    ``leaderboard``: columns ``{"name", "test", "value"}`` the judge evaluates after test ``test``; ``kept``: given
    functions whose calls in the given cells the judge keeps like references (``Judge``).
    """
    given = [cell.source for cell in nb.cells if is_given(cell)]
    known = set(dir(builtins)).union(PROVIDED, *(defined_names(code) for code in given))
    titles, answers = section_titles(nb), sections(nb)
    tests = []
    for cell in nb.cells:
        if not is_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        visible, hidden, tail = split_hidden(cell.source)
        measured = [column["value"] for column in leaderboard if column.get("test") == grade_id]
        names = sorted(read_names("\n".join([cell.source, *measured])) - known)
        todo = set().union(*(module_names(without_solution_markers(a)) for a in answers[grade_id]))
        repairs = sorted(n for n in defined_names(hidden) & todo if not n.startswith("_"))
        tests.append({"grade_id": grade_id, "title": titles[grade_id], "points": float(points.get(grade_id, 0.0)),
                      "visible": visible, "hidden": hidden, "tail": tail, "names": names, "repairs": repairs})
    solutions = {name: code for cell in nb.cells if cell.cell_type == "code" and utils.is_solution(cell)
                 for name, code in functions(cell.source).items()}
    return {"given": given, "tests": tests, "solutions": solutions, "bonus": list(bonus),
            "leaderboard": [dict(c) for c in leaderboard], "kept": list(kept)}


def course_spec(nb: NotebookNode, settings: LabGrader) -> dict:
    """What the judge runs for an assignment under its ``settings`` (:func:`judge_spec`)."""
    return judge_spec(nb, settings.points, settings.bonus, settings.leaderboard, settings.kept_given_calls)


