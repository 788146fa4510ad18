"""Activation layers: ReLU, LeakyReLU, ELU, GELU, SiLU, Softplus, Hardtanh,
Sigmoid, Tanh, Softmax and LogSoftmax (each calls its function in
``minidl.nn.functional``). Every one maps a tensor of any shape to one of the
same shape."""

from .. import _checks
from . import functional as F
from .module import Module


def _inplace_text(inplace):
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    """max(x, 0) elementwise.

    Args:
        inplace: overwrite the input. Default: False.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = _checks.boolean("ReLU", "inplace", inplace)

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, ``negative_slope * x`` elsewhere.

    Args:
        negative_slope: the slope of the negative side. Default: 0.01.
        inplace: overwrite the input. Default: False.
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = _checks.real("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = _checks.boolean("LeakyReLU", "inplace", inplace)

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_text(self.inplace)}"


class ELU(Module):
    """x where x > 0, ``alpha * (exp(x) - 1)`` elsewhere.

    Args:
        alpha: the negative side tends to ``-alpha``. Default: 1.0.
        inplace: overwrite the input. Default: False.
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = _checks.real("ELU", "alpha", alpha)
        self.inplace = _checks.boolean("ELU", "inplace", inplace)

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_text(self.inplace)}"


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF (see ``F.gelu``).

    Args:
        approximate: 'none' (exact, with erf) or 'tanh'. Default: 'none'.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got "
                             f"{approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x) (swish).

    Args:
        inplace: overwrite the input. Default: False.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = _checks.boolean("SiLU", "inplace", inplace)

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta; linear where beta * x > threshold.

    Args:
        beta: the sharpness. Default: 1.0.
        threshold: where the function turns linear. Default: 20.0.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = _checks.real("Softplus", "beta", beta)
        self.threshold = _checks.real("Softplus", "threshold", threshold)

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clamped to [min_val, max_val].

    Args:
        min_val: the lower bound. Default: -1.0.
        max_val: the upper bound, above min_val. Default: 1.0.
        inplace: overwrite the input. Default: False.
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val = _checks.real("Hardtanh", "min_val", min_val)
        self.max_val = _checks.real("Hardtanh", "max_val", max_val)
        if not self.max_val > self.min_val:
            raise ValueError(f"Hardtanh: max_val must be greater than min_val, got "
                             f"min_val={min_val!r} and max_val={max_val!r}")
        self.inplace = _checks.boolean("Hardtanh", "inplace", inplace)

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_text(self.inplace)}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise.

    Shape: any; the output has the input's shape."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x) elementwise.

    Shape: any; the output has the input's shape."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``: the slices along ``dim`` sum to 1.

    Args:
        dim: the dimension to normalise. Default: None (PyTorch's legacy
            choice: 0 for 0-, 1- and 3-d inputs, else 1).
    """

    def __init__(self, dim=None):
        super().__init__()
        if dim is not None:
            _checks.integer("Softmax", "dim", dim)
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably.

    Args:
        dim: the dimension to normalise. Default: None (as ``Softmax``).
    """

    def __init__(self, dim=None):
        super().__init__()
        if dim is not None:
            _checks.integer("LogSoftmax", "dim", dim)
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
