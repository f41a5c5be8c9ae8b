"""The version counter: every in-place write bumps it; views and ``detach()`` share it (reference section 4)."""
import pytest

import framework
from framework import tensor


def test_version_sequence_of_the_reference_table():
    x = framework.zeros(3)
    assert x._version == 0
    x.add_(1)
    assert x._version == 1
    x[0] = 5
    assert x._version == 2
    x.zero_()
    assert x._version == 3
    v = x.view(3)
    v.add_(1)
    assert (x._version, v._version) == (4, 4)
    z = x + 1
    assert z._version == 0
    x.copy_(framework.ones(3))
    assert x._version == 5
    x += 1
    assert x._version == 6
    x = x + 1
    assert x._version == 0


def test_every_in_place_op_bumps_once():
    ops = [lambda t: t.sub_(1), lambda t: t.mul_(2), lambda t: t.div_(2), lambda t: t.pow_(2),
           lambda t: t.fill_(1.0), lambda t: t.clamp_(0, 1), lambda t: t.relu_(),
           lambda t: t.masked_fill_(t > 0, 0.0), lambda t: t.uniform_(), lambda t: t.normal_()]
    t = framework.ones(4)
    for i, op in enumerate(ops, start=1):
        assert op(t) is t
        assert t._version == i


def test_writes_through_a_view_bump_the_base():
    x = framework.zeros(2, 3)
    row = x[1]
    row.fill_(2.0)
    assert x._version == 1
    x.t().mul_(3)
    assert (x._version, row._version) == (2, 2)
    assert row.tolist() == [6.0, 6.0, 6.0]


def test_detach_shares_storage_and_version():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.detach()
    d[0] = 100.0
    assert x.tolist() == [100.0, 2.0, 3.0]
    assert (x._version, d._version) == (1, 1)


def test_data_has_its_own_counter():
    w = tensor([1.0, 2.0], requires_grad=True)
    w.data.add_(1)
    assert w._version == 0
    assert w.tolist() == [2.0, 3.0]


def test_bump_is_the_hook_for_raw_writes():
    """Numerical code writing into ``_data`` calls ``_bump()`` so saved-value checks still work."""
    w = framework.ones(2)
    w._data *= 3
    w._bump()
    assert w._version == 1


def test_version_is_read_only():
    x = framework.zeros(1)
    with pytest.raises(AttributeError, match="_version"):
        x._version = 5
    assert x._version == 0
