"""Upsample: resize the spatial dimensions with ``F.interpolate``."""

from .. import _checks
from . import functional as F
from .module import Module


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor``.

    Args:
        size: the output spatial size (an int or a tuple). Default: None.
        scale_factor: the multiplier of each spatial size (a number or a
            tuple). Default: None. Give exactly one of the two.
        mode: 'nearest' (default), 'nearest-exact', 'linear', 'bilinear' or
            'area' (see ``F.interpolate``).
        align_corners: for 'linear' / 'bilinear' (False when None).
            Default: None.
        recompute_scale_factor: see ``F.interpolate``. Default: None.

    Shape: input (N, C, *in); output (N, C, *out).
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = tuple(size) if isinstance(size, list) else size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(_checks.real("Upsample", "scale_factor", f)
                                      for f in scale_factor)
        else:
            self.scale_factor = (None if scale_factor is None else
                                 _checks.real("Upsample", "scale_factor", scale_factor))
        if not isinstance(mode, str):
            raise TypeError(f"Upsample: mode must be a string, got {mode!r}")
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
