"""``grad_fn`` introspection (reference section 3) and Graphviz export (``autograd.graph.to_dot``)."""
import re

import pytest

import framework
from framework import autograd, tensor
from framework.autograd.graph import to_dot


@pytest.fixture
def x():
    return tensor([1.0, 2.0], requires_grad=True)


def _name(node):
    return None if node is None else type(node).__name__


def _names(node):
    return tuple((_name(n), nr) for n, nr in node.next_functions)


def test_next_functions_chain(x):
    w = tensor([3.0, 4.0], requires_grad=True)
    c = tensor([5.0, 6.0])
    y = x * w
    z = y + c
    s = z.sum()
    assert _names(s.grad_fn) == (("AddBackward0", 0),)
    assert _names(z.grad_fn) == (("MulBackward0", 0), (None, 0))
    assert _names(y.grad_fn) == (("AccumulateGrad", 0), ("AccumulateGrad", 0))
    assert s.grad_fn.next_functions[0][0] is z.grad_fn
    acc = y.grad_fn.next_functions[0][0]
    assert acc.variable is x
    assert y.grad_fn.next_functions[1][0].variable is w
    assert acc.next_functions == ()
    assert x.grad_fn is None


def test_entries_are_tuples(x):
    entries = (x * 2).grad_fn.next_functions
    assert isinstance(entries, tuple)
    assert all(isinstance(e, tuple) and len(e) == 2 for e in entries)


def test_python_scalar_is_a_constant_edge(x):
    assert _names((x * 2).grad_fn) == (("AccumulateGrad", 0), (None, 0))


def test_same_leaf_twice_gives_same_accumulate_node(x):
    (a, _), (b, _) = (x + x).grad_fn.next_functions
    assert a is b


def test_accumulate_node_cached_while_alive(x):
    assert (x * 1).grad_fn.next_functions[0][0] is (x * 1).grad_fn.next_functions[0][0]


def test_accumulate_grad_names(x):
    acc = (x * 2).grad_fn.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad"
    assert (x * 2).grad_fn.name() == "MulBackward0"


def test_multi_output_node_output_nr():
    u = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a1, a2 = u.unbind(0)
    assert (a1.output_nr, a2.output_nr) == (0, 1)
    assert _names((a2 * 2).grad_fn) == (("UnbindBackward0", 1), (None, 0))
    assert (a2 * 2).grad_fn.next_functions[0][0] is a1.grad_fn


def test_max_indices_are_not_differentiable(x):
    res = x.max(0)
    assert res.indices.grad_fn is None
    assert res.indices.requires_grad is False


def test_saved_values_are_introspectable():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    node = (x ** 3).grad_fn
    assert node._saved_exponent == 3
    assert node._saved_self.tolist() == x.tolist()
    y = x.exp()
    assert y.grad_fn._saved_result.tolist() == y.tolist()


def test_saved_values_freed_after_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.grad_fn._saved_result


def test_unknown_saved_attribute(x):
    with pytest.raises(AttributeError, match="_saved_nothing"):
        (x * 2).grad_fn._saved_nothing


def test_nodes_are_callable(x):
    gx, gother = (x * 3).grad_fn(framework.ones(2))
    assert gx.tolist() == [3.0, 3.0]
    assert gother is None


def test_to_dot_names_nodes_parameters_and_shapes():
    w = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tensor([0.5, 0.5], requires_grad=True)
    inp = tensor([[1.0, 1.0]])
    loss = (inp @ w + b).sum()
    dot = to_dot(loss, params={"weight": w, "bias": b})
    assert dot.startswith("digraph")
    assert dot.rstrip().endswith("}")
    for name in ("SumBackward0", "AddBackward0", "MmBackward0"):
        assert f'label="{name}"' in dot
    assert re.search(r'label="weight\\n\(2, 2\)"', dot)
    assert re.search(r'label="bias\\n\(2\)"', dot)
    # every edge connects declared nodes
    declared = set(re.findall(r"^\s*(\w+) \[", dot, flags=re.M))
    for src, dst in re.findall(r"^\s*(\w+) -> (\w+);", dot, flags=re.M):
        assert src in declared and dst in declared


def test_to_dot_unnamed_leaf_shows_shape(x):
    dot = to_dot((x * 2).sum())
    assert re.search(r'label="\(2\)"', dot)
    assert dot.count("AccumulateGrad") == 0  # leaves are drawn as their tensors


def test_to_dot_shared_nodes_drawn_once(x):
    y = x * 2
    dot = to_dot((y + y).sum())
    assert dot.count('label="MulBackward0"') == 1


def test_to_dot_without_graph(x):
    dot = to_dot(tensor([1.0]))
    assert dot.startswith("digraph") and "Backward" not in dot


def test_to_dot_deep_graph_is_iterative(x):
    y = x
    for _ in range(5000):
        y = y + 1.0
    dot = to_dot(y.sum())
    assert dot.count('label="AddBackward0"') == 5000


def test_graph_module_reachable_from_autograd():
    assert autograd.graph.to_dot is to_dot
