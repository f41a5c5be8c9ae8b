"""``Conv1d`` and ``Conv2d`` (stride, padding incl. 'same'/'valid', dilation, groups, bias)."""
from .. import functional as F
from ..functional.conv import tuple_arg
from ..module import Module
from ._factory import fan_in_uniform_, new_parameter


class _ConvNd(Module):
    _dims = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode {padding_mode!r} is not supported: only 'zeros'")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in tuple_arg(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = tuple_arg(kernel_size, n, "kernel_size")
        self.stride = tuple_arg(stride, n, "stride")
        self.padding = padding if isinstance(padding, str) else tuple_arg(padding, n, "padding")
        self.dilation = tuple_arg(dilation, n, "dilation")
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = new_parameter((out_channels, in_channels // groups) + self.kernel_size, dtype, device)
        if bias:
            self.bias = new_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        fan_in_uniform_(self.weight, self.bias)

    def forward(self, input):
        conv = F.conv1d if self._dims == 1 else F.conv2d
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        zero = (0,) * self._dims
        if self.padding != zero:
            s += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L); weight (C_out, C_in/groups, k).

    Example:
        >>> framework.nn.Conv1d(3, 8, 5, padding=2)(framework.randn(4, 3, 20)).shape
        framework.Size([4, 8, 20])
    """

    _dims = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W); weight (C_out, C_in/groups, kH, kW).

    Example:
        >>> framework.nn.Conv2d(1, 32, 3)(framework.randn(64, 1, 28, 28)).shape
        framework.Size([64, 32, 26, 26])
    """

    _dims = 2
