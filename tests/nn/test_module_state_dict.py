"""state_dict / load_state_dict: keys, order, storage sharing, strict errors with PyTorch's wording."""
from collections import OrderedDict

import numpy as np
import pytest

import framework
from framework import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.layer2 = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(framework.ones(1))
        self.register_buffer("buf", framework.zeros(2))
        self.register_buffer("nonpersist", framework.zeros(1), persistent=False)


def test_keys_order_own_params_buffers_then_children():
    sd = Net().state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["scale", "buf", "layer1.weight", "layer1.bias", "layer2.weight"]


def test_batchnorm_keys_and_initial_values():
    sd = nn.BatchNorm1d(3).state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd["num_batches_tracked"].dtype == framework.int64 and sd["num_batches_tracked"].shape == ()
    assert sd["running_var"].tolist() == [1.0, 1.0, 1.0]


def test_values_are_detached_and_share_storage():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad and sd["weight"].grad_fn is None
    sd["weight"]._data[0, 0] = 42.0
    assert lin.weight._data[0, 0] == 42.0
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight


def test_shared_and_tied_entries_all_appear():
    lin = nn.Linear(2, 2)
    assert list(nn.Sequential(lin, lin).state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

    assert list(Tied().state_dict()) == ["a.weight", "b.weight"]


def test_round_trip_copies_values_in():
    src, dst = Net(), Net()
    for p in src.parameters():
        p.detach()._data[...] = np.arange(p.numel()).reshape(p.shape)
    res = dst.load_state_dict(src.state_dict())
    assert repr(res) == "<All keys matched successfully>"
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (name, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        assert np.array_equal(a._data, b._data), name
    src.layer1.weight.detach()._data[...] = -1  # later changes of the source do not reach the copy
    assert float(dst.layer1.weight.sum()) != float(src.layer1.weight.sum())
    assert isinstance(dst.layer1.weight, nn.Parameter) and dst.layer1.weight.requires_grad


def test_load_bumps_version_and_casts_dtype():
    lin = nn.Linear(2, 2)
    before = lin.weight._version
    lin.load_state_dict({"weight": framework.ones(2, 2, dtype=framework.float64), "bias": framework.zeros(2)})
    assert lin.weight.dtype == framework.float32 and lin.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert lin.weight._version > before


def test_strict_missing_and_unexpected_message_exact():
    lin = nn.Linear(2, 2)
    sd = {"weight": framework.zeros(2, 2), "extra": framework.zeros(1)}
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict(sd)
    assert str(info.value) == ('Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
                               '\n\tUnexpected key(s) in state_dict: "extra". ')


def test_strict_only_missing_and_only_unexpected():
    lin = nn.Linear(2, 2)
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": framework.zeros(2, 2)})
    assert str(info.value) == 'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
    full = {"weight": framework.zeros(2, 2), "bias": framework.zeros(2), "foo": framework.zeros(1)}
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict(full)
    assert str(info.value) == ('Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: '
                               '"foo". ')


def test_error_names_top_module_class_and_dotted_key():
    seq = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match=r'Error\(s\) in loading state_dict for Sequential:\n\tMissing key\(s\) in '
                                           r'state_dict: "0.bias". '):
        seq.load_state_dict({"0.weight": framework.zeros(2, 2)})


def test_size_mismatch_raises_even_when_not_strict():
    lin = nn.Linear(2, 2)
    msg = ("Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
           "framework.Size([3, 2]) from checkpoint, the shape in current model is framework.Size([2, 2]).")
    for strict in (True, False):
        with pytest.raises(RuntimeError) as info:
            lin.load_state_dict({"weight": framework.zeros(3, 2), "bias": framework.zeros(2)}, strict=strict)
        assert str(info.value) == msg


def test_non_strict_returns_keys_and_loads_matching():
    lin = nn.Linear(2, 2)
    res = lin.load_state_dict({"weight": framework.ones(2, 2), "extra": framework.zeros(1)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]
    assert repr(res) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])"
    assert lin.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    missing, unexpected = res
    assert missing == ["bias"] and unexpected == ["extra"]


def test_non_persistent_buffer_neither_saved_nor_expected():
    net = Net()
    sd = net.state_dict()
    assert "nonpersist" not in sd
    assert net.load_state_dict(sd).missing_keys == []


def test_load_rejects_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        nn.Linear(1, 1).load_state_dict([("weight", framework.ones(1, 1))])


def test_assign_replaces_parameters():
    lin = nn.Linear(2, 2)
    w = framework.ones(2, 2)
    lin.load_state_dict({"weight": w, "bias": framework.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    w._data[0, 0] = 7.0
    assert lin.weight._data[0, 0] == 7.0
