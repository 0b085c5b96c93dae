"""The trusted judge: runs each test cell on the values the student's kernel sent for it, in a process
no student code ever ran in.

``python judge.py SPEC.json grade|check|warm`` (the grader copies this file, ``plaindata.py``,
``wire.py`` and ``vocabulary.py`` into a folder of their own and runs it in the sandbox). It runs the
instructor's given cells once, then answers the grader's messages (``wire``) on its stdin:

- ``test``: the values the kernel exported just before test cell k ran (sealed then: ``sealed``).
  The judge builds a fresh namespace (the given cells' names, then the student's values, read back
  as plain data, for exactly the names the test reads; never a built-in or a given name), runs the
  test's visible part, hidden part (``grade`` only) and tail, and answers ``verdict``: the score as
  nbgrader would give it (an error scores 0, a numeric last value is the score, anything else full
  points), what the student may read of it (``vocabulary``), the leaderboard values, and the
  section's repaired answers when it was lost and later sections need them. Each call the test makes
  to a student's callable is a ``call`` message: the grader has the kernel make it, and its answer
  comes back as data.
- ``end``: nothing more; the judge exits.

``python judge.py SPEC.json grade host`` is a judge host (re-judging a class, ``session.JudgeHost``): it runs
the first given cell (the libraries' imports, most of a judge's start) once, then, for each ``judge``
message (a submission's salt), forks a judge that runs the other given cells and answers as above, and
says ``ended`` when that judge has exited. Each judge is a copy of a host that never read a student's
values, so it starts as a fresh judge would.

For ``grade`` (and ``warm``, the batch's process that computes references ahead) the hidden code's
``_remember(fn, *args)`` is the judge's memo: a reference computed once per batch, keyed by the
function's code and its arguments' values, shared through the grader (``memo?`` / ``memo!``). The
spec's ``kept`` functions, called in a given cell, go through the same memo: part 2's given cells train part 1's
model, and every judge of a batch (and of a later grading on the same data) gets that one training. The
``warm`` mode only runs the hidden code's ``_warm_*`` functions, which compute from the raw data the
references a student who follows the instructions will need, and exits, saying whether all of them succeeded.

Student code cannot reach any of this: its values are data, its functions run in its own kernel, and
the test code, the test helper and every library here are the judge's own.
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import ctypes
import dataclasses
import functools
import hashlib
import io
import json
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import traceback
import types
import warnings
from pathlib import Path
from typing import IO, Any, Callable, Iterator

try:
    from .plaindata import Reader, Unavailable, Writer
    from .vocabulary import Vocabulary, error_name, identifier
    from .wire import WireError, receive, send
except ImportError:  # run as a script beside its modules
    from plaindata import Reader, Unavailable, Writer  # type: ignore[no-redef]
    from vocabulary import Vocabulary, error_name, identifier  # type: ignore[no-redef]
    from wire import WireError, receive, send  # type: ignore[no-redef]

REPAIR = "_REPAIR"
"""A given name the lab's tests read before handing later sections corrected values."""
PROVIDED = (REPAIR, "_remember", "_pick", "_solution", "_seeded")
"""The names the judge gives every test besides the given cells' (see :class:`Judge`)."""
MAX_OUTPUT = 4000
PR_SET_PDEATHSIG = 1
"""Linux's ``prctl`` option: the signal a process gets when its parent ends."""
WARM = "_warm_"
"""Prefix of the functions in a test's hidden code that compute reference values ahead (``warm`` mode)."""
STOPPED = "your notebook stopped before this test ran (nothing of yours reached it)"
UNREADABLE = "what your notebook sent for this test could not be read"
CALL_FAILED = "your function could not be called as this check needs"
RAISED = "your code raised this error"
OWN_WORDS = (STOPPED, UNREADABLE, CALL_FAILED, RAISED)


class Channel:
    """The judge's end of its pipes to the grader."""

    def __init__(self, inbox: IO[bytes], outbox: IO[bytes]) -> None:
        self.inbox, self.outbox = inbox, outbox
        self.blobs: dict[str, bytes] = {}
        """Every blob the kernel sent so far: a later answer may name one an earlier export brought."""
        self.calls = 0
        self.pending: collections.deque = collections.deque()
        """The grader's tests (or end) that came while the judge waited for an answer (the given cells for a memo
        entry), kept for :meth:`next`."""

    def send(self, message: dict, blobs: dict[str, bytes] | None = None) -> None:
        send(self.outbox, message, blobs)

    def _read(self) -> tuple[dict, dict[str, bytes]]:
        message, blobs = receive(self.inbox)
        self.blobs.update(blobs)
        return message, blobs

    def receive(self, op: str) -> tuple[dict, dict[str, bytes]]:
        """The grader's answer ``op``; a test or the end that comes before it waits for :meth:`next`."""
        while True:
            message, blobs = self._read()
            if message.get("op") == op:
                return message, blobs
            if message.get("op") not in ("test", "end"):
                raise WireError(f"expected {op}")
            self.pending.append((message, blobs))

    def next(self) -> tuple[dict, dict[str, bytes]]:
        """The grader's next test, or its end."""
        return self.pending.popleft() if self.pending else self._read()

    def call(self, name: str, args: dict, kwargs: dict, blobs: dict[str, bytes], seed: int | None = None) -> dict:
        """Have the kernel call the student's ``name`` (after seeding Keras with ``seed``, when given); its answer
        (``result``/``error``, ``after``)."""
        self.calls += 1
        self.send({"op": "call", "id": self.calls, "name": name, "args": args, "kwargs": kwargs,
                   **({} if seed is None else {"seed": int(seed)})}, blobs)
        try:  # the kernel's words: read with care
            answer = json.loads(self.receive("answer")[0].get("body") or "")
            return answer if isinstance(answer, dict) and answer.get("id") == self.calls else {}
        except (ValueError, RecursionError):
            return {}

    def recall(self, key: str) -> tuple[dict | None, dict[str, bytes]]:
        """A memo entry the grader holds for this batch (None: compute it)."""
        self.send({"op": "memo?", "key": key})
        message, blobs = self.receive("memo")
        return message.get("value"), blobs

    def remember(self, key: str, node: dict | None, blobs: dict[str, bytes]) -> None:
        """Store ``node`` as entry ``key`` for the batch (None: it will not be computed here)."""
        self.send({"op": "memo!", "key": key, "value": node}, blobs)


class Remote:
    """A student's callable, called in the student's own kernel (through the grader) with data."""

    def __init__(self, name: str, channel: Channel, seed: int | None = None) -> None:
        self.name, self.channel, self.seed = name, channel, seed
        self.__name__ = name

    def seeded(self, seed: int) -> Remote:
        """The same callable, called after ``keras.utils.set_random_seed(seed)`` in the kernel."""
        return Remote(self.name, self.channel, seed)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        writer = Writer()
        try:
            arg_nodes, kwarg_nodes = writer.encode(list(args)), writer.encode(kwargs)
        except Unavailable:
            raise TypeError(CALL_FAILED) from None
        answer = self.channel.call(self.name, arg_nodes, kwarg_nodes, writer.blobs, self.seed)
        reader = Reader(self.channel.blobs)
        if "after" in answer:
            with contextlib.suppress(Unavailable):
                for actual, after in zip(args, reader.decode(answer["after"])):
                    _put_back(actual, after)
        if "error" in answer:
            raise _error(str(answer["error"]))
        if "result" not in answer:
            raise TypeError(CALL_FAILED)
        try:
            return reader.decode(answer["result"])
        except Unavailable:
            raise TypeError(CALL_FAILED) from None


def _literal(node: ast.AST) -> bool:
    """Whether ``node`` is a literal (a number, a string, a tuple of them...)."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def _seeded(function: Callable, seed: int) -> Callable:
    """The hidden code's ``_seeded(build_model, SEED)``: ``function`` called right after Keras is seeded with ``seed``,
    as a notebook builds a model; a student's function is called so in the student's own kernel."""
    if isinstance(function, Remote):
        return function.seeded(seed)

    def call(*args: Any, **kwargs: Any) -> Any:
        import keras

        keras.utils.set_random_seed(seed)
        return function(*args, **kwargs)

    return call


def _error(name: str) -> BaseException:
    """The error a student's function raised, as the test sees it: its built-in type, the judge's words."""
    kind = getattr(builtins, error_name(name), Exception)
    try:
        return kind(RAISED)
    except TypeError:  # an error type that needs other arguments
        return Exception(RAISED)


def _put_back(actual: Any, after: Any) -> None:
    """Do, on the judge's own argument, what the student's function did to it in place."""
    import numpy as np

    if isinstance(actual, np.ndarray) and isinstance(after, np.ndarray) and actual.shape == after.shape:
        if not np.array_equal(actual, after, equal_nan=actual.dtype.kind == "f"):
            actual[...] = after
    elif isinstance(actual, list) and isinstance(after, list):
        actual[:] = after
    elif isinstance(actual, dict) and isinstance(after, dict):
        actual.clear()
        actual.update(after)
    elif type(actual).__name__ == "DataFrame" and type(after).__name__ == "DataFrame":
        if not actual.equals(after):
            actual.drop(columns=list(actual.columns), inplace=True)
            for k, column in enumerate(after.columns):
                actual.insert(k, column, after.iloc[:, k].to_numpy())


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


def _canonical(arg: Any) -> Any:
    """An argument as the memo compares it: numbers as float64 arrays (a list of arrays as its arrays), a Keras model
    as its configuration and weights (:func:`_model_form`)."""
    import numpy as np

    if type(arg).__module__.startswith("keras.") and hasattr(arg, "get_weights") and hasattr(arg, "get_config"):
        return _model_form(arg)
    if isinstance(arg, (list, tuple)) and arg and all(np.ndim(a) > 0 for a in arg):
        return [_canonical(a) for a in arg]
    try:
        array = np.asarray(arg)
    except Exception:
        return arg
    return array.astype(float) if array.dtype.kind in "biuf" else arg


def _model_form(model: Any) -> dict:
    """A Keras model as a memo key compares it: its configuration and compile settings, its layers' names replaced by
    their positions (Keras numbers the names of unnamed layers per process), and its weights."""
    import numpy as np

    compiled = model.get_compile_config() if getattr(model, "compiled", False) else None
    config = json.dumps([model.get_config(), compiled], sort_keys=True, default=str)
    for k, name in enumerate([model.name, *(layer.name for layer in model.layers)]):
        config = config.replace(json.dumps(name), json.dumps(f"#{k}"))
    return {"config": config, "weights": [np.asarray(w, dtype=float) for w in model.get_weights()]}


def _code(code: types.CodeType) -> str:
    """A function's code as text, wherever and whenever it was compiled (no file name, line or address)."""
    consts = [_code(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return "|".join([code.co_code.hex(), *code.co_names, *consts])


PLAIN = (bool, int, float, complex, str, bytes, tuple, frozenset, type(None))
"""Values a reference's code may read from its globals that its memo key holds by ``repr``."""


def _reached(code: types.CodeType, names: dict, found: dict[str, str]) -> dict[str, str]:
    """The functions (their code and defaults) and plain values ``code`` reads from its globals ``names``, and
    theirs in turn, by name: a helper changed, a constant moved, and a reference is another."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _reached(const, names, found)
    for name in code.co_names:
        value = names.get(name)
        if name in found or value is None:
            continue
        if isinstance(value, types.FunctionType):
            found[name] = _code(value.__code__) + repr((value.__defaults__, value.__kwdefaults__))
            _reached(value.__code__, value.__globals__, found)
        elif isinstance(value, PLAIN):
            found[name] = repr(value)
    return found


def memo_key(fn: Callable, args: tuple, context: str = "") -> str:
    """What identifies ``fn(*args)``: its name, its code and what it reads (``_reached``), its arguments' values, and
    the ``context`` it runs in, if any (for a given cell's call, the given cells up to it)."""
    code = getattr(fn, "__code__", None)
    node = Writer().encode([_canonical(a) for a in args])
    reached = _reached(code, getattr(fn, "__globals__", {}), {}) if code else {}
    parts = [fn.__name__, _code(code) if code else "", repr(getattr(fn, "__defaults__", None)),
             json.dumps(sorted(reached.items())), json.dumps(node, sort_keys=True), *([context] if context else [])]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class Memo:
    """The hidden code's ``_remember``: each reference computed once, here or by another judge of the batch; also
    the given cells' kept calls (:meth:`keep`)."""

    def __init__(self, channel: Channel | None) -> None:
        self.channel = channel
        self.values: dict[str, Any] = {}

    def __call__(self, fn: Callable, *args: Any) -> Any:
        return self._value(memo_key(fn, args), lambda: fn(*args))

    def keep(self, context: str, fn: Callable, /, *args: Any, **kwargs: Any) -> Any:
        """A given cell's call ``fn(*args, **kwargs)``, kept like a reference (its value only: what it did to its
        arguments and to the random generators is not); ``context``: the given cells up to it (what its inputs
        that are no arguments, as the training data, come from). Arguments the memo cannot read: just the call."""
        try:
            key = memo_key(fn, (*args, {k: _canonical(v) for k, v in sorted(kwargs.items())}), context)
        except Exception:
            return fn(*args, **kwargs)
        return self._value(key, lambda: fn(*args, **kwargs))

    def _value(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.values:
            self.values[key] = self._recall(key)
            if self.values[key] is None:
                try:
                    self.values[key] = value = compute()
                except BaseException:
                    self._share(key, None)  # not computed: judges waiting for it compute it themselves
                    raise
                self._share(key, value)
        return self.values[key]

    def _recall(self, key: str) -> Any:
        if self.channel is None:
            return None
        node, blobs = self.channel.recall(key)
        try:
            return None if node is None else Reader(blobs).decode(node)
        except Unavailable:
            return None

    def _share(self, key: str, value: Any) -> None:
        """Store ``value`` for the batch; None, or a value that is not data: say that nothing will be stored."""
        if self.channel is None:
            return
        writer = Writer()
        try:
            node = None if value is None else writer.encode(value)
        except Unavailable:
            node = None
        self.channel.remember(key, node, writer.blobs)


def fresh_namespace() -> dict:
    """The namespace the given cells start in, as a notebook's."""
    return {"__name__": "__main__", "__builtins__": builtins}


@dataclasses.dataclass
class First:
    """The first given cell, run by a judge host before it forks its judges: the namespace it left, and the quiet
    it runs in (still on: a judge runs the other given cells in it, as in one ``_quiet``)."""

    base: dict
    quiet: contextlib.ExitStack

    @classmethod
    def run(cls, spec: dict) -> First | None:
        """The first given cell, if any, run as a judge runs it (it has no kept call: nothing is defined before it);
        None when it fails: a judge forked after it would not be a fresh one."""
        base, quiet = fresh_namespace(), contextlib.ExitStack()
        quiet.enter_context(_quiet())
        try:
            for code in spec["given"][:1]:
                _run(code, base, "<given cell 1>")
        except BaseException:
            quiet.close()
            return None
        return cls(base, quiet)


class Judge:
    """The given cells run once; then each test cell on its own values."""

    def __init__(self, spec: dict, channel: Channel | None, hidden: bool, first: First | None = None) -> None:
        """``first``: the first given cell, already run (by a judge host, before it forked this judge)."""
        self.spec, self.channel, self.hidden = spec, channel, hidden
        self.leaderboard: dict[str, float] = {}
        """Leaderboard values (the spec's ``leaderboard`` columns), each from the namespace of its test."""
        self.reader = Reader(channel.blobs if channel else {})
        """Reads every test's values (a model that several tests read is read once)."""
        self.vocabulary = Vocabulary([*spec["given"], *(t[part] for t in spec["tests"]
                                                        for part in ("visible", "hidden", "tail"))])
        self.vocabulary.literals.update(OWN_WORDS)
        self.base: dict = first.base if first else fresh_namespace()
        self.memo = Memo(channel if hidden else None)
        self.given_error = None
        with first.quiet if first else _quiet():
            for k, code in enumerate(spec["given"]):
                if first and k == 0:
                    continue
                try:
                    with self._keeping(code, "\0".join(spec["given"][:k + 1])):
                        _run(code, self.base, f"<given cell {k + 1}>")
                except BaseException as err:  # the judge's data or setup is broken: say so in every test
                    self.given_error = f"{type(err).__name__}: {err}"
                    break
        self.base[REPAIR] = hidden
        self.base["_remember"] = self.memo
        self.base["_pick"] = random.Random(spec.get("salt", "")).choice
        """A choice the student cannot predict: the grader's secret for this submission picks it."""
        self.base["_seeded"] = _seeded

    @contextlib.contextmanager
    def _keeping(self, code: str, context: str) -> Iterator[None]:
        """While given cell ``code`` runs, its calls of the spec's ``kept`` functions go through the memo
        (``Memo.keep``), only then: a name bound to one (``_train = train``) is the function again after the cell."""
        called = {node.func.id for node in ast.walk(ast.parse(code))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        kept = {name: self.base[name] for name in called.intersection(self.spec.get("kept", []))
                if isinstance(self.base.get(name), types.FunctionType)}
        wrappers = {name: functools.partial(self.memo.keep, context, fn) for name, fn in kept.items()}
        self.base.update(wrappers)
        try:
            yield
        finally:
            functions = {id(wrappers[name]): fn for name, fn in kept.items()}
            for name, value in list(self.base.items()):
                self.base[name] = functions.get(id(value), value)

    def warm_up(self) -> bool:
        """Call every ``_warm_*`` function the tests' hidden code defines, in order; note failures on stderr.
        Whether every one succeeded.

        Each runs beside the functions and the constants (names bound to literals) of its test's hidden code.
        """
        if self.given_error:
            return False
        every = True
        for test in self.spec["tests"]:
            try:
                defs = [node for node in ast.parse(test["hidden"]).body if isinstance(node, ast.FunctionDef)
                        or isinstance(node, ast.Assign) and _literal(node.value)]
            except SyntaxError:
                continue
            warm = [node.name for node in defs if isinstance(node, ast.FunctionDef) and node.name.startswith(WARM)]
            if not warm:
                continue
            scratch: dict = {}
            scratch.update({k: _rebind(v, self.base, scratch) for k, v in self.base.items()})
            scratch["_solution"] = self._solutions(scratch)
            if _warmed(f"{test['grade_id']}'s functions", lambda: exec(
                    compile(ast.Module(defs, []), f"<warm-up {test['grade_id']}>", "exec"), scratch)):
                every = all([_warmed(name, scratch[name]) for name in warm]) and every
            else:
                every = False
        return every

    def namespace(self, test: dict, body: str | None) -> tuple[dict, list[str]]:
        """A fresh namespace for one test: given names, then the student's values for the names it reads."""
        ns: dict = {}
        ns.update({k: _rebind(v, self.base, ns) for k, v in self.base.items()})
        ns["_solution"] = self._solutions(ns)
        if body is None:
            return ns, [STOPPED]
        try:
            values = json.loads(body).get("values", {})
            assert isinstance(values, dict)
        except (ValueError, RecursionError, AttributeError, AssertionError):
            return ns, [UNREADABLE]
        notes = []
        for name in test["names"]:
            if name not in values or name in self.base or hasattr(builtins, name):
                continue
            node = values[name]
            try:
                if isinstance(node, dict) and node.get("t") == "callable":
                    ns[name] = Remote(name, self.channel)
                else:
                    ns[name] = self.reader.decode(node)
            except Unavailable as why:
                notes.append(f"{identifier(name)} could not be graded: {why.reason}")
            except (RecursionError, MemoryError, Exception):
                notes.append(f"{identifier(name)} could not be graded: {Unavailable('broken').reason}")
        return ns, notes

    def test(self, test: dict, body: str | None) -> tuple[dict, dict, dict[str, bytes]]:
        """Run one test cell; its result, and its repaired answers (a node per name) with their blobs.

        Grading, the result also holds ``visible``: the score of the visible part alone, which is what the
        student's own kernel (and ``check``) should have given.
        """
        visible, _, _ = self._run(test, body, hidden=False)
        if not self.hidden:
            return visible, {}, {}
        result, ns, before = self._run(test, body, hidden=True)
        self._measure(test["grade_id"], ns)
        repairs, blobs = self._repairs(test, ns, before)
        return {**result, "visible": visible["score"]}, repairs, blobs

    def _run(self, test: dict, body: str | None, hidden: bool) -> tuple[dict, dict, dict]:
        """Run one test cell, its hidden part or not, on the student's values; its result, its namespace, and
        the values its repaired names had before it ran."""
        points = float(test["points"])
        code = "\n".join(part for part in (test["visible"], test["hidden"] if hidden else "", test["tail"]) if part)
        ns, notes = self.namespace(test, body)
        before = {name: ns.get(name) for name in test.get("repairs", [])}
        if self.given_error:
            notes.insert(0, f"the grader's own set-up failed: {self.given_error}")
        out = io.StringIO()
        error = None
        with _quiet(out):
            try:
                value = _run(code, ns, f"<{test['grade_id']}>")
            except BaseException as err:  # a failed assert, a missing variable, anything: the cell scores 0
                error, value = self.vocabulary.error(type(err).__name__, str(err)), None
        helper = ns.get("t")
        parts = _is_check(helper)
        # Without its hidden part, a LabCheck test is worth the points of its visible parts.
        maximum = points if hidden or not parts else min(points, float(helper.total))
        score = 0.0 if error else _score(value, maximum)
        said = self._said(helper) if parts else self.vocabulary.lines(out.getvalue())
        text = "\n".join(filter(None, [*said, error, *notes]))
        failed = error is not None or (score < maximum and (hidden or parts))
        return {"grade_id": test["grade_id"], "score": score, "max_score": maximum, "output": text[:MAX_OUTPUT],
                "error": failed}, ns, before

    def _solutions(self, ns: dict) -> Callable[[str], Callable]:
        """The hidden code's ``_solution(name)``: the instructor's own function ``name``, defined in ``ns`` (so
        that it reads the same names the test does)."""
        def solution(name: str) -> Callable:
            scratch = dict(ns)
            exec(compile(self.spec["solutions"][name], f"<solution {name}>", "exec"), scratch)
            function = scratch[name]
            return types.FunctionType(function.__code__, ns, name, function.__defaults__, function.__closure__)

        return solution

    def _said(self, helper: Any) -> list[str]:
        """A LabCheck's summary and hints, as the student may read them."""
        section = str(getattr(helper, "section", ""))
        verdict = "all checks passed" if not helper.hints else "some checks failed"
        head = f"{section if self.vocabulary.allows(section) else 'this section'}: {float(helper.got):g}/" \
               f"{float(helper.total):g} points, {verdict}"
        hints = [self.vocabulary.hint(h) for h in helper.hints]
        return [head, *(f"  - {h}" for h in dict.fromkeys(hints) if h)]

    def _repairs(self, test: dict, ns: dict, before: dict) -> tuple[dict, dict[str, bytes]]:
        """The answers the test's hidden code corrected (names of the section's TODO it bound anew)."""
        writer, values, functions = Writer(), {}, []
        for name, old in before.items():
            if name not in ns or ns[name] is old:
                continue
            if name in self.spec.get("solutions", {}) and callable(ns[name]):
                functions.append(self.spec["solutions"][name])
                continue
            with contextlib.suppress(Unavailable, Exception):
                values[name] = writer.encode(ns[name])
        return ({"values": values, "functions": functions} if values or functions else {}), writer.blobs

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


def _is_check(helper: Any) -> bool:
    """Whether ``helper`` is a LabCheck (points per part, hints): the lab's test helper."""
    return type(helper).__name__ == "LabCheck" and all(hasattr(helper, a) for a in ("got", "total", "hints"))


def _warmed(what: str, step: Callable[[], Any]) -> bool:
    """Run one warm-up step quietly; on failure say so on stderr."""
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
    return min(max(number, 0.0), maximum) if math.isfinite(number) else 0.0


@contextlib.contextmanager
def _quiet(out: io.StringIO | None = None):
    """Capture printed text in ``out`` (or drop it) and silence warnings and stderr."""
    sink = out if out is not None else io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def serve(judge: Judge, channel: Channel) -> None:
    """Answer the grader's messages until it says ``end`` or goes away."""
    tests = {test["grade_id"]: test for test in judge.spec["tests"]}
    while True:
        try:
            message, _ = channel.next()
        except WireError:
            return
        if message.get("op") == "end":
            channel.send({"op": "done", "leaderboard": judge.leaderboard})
            return
        test = tests[message["grade_id"]]
        result, repairs, repair_blobs = judge.test(test, message.get("body"))
        channel.send({"op": "verdict", "result": result, "repairs": repairs}, repair_blobs)


def run(spec: dict, mode: str, channel: Channel, first: First | None = None) -> None:
    """Be the judge of ``mode`` for one submission on ``channel``."""
    judge = Judge(spec, channel, hidden=mode in ("grade", "warm"), first=first)
    if mode == "warm":
        channel.send({"op": "done", "leaderboard": {}, "complete": judge.warm_up()})
        return
    serve(judge, channel)


def host(spec: dict, mode: str, outbox: IO[bytes]) -> None:
    """Run the first given cell, then fork a judge per ``judge`` message, one at a time (see the module's
    docstring); return at ``end``, when the grader goes away, or at once when that cell fails (the grader then
    judges with judges of their own, which say why)."""
    first = First.run(spec)
    if first is None:
        return
    prctl = ctypes.CDLL(None).prctl  # looked up here: a forked child of a process with threads should not load
    inbox = os.fdopen(0, "rb", buffering=0, closefd=False)  # unbuffered: a judge's messages are left to it
    while True:
        try:
            message, _ = receive(inbox)
        except WireError:
            return
        if message.get("op") != "judge":
            return
        own = _own_folders()
        host_pid, state, pid = os.getpid(), random.getstate(), os.fork()
        if pid == 0:  # the judge: its end is the host's to report, with no clean-up of the host's own
            try:
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # ended with its host, whoever ends that
                if os.getppid() != host_pid:
                    os._exit(1)
                random.setstate(state)  # which a fork reseeds
                os.chdir(own[0])
                tempfile.tempdir = os.environ["TMPDIR"] = own[1]
                run({**spec, "salt": str(message.get("salt", ""))}, mode, Channel(os.fdopen(os.dup(0), "rb"), outbox),
                    first)
            except BaseException:
                traceback.print_exc(file=sys.__stderr__)
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        for folder in own:
            shutil.rmtree(folder, ignore_errors=True)
        send(outbox, {"op": "ended", "clean": status == 0})


def _own_folders() -> tuple[str, str]:
    """A forked judge's own working folder (a copy of the host's files, as a judge process's) and temporary folder:
    what a check writes there is gone before the next judge."""
    work, tmp = tempfile.mkdtemp(prefix="judge-"), tempfile.mkdtemp(prefix="judge-tmp-")
    for entry in os.scandir("."):
        if entry.is_file():
            shutil.copy(entry.path, work)
    return work, tmp


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    mode = argv[1]
    # The pipe to the grader is a descriptor of its own: whatever a library prints goes to stderr.
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), write_through=True)
    if argv[2:] == ["host"]:
        try:
            host(spec, mode, outbox)
        except BaseException:  # said where the grader reads it (the host's stderr is quiet for its judges)
            traceback.print_exc(file=sys.__stderr__)
            return 1
    else:
        run(spec, mode, Channel(sys.stdin.buffer, outbox))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
