"""In the student's kernel: export what each test cell uses, as plain data, for the trusted judge.

The grader puts a cell before every test cell that calls ``Recorder.section`` with the
names the test reads: each value is written with :class:`plaindata.Writer`, and each of the
student's functions is wrapped so that every call the test makes is recorded with its
arguments and result (the judge replays them: it never runs the student's code). A cell
after the test calls ``Recorder.done`` to unwrap them.

Nothing here is trusted: student code can redefine all of it, and gains nothing by doing
so, since the judge checks the exported values against the raw data and its own results.
Like ``plaindata``, its source is injected into the kernel, so it imports only the standard
library, NumPy and ``plaindata``.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Callable

try:
    from .plaindata import Unavailable, Writer, write_json
except ImportError:  # injected into a kernel, where plaindata is the module _mlk_plaindata
    from _mlk_plaindata import Unavailable, Writer, write_json  # type: ignore[no-redef]

EXPORT_FOLDER = ".mlk-export"
"""Where, in the kernel's working folder, the export is written."""


class Recorder:
    """One notebook run's export: a file folder shared by all sections, one JSON index per section."""

    def __init__(self, root: str | Path = EXPORT_FOLDER) -> None:
        self.root = Path(root).absolute()
        self.writer = Writer(self.root / "files")
        self.wrapped: dict[str, Callable] = {}

    def _node(self, value: Any) -> dict:
        try:
            return self.writer.encode(value)
        except Unavailable as why:
            return {"t": "unavailable", "why": str(why)}
        except Exception as err:  # a student's object that breaks while being read
            return {"t": "unavailable", "why": f"reading it failed ({type(err).__name__})"}

    def section(self, grade_id: str, names: list[str], namespace: dict) -> None:
        """Export ``names`` of ``namespace`` for the test cell ``grade_id``; wrap its functions."""
        self.done(namespace)
        index: dict = {"values": {}, "calls": {}}
        for name in names:
            if name not in namespace:
                continue
            value = namespace[name]
            if isinstance(value, types.FunctionType):
                index["values"][name] = {"t": "function"}
                index["calls"][name] = []
                namespace[name] = self._wrap(value, index, index["calls"][name], grade_id)
                self.wrapped[name] = namespace[name]
            else:
                index["values"][name] = self._node(value)
        write_json(self.root / f"{grade_id}.json", index)

    def _wrap(self, func: Callable, index: dict, calls: list, grade_id: str) -> Callable:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            call = {"args": self._node(list(args)), "kwargs": self._node(kwargs)}
            calls.append(call)
            try:
                result = func(*args, **kwargs)
            except BaseException as err:
                call["error"] = [type(err).__name__, str(err)[:500]]
                raise
            else:
                call["result"] = self._node(result)
                return result
            finally:
                call["after"] = self._node(list(args))
                write_json(self.root / f"{grade_id}.json", index)

        recorded.__wrapped__ = func  # type: ignore[attr-defined]
        recorded.__name__ = getattr(func, "__name__", "function")
        return recorded

    def done(self, namespace: dict) -> None:
        """Put the student's own functions back where the test left our wrappers."""
        for name, wrapper in self.wrapped.items():
            if namespace.get(name) is wrapper:
                namespace[name] = wrapper.__wrapped__  # type: ignore[attr-defined]
        self.wrapped = {}
