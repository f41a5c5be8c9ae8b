"""``Identity`` and ``Linear``."""
from .. import functional as F
from ..module import Module
from ._factory import fan_in_uniform_, new_parameter


class Identity(Module):
    """Returns its input unchanged (accepts and ignores constructor arguments).

    Example:
        >>> framework.nn.Identity()(x) is x
        True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x @ weight.T + bias, with weight (out_features, in_features).

    Initialised as PyTorch does: weight and bias uniform within +-1/sqrt(in_features).

    Example:
        >>> fc = framework.nn.Linear(3, 5)
        >>> fc.weight.shape, fc(framework.randn(2, 3)).shape
        (framework.Size([5, 3]), framework.Size([2, 5]))
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = new_parameter((out_features, in_features), dtype, device)
        if bias:
            self.bias = new_parameter((out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        fan_in_uniform_(self.weight, self.bias)

    def forward(self, input):
        params = self._parameters
        try:  # two dict lookups instead of two trips through Module.__getattr__
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # weight or bias replaced by something that is not a registered parameter
            weight, bias = self.weight, self.bias
        return F.linear(input, weight, bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
