"""BatchNorm1d and BatchNorm2d with PyTorch's semantics (PAPER.md 2-3).

gamma (``weight``) and beta (``bias``) are parameters; ``running_mean``,
``running_var`` and ``num_batches_tracked`` are buffers. Training normalises
with the biased batch variance and feeds the unbiased one to the running
average; eval normalises with the running statistics. The two classes differ
only in the input ranks they accept."""

from .. import creation
from .. import functional as F
from ..backend import get_backend
from ..tensor import int64
from . import init
from .linear import _check_positive
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _ranks = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        (num_features,) = _check_positive(name, num_features=num_features)
        if momentum is not None:
            F._real(name, "momentum", momentum, 0, 1)
        F._real(name, "eps", eps, 0, low_open=True)
        dtype = F._float_dtype(name, dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, device=device, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device,
                                                                dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device,
                                                              dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.zeros(
                (), device=device, dtype=int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x):
        F._require_tensor(type(self).__name__, x)
        if x.ndim not in self._ranks:
            raise ValueError(f"{type(self).__name__}: expected a {self._ranks[0]}-d input, "
                             f"got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels, "
                             f"got input of shape {x.shape}")
        use_batch_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        update = self.training and self.track_running_stats
        if update and self.momentum is None:  # cumulative moving average, as PyTorch
            momentum = 1.0 / (float(self.num_batches_tracked.item()) + 1.0)
        out = F.batch_norm(x, self.running_mean if update or not use_batch_stats else None,
                           self.running_var if update or not use_batch_stats else None,
                           self.weight, self.bias, use_batch_stats, momentum, self.eps)
        if update:  # counted only once the batch was accepted
            tracked = self.num_batches_tracked
            backend = get_backend(tracked.device)
            backend.copy_(tracked.data, backend.add(tracked.data, 1))
        return out

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Per-feature normalisation of (N, C) inputs."""

    _ranks = (2,)


class BatchNorm2d(_BatchNorm):
    """Per-channel normalisation of (N, C, H, W) inputs, statistics over N, H, W."""

    _ranks = (4,)
