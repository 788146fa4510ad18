"""BatchNorm1d and BatchNorm2d with PyTorch's semantics (PAPER.md 2-3).

gamma (``weight``) and beta (``bias``) are parameters; ``running_mean``,
``running_var`` and ``num_batches_tracked`` are buffers. Training normalises
with the biased batch variance and feeds the unbiased one to the running
average; eval normalises with the running statistics. The two classes differ
only in the input ranks they accept."""

from .. import _checks
from ..api import creation
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _ranks = ()
    _shapes = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        name = type(self).__name__
        num_features = _checks.positive_int(name, "num_features", num_features)
        if momentum is not None:
            momentum = _checks.real(name, "momentum", momentum, 0, 1)
        eps = _checks.real(name, "eps", eps, 0, low_open=True)
        dtype = _checks.float_dtype(name, dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = _checks.boolean(name, "affine", affine)
        self.track_running_stats = _checks.boolean(name, "track_running_stats",
                                                   track_running_stats)
        bias = _checks.boolean(name, "bias", bias)
        if affine:
            self.weight = Parameter(creation.ones(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.zeros(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device,
                                                                dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device,
                                                              dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batches counted."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Running statistics reset, gamma 1 and beta 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        _checks.tensor(type(self).__name__, input)
        if input.ndim not in self._ranks:
            raise ValueError(f"{type(self).__name__}: expected {self._shapes} input, got "
                             f"shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels, "
                             f"got input of shape {input.shape}")
        use_batch_stats = self.training or not self.track_running_stats
        update = self.training and self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if update and self.momentum is None:  # a cumulative moving average, as PyTorch
            momentum = 1.0 / (float(self.num_batches_tracked.item()) + 1.0)
        keep_stats = update or not use_batch_stats
        out = F.batch_norm(input, self.running_mean if keep_stats else None,
                           self.running_var if keep_stats else None, self.weight, self.bias,
                           use_batch_stats, momentum, self.eps)
        if update:  # counted only once the batch was accepted
            self.num_batches_tracked.add_(1)
        return out

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


_ARGS = """
    Args:
        num_features: C, the number of features or channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of each new batch in the running statistics
            (``running = (1 - momentum) * running + momentum * batch``); None
            for a cumulative average. Default: 0.1.
        affine: learn a per-channel scale ``weight`` (gamma, initially 1) and
            shift ``bias`` (beta, initially 0). Default: True.
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers and normalise with them in eval
            mode; if False, batch statistics are used in both modes.
            Default: True.
        device, dtype: where and in which float dtype to create the parameters.
        bias: (keyword only) with ``affine``, learn beta too; False keeps only
            gamma. Default: True.
"""


class BatchNorm1d(_BatchNorm):
    __doc__ = """Batch normalisation of (N, C) or (N, C, L) inputs (Algorithm 1 of
    the paper): each of the C features is normalised with its mean and biased
    variance over the batch (and L), then scaled by gamma and shifted by beta.
    In eval mode the running statistics are used instead (Algorithm 2).
    """ + _ARGS + """
    Shape: input (N, C) or (N, C, L); output the same.
    """

    _ranks = (2, 3)
    _shapes = "2D or 3D (N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    __doc__ = """Batch normalisation of (N, C, H, W) inputs: statistics per channel
    over N, H and W (the effective batch is N * H * W, as in section 3.2 of
    the paper), one gamma and beta per channel.
    """ + _ARGS + """
    Shape: input (N, C, H, W); output the same.
    """

    _ranks = (4,)
    _shapes = "4D (N, C, H, W)"
