"""Messages between the grader and its judge: one JSON line, then the bytes of the blobs it names.

Used on both sides of the judge's pipes (the grader's ``session`` and the judge's own process, which
has this file copied beside it). A message is a JSON object; its blobs (content-addressed bytes,
``plaindata``) follow its line in the order of its ``"blobs"`` list of ``[name, size]`` pairs.
"""

from __future__ import annotations

import json
from typing import IO, Any

MAX_LINE = 256 << 20
"""The longest message line read (its blobs aside)."""


class WireError(Exception):
    """The other side ended, or sent something that is not a message."""


def send(stream: IO[bytes], message: dict, blobs: dict[str, bytes] | None = None) -> None:
    """Write ``message`` and its ``blobs`` to ``stream`` and flush."""
    blobs = blobs or {}
    line = json.dumps({**message, "blobs": [[name, len(data)] for name, data in blobs.items()]})
    stream.write(line.encode() + b"\n")
    for data in blobs.values():
        stream.write(data)
    stream.flush()


def receive(stream: IO[bytes]) -> tuple[dict, dict[str, bytes]]:
    """The next message on ``stream`` and its blobs; WireError at its end or on anything malformed."""
    line = stream.readline(MAX_LINE + 1)
    if not line.endswith(b"\n"):
        raise WireError("the other side ended" if not line else "a message line too long")
    try:
        message: Any = json.loads(line)
        sizes = [(str(name), int(size)) for name, size in message.pop("blobs", [])]
    except (ValueError, TypeError, RecursionError, AttributeError) as err:
        raise WireError(f"not a message ({type(err).__name__})") from None
    if not isinstance(message, dict):
        raise WireError("not a message")
    blobs = {}
    for name, size in sizes:
        data = stream.read(size)
        if len(data) != size:
            raise WireError("the other side ended")
        blobs[name] = data
    return message, blobs
