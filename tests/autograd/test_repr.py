"""``repr`` of tensors and sizes, laid out as PyTorch prints them."""
import numpy as np
import pytest

import framework
from framework import tensor


@pytest.mark.parametrize("build, text", [
    (lambda: tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: tensor([1.0, 2.0], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: tensor([1.0, 2.0], dtype=framework.float64), "tensor([1., 2.], dtype=framework.float64)"),
    (lambda: tensor([1.0], dtype=framework.float64, requires_grad=True),
     "tensor([1.], dtype=framework.float64, requires_grad=True)"),
    (lambda: tensor([1, 2]), "tensor([1, 2])"),
    (lambda: tensor([1, 2], dtype=framework.int32), "tensor([1, 2], dtype=framework.int32)"),
    (lambda: tensor([-1, 20]), "tensor([-1, 20])"),
    (lambda: tensor([True]), "tensor([True])"),
    (lambda: tensor([True, False]), "tensor([ True, False])"),
    (lambda: tensor(3.0), "tensor(3.)"),
    (lambda: tensor(3.0, requires_grad=True), "tensor(3., requires_grad=True)"),
    (lambda: tensor(7), "tensor(7)"),
    (lambda: tensor([0.1, 0.25]), "tensor([0.1000, 0.2500])"),
    (lambda: tensor([4.0, 8.0, 12.0]), "tensor([ 4.,  8., 12.])"),
    (lambda: tensor([-1.0, 2.0]), "tensor([-1.,  2.])"),
    (lambda: tensor([1.0, 2.718282]), "tensor([1.0000, 2.7183])"),
    (lambda: framework.zeros(3), "tensor([0., 0., 0.])"),
    (lambda: tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: tensor([1e10, 1.0]), "tensor([1.0000e+10, 1.0000e+00])"),
    (lambda: tensor([float("nan"), 1.0]), "tensor([nan, 1.])"),
    (lambda: tensor([float("inf"), -2.5]), "tensor([    inf, -2.5000])"),
    (lambda: tensor([[1.5, 2.0], [3.0, 4.0]]), "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])"),
    (lambda: framework.zeros(0), "tensor([])"),
    (lambda: framework.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: framework.zeros(0, dtype=framework.int64), "tensor([], dtype=framework.int64)"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_tensor_repr(build, text):
    assert repr(build()) == text


def test_three_dims_separate_blocks_with_blank_lines():
    text = repr(framework.arange(8.0).reshape(2, 2, 2))
    assert text == ("tensor([[[0., 1.],\n         [2., 3.]],\n\n"
                    "        [[4., 5.],\n         [6., 7.]]])")


def test_long_vectors_wrap_at_80_columns():
    text = repr(framework.arange(30.0) / 7)
    lines = text.split("\n")
    assert len(lines) == 4
    assert all(len(line) <= 80 for line in lines)
    assert all(line.startswith(" " * 8) for line in lines[1:])


def test_large_tensors_are_summarised():
    text = repr(framework.arange(2000.0))
    assert " ..., " in text
    assert text.startswith("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03")
    matrix = repr(framework.zeros(40, 50))
    assert matrix.count("\n") == 6  # three rows, "...", three rows
    assert "...," in matrix


def test_non_leaf_repr_names_node_type_not_qualified_name():
    dst = framework.zeros(2)
    dst.copy_(tensor([1.0, 2.0], requires_grad=True))
    assert repr(dst) == "tensor([1., 2.], grad_fn=<CopyBackwards>)"


def test_float64_default_dtype_hides_float64(default_float64):
    assert repr(tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(tensor([1.0], dtype=framework.float32)) == "tensor([1.], dtype=framework.float32)"


def test_size_repr_and_numel():
    size = framework.zeros(2, 3).shape
    assert repr(size) == "framework.Size([2, 3])"
    assert repr(framework.Size([])) == "framework.Size([])"
    assert size.numel() == 6
    assert framework.Size([]).numel() == 1
    assert isinstance(size, tuple) and size == (2, 3)
    assert isinstance(size[1:], framework.Size) and size[1:] == (3,)
    assert size[0] == 2


def test_str_and_format():
    t = tensor([1.0, 2.0])
    assert str(t) == repr(t)
    assert f"{tensor(2.5):.2f}" == "2.50"
    assert np.array_equal(np.asarray(t), [1.0, 2.0])
