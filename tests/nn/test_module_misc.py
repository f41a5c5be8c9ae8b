"""Module modes, conversions, zero_grad, apply, repr, and the containers' list/dict behaviour."""
import numpy as np
import pytest

import framework
from framework import nn


def model():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(3)))


def test_train_eval_recurse_and_return_self():
    m = model()
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m and not any(mod.training for mod in m.modules())
    assert m.train() is m and all(mod.training for mod in m.modules())
    m.train(False)
    assert not m[2][1].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_requires_grad_freezes_all_parameters():
    m = model()
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


def test_zero_grad_to_none_and_to_zero():
    m = model()
    m(framework.randn(4, 2)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    assert all(g is not None for g in grads)
    m.zero_grad(set_to_none=False)
    assert all(p.grad is g and float(g.abs().sum()) == 0 for p, g in zip(m.parameters(), grads))
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_apply_visits_children_first_then_self():
    m = model()
    order = []
    assert m.apply(lambda mod: order.append(type(mod).__name__)) is m
    assert order == ["Linear", "ReLU", "Dropout", "BatchNorm1d", "Sequential", "Sequential"]


def test_to_double_and_back_keeps_parameter_objects_and_int_buffers():
    m = model()
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == framework.float64
    assert m[2][1].running_mean.dtype == framework.float64
    assert m[2][1].num_batches_tracked.dtype == framework.int64
    assert m(framework.randn(4, 2, dtype=framework.float64)).dtype == framework.float64
    assert m.to(framework.float32) is m and w.dtype == framework.float32
    assert m.to("cpu") is m and m.float() is m and m.cpu() is m
    with pytest.raises(RuntimeError, match="not available"):
        m.to("cuda")
    with pytest.raises(TypeError, match="floating point dtypes"):
        m.to(framework.int64)


def test_to_converts_existing_grads():
    lin = nn.Linear(2, 2)
    lin(framework.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight.grad.dtype == framework.float64


def test_nested_repr():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert repr(seq) == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n"
                         "  (2): Linear(in_features=3, out_features=1, bias=True)\n)")
    nested = nn.Sequential(nn.Sequential(nn.ReLU()))
    assert repr(nested) == "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)"


def test_extra_repr_and_children_together():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "width=1"

    assert repr(Block()) == "Block(\n  width=1\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)"


def test_sequential_indexing_slicing_len_append():
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)
    seq = nn.Sequential(a, b)
    assert seq[0] is a and seq[-1] is b and len(seq) == 2
    seq.append(c)
    assert seq[2] is c and list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        seq[5]
    del seq[0]
    assert list(seq) == [b, c] and [n for n, _ in seq.named_children()] == ["0", "1"]
    seq.insert(0, a)
    assert list(seq) == [a, b, c]
    assert seq.pop(1) is b and len(seq) == 2
    assert len(seq + nn.Sequential(nn.ReLU())) == 3


def test_sequential_from_ordered_dict_keeps_names():
    from collections import OrderedDict
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(seq[1], nn.ReLU)


def test_sequential_forward_chains():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    x = framework.randn(4, 2)
    assert np.array_equal(seq(x)._data, seq[1](seq[0](x))._data)


def test_module_list():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(layers) == 3 and layers[-1] is layers[2]
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    assert [type(m).__name__ for m in layers] == ["Linear", "Linear", "Linear", "ReLU", "Tanh"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert [n for n, _ in layers.named_children()][:2] == ["0", "1"]
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity)
    with pytest.raises(NotImplementedError):
        layers(framework.ones(1))


def test_module_dict():
    d = nn.ModuleDict({"a": nn.Linear(1, 1)})
    d["b"] = nn.ReLU()
    d.update([("c", nn.Tanh())])
    assert list(d.keys()) == ["a", "b", "c"] and "b" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    assert d.pop("b").__class__ is nn.ReLU and list(d) == ["a", "c"]
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        d.update([("x",)])


def test_module_list_repr_groups_repeated_children():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)] + [nn.ReLU()])
    assert repr(layers) == ("ModuleList(\n  (0-2): 3 x Linear(in_features=1, out_features=1, bias=True)\n"
                            "  (3): ReLU()\n)")
