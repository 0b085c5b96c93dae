"""The trusted judge: replays each test cell on the exported values, in a process no student code ran in.

``python judge.py SPEC.json EXPORT_DIR grade|check`` (the grader copies this file and
``plaindata.py`` into a folder of their own and runs it in the sandbox, as soon as grading
starts). The judge runs the given cells first (for ``grade``, also the hidden code's
``_warm_*`` functions, which compute references from the raw data ahead), then reads the
export as a tar stream on its stdin, sent when the student's kernel has ended, and extracts
it into EXPORT_DIR (regular files only); an empty stdin ends it without a verdict. SPEC holds
the instructor's given cells and test cells, split at nbgrader's hidden-test markers; EXPORT_DIR
what the student's kernel exported before each test cell (``recorder``). For each test cell
the judge builds a fresh namespace: the given cells' names (run here, from the instructor's
source), then the student's values read back as plain data, the student's functions replaced
by replays of the calls the kernel recorded. It then runs the test code, visible part,
hidden part (``grade`` only) and tail, and scores it as nbgrader would (an error scores 0, a
numeric last value is the score, anything else full points). The result is one JSON line
on stdout after ``MARKER``.

Student code cannot reach any of this: its kernel has ended, its values are data, and the
test code, the test helper and every library here are the judge's own.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import math
import sys
import tarfile
import types
import warnings
from pathlib import Path
from typing import Any, Callable

try:
    from .plaindata import Reader, Unavailable, Writer
except ImportError:  # run as a script beside plaindata.py
    from plaindata import Reader, Unavailable, Writer  # type: ignore[no-redef]

MARKER = "MLK-JUDGE "
NO_REPAIR = "_REPAIR"
"""A given name the lab's tests read before handing later sections corrected values (only the kernel needs them)."""
MAX_OUTPUT = 4000
WARM = "_warm_"
"""Prefix of the functions in a test's hidden code that compute reference values ahead (:meth:`Judge.warm_up`)."""


class ReplayError(Exception):
    """A call the test makes that the student's kernel did not make in the same way."""


def _run(code: str, ns: dict, filename: str) -> Any:
    """Execute ``code`` in ``ns``; return the value of its last statement when that is an expression."""
    tree = ast.parse(code, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), ns)
    return eval(compile(ast.Expression(last.value), filename, "eval"), ns) if last is not None else None


def _rebind(value: Any, base: dict, ns: dict) -> Any:
    """A given cell's function made to look up its globals in ``ns`` (as it would in the kernel)."""
    if isinstance(value, types.FunctionType) and value.__globals__ is base:
        return types.FunctionType(value.__code__, ns, value.__name__, value.__defaults__, value.__closure__)
    return value


def _error_class(name: str) -> type[Exception]:
    return type(name if name.isidentifier() else "StudentError", (Exception,), {})


def _put_back(actual: Any, after: Any) -> None:
    """Replay, on the judge's own argument, what the student's function did to it in place."""
    import numpy as np

    if isinstance(actual, np.ndarray) and isinstance(after, np.ndarray) and actual.shape == after.shape:
        actual[...] = after
    elif isinstance(actual, list) and isinstance(after, list):
        actual[:] = after
    elif isinstance(actual, dict) and isinstance(after, dict):
        actual.clear()
        actual.update(after)
    elif type(actual).__name__ == "DataFrame" and type(after).__name__ == "DataFrame":
        actual.drop(columns=list(actual.columns), inplace=True)
        for k, column in enumerate(after.columns):
            actual.insert(k, column, after.iloc[:, k].to_numpy())


def replay(name: str, calls: list, reader: Reader) -> Callable:
    """A stand-in for the student's function ``name`` that answers the recorded calls, in order."""
    hashes = Writer(None)
    done = [0]

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        if done[0] >= len(calls):
            raise ReplayError(f"{name} was not called this often in your notebook")
        call = calls[done[0]]
        done[0] += 1
        if hashes.encode(list(args)) != call.get("args") or hashes.encode(kwargs) != call.get("kwargs"):
            raise ReplayError(f"{name} was called with other arguments in your notebook")
        if call.get("after") not in (None, call.get("args")):
            for actual, after in zip(args, reader.decode(call["after"])):
                _put_back(actual, after)
        if "error" in call:
            raise _error_class(str(call["error"][0]))(str(call["error"][1]))
        if "result" not in call:
            raise ReplayError(f"{name} did not return in your notebook")
        return reader.decode(call["result"])

    stand_in.__name__ = name
    return stand_in


class Judge:
    """The given cells run once; then each test cell on its own exported values."""

    def __init__(self, spec: dict, export: Path) -> None:
        self.spec, self.export, self.reader = spec, Path(export), Reader(Path(export) / "files")
        self.leaderboard: dict[str, float] = {}
        """Leaderboard values (the spec's ``leaderboard`` columns), each from the namespace of its test."""
        self.base: dict = {"__name__": "__main__", "__builtins__": builtins}
        self.given_error = None
        with _quiet():
            for k, code in enumerate(spec["given"]):
                try:
                    _run(code, self.base, f"<given cell {k + 1}>")
                except BaseException as err:  # the judge's data or setup is broken: say so in every test
                    self.given_error = f"{type(err).__name__}: {err}"
                    break
        self.base[NO_REPAIR] = False  # the tests' repairs serve the student's later cells, not the judge

    def warm_up(self) -> None:
        """Before the export comes: call every ``_warm_*`` function the tests' hidden code defines.

        Such a function computes a reference from the raw data alone (the bonus check's own fit, on the
        lab's split) into the given cells' memo, where the test finds it once the export has come, if
        the student's values are the same. It runs while the student's notebook runs (a notebook that
        ends sooner waits for it). A failure is noted on stderr and otherwise ignored: the test then
        computes the reference itself.
        """
        if self.given_error:
            return
        for test in self.spec["tests"]:
            try:
                defs = [node for node in ast.parse(test["hidden"]).body if isinstance(node, ast.FunctionDef)]
            except SyntaxError:
                continue
            warm = [node.name for node in defs if node.name.startswith(WARM)]
            scratch = dict(self.base)  # the same memo, the test's own helper functions
            if warm and _warmed(f"{test['grade_id']}'s functions", lambda: exec(
                    compile(ast.Module(defs, []), f"<warm-up {test['grade_id']}>", "exec"), scratch)):
                for name in warm:
                    _warmed(name, scratch[name])

    def namespace(self, grade_id: str) -> tuple[dict, list[str]]:
        """A fresh namespace for one test: given names, then the student's exported values."""
        ns: dict = {}
        ns.update({k: _rebind(v, self.base, ns) for k, v in self.base.items()})
        notes = []
        try:
            index = json.loads((self.export / f"{grade_id}.json").read_text())
        except (OSError, ValueError):
            return ns, ["your notebook stopped before this test ran (nothing of yours reached it)"]
        for name, node in index.get("values", {}).items():
            if not isinstance(name, str) or not name.isidentifier() or name in self.base:
                continue
            try:
                if isinstance(node, dict) and node.get("t") == "function":
                    ns[name] = replay(name, list(index.get("calls", {}).get(name, [])), self.reader)
                else:
                    ns[name] = self.reader.decode(node)
            except Unavailable as why:
                notes.append(f"{name} could not be graded: {why}")
            except Exception as err:
                notes.append(f"{name} could not be read back ({type(err).__name__})")
        return ns, notes

    def test(self, test: dict, hidden: bool) -> dict:
        """Run one test cell; its score, maximum, output and whether it failed."""
        points = float(test["points"])
        code = "\n".join(part for part in (test["visible"], test["hidden"] if hidden else "", test["tail"]) if part)
        ns, notes = self.namespace(test["grade_id"])
        if self.given_error:
            notes.insert(0, f"the grader's own set-up failed: {self.given_error}")
        out = io.StringIO()
        error = None
        with _quiet(out):
            try:
                value = _run(code, ns, f"<{test['grade_id']}>")
            except BaseException as err:  # a failed assert, a missing variable, anything: the cell scores 0
                error, value = f"{type(err).__name__}: {err}".rstrip(": "), None
        helper = ns.get("t")
        parts = type(helper).__name__ == "LabCheck" and hasattr(helper, "total")
        # Without its hidden part, a LabCheck test is worth the points of its visible parts.
        maximum = points if hidden or not parts else min(points, float(helper.total))
        score = 0.0 if error else _score(value, maximum)
        text = "\n".join(filter(None, [out.getvalue().strip(), error, *notes]))
        failed = error is not None or (score < maximum and (hidden or parts))
        if error is None:
            self._measure(test["grade_id"], ns)
        return {"grade_id": test["grade_id"], "score": score, "max_score": maximum,
                "output": text[:MAX_OUTPUT], "error": failed}

    def _measure(self, grade_id: str, ns: dict) -> None:
        """Evaluate the leaderboard columns of test ``grade_id`` in its namespace; skip any that is not a number."""
        for column in self.spec.get("leaderboard", []):
            if column.get("test") != grade_id:
                continue
            with _quiet():
                try:
                    value = float(eval(compile(column["value"], f"<leaderboard {column['name']}>", "eval"), ns))
                except BaseException:  # the student's values do not give one: no entry
                    continue
            if math.isfinite(value):
                self.leaderboard[str(column["name"])] = value


def _warmed(what: str, step: Callable[[], Any]) -> bool:
    """Run one warm-up step quietly; on failure say so on stderr (read only when the judge gives no verdict)."""
    try:
        with _quiet():
            step()
    except (Exception, SystemExit) as err:
        sys.stderr.write(f"warm-up: {what} failed: {type(err).__name__}: {err}\n")
        return False
    return True


def _score(value: Any, maximum: float) -> float:
    """nbgrader's rule: a numeric last value is the score (within 0..maximum), anything else full points."""
    if isinstance(value, bool) or value is None:
        return maximum
    try:
        number = float(value)
    except (TypeError, ValueError):
        return maximum
    return min(max(number, 0.0), maximum)


@contextlib.contextmanager
def _quiet(out: io.StringIO | None = None):
    """Capture printed text in ``out`` (or drop it) and silence warnings and stderr."""
    sink = out if out is not None else io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def receive(stream: Any, folder: Path) -> bool:
    """Extract the export sent on ``stream`` into ``folder``: regular files only; False if nothing came."""
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.isfile():
                    tar.extract(member, folder, filter="data")
    except tarfile.ReadError:  # an empty stream: the grader needs no verdict
        return False
    return True


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    judge = Judge(spec, Path(argv[1]))
    hidden = argv[2] == "grade"
    if hidden:
        judge.warm_up()
    if not receive(sys.stdin.buffer, Path(argv[1])):
        return 0
    results = [judge.test(test, hidden) for test in spec["tests"]]
    sys.stdout.write(MARKER + json.dumps({"tests": results, "leaderboard": judge.leaderboard}) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
