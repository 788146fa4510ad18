"""RNN and LSTM: parameter names, shapes and initialisation, forward against a
NumPy reference (layers, directions, batch_first, unbatched input,
projections), float64 gradchecks of the input, initial states and
parameters on every device, dropout between layers, and argument errors."""

import math

import numpy as np
import pytest

import minidl as mdl
from minidl import nn

from helpers import check_gradients, t64

RNG = np.random.default_rng(0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference(module, x, state=None):
    """A NumPy run of ``module`` (weights read from it) on (L, N, H_in) input."""
    params = {k: v.detach().numpy().astype(np.float64) for k, v in module.named_parameters()}
    lstm = isinstance(module, nn.LSTM)
    directions = 2 if module.bidirectional else 1
    layers = module.num_layers
    out_width = module.proj_size or module.hidden_size
    n = x.shape[1]
    if state is None:
        h0 = np.zeros((layers * directions, n, out_width))
        c0 = np.zeros((layers * directions, n, module.hidden_size))
    else:
        h0, c0 = state if lstm else (state, None)
    hs, cs = [], []
    layer_input = x
    for layer in range(layers):
        outputs = []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
            b = params.get("bias_ih" + suffix, 0) + params.get("bias_hh" + suffix, 0)
            h = h0[layer * directions + direction]
            c = c0[layer * directions + direction] if lstm else None
            steps = range(x.shape[0] - 1, -1, -1) if direction else range(x.shape[0])
            seq = [None] * x.shape[0]
            for t in steps:
                z = layer_input[t] @ w_ih.T + h @ w_hh.T + b
                if lstm:
                    i, f, g, o = np.split(z, 4, axis=1)
                    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                    h = _sigmoid(o) * np.tanh(c)
                    if "weight_hr" + suffix in params:
                        h = h @ params["weight_hr" + suffix].T
                else:
                    h = np.tanh(z) if module.nonlinearity == "tanh" else np.maximum(z, 0)
                seq[t] = h
            hs.append(h)
            cs.append(c)
            outputs.append(np.stack(seq))
        layer_input = np.concatenate(outputs, axis=2)
    if lstm:
        return layer_input, (np.stack(hs), np.stack(cs))
    return layer_input, np.stack(hs)


CONFIGS = {
    "RNN": lambda: nn.RNN(3, 4),
    "RNN-relu-2-layers": lambda: nn.RNN(3, 4, 2, nonlinearity="relu"),
    "RNN-bidirectional": lambda: nn.RNN(3, 4, 2, bidirectional=True),
    "RNN-no-bias": lambda: nn.RNN(3, 4, bias=False),
    "LSTM": lambda: nn.LSTM(3, 4),
    "LSTM-2-layers-bidirectional": lambda: nn.LSTM(3, 4, 2, bidirectional=True),
    "LSTM-proj": lambda: nn.LSTM(3, 4, 2, proj_size=2),
    "LSTM-no-bias": lambda: nn.LSTM(3, 4, bias=False),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_forward_matches_numpy(device, name):
    mdl.manual_seed(0)
    module = CONFIGS[name]().double().to(device)
    x = RNG.standard_normal((5, 2, 3))
    out, state = module(t64(x, device, requires_grad=False))
    expected_out, expected_state = reference(module, x)
    np.testing.assert_allclose(out.numpy(), expected_out, rtol=1e-10, atol=1e-12)
    if isinstance(module, nn.LSTM):
        for ours, theirs in zip(state, expected_state):
            np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(state.numpy(), expected_state, rtol=1e-10, atol=1e-12)


def test_given_initial_states_batch_first_and_unbatched(device):
    mdl.manual_seed(1)
    lstm = nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True).double().to(device)
    x = RNG.standard_normal((2, 5, 3))   # (N, L, H_in)
    h0, c0 = RNG.standard_normal((4, 2, 4)), RNG.standard_normal((4, 2, 4))
    out, (h, c) = lstm(t64(x, device, False), (t64(h0, device, False), t64(c0, device, False)))
    ref_out, (ref_h, ref_c) = reference(lstm, x.transpose(1, 0, 2), (h0, c0))
    assert out.shape == (2, 5, 8)
    np.testing.assert_allclose(out.numpy(), ref_out.transpose(1, 0, 2), rtol=1e-10)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-10)
    np.testing.assert_allclose(c.numpy(), ref_c, rtol=1e-10)
    rnn = nn.RNN(3, 4, 2).double().to(device)
    out, h = rnn(t64(x[0], device, False), t64(h0[:2, 0], device, False))
    ref_out, ref_h = reference(rnn, x[0][:, None], h0[:2, :1])
    assert out.shape == (5, 4) and h.shape == (2, 4)
    np.testing.assert_allclose(out.numpy(), ref_out[:, 0], rtol=1e-10)
    np.testing.assert_allclose(h.numpy(), ref_h[:, 0], rtol=1e-10)


def _gradient_run(module, x, states):
    """A scalar of the module's outputs and final states, for gradients."""
    if isinstance(module, nn.LSTM):
        out, (h, c) = module(x, tuple(states))
        return (out.sum() + h.sum() * 2 + (c * c).sum()).reshape(1)
    out, h = module(x, states[0])
    return (out * out).sum().reshape(1) + h.sum()


@pytest.mark.parametrize("make", [
    lambda: nn.RNN(2, 2, 2, bidirectional=True),
    lambda: nn.LSTM(2, 2, proj_size=1),
    lambda: nn.LSTM(1, 2, 2, bidirectional=True),
], ids=["RNN", "LSTM-proj", "LSTM-bidirectional"])
def test_gradcheck_input_states_and_parameters(device, make):
    mdl.manual_seed(2)
    module = make().double()
    directions = 2 if module.bidirectional else 1
    layers = module.num_layers * directions
    arrays = [RNG.standard_normal((3, 1, module.input_size)),
              RNG.standard_normal((layers, 1, module.proj_size or module.hidden_size))]
    if isinstance(module, nn.LSTM):
        arrays.append(RNG.standard_normal((layers, 1, module.hidden_size)))
    n_states = len(arrays) - 1
    if device == "cpu":
        check_gradients(lambda x, *rest: _gradient_run(module, x, rest[:n_states]),
                        *[t64(a) for a in arrays], *module.parameters())
        return
    # elsewhere: gradcheck the inputs, and the parameters' gradients equal the CPU's
    reference = [t64(a) for a in arrays]
    _gradient_run(module, reference[0], reference[1:]).backward()
    expected = [p.grad.numpy().copy() for p in module.parameters()]
    module.zero_grad()
    module.to(device)
    inputs = [t64(a, device) for a in arrays]
    check_gradients(lambda x, *states: _gradient_run(module, x, states), *inputs)
    module.zero_grad()
    _gradient_run(module, t64(arrays[0], device),
                  [t64(a, device) for a in arrays[1:]]).backward()
    for p, want in zip(module.parameters(), expected):
        np.testing.assert_allclose(p.grad.numpy(), want, rtol=1e-10, atol=1e-12)


def test_parameters_names_and_initialisation():
    mdl.manual_seed(3)
    lstm = nn.LSTM(3, 5, 2, bidirectional=True)
    names = [n for n, _ in lstm.named_parameters()]
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                         "weight_ih_l0_reverse"]
    assert names == list(lstm.state_dict())
    assert lstm.weight_ih_l1.shape == (20, 10) and lstm.weight_hh_l1_reverse.shape == (20, 5)
    bound = 1 / math.sqrt(5)
    for p in lstm.parameters():
        assert p.requires_grad and np.abs(p.numpy()).max() <= bound
    assert len(lstm.all_weights) == 4 and len(lstm.all_weights[0]) == 4
    values = np.concatenate([p.numpy().ravel() for p in nn.RNN(10, 100).parameters()])
    assert abs(values.std() - 0.1 / math.sqrt(3)) < 0.002   # U(-0.1, 0.1)


def test_dropout_between_layers_only_in_training(device):
    mdl.manual_seed(4)
    rnn = nn.RNN(3, 4, 3, dropout=0.5).double().to(device)
    x = t64(RNG.standard_normal((4, 2, 3)), device, False)
    first, second = rnn(x)[0].numpy(), rnn(x)[0].numpy()
    assert not np.allclose(first, second)  # different masks
    rnn.eval()
    np.testing.assert_allclose(rnn(x)[0].numpy(), reference(rnn, x.numpy())[0], rtol=1e-10)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.RNN(3, 4, dropout=0.2)


def test_repr():
    assert repr(nn.RNN(3, 4)) == "RNN(3, 4)"
    assert repr(nn.LSTM(3, 4, 2, bias=False, batch_first=True, dropout=0.5,
                        bidirectional=True, proj_size=2)) == (
        "LSTM(3, 4, proj_size=2, num_layers=2, bias=False, batch_first=True, dropout=0.5, "
        "bidirectional=True)")


def test_argument_errors():
    rnn = nn.RNN(3, 4)
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        rnn(mdl.zeros(1, 2, 3, 3))
    with pytest.raises(RuntimeError, match="input_size. Expected 3, got 4"):
        rnn(mdl.zeros(5, 2, 4))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \(1, 3, 4\)"):
        rnn(mdl.zeros(5, 2, 3), mdl.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="unbatched 2-D input, hidden should also be 2-D"):
        rnn(mdl.zeros(5, 3), mdl.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="dtype"):
        rnn(mdl.zeros(5, 2, 3, dtype=mdl.float64))
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h_0, c_0\)"):
        nn.LSTM(3, 4)(mdl.zeros(5, 2, 3), mdl.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sig'"):
        nn.RNN(3, 4, nonlinearity="sig")
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(3, 0)
