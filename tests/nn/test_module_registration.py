"""Module registration: what attribute assignment registers, naming order, traversal, errors."""
import copy

import pytest

import framework
from framework import nn


class Net(nn.Module):
    """The module of reference section 13."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.layer2 = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(framework.ones(1))
        self.plain = framework.ones(2)
        self.register_buffer("buf", framework.zeros(2))
        self.register_buffer("nonpersist", framework.zeros(1), persistent=False)

    def forward(self, x):
        return self.layer2(self.act(self.layer1(x))) * self.scale


def names(pairs):
    return [name for name, _ in pairs]


def test_own_parameters_come_before_children():
    assert names(Net().named_parameters()) == ["scale", "layer1.weight", "layer1.bias", "layer2.weight"]


def test_modules_children_and_buffers_order():
    net = Net()
    assert names(net.named_modules()) == ["", "layer1", "act", "layer2"]
    assert names(net.named_children()) == ["layer1", "act", "layer2"]
    assert names(net.named_buffers()) == ["buf", "nonpersist"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Linear", "ReLU", "Linear"]
    assert list(net.children()) == [net.layer1, net.act, net.layer2]


def test_plain_tensor_and_plain_list_are_not_registered():
    net = Net()
    net.extra = [nn.Linear(2, 2)]
    assert "plain" not in names(net.named_parameters()) + names(net.named_buffers())
    assert net.plain.shape == (2,)
    assert "extra" not in names(net.named_children())


def test_parameters_matches_named_parameters_and_recurse_false():
    net = Net()
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert names(net.named_parameters(recurse=False)) == ["scale"]
    assert names(net.named_parameters(prefix="model")) == ["model.scale", "model.layer1.weight", "model.layer1.bias",
                                                          "model.layer2.weight"]


def test_sequential_nested_modulelist_and_moduledict_names():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert names(seq.named_parameters()) == ["0.weight", "0.bias", "2.weight", "2.bias"]

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(2, 2))
            self.head = nn.Linear(2, 1)
            self.layers = nn.ModuleList([nn.Linear(1, 1)])
            self.d = nn.ModuleDict({"a": nn.Linear(1, 1, bias=False)})

    assert names(Outer().named_parameters()) == ["block.0.weight", "block.0.bias", "head.weight", "head.bias",
                                                 "layers.0.weight", "layers.0.bias", "d.a.weight"]


def test_shared_module_and_tied_parameter_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert names(seq.named_parameters()) == ["0.weight", "0.bias"]
    assert names(seq.named_parameters(remove_duplicate=False)) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert names(seq.named_modules()) == ["", "0"]

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

    assert names(Tied().named_parameters()) == ["a.weight"]


def test_register_helpers_and_get_submodule():
    net = Net()
    net.register_parameter("extra", nn.Parameter(framework.zeros(1)))
    net.add_module("head", nn.Linear(2, 2))
    assert "extra" in names(net.named_parameters()) and net.get_submodule("head") is net.head
    assert net.get_submodule("") is net
    outer = nn.Sequential(nn.Sequential(nn.Linear(1, 1)))
    assert outer.get_submodule("0.0") is outer[0][0]
    assert outer.get_parameter("0.0.weight") is outer[0][0].weight
    with pytest.raises(AttributeError, match="has no attribute `missing`"):
        outer.get_submodule("0.missing")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        outer.get_submodule("0.0.weight")


def test_register_none_parameter_and_buffer():
    lin = nn.Linear(2, 2, bias=False)
    assert lin.bias is None and names(lin.named_parameters()) == ["weight"]
    lin.bias = nn.Parameter(framework.zeros(2))
    assert names(lin.named_parameters()) == ["weight", "bias"]
    lin.bias = None
    assert names(lin.named_parameters()) == ["weight"]


def test_reassigning_a_buffer_keeps_it_a_buffer():
    net = Net()
    net.buf = framework.ones(2)
    assert net.buf.tolist() == [1.0, 1.0] and "buf" in net.state_dict()


def test_buffer_class_registers_on_assignment():
    m = nn.Module()
    m.mask = nn.Buffer(framework.ones(3), persistent=False)
    assert names(m.named_buffers()) == ["mask"] and "mask" not in m.state_dict()


def test_del_removes_parameter():
    lin = nn.Linear(2, 2)
    del lin.bias
    assert names(lin.named_parameters()) == ["weight"]


@pytest.mark.parametrize("make, exc, phrase", [
    (lambda m: m.register_parameter(1, None), TypeError, "parameter name should be a string"),
    (lambda m: m.register_parameter("a.b", None), KeyError, r"parameter name can\W*t contain"),
    (lambda m: m.register_parameter("", None), KeyError, r"name can\W*t be empty string"),
    (lambda m: m.register_parameter("forward", None), KeyError, "attribute 'forward' already exists"),
    (lambda m: m.register_parameter("w", framework.ones(1)), TypeError, "cannot assign 'framework.FloatTensor' object to parameter 'w'"),
    (lambda m: m.register_buffer("b", 3), TypeError, "cannot assign 'int' object to buffer 'b'"),
    (lambda m: m.register_buffer("a.b", framework.ones(1)), KeyError, r"buffer name can\W*t contain"),
    (lambda m: m.add_module("x", 3), TypeError, "int is not a Module subclass"),
    (lambda m: m.add_module("a.b", nn.ReLU()), KeyError, r"module name can\W*t contain"),
])
def test_registration_errors(make, exc, phrase):
    with pytest.raises(exc, match=phrase):
        make(nn.Linear(1, 1))


def test_non_leaf_parameter_rejected():
    m = nn.Module()
    p = nn.Parameter(framework.ones(1))
    p.grad_fn = (p * 2).grad_fn
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w'"):
        m.register_parameter("w", p)


def test_assignment_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(framework.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()

    class EarlyModule(nn.Module):
        def __init__(self):
            self.m = nn.ReLU()

    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__"):
        EarlyModule()
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'framework.FloatTensor' as parameter 'weight' "
                                        r"\(framework.nn.Parameter or None expected\)"):
        lin.weight = framework.ones(2, 2)
    seq = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="as child module '0'"):
        setattr(seq, "0", 3)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'foo'"):
        lin.foo


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(framework.ones(1))


def test_parameter_is_a_leaf_with_its_repr_and_ops_give_plain_tensors():
    t = framework.ones(2)
    p = nn.Parameter(t)
    assert isinstance(p, framework.Tensor) and p.is_leaf and p.requires_grad
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert type(p * 2) is framework.Tensor
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    p.detach()._data[0] = 5  # shares storage with the wrapped tensor
    assert t.tolist() == [5.0, 1.0]


def test_parameter_rejects_non_tensor_and_int_requiring_grad():
    with pytest.raises(TypeError, match="Parameter expects a Tensor"):
        nn.Parameter([1.0])
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(framework.tensor([1, 2]))


def test_deepcopy_copies_parameters():
    net = Net()
    twin = copy.deepcopy(net)
    twin.layer1.weight.detach()._data[...] = 0
    assert isinstance(twin.layer1.weight, nn.Parameter)
    assert float(net.layer1.weight.abs().sum()) > 0
    assert names(twin.named_parameters()) == names(net.named_parameters())
