"""Layers (``from minidl import nn``), with PyTorch's names and state keys."""

from . import init, utils
from .activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax,
                         Softplus, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import Flatten, Identity, ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .linear import Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, NLLLoss, SmoothL1Loss)
from .module import Module
from .normalization import GroupNorm, LayerNorm
from .parameter import Parameter
from .pooling import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d,
                      MaxUnpool2d)
from .rnn import LSTM, RNN, RNNBase
from .upsampling import Upsample

__all__ = [
    "init", "utils", "Module", "Parameter",
    # containers
    "Sequential", "ModuleList", "ModuleDict", "Flatten", "Identity",
    # linear, convolution, recurrent, embedding
    "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "RNNBase", "RNN", "LSTM", "Embedding",
    # normalisation and regularisation
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Dropout", "Dropout2d",
    # activations
    "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Hardtanh",
    "Softmax", "LogSoftmax",
    # pooling and resampling
    "MaxPool2d", "AvgPool2d", "MaxUnpool2d", "GlobalAvgPool2d", "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "Upsample",
    # losses
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
    "BCEWithLogitsLoss", "KLDivLoss",
]
