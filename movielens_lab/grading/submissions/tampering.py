"""Flag student code that reaches for the tests instead of answering them.

The grade never depends on this (the judge gives the points, and student code cannot reach
it); the flags tell the instructor whom to look at: redefining the test helper or the
grader's exporter, patching modules or builtins the tests use, hooking IPython, or reading
other cells' sources.

The scan runs in the grader's own process, so its work is bounded: it reads at most
``SCAN_BYTES`` of code per submission and ``SCAN_CELL_BYTES`` per cell (a syntax tree takes
some 300 times its source's size), and code it cannot read in full, or that is nested too
deeply to parse, is itself a flag.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from IPython.core.inputtransformer2 import TransformerManager

EXPORTER = "_mlk"
"""The grader's steps in the kernel (``judge.exporter``)."""
HELPERS = {"LabCheck", "_LabCheck", EXPORTER}
"""The test helper and the grader's exporter (and their private aliases)."""
MODULES = {"np", "numpy", "_np", "pd", "pandas", "_pd", "keras", "_keras", "tf", "tensorflow", "layers",
           "_layers", "scipy", "_sparse", "plt", "_plt", "builtins", "__builtins__", "math", "operator",
           "warnings", "sys"}
"""Modules (as the notebook imports them) whose attributes the tests call."""
SOURCES = {"In", "_ih", "_i", "_ii", "_iii", "Out", "_oh", "_dh", "inspect"}
"""Ways to read the code of other cells (hidden tests included)."""
RISKY_IMPORTS = {"builtins", "inspect", "gc", "ctypes"}
"""Modules whose only use in this lab would be to reach the tests' objects."""
IPYTHON_OK = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
"""What a notebook's magics turn into: harmless."""
SCAN_BYTES = 2**20
"""The most code scanned per submission (a second or two)."""
SCAN_CELL_BYTES = 256 * 2**10
"""The largest cell scanned."""


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _findings(tree: ast.AST) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in HELPERS:
            yield f"redefines the test helper {node.name}"
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                root = _root(target)
                if isinstance(target, ast.Name) and target.id in HELPERS:
                    yield f"redefines the test helper {target.id}"
                elif root in HELPERS:
                    yield f"changes the test helper {root}"
                elif root in MODULES and isinstance(target, (ast.Attribute, ast.Subscript)):
                    yield f"patches {ast.unparse(target)}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            root = _root(node.args[0]) if node.args else None
            if root in HELPERS | MODULES:
                yield f"patches {root} with {node.func.id}"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = {a.name.split(".")[0] for a in node.names}
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module.split(".")[0])
            yield from (f"imports {name}" for name in sorted(modules & RISKY_IMPORTS))
        elif isinstance(node, ast.Name) and node.id in SOURCES and isinstance(node.ctx, ast.Load):
            yield f"reads other cells' code ({node.id})"
        elif isinstance(node, ast.Name) and node.id == EXPORTER and isinstance(node.ctx, ast.Load):
            yield f"uses the grader's steps ({EXPORTER})"
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name) and node.value.func.id == "get_ipython"
              and node.attr not in IPYTHON_OK):
            yield f"uses IPython's internals (get_ipython().{node.attr})"


def scan(sources: Iterable[str]) -> list[str]:
    """What the student's cells do to the tests, one plain line per kind of finding (none for honest code); code
    past the scan's bounds, or nested too deeply to parse, is a finding too."""
    transform = TransformerManager().transform_cell
    found: dict[str, None] = {}
    budget = SCAN_BYTES
    for source in sources:
        if len(source) > SCAN_CELL_BYTES:
            found[f"has a cell over {SCAN_CELL_BYTES >> 10} KiB, not scanned: look at it"] = None
            continue
        budget -= len(source)
        if budget < 0:
            found[f"has more than {SCAN_BYTES >> 20} MiB of code, not all scanned: look at it"] = None
            break
        try:
            found.update(dict.fromkeys(_findings(_parse(source, transform))))
        except (SyntaxError, ValueError):
            continue
        except (RecursionError, MemoryError):
            found["has code nested too deeply to scan: look at it"] = None
    return list(found)


def _parse(source: str, transform: Callable[[str], str]) -> ast.AST:
    """The tree of a cell's code; IPython's syntax (magics, ``!``, ``?``, prompts) turned into Python first where
    the code is not Python as it is (the slow part of the scan, so only then)."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.parse(transform(source))
