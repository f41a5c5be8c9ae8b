"""The layers of ``framework.nn``, one file per family."""
from .activation import ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, ReLU, SELU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout, Dropout1d, Dropout2d
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .mlp import MLP
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d

__all__ = ["ELU", "GELU", "Hardtanh", "LeakyReLU", "LogSoftmax", "ReLU", "SELU", "Sigmoid", "SiLU", "Softmax",
           "Softplus", "Tanh", "ModuleDict", "ModuleList", "Sequential", "Conv1d", "Conv2d", "Dropout", "Dropout1d",
           "Dropout2d", "Embedding", "Flatten", "Unflatten", "Identity", "Linear", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss", "MLP",
           "BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
           "AvgPool2d", "MaxPool2d"]
