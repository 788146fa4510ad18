"""minidl: a small define-by-run deep learning framework on Numba kernels.

    import minidl as mdl
    from minidl import nn, optim
    import minidl.functional as F
"""

from . import autograd, checkpoint, functional, nn, optim, viz
from .anomaly import AnomalyError, detect_anomaly
from .autograd import Function, enable_grad, is_grad_enabled, no_grad
from .backend import get_default_device, set_default_device
from .creation import (arange, from_numpy, full, ones, ones_like, rand, randn, tensor,
                       zeros, zeros_like)
from .functional import cat, stack
from .gradcheck import gradcheck
from .profiler import profile
from .random import get_rng_state, manual_seed, set_rng_state
from .serialization import load, save
from .tensor import Tensor, bool_, float32, float64, int32, int64

__version__ = "0.1.0"

__all__ = [
    "Tensor", "Function", "tensor", "from_numpy", "zeros", "ones", "full", "arange",
    "randn", "rand", "zeros_like", "ones_like", "cat", "stack", "no_grad", "enable_grad",
    "is_grad_enabled", "detect_anomaly", "AnomalyError", "set_default_device",
    "get_default_device", "manual_seed",
    "get_rng_state", "set_rng_state", "save", "load", "gradcheck", "profile", "float32", "float64",
    "int32", "int64", "bool_", "functional", "nn", "optim", "viz", "autograd",
    "checkpoint",
]
