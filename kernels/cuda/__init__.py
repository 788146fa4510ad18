"""CUDA kernels of minidl (installed as ``minidl.kernels.cuda``): ``@cuda.jit``
kernels, each with the host launcher that validates its inputs and picks the
launch shape.  The CUDA backend (``minidl.backend.cuda``) calls these.

One file per family: ``config`` (the one block size), ``layout`` (strided
copies: transpose, broadcast, slicing), ``elementwise``, ``reduce``,
``matmul``, ``batchnorm``, ``im2col``, ``pooling``, ``softmax_ce``, ``optim``,
``random``, and ``validate`` (input checks run before any kernel).

Importing this package needs ``numba.cuda`` (from the ``numba-cuda`` package,
the project's ``cuda`` extra) and either a usable GPU or the simulator
(``NUMBA_ENABLE_CUDASIM=1``) to launch anything.
"""

from .batchnorm import (
    batch_norm_backward,
    batch_norm_backward_eval,
    batch_norm_forward_eval,
    batch_norm_forward_train,
)
from .im2col import col2im, im2col
from .matmul import matmul
from .optim import adagrad_step_, adam_step_, lerp_, sgd_step_
from .pooling import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from .random import dropout_mask, random_normal, random_uniform
from .softmax_ce import softmax_cross_entropy_backward, softmax_cross_entropy_forward

__all__ = [
    "batch_norm_forward_train", "batch_norm_forward_eval", "batch_norm_backward",
    "batch_norm_backward_eval", "im2col", "col2im", "matmul", "sgd_step_", "adam_step_",
    "adagrad_step_", "lerp_", "max_pool2d_forward", "max_pool2d_backward",
    "avg_pool2d_forward", "avg_pool2d_backward", "dropout_mask", "random_normal",
    "random_uniform", "softmax_cross_entropy_forward", "softmax_cross_entropy_backward",
]
