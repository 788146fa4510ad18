"""Parameters as one flat vector and back, as ``torch.nn.utils``."""

from ... import _checks
from ...api.joining import cat
from ...api.shape import reshape
from ...autograd import no_grad
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """All parameters flattened and joined into one 1-D tensor (differentiable)."""
    parameters = list(parameters)
    if not parameters:
        raise RuntimeError("parameters_to_vector: expected a non-empty sequence of tensors")
    return cat([reshape(_checks.tensor("parameters_to_vector", p, "parameters"), -1)
                for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    _checks.tensor("vector_to_parameters", vec, "vec")
    if vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected vec to be a 1-D Tensor, got shape "
                        f"{vec.shape}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if total != vec.numel():
        raise RuntimeError(f"vector_to_parameters: vec has {vec.numel()} elements, the "
                           f"parameters {total}")
    start = 0
    with no_grad():
        for p in parameters:
            if not isinstance(p, Tensor):
                raise TypeError("vector_to_parameters: parameters must be Tensors")
            n = p.numel()
            p.copy_(reshape(vec[start:start + n], p.shape))
            start += n
