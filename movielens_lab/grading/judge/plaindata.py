"""Values as plain data: JSON nodes plus content-addressed blobs (``.npy`` without pickles, ``.keras`` models).

The bridge between a student's kernel and the trusted judge, both ways: in the kernel,
:class:`Writer` turns the values a test reads into a JSON node and blobs; in the judge, a
process that never ran student code, :class:`Reader` turns them back into values (and the
other way round for the arguments the judge passes to a student's function, and for repaired
values). Nothing is ever unpickled: arrays load with ``allow_pickle=False``, models with
``safe_mode=True``, and every blob is named by its SHA-256, checked where it is received.

A value that cannot travel raises :class:`Unavailable` with one of :data:`REASONS`' codes: the
reason shown to a student comes from that fixed list, never from the kernel's own words.

This module depends on the standard library and NumPy alone (pandas, SciPy, Keras and
Matplotlib are imported only when a value of theirs is met): the grader injects its source
into the kernel and copies it beside the judge.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

MAX_DEPTH = 12
"""Nesting deeper than this is not exported (a student's structure, not an answer)."""
MAX_ITEMS = 200_000
"""Lists and dicts longer than this are not exported, unless they are numbers (stored as arrays)."""
BLOB_NAME = re.compile(r"^[0-9a-f]{64}$")
REASONS = {
    "deep": "it is nested too deeply",
    "long": "it is too long",
    "kind": "it is not plain data (arrays, numbers, strings, lists, dicts, pandas, SciPy sparse, Keras models)",
    "model": "the model cannot be saved or loaded safely: build it from Keras layers only, without Lambda layers "
             "or classes of your own",
    "broken": "reading it raised an error",
    "missing": "it did not reach the grader whole",
}
"""Why a value could not travel, by code: the only words a student sees about it."""


class Unavailable(Exception):
    """A value that cannot travel as plain data; ``code`` is a key of :data:`REASONS`."""

    def __init__(self, code: str) -> None:
        super().__init__(code if code in REASONS else "kind")
        self.code = code if code in REASONS else "kind"

    @property
    def reason(self) -> str:
        return REASONS[self.code]


def digest(data: bytes) -> str:
    """A blob's name: its SHA-256."""
    return hashlib.sha256(data).hexdigest()


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _array_like(value: Any) -> bool:
    """A tensor or any other object NumPy can turn into an array of its own (``__array__``)."""
    module = type(value).__module__.split(".")[0]
    tensor = module in ("tensorflow", "keras", "torch", "jax") and hasattr(value, "numpy")
    return hasattr(value, "__array__") or tensor


class Writer:
    """Turns values into JSON nodes; the bytes they need are collected in ``blobs``, by name."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.models: dict[tuple[int, str], str] = {}
        """Blob of each model written, by the model's identity, weights and compile settings."""

    def _blob(self, data: bytes) -> str:
        name = digest(data)
        self.blobs.setdefault(name, data)
        return name

    def array(self, value: np.ndarray, depth: int = 0) -> dict:
        if value.dtype.hasobject:
            return {"t": "objects", "v": [self.encode(v, depth + 1) for v in value.ravel().tolist()],
                    "shape": list(value.shape)}
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"t": "array", "b": self._blob(buffer.getvalue())}

    def encode(self, value: Any, depth: int = 0) -> dict:
        """The JSON node of ``value`` (the blobs it needs are collected); raises Unavailable."""
        if depth > MAX_DEPTH:
            raise Unavailable("deep")
        if value is None or isinstance(value, (bool, str)):
            return {"t": "json", "v": value}
        if isinstance(value, (int, float)):
            return {"t": "json", "v": value} if not isinstance(value, float) or math.isfinite(value) \
                else {"t": "float", "v": repr(float(value))}
        if isinstance(value, np.generic) and not value.dtype.hasobject:
            return {"t": "scalar", "a": self.array(np.asarray(value))}
        if isinstance(value, np.ndarray):
            return self.array(value, depth)
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            if len(value) > 100 and all(_is_number(v) for v in value):
                return {"t": "numbers", "kind": kind, "a": self.array(np.asarray(value))}
            if len(value) > MAX_ITEMS:
                raise Unavailable("long")
            return {"t": kind, "v": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, (set, frozenset)):
            if len(value) > MAX_ITEMS:
                raise Unavailable("long")
            return {"t": "set", "v": [self.encode(v, depth + 1) for v in sorted(value, key=repr)]}
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                raise Unavailable("long")
            return {"t": "dict", "k": [self.encode(k, depth + 1) for k in value],
                    "v": [self.encode(v, depth + 1) for v in value.values()]}
        if isinstance(value, range):
            return {"t": "range", "v": [value.start, value.stop, value.step]}
        return self._library_value(value, depth)

    def _library_value(self, value: Any, depth: int) -> dict:
        kind, cls = _type_name(value), type(value).__name__
        if kind.startswith("pandas.") and cls == "DataFrame":
            return {"t": "frame", "columns": self.encode(list(value.columns), depth + 1),
                    "index": self._index(value.index, depth),
                    "data": [self._column(value.iloc[:, k], depth) for k in range(value.shape[1])]}
        if kind.startswith("pandas.") and cls == "Series":
            return {"t": "series", "name": self.encode(value.name, depth + 1),
                    "index": self._index(value.index, depth), "data": self._column(value, depth)}
        if kind.startswith("pandas.") and cls.endswith("Index"):
            return self._index(value, depth)
        if kind.startswith("scipy.sparse."):
            csr = value.tocsr()
            return {"t": "sparse", "format": value.format, "shape": list(csr.shape),
                    "parts": [self.array(csr.data), self.array(csr.indices), self.array(csr.indptr)]}
        if kind.startswith("keras.") and hasattr(value, "save") and hasattr(value, "get_layer"):
            return self._model(value)
        if cls == "History" and isinstance(getattr(value, "history", None), dict):
            return {"t": "history", "history": self.encode(dict(value.history), depth + 1),
                    "params": self.encode(dict(getattr(value, "params", None) or {}), depth + 1)}
        if kind.startswith("matplotlib.") and hasattr(value, "get_lines") and hasattr(value, "get_xlabel"):
            return self._axes(value)
        if _array_like(value):
            try:
                array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
            except Exception:
                raise Unavailable("broken") from None
            return self.array(array, depth)
        raise Unavailable("kind")

    def _axes(self, ax: Any) -> dict:
        legend = ax.get_legend()
        return {"t": "axes", "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(), "title": ax.get_title(),
                "lines": [[self.array(np.asarray(line.get_xdata(), dtype=float)),
                           self.array(np.asarray(line.get_ydata(), dtype=float)), str(line.get_label())]
                          for line in ax.get_lines()],
                "legend": None if legend is None else [t.get_text() for t in legend.get_texts()]}

    def _column(self, column: Any, depth: int) -> dict:
        values = column.to_numpy()
        if values.dtype.hasobject:
            return {"t": "objects", "v": [self.encode(v, depth + 2) for v in values.tolist()],
                    "shape": [len(values)], "dtype": str(column.dtype)}
        return self.array(values)

    def _index(self, index: Any, depth: int) -> dict:
        if type(index).__name__ == "RangeIndex":
            return {"t": "rangeindex", "v": [index.start, index.stop, index.step], "name": index.name
                    if isinstance(index.name, (str, int, type(None))) else None}
        return {"t": "index", "data": self._column(index, depth)}

    def _model(self, model: Any) -> dict:
        state = b"".join(np.asarray(w).tobytes() for w in model.get_weights())
        compiled = model.get_compile_config() if getattr(model, "compiled", False) else None
        key = (id(model), digest(state + json.dumps(compiled, sort_keys=True, default=str).encode()))
        if key not in self.models:
            with tempfile.TemporaryDirectory(prefix="mlk-model-") as tmp:
                path = os.path.join(tmp, "model.keras")
                try:
                    model.save(path)
                except Exception:
                    raise Unavailable("model") from None
                with open(path, "rb") as fh:
                    self.models[key] = self._blob(timeless(fh.read()))
        return {"t": "model", "b": self.models[key]}


SAVED = (1980, 1, 1, 0, 0, 0)
"""The time every saved model is given (the earliest a zip file holds): the same model, the same bytes."""


SHARED_ID = re.compile(rb'"shared_object_id": (\d+)')
"""How a ``.keras`` configuration names an object several layers share: by its address in the process that saved it."""


def timeless(keras_file: bytes) -> bytes:
    """A ``.keras`` file without the time it was saved (its metadata's date, its members' times) or where its shared
    objects lay in memory (numbered in order instead), so that a model saved again, or the same model built in
    another process, is the same blob (a re-judge compares the repaired models it sends with the run's)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(keras_file)) as saved, zipfile.ZipFile(out, "w") as kept:
        for member in saved.infolist():
            data = saved.read(member)
            if member.filename == "metadata.json":
                data = json.dumps({**json.loads(data), "date_saved": "1980-01-01@00:00:00"}).encode()
            elif member.filename == "config.json":
                ids: dict[bytes, int] = {}
                data = SHARED_ID.sub(lambda m: b'"shared_object_id": %d' % ids.setdefault(m.group(1), len(ids)), data)
            kept.writestr(zipfile.ZipInfo(member.filename, SAVED), data, compress_type=member.compress_type)
    return out.getvalue()


class Reader:
    """Reads what :class:`Writer` wrote, from ``blobs`` (bytes by name), never unpickling anything."""

    def __init__(self, blobs: Mapping[str, bytes]) -> None:
        self.blobs = blobs
        self.models: dict[str, Any] = {}
        """Models read so far, by blob: sections that exported the same model share one."""

    def blob(self, name: Any) -> bytes:
        if not isinstance(name, str) or not BLOB_NAME.match(name) or name not in self.blobs:
            raise Unavailable("missing")
        return self.blobs[name]

    def decode(self, node: Any) -> Any:
        """The value of a JSON node; raises Unavailable for anything malformed."""
        if not isinstance(node, dict):
            raise Unavailable("missing")
        decoder = getattr(self, f"_decode_{node.get('t')}", None) if isinstance(node.get("t"), str) else None
        if decoder is None:
            raise Unavailable("missing")
        try:
            return decoder(node)
        except Unavailable:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError):
            raise Unavailable("missing") from None

    def _decode_json(self, node: dict) -> Any:
        value = node.get("v")
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise Unavailable("missing")
        return value

    def _decode_float(self, node: dict) -> float:
        return float(node["v"])

    def _decode_array(self, node: dict) -> np.ndarray:
        try:
            return np.load(io.BytesIO(self.blob(node.get("b"))), allow_pickle=False)
        except (ValueError, OSError, EOFError):  # an object array (it would need a pickle) or not a .npy file
            raise Unavailable("missing") from None

    def _decode_objects(self, node: dict) -> np.ndarray:
        values = [self.decode(v) for v in node["v"]]
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape([int(n) for n in node["shape"]])

    def _decode_scalar(self, node: dict) -> np.generic:
        return self.decode(node["a"])[()]

    def _decode_numbers(self, node: dict) -> list | tuple:
        values = self.decode(node["a"]).tolist()
        return tuple(values) if node.get("kind") == "tuple" else values

    def _decode_list(self, node: dict) -> list:
        return [self.decode(v) for v in node["v"]]

    def _decode_tuple(self, node: dict) -> tuple:
        return tuple(self._decode_list(node))

    def _decode_set(self, node: dict) -> set:
        return set(self._decode_list(node))

    def _decode_dict(self, node: dict) -> dict:
        return {self.decode(k): self.decode(v) for k, v in zip(node["k"], node["v"], strict=True)}

    def _decode_range(self, node: dict) -> range:
        return range(*[int(v) for v in node["v"]])

    def _decode_rangeindex(self, node: dict) -> Any:
        import pandas as pd

        name = node.get("name")
        return pd.RangeIndex(*[int(v) for v in node["v"]], name=name if isinstance(name, (str, int)) else None)

    def _decode_index(self, node: dict) -> Any:
        import pandas as pd

        return pd.Index(self._values(node["data"]))

    def _values(self, node: dict) -> Any:
        values = self.decode(node)
        if node.get("t") == "objects":
            import pandas as pd

            return pd.array(list(values), dtype=str(node.get("dtype") or "object"))
        return values

    def _decode_frame(self, node: dict) -> Any:
        import pandas as pd

        columns = self.decode(node["columns"])
        frame = pd.DataFrame({k: self._values(d) for k, d in enumerate(node["data"])},
                             index=self.decode(node["index"]))
        frame.columns = columns
        return frame

    def _decode_series(self, node: dict) -> Any:
        import pandas as pd

        return pd.Series(self._values(node["data"]), index=self.decode(node["index"]), name=self.decode(node["name"]))

    def _decode_sparse(self, node: dict) -> Any:
        import scipy.sparse

        data, indices, indptr = (self.decode(p) for p in node["parts"])
        matrix = scipy.sparse.csr_matrix((data, indices, indptr), shape=tuple(int(n) for n in node["shape"]))
        return matrix.asformat(str(node["format"]))

    def _decode_model(self, node: dict) -> Any:
        import keras

        name = node.get("b")
        data = self.blob(name)
        if name not in self.models:
            with tempfile.TemporaryDirectory(prefix="mlk-model-") as tmp:
                path = os.path.join(tmp, "model.keras")
                with open(path, "wb") as fh:
                    fh.write(data)
                try:
                    self.models[name] = keras.saving.load_model(path, safe_mode=True)
                except Exception:
                    raise Unavailable("model") from None
        return self.models[name]

    def _decode_history(self, node: dict) -> Any:
        return History(self.decode(node["history"]), self.decode(node["params"]))

    def _decode_axes(self, node: dict) -> Any:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
        for x, y, label in node["lines"]:
            ax.plot(self.decode(x), self.decode(y), label=str(label))
        ax.set_xlabel(str(node["xlabel"]))
        ax.set_ylabel(str(node["ylabel"]))
        ax.set_title(str(node["title"]))
        if node["legend"] is not None:
            ax.legend([str(t) for t in node["legend"]])
        return ax

    def _decode_unavailable(self, node: dict) -> Any:
        raise Unavailable(str(node.get("code")))


class History:
    """What travels of a Keras ``History``: its ``history`` and ``params``."""

    def __init__(self, history: dict, params: dict) -> None:
        self.history, self.params = history, params
