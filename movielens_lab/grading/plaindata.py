"""Values as plain data: JSON, ``.npy`` files without pickles, and Keras's ``.keras`` format.

The bridge between a student's kernel and the trusted judge. In the kernel,
:class:`Writer` turns the values a test cell uses into files; in the judge, a process that
never ran student code, :class:`Reader` turns them back into values. Nothing is ever
unpickled: arrays load with ``allow_pickle=False``, models with ``safe_mode=True``, and file
names in the JSON are checked before they are opened.

This module depends on the standard library and NumPy alone (pandas, SciPy, Keras and
Matplotlib are imported only when a value of theirs is met): the grader injects its source
into the kernel and copies it beside the judge.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np

MAX_DEPTH = 12
"""Nesting deeper than this is not exported (a student's structure, not an answer)."""
MAX_ITEMS = 200_000
"""Lists and dicts longer than this are not exported, unless they are numbers (stored as arrays)."""
FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


class Unavailable(Exception):
    """A value that cannot be exported or read back as plain data; the message says why."""


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


class Writer:
    """Writes values as plain data into ``folder``: ``encode`` returns a JSON node, files go beside it."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.models: dict[tuple[int, str], str] = {}
        """File of each model written, by the model's identity, weights and compile settings (one file while
        none of them changes)."""

    def _file(self, name: str, write: Callable[[Path], None]) -> str:
        if self.folder is not None and not (self.folder / name).exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            write(self.folder / name)
        return name

    def array(self, value: np.ndarray) -> dict:
        if value.dtype.hasobject:
            return {"t": "objects", "v": [self.encode(v, 1) for v in value.ravel().tolist()],
                    "shape": list(value.shape)}
        value = value if value.flags.c_contiguous else value.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
        digest = hashlib.sha256(f"{value.dtype.str}{value.shape}".encode() + value.tobytes()).hexdigest()[:24]
        return {"t": "array", "f": self._file(f"{digest}.npy", lambda p: np.save(p, value, allow_pickle=False))}

    def encode(self, value: Any, depth: int = 0) -> dict:
        """The JSON node of ``value`` (files it needs are written); raises Unavailable."""
        if depth > MAX_DEPTH:
            raise Unavailable("it is nested too deeply")
        if value is None or isinstance(value, (bool, str)):
            return {"t": "json", "v": value}
        if isinstance(value, (int, float)):
            return {"t": "json", "v": value} if not isinstance(value, float) or math.isfinite(value) \
                else {"t": "float", "v": repr(value)}
        if isinstance(value, np.generic) and not value.dtype.hasobject:
            return {"t": "scalar", "a": self.array(np.asarray(value))}
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            if len(value) > 100 and all(_is_number(v) for v in value):
                return {"t": "numbers", "kind": kind, "a": self.array(np.asarray(value))}
            if len(value) > MAX_ITEMS:
                raise Unavailable(f"a {kind} of {len(value)} items is too long")
            return {"t": kind, "v": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, (set, frozenset)):
            return {"t": "set", "v": [self.encode(v, depth + 1) for v in sorted(value, key=repr)]}
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                raise Unavailable(f"a dict of {len(value)} items is too long")
            return {"t": "dict", "k": [self.encode(k, depth + 1) for k in value],
                    "v": [self.encode(v, depth + 1) for v in value.values()]}
        if isinstance(value, range):
            return {"t": "range", "v": [value.start, value.stop, value.step]}
        return self._library_value(value, depth)

    def _library_value(self, value: Any, depth: int) -> dict:
        kind = _type_name(value)
        if kind.startswith("pandas.") and type(value).__name__ == "DataFrame":
            return {"t": "frame", "columns": self.encode(list(value.columns), depth + 1),
                    "index": self._index(value.index, depth),
                    "data": [self._column(value.iloc[:, k], depth) for k in range(value.shape[1])]}
        if kind.startswith("pandas.") and type(value).__name__ == "Series":
            return {"t": "series", "name": self.encode(value.name, depth + 1),
                    "index": self._index(value.index, depth), "data": self._column(value, depth)}
        if kind.startswith("pandas.") and type(value).__name__.endswith("Index"):
            return self._index(value, depth)
        if kind.startswith("scipy.sparse."):
            csr = value.tocsr()
            return {"t": "sparse", "format": value.format, "shape": list(csr.shape),
                    "parts": [self.array(csr.data), self.array(csr.indices), self.array(csr.indptr)]}
        if kind.startswith("keras.") and hasattr(value, "save") and hasattr(value, "get_layer"):
            return self._model(value)
        if kind.startswith("keras.") and type(value).__name__ == "History":
            return {"t": "history", "history": self.encode(dict(value.history), depth + 1),
                    "params": self.encode(dict(value.params or {}), depth + 1)}
        if kind.startswith("matplotlib.") and hasattr(value, "get_lines") and hasattr(value, "get_xlabel"):
            legend = value.get_legend()
            return {"t": "axes", "xlabel": value.get_xlabel(), "ylabel": value.get_ylabel(),
                    "title": value.get_title(),
                    "lines": [[self.array(np.asarray(line.get_xdata(), dtype=float)),
                               self.array(np.asarray(line.get_ydata(), dtype=float)), str(line.get_label())]
                              for line in value.get_lines()],
                    "legend": None if legend is None else [t.get_text() for t in legend.get_texts()]}
        raise Unavailable(f"a {type(value).__name__} cannot be exported as plain data")

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
        key = (id(model), hashlib.sha256(state + json.dumps(compiled, sort_keys=True, default=str).encode()).hexdigest())
        if key in self.models:
            return {"t": "model", "f": self.models[key]}
        name = self.models[key] = f"model{len(self.models) + 1}.keras"
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                model.save(self.folder / name)
            except Exception as err:
                raise Unavailable(f"the model cannot be saved ({type(err).__name__}: {err})") from None
        return {"t": "model", "f": name}


class Reader:
    """Reads what :class:`Writer` wrote in ``folder``, never unpickling anything."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.models: dict[str, Any] = {}
        """Models read so far, by file: sections that exported the same model share one."""

    def path(self, name: Any) -> Path:
        if not isinstance(name, str) or not FILE_NAME.match(name):
            raise Unavailable(f"bad file name {name!r} in the export")
        path = self.folder / name
        if not path.is_file() or path.is_symlink():
            raise Unavailable(f"{name} is missing from the export")
        return path

    def decode(self, node: Any) -> Any:
        """The value of a JSON node; raises Unavailable for anything malformed."""
        if not isinstance(node, dict):
            raise Unavailable("malformed export")
        decoder = getattr(self, f"_decode_{node.get('t')}", None)
        if decoder is None:
            raise Unavailable(f"unknown kind {node.get('t')!r} in the export")
        return decoder(node)

    def _decode_json(self, node: dict) -> Any:
        value = node.get("v")
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise Unavailable("malformed export")
        return value

    def _decode_float(self, node: dict) -> float:
        return float(node["v"])

    def _decode_array(self, node: dict) -> np.ndarray:
        try:
            return np.load(self.path(node.get("f")), allow_pickle=False)
        except (ValueError, OSError):  # an object array (it would need a pickle) or not a .npy file
            raise Unavailable(f"{node.get('f')} is not a plain array") from None

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

        return pd.RangeIndex(*[int(v) for v in node["v"]], name=node.get("name"))

    def _decode_index(self, node: dict) -> Any:
        import pandas as pd

        return pd.Index(self._values(node["data"]))

    def _values(self, node: dict) -> Any:
        values = self.decode(node)
        if node.get("t") == "objects":
            import pandas as pd

            return pd.array(list(values), dtype=node.get("dtype") or object)
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

        path = self.path(node.get("f"))
        try:
            if path.name not in self.models:
                self.models[path.name] = keras.saving.load_model(path, safe_mode=True)
            return self.models[path.name]
        except Unavailable:
            raise
        except Exception as err:
            raise Unavailable(f"the model cannot be loaded safely ({type(err).__name__}): build it from Keras "
                              "layers only, without Lambda layers or classes of your own") from None

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
        raise Unavailable(str(node.get("why")))


class History:
    """What the judge knows of a Keras ``History``: its ``history`` and ``params``."""

    def __init__(self, history: dict, params: dict) -> None:
        self.history, self.params = history, params


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` (the export's index files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
