"""``MLP``: a stack of Linear layers with an activation (and optional dropout) between them, for configs."""
from .activation import ELU, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .container import Sequential
from .dropout import Dropout
from .linear import Identity, Linear

ACTIVATIONS = {"relu": ReLU, "gelu": GELU, "tanh": Tanh, "sigmoid": Sigmoid, "silu": SiLU, "elu": ELU,
               "leaky_relu": LeakyReLU, "softplus": Softplus, "identity": Identity}


class MLP(Sequential):
    """``Linear(sizes[0], sizes[1])``, activation, [dropout], ..., ``Linear(sizes[-2], sizes[-1])``.

    ``activation`` is a name ('relu', 'gelu', 'tanh', 'sigmoid', 'silu', 'elu', 'leaky_relu', 'softplus',
    'identity') or a Module class. It is a ``Sequential``, so its keys are ``0.weight``, ``2.weight``, ...

    Example:
        >>> framework.nn.MLP([784, 256, 256, 10])(framework.randn(8, 784)).shape
        framework.Size([8, 10])
    """

    def __init__(self, sizes, activation="relu", dropout=0.0, bias=True):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes}")
        if isinstance(activation, str):
            if activation.lower() not in ACTIVATIONS:
                raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
            make_act = ACTIVATIONS[activation.lower()]
        elif callable(activation):
            make_act = activation
        else:
            raise TypeError(f"activation must be a name or a Module class, got {type(activation).__name__}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout}")
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, bias=bias))
            if i < len(sizes) - 2:
                layers.append(make_act())
                if dropout > 0:
                    layers.append(Dropout(dropout))
        super().__init__(*layers)
        self.sizes = sizes
