"""Shape, joining, rearranging and selecting functions against PyTorch."""

import numpy as np
import pytest

from .helpers import compare

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((4, 5))
V = RNG.standard_normal(6)

CASES = {
    "reshape": (lambda lib, x: x.reshape(4, -1), A),
    "view": (lambda lib, x: x.view(x.size(0), -1), A),
    "flatten": (lambda lib, x: lib.flatten(x, 1), A),
    "unflatten": (lambda lib, x: x.unflatten(2, (2, 2)), A),
    "permute": (lambda lib, x: x.permute(2, 0, 1), A),
    "transpose": (lambda lib, x: x.transpose(0, 2), A),
    "transpose-2d": (lambda lib, x: x.transpose(0, 1), M),
    "t": (lambda lib, x: x.t(), M),
    "T": (lambda lib, x: x.T, M),
    "mT": (lambda lib, x: x.mT, A),
    "swapaxes": (lambda lib, x: lib.swapaxes(x, 1, 2), A),
    "movedim": (lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), A),
    "squeeze": (lambda lib, x: x[:, :1].squeeze(1), A),
    "squeeze-all": (lambda lib, x: x[:1, :, :1].squeeze(), A),
    "unsqueeze": (lambda lib, x: x.unsqueeze(-1), A),
    "expand": (lambda lib, x: x[:, :1].expand(2, 3, 4), A),
    "expand-new-dim": (lambda lib, x: x.expand(3, -1, -1), M),
    "expand_as": (lambda lib, x: x[:1].expand_as(x), M),
    "narrow": (lambda lib, x: x.narrow(1, 1, 2), A),
    "select": (lambda lib, x: x.select(2, -1), A),
    "getitem": (lambda lib, x: x[1, :, ::2], A),
    "getitem-none": (lambda lib, x: x[None, ..., 0], A),
    "cat": (lambda lib, x: lib.cat([x, x * 2], dim=1), A),
    "stack": (lambda lib, x: lib.stack([x, x + 1], dim=-1), M),
    "hstack": (lambda lib, x: lib.hstack([x, x]), M),
    "vstack": (lambda lib, x: lib.vstack([x, x[0]]), M),
    "split": (lambda lib, x: lib.split(x, 2, dim=1), M),
    "split-sizes": (lambda lib, x: x.split([1, 3, 1], 1), M),
    "chunk": (lambda lib, x: x.chunk(3, 1), M),
    "unbind": (lambda lib, x: x.unbind(1), A),
    "repeat": (lambda lib, x: x.repeat(2, 1, 3), M),
    "tile": (lambda lib, x: lib.tile(x, (2,)), M),
    "flip": (lambda lib, x: lib.flip(x, (0, 2)), A),
    "fliplr": (lambda lib, x: lib.fliplr(x), M),
    "flipud": (lambda lib, x: lib.flipud(x), M),
    "roll": (lambda lib, x: lib.roll(x, 2, 1), M),
    "roll-flat": (lambda lib, x: lib.roll(x, -3), M),
    "roll-two": (lambda lib, x: lib.roll(x, (1, -1), (0, 2)), A),
    "tril": (lambda lib, x: lib.tril(x), M),
    "tril-diagonal": (lambda lib, x: x.tril(-1), A),
    "triu": (lambda lib, x: lib.triu(x, 2), M),
    "where": (lambda lib, x: lib.where(x > 0, x, x * 3), M),
    "where-scalar": (lambda lib, x: lib.where(x > 0, x, 0.0), M),
    "masked_fill": (lambda lib, x: x.masked_fill(x < 0, 1.5), M),
    "nonzero": (lambda lib, x: lib.nonzero(x > 0), M),
    "nonzero-tuple": (lambda lib, x: lib.nonzero(x > 0, as_tuple=True), M),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    fn, array = CASES[name]
    compare(fn, array)


def _pad(lib, x, *args, **kwargs):
    import torch

    if lib is torch:
        return torch.nn.functional.pad(x, *args, **kwargs)
    from minidl.nn import functional as F

    return F.pad(x, *args, **kwargs)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad, shape", [((1, 2), (2, 3, 5)), ((1, 1, 2, 0), (1, 2, 4, 5)),
                                        ((0, 2, 1, 1), (2, 4, 5)),
                                        ((1, 0, 2, 1, 1, 1), (1, 2, 3, 4, 5))], ids=str)
def test_pad_matches_pytorch(mode, pad, shape):
    compare(lambda lib, x: _pad(lib, x, pad, mode=mode), RNG.standard_normal(shape))


def test_pad_refuses_what_pytorch_refuses():
    import torch

    import minidl as mdl
    # a 2-long pad on a 4-D input; a reflection longer than the dimension
    for shape, pad, error in (((1, 1, 4, 3), (1, 2), NotImplementedError),
                              ((1, 4, 3), (4, 4), RuntimeError)):
        with pytest.raises(error):
            _pad(torch, torch.zeros(shape), pad, mode="reflect")
        with pytest.raises(error):
            _pad(mdl, mdl.zeros(shape), pad, mode="reflect")


def test_constant_pad_value_and_crop():
    compare(lambda lib, x: _pad(lib, x, (-1, 2, 1, -1), value=0.5), M)
