"""RNN and LSTM against PyTorch: the same weights (copied by name) give the
same outputs, final states and gradients of the input, the initial states
and every parameter; parameter names, shapes and repr agree."""

import numpy as np
import pytest
import torch

import minidl as mdl

RNG = np.random.default_rng(0)

CONFIGS = {
    "RNN": (lambda nn: nn.RNN(3, 4), (5, 2, 3)),
    "RNN-relu-layers": (lambda nn: nn.RNN(3, 4, 3, nonlinearity="relu"), (5, 2, 3)),
    "RNN-bidirectional-batch-first": (lambda nn: nn.RNN(3, 4, 2, bidirectional=True,
                                                        batch_first=True), (2, 5, 3)),
    "RNN-unbatched": (lambda nn: nn.RNN(3, 4, 2), (5, 3)),
    "RNN-no-bias": (lambda nn: nn.RNN(3, 4, bias=False), (5, 2, 3)),
    "LSTM": (lambda nn: nn.LSTM(3, 4), (5, 2, 3)),
    "LSTM-layers-bidirectional": (lambda nn: nn.LSTM(3, 4, 2, bidirectional=True), (5, 2, 3)),
    "LSTM-proj-batch-first": (lambda nn: nn.LSTM(3, 4, 2, batch_first=True, proj_size=3,
                                                 bidirectional=True), (2, 5, 3)),
    "LSTM-unbatched": (lambda nn: nn.LSTM(3, 4, 2), (5, 3)),
    "LSTM-no-bias": (lambda nn: nn.LSTM(3, 4, bias=False), (5, 2, 3)),
}


def _states(module, x_shape, lstm):
    directions = 2 if module.bidirectional else 1
    batched = len(x_shape) == 3
    batch = (x_shape[0] if module.batch_first else x_shape[1],) if batched else ()
    layers = module.num_layers * directions
    h = RNG.standard_normal((layers,) + batch + (module.proj_size or module.hidden_size,))
    c = RNG.standard_normal((layers,) + batch + (module.hidden_size,))
    return (h, c) if lstm else (h,)


def _run(lib, make, x, states, weights, lstm, given_states):
    module = make(lib.nn).double()
    with (torch.no_grad() if lib is torch else mdl.no_grad()):
        for name, p in module.named_parameters():
            p.copy_(lib.tensor(weights[name]))
    xt = lib.tensor(x, requires_grad=True)
    st = [lib.tensor(s, requires_grad=True) for s in states]
    if given_states:
        out, final = module(xt, tuple(st) if lstm else st[0])
    else:
        out, final = module(xt)
    finals = list(final) if lstm else [final]
    total = (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))).sum()
    for f in finals:
        total = total + (f * f).sum()
    total.backward()
    grads = {n: p.grad.numpy() for n, p in module.named_parameters()}
    grads["input"] = xt.grad.numpy()
    if given_states:
        for i, s in enumerate(st):
            grads[f"state{i}"] = s.grad.numpy()
    return [out.detach().numpy()] + [f.detach().numpy() for f in finals], grads


@pytest.mark.parametrize("given_states", [False, True], ids=["zeros", "given"])
@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_matches_pytorch(case, given_states):
    make, x_shape = CONFIGS[case]
    reference = make(torch.nn)
    lstm = isinstance(reference, torch.nn.LSTM)
    weights = {n: RNG.standard_normal(tuple(p.shape)) * 0.5
               for n, p in reference.named_parameters()}
    x = RNG.standard_normal(x_shape)
    states = _states(reference, x_shape, lstm)
    ours = _run(mdl, make, x, states, weights, lstm, given_states)
    theirs = _run(torch, make, x, states, weights, lstm, given_states)
    for a, b in zip(ours[0], theirs[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert sorted(ours[1]) == sorted(theirs[1])
    for key in ours[1]:
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-9, atol=1e-11,
                                   err_msg=key)


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_names_shapes_and_repr(case):
    make, _ = CONFIGS[case]
    ours, theirs = make(mdl.nn), make(torch.nn)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
