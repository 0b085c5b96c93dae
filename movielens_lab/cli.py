"""Command line: ``python -m movielens_lab COMMAND ...``.

This module only wires arguments to the functions that do the work; each command's
module is imported when the command runs, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import LabError

PROG = "python -m movielens_lab"
LAYOUTS = ("auto", "folder", "nbgrader", "canvas", "moodle", "blackboard")
"""``grade --layout`` choices: ``grading.collect.LAYOUTS``, spelled out so that --help stays instant."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, with a suggestion for typos."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if "invalid choice:" in message:
            bad = message.split("invalid choice:", 1)[1].split("(", 1)[0].strip(" '")
            choices = [c for a in self._actions if a.choices for c in a.choices]
            close = difflib.get_close_matches(bad, choices, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; choose from {', '.join(choices)}"
            message = f"unknown command '{bad}'{hint}"
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _command(sub: argparse._SubParsersAction, name: str, target: str, help: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(target=target)
    return parser


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="data folder (default: $MOVIELENS_DIR, else ./data)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = _Parser(prog=PROG, description="Instructor tools for the MovieLens low-rank lab.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    data = commands.add_parser("data", help="download, generate or describe datasets")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    data_commands.required = True

    fetch = _command(data_commands, "fetch", "data.fetch:fetch",
                     "download a MovieLens dataset from GroupLens, verify and extract it")
    fetch.add_argument("--dataset", choices=["ml-1m", "ml-100k"], default="ml-1m")
    _data_dir_option(fetch)
    fetch.add_argument("--url", default=None, help="download from this URL instead of GroupLens (a mirror of the same zip; end it in #sha256=HEX to accept another file)")

    twin = _command(data_commands, "twin", "data.twin:write_twin",
                    "write the synthetic offline twin of MovieLens 1M (exact ml-1m layout)")
    _data_dir_option(twin)
    twin.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    twin.add_argument("--scale", type=float, default=1.0,
                      help="fraction of MovieLens 1M's size, e.g. 0.05 for fast tests (default 1)")

    stats = _command(data_commands, "stats", "data.stats:print_stats",
                     "print a dataset's shape and the lab's numbers beside their targets")
    stats.add_argument("folder", type=Path, help="folder holding ratings.dat, movies.dat, users.dat")
    stats.add_argument("--no-model", dest="model", action="store_false",
                       help="skip the Keras numbers (shape facts only, fast)")

    demo = _command(commands, "demo", "notebook.demo:demo",
                    "get a dataset, run the reference solution notebook and print its key numbers")
    _data_dir_option(demo)
    demo.add_argument("--out", type=Path, default=Path("out/demo"),
                      help="where the executed notebook and figures go (default out/demo)")
    demo.add_argument("--offline", action="store_true", help="do not try to download; use the twin")

    release = _command(commands, "release", "notebook.release:release",
                       "set up the nbgrader course folder and generate the student notebook")
    release.add_argument("--course-dir", type=Path, default=Path("course"),
                         help="nbgrader course folder (default ./course)")

    grade = _command(commands, "grade", "grading.batch:grade",
                     "autograde a folder or zip of submissions; write feedback, grades.csv, results.json")
    grade.add_argument("submissions", type=Path,
                       help="folder of NAME.ipynb, an nbgrader submitted/ tree, an LMS download, or a zip of either")
    grade.add_argument("--layout", choices=LAYOUTS, default="auto",
                       help="how files name their students (default auto: guessed from the names)")
    grade.add_argument("--out", type=Path, default=Path("grading"), help="output folder (default ./grading)")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade.add_argument("--unsafe", action="store_true",
                       help="grade without the sandbox when it cannot be set up (student code runs as you)")
    _data_dir_option(grade)

    check = _command(commands, "check", "grading.check:check",
                     "run a notebook and the visible tests the grader runs; print per-section results")
    check.add_argument("notebook", type=Path)
    _data_dir_option(check)

    gradescope = _command(commands, "gradescope", "grading.gradescope:build",
                          "build the Gradescope autograder zip")
    gradescope.add_argument("--out", type=Path, default=Path("out/gradescope_autograder.zip"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; failures end as one line on stderr and a non-zero exit."""
    args = vars(build_parser().parse_args(argv))
    module_name, func_name = args.pop("target").split(":")
    for key in ("command", "data_command"):
        args.pop(key, None)
    try:
        func = getattr(importlib.import_module(f"{__package__}.{module_name}"), func_name)
        result = func(**args)
    except LabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; work finished so far is kept", file=sys.stderr)
        return 130
    except Exception as err:  # a bug of ours: still one line, the traceback on request
        if os.environ.get("MOVIELENS_DEBUG"):
            raise
        print(f"error: unexpected {type(err).__name__}: {err} (set MOVIELENS_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1
    return int(result) if isinstance(result, int) else 0
