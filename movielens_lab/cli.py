"""Command line: ``python -m movielens_lab COMMAND ...``.

Each command is bound to the function that does the work, and its options' defaults are that
function's own (read from its signature). A command's module is imported only once the command
is chosen, so ``--help`` and a mistyped command stay instant.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LabError
from .grading.sandbox.lifetime import Terminated, sigterm_raises
from .safetext import terminal

PROG = "python -m movielens_lab"
DATA_DIR_HELP = ("data folder (default: $MOVIELENS_DIR, else the nearest data/ holding ml-1m/ in the current "
                 "folder or above, else ./data)")
ASSIGNMENT_HELP = "which assignment of grader_config.py (default: the first it lists)"
INFERRED_HELP = ("which assignment of grader_config.py (default: the one the notebooks' cells are, else their "
                 "file names; else the first it lists)")

Function = Callable[..., Any]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


@dataclass(frozen=True)
class Command:
    """A command: its help, and how to bind it (import its function, add its arguments to its parser)."""

    help: str
    bind: Callable[[argparse.ArgumentParser], Function]


@dataclass(frozen=True)
class Group:
    """Commands under one name (``data fetch``, ``data twin``, ...)."""

    help: str
    commands: dict[str, Command]


def options(parser: argparse.ArgumentParser, func: Function) -> Callable[..., None]:
    """``add(flag, **kwargs)``: add an option whose default is that of ``func``'s parameter of the same name."""
    parameters = inspect.signature(func).parameters

    def add(flag: str, **kwargs: Any) -> None:
        dest = kwargs.get("dest", flag.lstrip("-").replace("-", "_"))
        parser.add_argument(flag, default=parameters[dest].default, **kwargs)

    return add


def _fetch(parser: argparse.ArgumentParser) -> Function:
    from .data.fetch import fetch
    from .data.registry import DATASETS

    add = options(parser, fetch)
    add("--dataset", choices=list(DATASETS), help="which dataset (default %(default)s)")
    add("--data-dir", type=Path, help=DATA_DIR_HELP)
    add("--url", help="download from this URL instead of GroupLens (a mirror of the same zip; end it in "
                      "#sha256=HEX to accept another file)")
    return fetch


def _twin(parser: argparse.ArgumentParser) -> Function:
    from .data.twin import write_twin

    add = options(parser, write_twin)
    add("--data-dir", type=Path, help=DATA_DIR_HELP)
    add("--seed", type=int, help="random seed (default %(default)s)")
    add("--scale", type=float, help="fraction of MovieLens 1M's size, e.g. 0.05 for fast tests (default %(default)s)")
    return write_twin


def _stats(parser: argparse.ArgumentParser) -> Function:
    from .data.stats import print_stats

    parser.add_argument("folder", type=Path, nargs="?", metavar="DATA_DIR",
                        help="the data folder, as --data-dir (a dataset folder such as data/ml-1m is taken too)")
    add = options(parser, print_stats)
    add("--data-dir", type=Path, help=DATA_DIR_HELP)
    add("--no-model", dest="model", action="store_false", help="skip the Keras numbers (shape facts only, fast)")
    return print_stats


def _demo(parser: argparse.ArgumentParser) -> Function:
    from .notebook.demo import demo

    add = options(parser, demo)
    add("--part", type=int, choices=[1, 2], help="run only this part of the lab (default: both)")
    add("--data-dir", type=Path, help=DATA_DIR_HELP)
    add("--out", type=Path, help="where each part's executed notebook and figures go, in a folder named after its "
                                 "assignment (default %(default)s)")
    add("--offline", action="store_true", help="do not try to download; use the twin")
    return demo


def _release(parser: argparse.ArgumentParser) -> Function:
    from .grading.course import release

    add = options(parser, release)
    add("--assignment", metavar="NAME", help=ASSIGNMENT_HELP)
    add("--course-dir", type=Path, help="nbgrader course folder (default %(default)s)")
    return release


def _grade(parser: argparse.ArgumentParser) -> Function:
    from .grading.grade import grade
    from .grading.submissions.collect import LAYOUTS

    parser.add_argument("submissions", type=Path, help="folder of NAME.ipynb, an nbgrader submitted/ tree, an LMS "
                                                       "download, or a zip of either")
    add = options(parser, grade)
    add("--assignment", metavar="NAME", help=INFERRED_HELP)
    add("--layout", choices=LAYOUTS, help="how files name their students (default %(default)s: guessed from the names)")
    add("--out", type=Path, help="output folder (default %(default)s)")
    add("--jobs", type=int, help="submissions graded at once (default %(default)s)")
    add("--unsafe", action="store_true",
        help="grade without the sandbox when it cannot be set up (student code runs as you)")
    add("--data-dir", type=Path, help=DATA_DIR_HELP)
    add("--roster", type=Path, help="a Canvas gradebook export (CSV): also write canvas_import.csv")
    add("--shard", metavar="K/N", help="grade only the K-th of N parts of the class (K from 1 to N) into an --out "
                                       "folder the N shards share; then run merge")
    add("--rerun", action="store_true", help="run every notebook again (by default, a student whose tests alone "
                                             "changed is judged again from the run kept in --out, without a run)")
    return grade


def _plan(parser: argparse.ArgumentParser) -> Function:
    from .grading.cluster.plan import plan
    from .grading.submissions.collect import LAYOUTS

    parser.add_argument("submissions", type=Path, help="what the shards will grade (as grade takes it)")
    add = options(parser, plan)
    add("--shards", type=int, required=True, metavar="N", help="how many shards will grade the class")
    add("--out", type=Path, help="the grading folder the shards will share (default %(default)s)")
    add("--assignment", metavar="NAME", help=INFERRED_HELP)
    add("--layout", choices=LAYOUTS, help="how files name their students (default %(default)s: guessed from the names)")
    add("--data-dir", type=Path, help=DATA_DIR_HELP)
    return plan


def _merge(parser: argparse.ArgumentParser) -> Function:
    from .grading.cluster.merge import merge

    parser.add_argument("out", type=Path, metavar="GRADING_DIR", help="the --out folder the shards shared")
    options(parser, merge)("--roster", type=Path, help="a Canvas gradebook export (CSV): also write "
                                                       "canvas_import.csv")
    return merge


def _report(parser: argparse.ArgumentParser) -> Function:
    from .grading.report.report import report

    parser.add_argument("grading_dir", type=Path, help="the folder `grade` wrote (its --out)")
    options(parser, report)("--roster", type=Path, help="a Canvas gradebook export (CSV): also write "
                                                        "canvas_import.csv")
    return report


def _check(parser: argparse.ArgumentParser) -> Function:
    from .grading.check import check

    parser.add_argument("notebook", type=Path)
    add = options(parser, check)
    add("--assignment", metavar="NAME", help=INFERRED_HELP)
    add("--data-dir", type=Path, help="data folder (default: $MOVIELENS_DIR, else the nearest data/ holding ml-1m/ "
                                      "in the notebook's folder or above, else in the current folder or above)")
    return check


def _gradescope(parser: argparse.ArgumentParser) -> Function:
    from .grading.lms.gradescope import build

    add = options(parser, build)
    add("--assignment", metavar="NAME", help=ASSIGNMENT_HELP)
    add("--out", type=Path, help="where the zip goes (default: out/gradescope_<assignment>.zip)")
    return build


COMMANDS: dict[str, Command | Group] = {
    "data": Group("download, generate or describe datasets", {
        "fetch": Command("download a MovieLens dataset from GroupLens, verify and extract it", _fetch),
        "twin": Command("write the synthetic offline twin of MovieLens 1M (exact ml-1m layout)", _twin),
        "stats": Command("print a dataset's shape and the lab's numbers beside their targets", _stats),
    }),
    "demo": Command("get a dataset, run the reference solution notebooks and print their key numbers", _demo),
    "release": Command("set up the nbgrader course folder and generate the student notebook", _release),
    "grade": Command("autograde a folder or zip of submissions; write feedback, grades.csv, results.json", _grade),
    "plan": Command("before grading in shards: check that a shard can grade from here (course, submissions, data, "
                    "grading folder) and record the class, so that merge names every student", _plan),
    "merge": Command("once every shard is graded: write grades.csv, run.json, the class report and each student's "
                     "results.json", _merge),
    "report": Command("rebuild a grading folder's report.html and report.md without grading again", _report),
    "check": Command("run a notebook and the visible tests the grader runs; print per-section results", _check),
    "gradescope": Command("build the Gradescope autograder zip", _gradescope),
}


def chosen(argv: Sequence[str]) -> list[str]:
    """The command names ``argv`` starts with: ``["data", "fetch"]``, ``["grade"]``, ``[]`` (an option first)."""
    names: list[str] = []
    level: dict[str, Command | Group] = COMMANDS
    for token in argv:
        if token.startswith("-"):
            break
        names.append(token)
        entry = level.get(token)
        if not isinstance(entry, Group):
            break
        level = entry.commands
    return names


def _add_commands(parser: argparse.ArgumentParser, commands: dict[str, Command | Group], names: list[str],
                  metavar: str) -> None:
    """Add ``commands`` to ``parser``; the one ``names`` starts with gets its sub-commands or its arguments."""
    if names and names[0] not in commands:
        close = difflib.get_close_matches(names[0], list(commands), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(commands)}"
        parser.error(f"unknown command '{names[0]}'; {hint}")
    sub = parser.add_subparsers(metavar=metavar, parser_class=_Parser, required=True)
    for name, entry in commands.items():
        child = sub.add_parser(name, help=entry.help, description=entry.help)
        if names[:1] != [name]:
            continue
        if isinstance(entry, Group):
            _add_commands(child, entry.commands, names[1:], "ACTION")
        else:
            child.set_defaults(func=entry.bind(child))


def build_parser(names: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser of every command; only the command ``names`` (see :func:`chosen`) gets its arguments.

    An unknown name is a one-line error (exit code 2) suggesting the closest command.
    """
    parser = _Parser(prog=PROG, description="Instructor tools for the MovieLens low-rank lab.")
    _add_commands(parser, COMMANDS, list(names), "COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; failures end as one line on stderr and a non-zero exit."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with sigterm_raises():  # a scheduler's or a pod's stop ends a command as an interrupt does, tidied up
            args = vars(build_parser(chosen(argv)).parse_args(argv))
            result = args.pop("func")(**args)
    except LabError as err:
        print(terminal(f"error: {err}"), file=sys.stderr)
        return 1
    except Terminated as err:
        print(f"{err}; work finished so far is kept", file=sys.stderr)
        return Terminated.EXIT_CODE
    except KeyboardInterrupt:
        print("interrupted; work finished so far is kept", file=sys.stderr)
        return 130
    except Exception as err:  # a bug of ours: still one line, the traceback on request
        if os.environ.get("MOVIELENS_DEBUG"):
            raise
        print(terminal(f"error: unexpected {type(err).__name__}: {err} (set MOVIELENS_DEBUG=1 for the traceback)"),
              file=sys.stderr)
        return 1
    return int(result) if isinstance(result, int) else 0
