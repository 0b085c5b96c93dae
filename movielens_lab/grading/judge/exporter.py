"""In the student's kernel: the grader's steps around each test cell, as plain data in and out.

The grader (``sealed``) runs these steps in the kernel, between the notebook's cells, as
executions of its own that the notebook never shows:

- :meth:`Exporter.export` before test cell k runs: the values test k reads, as plain data
  (``plaindata``), and which of them are callables. They leave the kernel at once, as one
  output message of that very step, which the grader takes and hands to the judge: nothing a
  later cell does can change what the judge got for test k.
- :meth:`Exporter.call` while the judge runs test k: one call of a student's callable of that
  export (a function, lambda, bound method, ``functools.partial``, an object with ``__call__``),
  with arguments the judge sent as data, after seeding Keras's random numbers when the judge asks
  (to rebuild a student's model with the initial weights the notebook gave it); its result, error
  type and arguments afterwards go back as data. The judge never runs student code; the kernel never
  runs test code.
- :meth:`Exporter.repair` after test k, when its section was lost and later sections need its
  answers: the correct values, as data, set under the names that section's TODO asks for.

Nothing here is trusted: student code can redefine all of it and gains nothing by doing so, since
the judge checks what it receives against the raw data and its own results. Like ``plaindata``, its
source is injected into the kernel, so it imports only the standard library, NumPy and ``plaindata``.
"""

from __future__ import annotations

import base64
import builtins
import json
from typing import Any, Callable

try:
    from .plaindata import Reader, Unavailable, Writer
except ImportError:  # injected into a kernel, where plaindata is the module _mlk_plaindata
    from _mlk_plaindata import Reader, Unavailable, Writer  # type: ignore[no-redef]

MIME = "application/vnd.movielens-lab.step+json"
"""The output type of a step's message; the grader takes it out of the kernel's outputs."""
MAX_ERROR_NAME = 60


def pack(blobs: dict[str, bytes]) -> dict[str, str]:
    """Blobs as JSON text (base64)."""
    return {name: base64.b64encode(data).decode("ascii") for name, data in blobs.items()}


def unpack(blobs: dict[str, str]) -> dict[str, bytes]:
    """What :func:`pack` made, back as bytes."""
    return {str(name): base64.b64decode(text, validate=True) for name, text in blobs.items()}


def display_step(payload: dict) -> None:
    """Send a step's message as the kernel's output (the grader takes it out)."""
    from IPython.display import display

    display({MIME: payload}, raw=True)


class Exporter:
    """The kernel's side of the grader's steps; ``sent``: the blobs already sent (each travels once).

    ``emit`` sends a step's message (default: as an output of the step, :func:`display_step`).
    """

    def __init__(self, emit: Callable[[dict], None] = display_step) -> None:
        self.emit = emit
        self.writer = Writer()
        self.sent: set[str] = set()
        self.callables: dict[str, Callable] = {}

    def _node(self, value: Any) -> dict:
        try:
            return self.writer.encode(value)
        except Unavailable as why:
            return {"t": "unavailable", "code": why.code}
        except Exception:  # a student's object that breaks while being read
            return {"t": "unavailable", "code": "broken"}

    def _publish(self, step: str, body: dict) -> None:
        new = {k: v for k, v in self.writer.blobs.items() if k not in self.sent}
        self.sent.update(new)
        self.writer.blobs.clear()
        self.emit({"step": step, "body": json.dumps(body), "blobs": pack(new)})

    def export(self, grade_id: str, names: list[str], namespace: dict) -> None:
        """Send the values of ``names`` in ``namespace`` that test ``grade_id`` reads; keep its callables."""
        values, self.callables = {}, {}
        for name in names:
            if name not in namespace:
                continue
            node = self._node(namespace[name])
            if node.get("t") == "unavailable" and node.get("code") == "kind" and callable(namespace[name]):
                node, self.callables[name] = {"t": "callable"}, namespace[name]
            values[name] = node
        self._publish("export", {"grade_id": grade_id, "values": values})

    def call(self, request: str) -> None:
        """Call one callable of the last export as the judge asks; send its result back."""
        req = json.loads(request)
        answer: dict = {"id": req["id"]}
        reader = Reader(unpack(req["blobs"]))
        try:
            args, kwargs = reader.decode(req["args"]), reader.decode(req["kwargs"])
        except Unavailable:
            answer["error"] = "ArgumentsUnavailable"
        else:
            try:
                if "seed" in req:  # as a notebook does before it builds a model: the judge rebuilds the student's
                    import keras
                    keras.utils.set_random_seed(int(req["seed"]))
                result = self.callables[req["name"]](*args, **kwargs)
            except BaseException as err:  # the student's function raised: only its type travels back, as the
                # nearest built-in one (a class of the student's own is a ValueError, say, to the judge)
                builtin = next((c for c in type(err).__mro__ if getattr(builtins, c.__name__, None) is c), Exception)
                answer["error"] = builtin.__name__[:MAX_ERROR_NAME]
            else:
                answer["result"] = self._node(result)
            answer["after"] = self._node(list(args))
        self._publish("answer", answer)

    def repair(self, payload: str, namespace: dict) -> None:
        """Set the corrected answers of a lost section (values as data; a function as the solution's own)."""
        body = json.loads(payload)
        reader = Reader(unpack(body["blobs"]))
        for name, node in body["values"].items():
            namespace[name] = reader.decode(node)
        for source in body["functions"]:
            exec(compile(source, "<solution>", "exec"), namespace)
