"""Recurrent layers RNN (tanh or relu) and LSTM with PyTorch's arguments,
parameter names (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
``bias_hh_l0``, ``..._reverse``, LSTM's ``weight_hr_l0`` with ``proj_size``),
initialisation U(-k, k) with k = 1/sqrt(hidden_size), inputs and outputs.

The recurrences are written with tensor functions (F.linear, tanh, sigmoid,
stack, cat), so they run and differentiate on every backend: the input
projection of a whole sequence is one matmul per layer and direction, then
one small matmul per time step.
"""

import math
import warnings

from .. import _checks
from ..api import creation, joining, pointwise, shape
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4}


class RNNBase(Module):
    """What RNN and LSTM share: the parameters, argument checks, input
    layouts and the layer-by-layer, direction-by-direction loop.

    Args:
        mode: 'RNN_TANH', 'RNN_RELU' or 'LSTM', the recurrence.
        input_size: H_in, the features of each step of the input.
        hidden_size: the features of the hidden (LSTM: cell) state.
        num_layers: stacked recurrent layers. Default: 1.
        bias: learn the biases. Default: True.
        batch_first: input and output are (N, L, H) instead of (L, N, H).
            Default: False.
        dropout: dropout on the outputs of every layer but the last, in
            training. Default: 0.
        bidirectional: also run each layer over the reversed sequence.
            Default: False.
        proj_size: LSTM only: project the hidden state to this size
            (< hidden_size); 0 for none. Default: 0.
        device, dtype: where and in which float dtype to create the parameters."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: Unrecognized RNN mode: {mode!r} (minidl has "
                             f"{', '.join(map(repr, _GATES))})")
        self.mode = mode
        self.input_size = _checks.integer(name, "input_size", input_size, 0)
        if not _checks.is_integer(hidden_size) or hidden_size <= 0:
            raise ValueError(f"{name}: hidden_size must be greater than zero, got "
                             f"{hidden_size!r}")
        if not _checks.is_integer(num_layers) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be greater than zero, got "
                             f"{num_layers!r}")
        if not _checks.is_real(dropout) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        proj_size = _checks.integer(name, "proj_size", proj_size, 0)
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN "
                             "or GRU")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"{proj_size} and {hidden_size}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = _checks.boolean(name, "bias", bias)
        self.batch_first = _checks.boolean(name, "batch_first", batch_first)
        self.dropout = float(dropout)
        self.bidirectional = _checks.boolean(name, "bidirectional", bidirectional)
        self.proj_size = proj_size
        dtype = _checks.float_dtype(name, dtype)
        directions = 2 if self.bidirectional else 1
        gate_size = _GATES[mode] * self.hidden_size
        real_hidden = proj_size or self.hidden_size
        self._flat_weights_names = []
        for layer in range(self.num_layers):
            for direction in range(directions):
                layer_input = self.input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if self.bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, self.hidden_size)))
                for prefix, size in shapes:
                    self.register_parameter(prefix + suffix, Parameter(
                        creation.empty(size, device=device, dtype=dtype)))
                    self._flat_weights_names.append(prefix + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias drawn from U(-k, k), k = 1 / sqrt(hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def flatten_parameters(self):
        """Nothing to do in minidl (kept for PyTorch code that calls it)."""

    @property
    def all_weights(self):
        """The parameters of each layer and direction, as lists in PyTorch's order."""
        per_cell = len(self._flat_weights_names) // (self.num_layers * self._directions)
        params = [getattr(self, n) for n in self._flat_weights_names]
        return [params[i:i + per_cell] for i in range(0, len(params), per_cell)]

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    def _cell_parameters(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")

        def get(prefix):
            return getattr(self, prefix + suffix, None)
        return (get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"),
                get("weight_hr"))

    # ---- inputs -----------------------------------------------------------------------
    def _check_input(self, input):
        name = type(self).__name__
        _checks.tensor(name, input)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor "
                             "instead")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"{name} input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or "
                             f"convert model: model.to({input.dtype})")
        _checks.same_device(name, weight, input, "input")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        time_axis = 1 if self.batch_first and input.ndim == 3 else 0
        if input.shape[time_axis] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN, "
                               f"got input of shape {input.shape}")

    def _hidden(self, hx, what, batch, unbatched, width, like):
        """``hx`` checked against (layers * directions, N, width) (unbatched:
        without N), or zeros when None; returned batched."""
        name = type(self).__name__
        expected = (self.num_layers * self._directions,) + ((batch,) if not unbatched else ()) \
            + (width,)
        if hx is None:
            return creation.zeros(expected[:1] + (batch, width), dtype=like.dtype,
                                  device=like.device)
        _checks.tensor(name, hx, what)
        if unbatched and hx.ndim != 2:
            raise RuntimeError(f"{name}: For unbatched 2-D input, {what} should also be 2-D but "
                               f"got {hx.ndim}-D tensor")
        if not unbatched and hx.ndim != 3:
            raise RuntimeError(f"{name}: For batched 3-D input, {what} should also be 3-D but "
                               f"got {hx.ndim}-D tensor")
        if hx.shape != expected:
            raise RuntimeError(f"{name}: Expected {what} size {expected}, got {hx.shape}")
        _checks.same_dtype(name, like, hx, what)
        _checks.same_device(name, like, hx, what)
        return shape.unsqueeze(hx, 1) if unbatched else hx

    # ---- the recurrence -----------------------------------------------------------------
    def _step(self, x_projected, state, weights):
        raise NotImplementedError  # abstract: RNN and LSTM define it

    def _run(self, input, states):
        """input (L, N, in); states: a list per (layer, direction) of that cell's
        initial state. Returns (output (L, N, D * H), final states)."""
        finals = []
        layer_input = input
        steps = input.shape[0]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self._directions):
                index = layer * self._directions + direction
                weights = self._cell_parameters(layer, direction)
                w_ih, _, b_ih, _, _ = weights
                projected = F.linear(layer_input, w_ih, b_ih)   # (L, N, gates)
                state = states[index]
                order = range(steps - 1, -1, -1) if direction else range(steps)
                hs = [None] * steps
                for t in order:
                    state = self._step(projected[t], state, weights)
                    hs[t] = state[0] if isinstance(state, tuple) else state
                finals.append(state)
                outputs.append(joining.stack(hs, 0))
            layer_input = outputs[0] if len(outputs) == 1 else joining.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, finals

    def _forward(self, input, initial):
        """Layouts in and out: ``initial(batch, unbatched)`` gives the per-cell
        initial states; returns (output, final states, unbatched)."""
        self._check_input(input)
        unbatched = input.ndim == 2
        if unbatched:
            input = shape.unsqueeze(input, 1)
        elif self.batch_first:
            input = shape.transpose(input, 0, 1)
        output, finals = self._run(input, initial(input.shape[1], unbatched))
        if unbatched:
            output = shape.squeeze(output, 1)
        elif self.batch_first:
            output = shape.transpose(output, 0, 1)
        return output, finals, unbatched

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


def _stacked(states, unbatched):
    out = joining.stack(states, 0)
    return shape.squeeze(out, 1) if unbatched else out


_SHAPES = """
    Inputs: ``input`` of shape (L, N, H_in), (N, L, H_in) with ``batch_first``,
    or (L, H_in) unbatched; ``{state}`` optional (zeros by default).

    Outputs: ``output`` (L, N, D * H_out) (batch_first: (N, L, D * H_out);
    unbatched: (L, D * H_out)), the last layer's hidden state at every step
    (D = 2 with ``bidirectional``, the two directions concatenated), and
    {finals}, the final states of every layer and direction, ordered
    layer 0 forward, layer 0 reverse, layer 1 forward, ...
"""


class RNN(RNNBase):
    __doc__ = """An Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)``,
    act tanh or relu, stacked ``num_layers`` deep.

    Args:
        input_size: H_in, the features of each step of the input.
        hidden_size: H_out, the features of the hidden state.
        num_layers: stacked recurrent layers. Default: 1.
        nonlinearity: 'tanh' or 'relu'. Default: 'tanh'.
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*``. Default: True.
        batch_first: input and output are (N, L, H) instead of (L, N, H)
            (the hidden state is not affected). Default: False.
        dropout: dropout on the outputs of every layer but the last, in
            training. Default: 0.
        bidirectional: also run each layer over the reversed sequence.
            Default: False.
        device, dtype: where and in which float dtype to create the parameters.

    Attributes: ``weight_ih_l{{k}}`` (H_out, H_in or D * H_out),
    ``weight_hh_l{{k}}`` (H_out, H_out), ``bias_ih_l{{k}}``, ``bias_hh_l{{k}}``
    (H_out,), and ``..._reverse`` for the reverse direction, all U(-k, k)
    with k = 1 / sqrt(hidden_size).
""" + _SHAPES.format(state="hx: (D * num_layers, N, H_out)",
                     finals="``h_n`` (D * num_layers, N, H_out)")

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def _step(self, x_projected, h, weights):
        _, w_hh, _, b_hh, _ = weights
        total = pointwise.add(x_projected, F.linear(h, w_hh, b_hh))
        return pointwise.tanh(total) if self.nonlinearity == "tanh" else pointwise.relu(total)

    def forward(self, input, hx=None):
        """Run the RNN over ``input`` from the initial hidden state ``hx``
        (zeros when None); returns ``(output, h_n)`` (shapes in the class)."""
        def initial(batch, unbatched):
            h0 = self._hidden(hx, "hidden", batch, unbatched, self.hidden_size, input)
            return list(joining.unbind(h0, 0))
        output, finals, unbatched = self._forward(input, initial)
        return output, _stacked(finals, unbatched)


class LSTM(RNNBase):
    __doc__ = """A long short-term memory network, stacked ``num_layers`` deep:

        i, f, g, o = split(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh, 4)
        c_t = sigmoid(f) * c_(t-1) + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)       (then h_t W_hr^T with proj_size)

    Args:
        input_size: H_in, the features of each step of the input.
        hidden_size: H_cell, the features of the cell state (and of the hidden
            state unless ``proj_size``).
        num_layers, bias, batch_first, dropout, bidirectional: as ``RNN``.
        proj_size: project the hidden state to this size (< hidden_size);
            0 for none. Default: 0.
        device, dtype: where and in which float dtype to create the parameters.

    Attributes: ``weight_ih_l{{k}}`` (4 * H_cell, H_in or D * H_out) (the gates
    in the order input, forget, cell, output), ``weight_hh_l{{k}}``
    (4 * H_cell, H_out), ``bias_ih_l{{k}}``, ``bias_hh_l{{k}}`` (4 * H_cell,),
    ``weight_hr_l{{k}}`` (proj_size, H_cell) with proj_size, and
    ``..._reverse``; all U(-k, k) with k = 1 / sqrt(hidden_size). H_out is
    proj_size if given, else hidden_size.
""" + _SHAPES.format(state="(h_0, c_0): (D * num_layers, N, H_out) and (D * num_layers, "
                           "N, H_cell)",
                     finals="``(h_n, c_n)``")

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)

    def _step(self, x_projected, state, weights):
        h, c = state
        _, w_hh, _, b_hh, w_hr = weights
        gates = pointwise.add(x_projected, F.linear(h, w_hh, b_hh))
        i, f, g, o = joining.chunk(gates, 4, 1)
        c = pointwise.add(pointwise.mul(pointwise.sigmoid(f), c),
                          pointwise.mul(pointwise.sigmoid(i), pointwise.tanh(g)))
        h = pointwise.mul(pointwise.sigmoid(o), pointwise.tanh(c))
        if w_hr is not None:
            h = F.linear(h, w_hr)
        return h, c

    def forward(self, input, hx=None):
        """Run the LSTM over ``input`` from ``hx`` = ``(h_0, c_0)`` (zeros when
        None); returns ``(output, (h_n, c_n))`` (shapes in the class)."""
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0), got "
                            f"{type(hx).__name__}")

        def initial(batch, unbatched):
            h0 = self._hidden(None if hx is None else hx[0], "hidden[0]", batch, unbatched,
                              self.proj_size or self.hidden_size, input)
            c0 = self._hidden(None if hx is None else hx[1], "hidden[1]", batch, unbatched,
                              self.hidden_size, input)
            return list(zip(joining.unbind(h0, 0), joining.unbind(c0, 0)))
        output, finals, unbatched = self._forward(input, initial)
        h_n = _stacked([h for h, _ in finals], unbatched)
        c_n = _stacked([c for _, c in finals], unbatched)
        return output, (h_n, c_n)
