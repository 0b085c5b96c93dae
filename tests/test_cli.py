"""The command line: each command bound to its function, with that function's defaults; --help stays light."""

from __future__ import annotations

import inspect
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from movielens_lab import cli
from movielens_lab.grading import grade as grading
from movielens_lab.grading.submissions.collect import LAYOUTS

HEAVY = ("tensorflow", "keras", "pandas", "nbgrader", "nbformat", "nbclient", "jupyter_client")
"""Modules no command needs before it is chosen."""

REQUIRED = {("grade",): ["subs.zip"], ("plan",): ["subs.zip", "--shards", "2"], ("check",): ["mine.ipynb"],
            ("report",): ["grading"], ("merge",): ["grading"]}
"""The positional arguments of the commands that take one."""


def _leaves(commands: dict = cli.COMMANDS, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, entry in commands.items():
        found += _leaves(entry.commands, prefix + (name,)) if isinstance(entry, cli.Group) else [prefix + (name,)]
    return found


@pytest.mark.parametrize("names", _leaves(), ids=" ".join)
def test_every_option_defaults_to_its_functions_default(names: tuple[str, ...]) -> None:
    argv = [*names, *REQUIRED.get(names, [])]
    args = vars(cli.build_parser(names).parse_args(argv))
    func = args.pop("func")
    parameters = inspect.signature(func).parameters
    assert args, f"{' '.join(names)} binds no argument"
    for dest, value in args.items():
        default = parameters[dest].default
        assert value == default or default is inspect.Parameter.empty, dest


def test_grade_is_bound_to_its_function_and_reads_its_keyword_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = {**grading.grade.__kwdefaults__, "jobs": 3, "layout": "moodle"}
    monkeypatch.setattr(grading.grade, "__kwdefaults__", defaults)
    args = cli.build_parser(["grade"]).parse_args(["grade", "subs.zip"])
    assert args.func is grading.grade and (args.jobs, args.layout, args.unsafe) == (3, "moodle", False)
    assert [cli.build_parser(["grade"]).parse_args(["grade", "x.zip", "--layout", name]).layout
            for name in LAYOUTS] == list(LAYOUTS)


@pytest.mark.parametrize("argv, message", [
    (["grde"], "unknown command 'grde'; did you mean 'grade'?"),
    (["data", "fech"], "unknown command 'fech'; did you mean 'fetch'?"),
    (["zzz"], "unknown command 'zzz'; choose from data, demo, release, grade, plan, merge, report, check, gradescope"),
])
def test_a_mistyped_command_is_one_line_with_a_suggestion(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and message in err


@pytest.mark.parametrize("command", [["release"], ["grade", "subs.zip"], ["check", "mine.ipynb"], ["gradescope"]],
                         ids=lambda command: command[0])
def test_the_commands_of_one_assignment_take_assignment(command: list[str]) -> None:
    parser = cli.build_parser(command[:1])
    assert parser.parse_args([*command, "--assignment", "movielens_lab_2"]).assignment == "movielens_lab_2"
    assert parser.parse_args(command).assignment is None  # the function's default: the first listed, or inferred


def test_assignment_reaches_the_command(tmp_path: Path, capsys) -> None:
    assert cli.main(["gradescope", "--assignment", "movielens_lab", "--out", str(tmp_path / "z.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "z.zip") as zf:
        assert 'gradescope "$ROOT" movielens_lab\n' in zf.read("run_autograder").decode()
        assert "solutions/movielens_lab.ipynb" in zf.namelist()
    assert cli.main(["release", "--assignment", "movielens_lb"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown assignment 'movielens_lb'; did you mean 'movielens_lab'? grader_config.py "
                          "lists movielens_lab") and err.count("\n") == 1


def _modules_after(argv: list[str]) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after ``main(argv)``."""
    code = (f"import sys\nfrom movielens_lab.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return eval(done.stdout.strip().splitlines()[-1])


def test_help_and_mistyped_commands_import_nothing_heavy() -> None:
    assert _modules_after(["--help"]) == []
    assert _modules_after(["data", "--help"]) == []
    assert _modules_after(["grde"]) == []
    assert "nbgrader" in _modules_after(["grade", "--help"])  # the check above can fail


def test_an_error_naming_a_hostile_path_is_one_escaped_line(tmp_path: Path, capsys) -> None:
    assert cli.main(["report", str(tmp_path / "evil\x1b]0;PWNED\x07\nname")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "evil\\x1b]0;PWNED\\x07\\x0aname" in err


def test_grade_without_data_stops_before_grading_with_one_line_naming_where_it_looked(tmp_path: Path, capsys,
                                                                                     monkeypatch) -> None:
    (tmp_path / "submissions").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "submissions" / "ana.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    assert cli.main(["grade", "submissions", "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "data") in err and "--data-dir" in err
    assert not (tmp_path / "out").exists()  # nothing started
