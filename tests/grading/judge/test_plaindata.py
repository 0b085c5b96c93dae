"""Values through plain data and back: what the judge reads is what the kernel had, and never a pickle."""

from __future__ import annotations

import io
import json
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from movielens_lab.grading.judge.plaindata import REASONS, Reader, Unavailable, Writer, digest


def roundtrip(value, folder: Path | None = None):
    writer = Writer()
    node = writer.encode(value)
    assert all(digest(data) == name for name, data in writer.blobs.items())
    return Reader(writer.blobs).decode(json.loads(json.dumps(node)))  # the node is JSON


@pytest.mark.parametrize("value", [
    None, True, 3, 2.5, "é", [1, "a", None], (1, 2), {"a": [1.5], 3: "x"}, {1, 2}, range(2, 9, 3),
    float("nan"), list(range(500)), [0.5] * 300,
])
def test_python_values(value, tmp_path: Path) -> None:
    back = roundtrip(value, tmp_path)
    assert type(back) is type(value)
    assert back == value or (value != value and back != back)


def test_arrays_keep_dtype_and_shape(tmp_path: Path) -> None:
    for array in (np.arange(6, dtype=np.int32).reshape(2, 3), np.linspace(0, 1, 5, dtype=np.float32),
                  np.array(["a", "bé"]), np.float32(1.5), np.int64(7)):
        back = roundtrip(array, tmp_path)
        assert type(back) is type(array) and np.asarray(back).dtype == np.asarray(array).dtype
        assert np.array_equal(back, array)


def test_the_same_array_is_stored_once(tmp_path: Path) -> None:
    big = np.arange(10_000)
    writer = Writer()
    writer.encode([big, big.copy(), {"again": big}])
    assert len(writer.blobs) == 1


def test_tensors_and_other_array_likes_arrive_as_arrays() -> None:
    import tensorflow as tf

    back = roundtrip(tf.constant([[1.5, 2.0]]))
    assert isinstance(back, np.ndarray) and back.dtype == np.float32 and back.tolist() == [[1.5, 2.0]]

    class ArrayLike:
        def __array__(self, dtype=None, copy=None):
            return np.arange(3)

    assert roundtrip(ArrayLike()).tolist() == [0, 1, 2]


def test_frames_series_and_sparse(tmp_path: Path) -> None:
    frame = pd.DataFrame({"title": ["a", "b"], "pred": np.array([5.7, 0.4], dtype=np.float32), "n": [1, 2]},
                         index=[7, 3])
    back = roundtrip(frame, tmp_path)
    pd.testing.assert_frame_equal(back, frame)
    series = pd.Series([1.0, 2.0], index=pd.RangeIndex(1, 3), name="mean")
    pd.testing.assert_series_equal(roundtrip(series, tmp_path), series)
    matrix = scipy.sparse.csr_matrix(([5.0, 3.0], ([1, 2], [3, 1])), shape=(3, 4))
    back = roundtrip(matrix, tmp_path)
    assert back.format == "csr" and (back != matrix).nnz == 0
    assert roundtrip(matrix.tocoo(), tmp_path).format == "coo"


def test_axes_keep_what_a_test_reads(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    ax.plot([1, 2, 3], [0.9, 0.8, 0.7], label="train")
    ax.set_xlabel("epoch")
    ax.legend()
    back = roundtrip(ax, tmp_path)
    assert list(back.get_lines()[0].get_ydata()) == [0.9, 0.8, 0.7] and back.get_xlabel() == "epoch"
    assert [t.get_text() for t in back.get_legend().get_texts()] == ["train"] and back.get_ylabel() == ""


def test_what_cannot_be_plain_data_says_why_in_fixed_words() -> None:
    with pytest.raises(Unavailable) as raised:
        Writer().encode(object())
    assert raised.value.reason == REASONS["kind"]
    deep: list = []
    for _ in range(20):
        deep = [deep]
    with pytest.raises(Unavailable) as raised:
        Writer().encode(deep)
    assert raised.value.reason == REASONS["deep"]
    assert Unavailable("<script>a code the kernel made up</script>").reason == REASONS["kind"]


def test_the_reader_opens_no_pickle_and_only_blobs_it_was_given() -> None:
    evil = io.BytesIO()
    np.save(evil, np.array([object()], dtype=object), allow_pickle=True)
    blobs = {digest(evil.getvalue()): evil.getvalue(), digest(pickle.dumps(1)): pickle.dumps(1)}
    reader = Reader(blobs)
    for name in blobs:
        with pytest.raises(Unavailable):
            reader.decode({"t": "array", "b": name})
    for name in ("../x.npy", "/etc/passwd", "0" * 64, 7, None):
        with pytest.raises(Unavailable):
            reader.decode({"t": "array", "b": name})
    for node in ({"t": "pickle", "v": "gASVAAAA"}, {"t": "list"}, {"t": "dict", "k": [1], "v": []}, [], "x"):
        with pytest.raises(Unavailable):
            reader.decode(node)


def test_a_model_is_written_again_once_it_changes(tmp_path: Path) -> None:
    """Sections share a file while the model is the same; compiling or training it makes a new one."""
    import keras

    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    writer = Writer()
    first = writer.encode(model)
    assert writer.encode(model) == first
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mae")
    compiled = writer.encode(model)
    assert compiled != first
    model.fit(np.zeros((4, 1)), np.ones(4), verbose=0)
    assert writer.encode(model) not in (first, compiled)
    back = Reader(writer.blobs).decode(compiled)
    assert isinstance(back.optimizer, keras.optimizers.Adam) and abs(float(back.optimizer.learning_rate) - 0.01) < 1e-9


def test_a_model_saved_again_later_is_the_same_blob() -> None:
    """A .keras file holds the time it was saved: the blob leaves it out (a re-judge compares its repairs' blobs)."""
    import keras

    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    first = Writer()
    node = first.encode(model)
    time.sleep(1.1)  # the saved time is to the second
    second = Writer()
    assert second.encode(model) == node and second.blobs == first.blobs
    assert Reader(second.blobs).decode(node).count_params() == 2


def test_the_same_model_built_again_is_the_same_blob() -> None:
    """A layer two others share is saved under its address in memory: the blob numbers it instead (a judge in
    another process builds the same repaired model at another address)."""
    import keras

    def built() -> dict:
        keras.backend.clear_session()  # Keras numbers unnamed layers per session
        keras.utils.set_random_seed(0)
        shared = keras.Input(shape=(1,))
        model = keras.Model(shared, keras.layers.Add()([keras.layers.Dense(1)(shared), keras.layers.Dense(1)(shared)]))
        return Writer().encode(model), model

    (node, model), (again, kept) = built(), built()
    assert node == again and model is not kept
    writer = Writer()
    back = Reader(writer.blobs).decode(writer.encode(model))
    np.testing.assert_array_equal(back.predict(np.ones((2, 1)), verbose=0), model.predict(np.ones((2, 1)), verbose=0))
