"""Messages between the grader and its judge: a JSON line and its blobs, both ways, and their ends."""

from __future__ import annotations

import io

import pytest

from movielens_lab.grading.judge.wire import WireError, receive, send


def test_a_message_and_its_blobs_arrive_whole_and_in_order() -> None:
    stream = io.BytesIO()
    send(stream, {"op": "test", "body": "é\n{}"}, {"a" * 64: b"\x00\n\xff" * 1000, "b" * 64: b""})
    send(stream, {"op": "end"})
    stream.seek(0)
    assert receive(stream) == ({"op": "test", "body": "é\n{}"}, {"a" * 64: b"\x00\n\xff" * 1000, "b" * 64: b""})
    assert receive(stream) == ({"op": "end"}, {})
    with pytest.raises(WireError, match="ended"):
        receive(stream)


@pytest.mark.parametrize("raw", [b"not json\n", b"[1, 2]\n", b'{"op": "x", "blobs": [["a", 10]]}\nshort',
                                 b'{"op": "x"', b"[" * 100_000 + b"\n"])
def test_anything_else_is_a_wire_error(raw: bytes) -> None:
    with pytest.raises(WireError):
        receive(io.BytesIO(raw))
