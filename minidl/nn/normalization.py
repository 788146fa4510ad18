"""LayerNorm and GroupNorm with PyTorch's arguments, parameters and state keys
(``weight`` initialised to ones, ``bias`` to zeros); batch normalisation is
in batchnorm.py."""

from .. import _checks
from ..api import creation
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """Normalise over the last dimensions, per sample:
    ``(x - mean) / sqrt(var + eps) * weight + bias`` (biased variance).

    Args:
        normalized_shape: an int or a tuple of the trailing sizes to normalise
            over (an int is the last dimension's size).
        eps: added to the variance. Default: 1e-5.
        elementwise_affine: learn ``weight`` and ``bias`` of shape
            ``normalized_shape``. Default: True.
        bias: with ``elementwise_affine``, learn ``bias`` too. Default: True.
        device, dtype: where and in which float dtype to create the parameters.

    Shape: input (*, *normalized_shape); output the same.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if _checks.is_integer(normalized_shape):
            normalized_shape = (normalized_shape,)
        if not isinstance(normalized_shape, (tuple, list)) or not all(
                _checks.is_integer(n) and n >= 0 for n in normalized_shape):
            raise TypeError(f"LayerNorm: normalized_shape must be an int or a tuple of "
                            f"non-negative ints, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = _checks.real("LayerNorm", "eps", eps, 0)
        self.elementwise_affine = _checks.boolean("LayerNorm", "elementwise_affine",
                                                  elementwise_affine)
        bias = _checks.boolean("LayerNorm", "bias", bias)
        dtype = _checks.float_dtype("LayerNorm", dtype)
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, device=device,
                                                   dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(self.normalized_shape, device=device,
                                                     dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight 1 and bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Split the C channels into ``num_groups`` groups and normalise each group
    over its channels and positions, per sample; then a per-channel affine
    transform.

    Args:
        num_groups: the number of groups; must divide ``num_channels``.
        num_channels: C, the number of channels expected in the input.
        eps: added to the variance. Default: 1e-5.
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
            Default: True.
        device, dtype: where and in which float dtype to create the parameters.
        bias: (keyword only) with ``affine``, learn ``bias`` too. Default: True.

    Shape: input (N, C, *); output the same.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_groups = _checks.positive_int("GroupNorm", "num_groups", num_groups)
        self.num_channels = _checks.positive_int("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps = _checks.real("GroupNorm", "eps", eps, 0)
        self.affine = _checks.boolean("GroupNorm", "affine", affine)
        bias = _checks.boolean("GroupNorm", "bias", bias)
        dtype = _checks.float_dtype("GroupNorm", dtype)
        if affine:
            self.weight = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight 1 and bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        _checks.tensor("GroupNorm", input)
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"GroupNorm: expected input of shape (N, {self.num_channels}, "
                               f"*), got {input.shape}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
