"""default_collate / default_convert: every supported sample type, dtypes, and errors."""
import collections

import numpy as np
import pytest

import framework
from framework.autograd.tensor import Tensor
from framework.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def test_python_ints_become_int64():
    out = default_collate([3, 1, 2])
    assert isinstance(out, Tensor)
    assert out.dtype == framework.int64
    assert out.tolist() == [3, 1, 2]


def test_python_floats_become_the_default_dtype():
    out = default_collate([0.5, 1.5])
    assert out.dtype == framework.float32
    assert out.tolist() == [0.5, 1.5]


def test_python_floats_follow_a_changed_default_dtype():
    framework.set_default_dtype(framework.float64)
    try:
        assert default_collate([0.5, 1.5]).dtype == framework.float64
    finally:
        framework.set_default_dtype(framework.float32)


def test_mixed_ints_and_floats_become_float32():
    out = default_collate([1, 2.5])
    assert out.dtype == framework.float32
    assert out.tolist() == [1.0, 2.5]


def test_python_bools_become_bool():
    out = default_collate([True, False])
    assert out.dtype == framework.bool
    assert out.tolist() == [True, False]


@pytest.mark.parametrize("np_dtype, expected", [(np.float32, framework.float32), (np.float64, framework.float64),
                                                (np.int32, framework.int32), (np.uint8, framework.uint8)])
def test_numpy_arrays_are_stacked_keeping_their_dtype(np_dtype, expected):
    samples = [np.full((2, 3), i, dtype=np_dtype) for i in range(4)]
    out = default_collate(samples)
    assert out.dtype == expected
    assert tuple(out.shape) == (4, 2, 3)
    np.testing.assert_array_equal(out.numpy(), np.stack(samples))


def test_numpy_scalars_keep_their_dtype():
    assert default_collate([np.float32(1.0), np.float32(2.0)]).dtype == framework.float32
    assert default_collate([np.float64(1.0), np.float64(2.0)]).dtype == framework.float64
    assert default_collate([np.int64(1), np.int64(2)]).tolist() == [1, 2]


def test_tensors_are_stacked():
    samples = [framework.tensor([1.0, 2.0]), framework.tensor([3.0, 4.0])]
    out = default_collate(samples)
    assert tuple(out.shape) == (2, 2)
    assert out.dtype == framework.float32
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_tensors_of_different_shapes_cannot_be_stacked():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([framework.zeros(3), framework.zeros(2)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([np.zeros(3), np.zeros(2)])


def test_tuples_are_collated_element_wise_into_a_list():
    out = default_collate([(np.zeros(2, np.float32), 0), (np.ones(2, np.float32), 1)])
    assert isinstance(out, list) and len(out) == 2
    assert out[0].tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert out[1].dtype == framework.int64 and out[1].tolist() == [0, 1]


def test_lists_are_collated_element_wise():
    out = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(out, list)
    assert out[0].tolist() == [1, 3] and out[0].dtype == framework.int64
    assert out[1].tolist() == [2.0, 4.0] and out[1].dtype == framework.float32


def test_dicts_are_collated_key_by_key_and_keep_their_type():
    out = default_collate([collections.OrderedDict(a=1, b=0.5), collections.OrderedDict(a=2, b=1.5)])
    assert type(out) is collections.OrderedDict
    assert list(out) == ["a", "b"]
    assert out["a"].tolist() == [1, 2] and out["b"].tolist() == [0.5, 1.5]


def test_namedtuples_keep_their_type():
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(out) is Point
    assert out.x.tolist() == [1, 3] and out.y.tolist() == [2.0, 4.0]


def test_nested_structures():
    batch = [{"image": np.zeros((2, 2), np.float32), "meta": (1, "a")},
             {"image": np.ones((2, 2), np.float32), "meta": (2, "b")}]
    out = default_collate(batch)
    assert tuple(out["image"].shape) == (2, 2, 2)
    assert out["meta"][0].tolist() == [1, 2]
    assert out["meta"][1] == ["a", "b"]


def test_strings_and_bytes_are_returned_as_lists():
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_ragged_sequences_are_refused():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([(1, 2), (3,)])


@pytest.mark.parametrize("batch", [[None, None], [object(), object()], [{1, 2}, {3, 4}]])
def test_unsupported_types_are_refused(batch):
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        default_collate(batch)


def test_string_arrays_are_refused():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_turns_numpy_into_tensors_and_leaves_numbers():
    out = default_convert((np.array([1, 2], dtype=np.int64), 3, "s", {"k": np.float32(1.5)}))
    assert isinstance(out, list)
    assert isinstance(out[0], Tensor) and out[0].tolist() == [1, 2]
    assert out[1] == 3 and out[2] == "s"
    assert isinstance(out[3]["k"], Tensor) and out[3]["k"].dtype == framework.float32


def test_default_convert_keeps_tensors_and_namedtuples():
    t = framework.zeros(2)
    assert default_convert(t) is t
    p = default_convert(Point(np.array(1.0), 2))
    assert type(p) is Point and isinstance(p.x, Tensor) and p.y == 2
