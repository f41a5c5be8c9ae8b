"""Tensor hooks and post-accumulate-grad hooks (reference section 8)."""
import pytest

import framework
from framework import autograd, tensor


@pytest.fixture
def x():
    return tensor([1.0, 2.0], requires_grad=True)


def test_hook_replaces_gradient_and_returns_removable_handle(x):
    h = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]
    assert type(h).__name__ == "RemovableHandle"
    assert isinstance(h.id, int)
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    h.remove()  # removing twice is fine


def test_handles_have_distinct_ids(x):
    assert x.register_hook(lambda g: None).id != x.register_hook(lambda g: None).id


def test_handle_is_a_context_manager(x):
    with x.register_hook(lambda g: g * 0) as handle:
        (x * 3).sum().backward()
    assert type(handle).__name__ == "RemovableHandle"
    assert x.grad.tolist() == [0.0, 0.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hook_returning_none_only_observes(x):
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [3.0, 3.0]


def test_hooks_chain_in_registration_order(x):
    seen = []

    def h1(g):
        seen.append(("h1", g.tolist()))
        return g + 1

    def h2(g):
        seen.append(("h2", g.tolist()))
        return g * 2

    x.register_hook(h1)
    x.register_hook(h2)
    (x * 3).sum().backward()
    assert seen == [("h1", [3.0, 3.0]), ("h2", [4.0, 4.0])]
    assert x.grad.tolist() == [8.0, 8.0]


def test_non_leaf_hook_changes_what_flows_upstream(x):
    y = x * 2
    y.register_hook(lambda g: g * 100)
    (y * 3).sum().backward()
    assert x.grad.tolist() == [600.0, 600.0]


@pytest.mark.parametrize("retain_first", [True, False])
def test_non_leaf_hook_with_retain_grad_either_order(x, retain_first):
    y = x * 2
    if retain_first:
        y.retain_grad()
        y.register_hook(lambda g: g * 100)
    else:
        y.register_hook(lambda g: g * 100)
        y.retain_grad()
    (y * 3).sum().backward()
    assert y.grad.tolist() == [300.0, 300.0]
    assert x.grad.tolist() == [600.0, 600.0]


def test_leaf_used_twice_runs_hook_once_with_summed_grad(x):
    calls = []
    x.register_hook(lambda g: calls.append(g.tolist()))
    (x * 3 + x * 4).sum().backward()
    assert calls == [[7.0, 7.0]]
    assert x.grad.tolist() == [7.0, 7.0]


def test_leaf_hook_sees_incoming_not_accumulated_grad(x):
    x.grad = tensor([100.0, 100.0])
    inside = []
    x.register_hook(lambda g: inside.append((g.tolist(), x.grad.tolist())))
    (x * 3).sum().backward()
    assert inside == [([3.0, 3.0], [100.0, 100.0])]
    assert x.grad.tolist() == [103.0, 103.0]


def test_leaf_hook_runs_for_autograd_grad_without_touching_grad(x):
    x.register_hook(lambda g: g * 10)
    (g,) = autograd.grad((x * 3).sum(), x)
    assert g.tolist() == [30.0, 30.0]
    assert x.grad is None


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        tensor([1.0, 2.0]).register_hook(lambda g: g)


@pytest.mark.parametrize("non_leaf", [False, True])
def test_hook_changing_the_size_raises(x, non_leaf):
    target = x * 2 if non_leaf else x
    target.register_hook(lambda g: framework.ones(3))
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        (target * 3).sum().backward()


def test_hook_error_names_the_function(x):
    def widen(g):
        return framework.ones(5)

    x.register_hook(widen)
    with pytest.raises(RuntimeError, match="hook 'widen' has changed the size of value"):
        (x * 3).sum().backward()


def test_post_accumulate_hook_gets_the_leaf_after_accumulation(x):
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append((t is x, t.grad.tolist())))
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert seen == [(True, [3.0, 3.0]), (True, [6.0, 6.0])]


def test_post_accumulate_hook_must_return_none(x):
    x.register_post_accumulate_grad_hook(lambda t: t.grad)
    with pytest.raises(RuntimeError, match="Tensor post accumulate grad hooks should return None."):
        (x * 3).sum().backward()


def test_post_accumulate_hook_on_non_leaf_raises(x):
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_post_accumulate_hook_handle_removes(x):
    calls = []
    handle = x.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    handle.remove()
    (x * 3).sum().backward()
    assert calls == []


def test_optimizer_in_backward_pattern():
    w = tensor([1.0, 2.0], requires_grad=True)

    def step(p):
        p.add_(p.grad, alpha=-0.1)  # grad mode is off during backward, so this in-place update is allowed
        p.grad = None

    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward()
    assert w.tolist() == pytest.approx([0.8, 1.6])
    assert w.grad is None
    assert w.is_leaf and w.requires_grad


def test_hook_changing_the_dtype_raises(x):
    x.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match=r"hook '<lambda>' has changed the type of value \(was framework.FloatTensor "
                                           r"got framework.DoubleTensor\)"):
        (x * 3).sum().backward()


def test_hook_returning_a_non_tensor_raises(x):
    x.register_hook(lambda g: 1.0)
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'float'"):
        (x * 3).sum().backward()
