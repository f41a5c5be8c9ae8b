"""``framework.nn.functional`` (imported as ``F``): the function form of every layer and loss.

Example:
    >>> import framework.nn.functional as F
    >>> F.relu(framework.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""
from ...autograd.ops.functions import pad
from .activation import (elu, gelu, hardtanh, leaky_relu, log_softmax, logsigmoid, normalize, relu, relu6, selu,
                         sigmoid, silu, softmax, softmin, softplus, tanh)
from .conv import conv1d, conv2d
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d
from .linear import bilinear, linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,
                   l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .sparse import embedding, one_hot

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "alpha_dropout", "avg_pool2d", "batch_norm", "bilinear",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d", "conv2d", "cross_entropy",
           "dropout", "dropout1d", "dropout2d", "elu", "embedding", "gelu", "group_norm", "hardtanh", "huber_loss",
           "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid", "max_pool2d",
           "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "relu", "relu6", "selu", "sigmoid", "silu",
           "smooth_l1_loss", "softmax", "softmin", "softplus", "tanh"]
