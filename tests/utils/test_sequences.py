"""multi_hot (kernel vs plain NumPy), pad_sequences (vs Keras's loop), to_categorical."""

from __future__ import annotations

import numpy as np
import pytest

from jitnet.utils.numerical import to_categorical
from jitnet.utils.sequences import _pad_generic, multi_hot, pad_sequences


def vectorize_sequences(sequences, dimension):
    """The tutorials' plain NumPy version, the reference for multi_hot."""
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.0
    return results


def ragged(seed, n=200, dim=50, max_len=30):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, dim, rng.integers(0, max_len)).tolist() for _ in range(n)]


# ---------------------------------------------------------------- multi_hot


@pytest.mark.parametrize("seed", [0, 1])
def test_multi_hot_matches_numpy_on_lists(seed):
    seqs = ragged(seed)
    out = multi_hot(seqs, 50)
    assert out.dtype == np.float32 and out.shape == (200, 50)
    np.testing.assert_array_equal(out, vectorize_sequences(seqs, 50))


def test_multi_hot_object_array_arrays_and_2d_input():
    seqs = ragged(2, n=20)
    expected = vectorize_sequences(seqs, 50)
    obj = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        obj[i] = s
    np.testing.assert_array_equal(multi_hot(obj, 50), expected)
    np.testing.assert_array_equal(multi_hot([np.array(s, dtype=np.int32) for s in seqs], 50), expected)
    dense = np.array([[1, 2, 2], [0, 4, 3]], dtype=np.int16)
    np.testing.assert_array_equal(multi_hot(dense, 5), vectorize_sequences(dense, 5))
    # a non-contiguous 2-D view
    view = np.arange(24).reshape(4, 6)[:, ::2]
    np.testing.assert_array_equal(multi_hot(view, 24), vectorize_sequences(view, 24))


@pytest.mark.parametrize("dtype", ["float64", "uint8", "int32"])
def test_multi_hot_dtype(dtype):
    out = multi_hot([[0, 2], []], 3, dtype=dtype)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, [[1, 0, 1], [0, 0, 0]])


def test_multi_hot_edge_cases():
    assert multi_hot([], 4).shape == (0, 4)
    np.testing.assert_array_equal(multi_hot([[], []], 2), np.zeros((2, 2)))
    np.testing.assert_array_equal(multi_hot([[3, 3, 3]], 4), [[0, 0, 0, 1]])


@pytest.mark.parametrize("bad", [[[0, 5]], [[-1, 2]], [[1], [0, 7, 2]]])
def test_multi_hot_out_of_range_names_argument(bad):
    with pytest.raises(ValueError, match=r"`sequences`.*\[0, 5\)"):
        multi_hot(bad, 5)


def test_multi_hot_rejects_bad_input():
    with pytest.raises(ValueError, match="num_classes"):
        multi_hot([[1]], 0)
    with pytest.raises(ValueError, match="integers"):
        multi_hot([[1.5, 2.0]], 5)
    with pytest.raises(ValueError, match="non-sequence"):
        multi_hot([1, 2, 3], 5)
    with pytest.raises(ValueError, match="single sequence"):
        multi_hot(np.array([1, 2, 3]), 5)
    with pytest.raises(ValueError, match="integers"):
        multi_hot([["a", "b"]], 5)


# ------------------------------------------------------------ pad_sequences


def test_pad_sequences_keras_docstring_examples():
    seq = [[1], [2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(pad_sequences(seq), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, maxlen=2), [[0, 1], [2, 3], [5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, maxlen=2, truncating="post"), [[0, 1], [2, 3], [4, 5]])
    assert pad_sequences(seq).dtype == np.int32


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 1, 7, 40])
@pytest.mark.parametrize("dtype", ["int32", "float32", "int64"])
def test_pad_sequences_fast_path_matches_keras_loop(padding, truncating, maxlen, dtype):
    seqs = ragged(3, n=60, dim=1000)
    kwargs = {"maxlen": maxlen, "dtype": dtype, "padding": padding, "truncating": truncating, "value": -3.0}
    fast = pad_sequences(seqs, **kwargs)
    slow = _pad_generic(seqs, **kwargs)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    np.testing.assert_array_equal(fast, slow)


def test_pad_sequences_other_inputs():
    arrays = [np.array([1.5, 2.5]), np.array([3.5])]
    np.testing.assert_array_equal(pad_sequences(arrays, dtype="float32"), [[1.5, 2.5], [0, 3.5]])
    np.testing.assert_array_equal(pad_sequences(arrays), [[1, 2], [0, 3]])  # truncation, as numpy casts
    np.testing.assert_array_equal(pad_sequences(np.array([[1, 2, 3]]), maxlen=2), [[2, 3]])
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([[], []], maxlen=3).tolist() == [[0, 0, 0], [0, 0, 0]]
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_pad_sequences_strings_and_samples_use_keras_path():
    out = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]
    out = pad_sequences([[[1, 2], [3, 4]], [[5, 6]]], maxlen=2)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[1], [[0, 0], [5, 6]])
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")


def test_pad_sequences_overflow_behaves_like_keras():
    with pytest.raises(OverflowError):
        pad_sequences([[2**40]])  # int32 output; Keras's numpy cast raises too
    np.testing.assert_array_equal(pad_sequences([[2**40]], dtype="int64"), [[2**40]])


def test_pad_sequences_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="Truncating type"):
        pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match="iterable"):
        pad_sequences(x for x in [[1]])
    with pytest.raises(ValueError, match="non-"):
        pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[1]], maxlen=-1)


# ----------------------------------------------------------- to_categorical


def test_to_categorical_keras_example():
    out = to_categorical([0, 1, 2, 3], num_classes=4)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(4))


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((5,), (5, 3)), ((5, 1), (5, 3)), ((2, 3), (2, 3, 3)), ((2, 3, 1), (2, 3, 3)), ((1,), (1, 3)), ((), (3,))],
)
def test_to_categorical_shapes_as_keras(shape, expected):
    x = np.arange(int(np.prod(shape))).reshape(shape) % 3
    out = to_categorical(x, 3)
    assert out.shape == expected
    np.testing.assert_array_equal(out.argmax(-1), x.reshape(expected[:-1]))
    np.testing.assert_array_equal(out.sum(-1), 1)


def test_to_categorical_infers_num_classes():
    out = to_categorical(np.array([2, 0, 4], dtype=np.uint8))
    assert out.shape == (3, 5)
    np.testing.assert_array_equal(out.argmax(1), [2, 0, 4])
    assert to_categorical([1, 0], num_classes=0).shape == (2, 2)  # 0 means infer, as Keras


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        to_categorical([0, 3], 3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        to_categorical([-1, 1], 3)
    with pytest.raises(ValueError, match="empty"):
        to_categorical([])
    assert to_categorical([], 4).shape == (0, 4)


def test_the_module_paths_the_books_import():
    import jitnet as keras
    from jitnet.preprocessing.sequence import pad_sequences as from_preprocessing

    assert from_preprocessing is keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    np.testing.assert_array_equal(from_preprocessing([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])


def test_to_categorical_of_padded_sequences_gives_the_one_hot_steps():
    ids = np.array([[0, 3, 1], [2, 2, 0]])
    onehot = to_categorical(ids, num_classes=4)
    assert onehot.shape == (2, 3, 4)
    np.testing.assert_array_equal(onehot.argmax(-1), ids)
    np.testing.assert_array_equal(onehot.sum(-1), np.ones((2, 3)))
