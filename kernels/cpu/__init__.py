"""Numba CPU kernels of minidl: the public launchers the CPU backend calls.

Every launcher validates its inputs (TypeError for a wrong dtype, ValueError naming the
function and the offending shape or value), makes them C-contiguous, allocates the
outputs in the input's float dtype and runs a Numba kernel compiled on first use.
"""

from .activation import relu, relu_backward
from .batchnorm import (
    batch_norm_backward,
    batch_norm_backward_eval,
    batch_norm_forward_eval,
    batch_norm_forward_train,
)
from .im2col import col2im, conv_output_size, im2col
from .pooling import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from .softmax_ce import softmax_cross_entropy_backward, softmax_cross_entropy_forward

__all__ = [
    "relu",
    "relu_backward",
    "batch_norm_forward_train",
    "batch_norm_forward_eval",
    "batch_norm_backward",
    "batch_norm_backward_eval",
    "conv_output_size",
    "im2col",
    "col2im",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "softmax_cross_entropy_forward",
    "softmax_cross_entropy_backward",
]
