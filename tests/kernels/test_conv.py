"""Direct stride-1 convolution primitives (kernels/<device>/conv.py) on every tested
device: forward and both gradients against plain loops, float64 gradcheck, groups,
dilation, padding (up to and beyond the kernel's reach), odd kernel shapes; on the
CPU, results independent of threads and of how many images a pass stacks; argument
errors before any kernel runs."""

import numpy as np
import pytest

from minidl.autograd import BackendFunction

from helpers import check_gradients, t64

DTYPES = [np.float32, np.float64]
# (x shape, out channels, kh, kw, ph, pw, dh, dw, groups)
GEOMETRIES = [
    ((2, 4, 7, 6), 6, 3, 3, 1, 1, 1, 1, 1),     # 4 output channels a pass, then 2 alone
    ((3, 6, 5, 6), 6, 3, 3, 0, 0, 1, 1, 2),     # groups of 3 output channels: none of 4
    ((2, 3, 7, 7), 5, 3, 3, 2, 2, 2, 2, 1),     # dilation
    ((2, 2, 5, 6), 4, 3, 3, 3, 0, 1, 1, 1),     # padding past the kernel's reach
    ((1, 3, 6, 6), 6, 5, 5, 2, 2, 1, 1, 3),     # 5x5, groups of one input channel
    ((2, 2, 4, 7), 3, 1, 3, 0, 1, 1, 2, 1),     # non-square, dilated width
    ((2, 4, 5, 4), 2, 2, 4, 0, 5, 1, 1, 2),     # even kernel, width padding past its reach
]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _padded(x, ph, pw):
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    return xp


def _windows(x_shape, w_shape, ph, pw, dh, dw, groups):
    """(output shape, [(o, c, i, j, rows, cols)]): output channel o reads input channel
    c at window element (i, j) from padded rows / columns rows + oh, cols + ow."""
    n, c, h, w = x_shape
    o, cg, kh, kw = w_shape
    oh, ow = h + 2 * ph - (kh - 1) * dh, w + 2 * pw - (kw - 1) * dw
    terms = [(f, f // (o // groups) * cg + k, k, i, j, i * dh, j * dw)
             for f in range(o) for k in range(cg) for i in range(kh) for j in range(kw)]
    return (n, o, oh, ow), terms


def ref_forward(x, weight, ph, pw, dh, dw, groups):
    shape, terms = _windows(x.shape, weight.shape, ph, pw, dh, dw, groups)
    xp = _padded(x.astype(np.float64), ph, pw)
    y = np.zeros(shape)
    oh, ow = shape[2:]
    for f, c, k, i, j, r, s in terms:
        y[:, f] += weight[f, k, i, j] * xp[:, c, r:r + oh, s:s + ow]
    return y


def ref_grads(grad, x, weight, ph, pw, dh, dw, groups):
    """(dx, dweight) of sum(ref_forward(x, weight) * grad)."""
    shape, terms = _windows(x.shape, weight.shape, ph, pw, dh, dw, groups)
    xp = _padded(x.astype(np.float64), ph, pw)
    dxp = np.zeros_like(xp)
    dweight = np.zeros(weight.shape)
    oh, ow = shape[2:]
    for f, c, k, i, j, r, s in terms:
        dxp[:, c, r:r + oh, s:s + ow] += weight[f, k, i, j] * grad[:, f]
        dweight[f, k, i, j] += np.sum(grad[:, f] * xp[:, c, r:r + oh, s:s + ow])
    h, w = x.shape[2:]
    return dxp[:, :, ph:ph + h, pw:pw + w], dweight


def _case(rng, geometry, dtype):
    x_shape, n_out, kh, kw, ph, pw, dh, dw, groups = geometry
    x = rng.standard_normal(x_shape).astype(dtype)
    weight = rng.standard_normal((n_out, x_shape[1] // groups, kh, kw)).astype(dtype)
    return x, weight, (ph, pw, dh, dw, groups)


@pytest.fixture
def rng():
    return np.random.default_rng(11)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_forward_and_gradients_match_loops(call, rng, geometry, dtype):
    x, weight, args = _case(rng, geometry, dtype)
    y = call.conv2d_forward(x, weight, *args)
    want = ref_forward(x, weight, *args)
    assert y.dtype == dtype and y.shape == want.shape
    np.testing.assert_allclose(y, want, **tol(dtype))
    grad = rng.standard_normal(y.shape).astype(dtype)
    want_dx, want_dw = ref_grads(grad.astype(np.float64), x, weight, *args)
    dx = call.conv2d_input_grad(grad, weight, x.shape, *args)
    dweight = call.conv2d_weight_grad(grad, x, weight.shape, *args)
    assert dx.dtype == dtype and dx.shape == x.shape
    assert dweight.dtype == dtype and dweight.shape == weight.shape
    np.testing.assert_allclose(dx, want_dx, **tol(dtype))
    np.testing.assert_allclose(dweight, want_dw, **tol(dtype))


class _DirectConv(BackendFunction):
    """The three primitives as one differentiable op, for gradcheck."""

    @staticmethod
    def forward(ctx, x, weight, args):
        ctx.save_for_backward(x, weight)
        ctx.args = args
        return ctx.backend.conv2d_forward(x, weight, *args)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        be = ctx.backend
        return (be.conv2d_input_grad(grad, weight, x.shape, *ctx.args),
                be.conv2d_weight_grad(grad, x, weight.shape, *ctx.args), None)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_gradcheck(device, rng, geometry):
    x, weight, args = _case(rng, geometry, np.float64)
    check_gradients(lambda a, b: _DirectConv.apply(a, b, args), t64(x, device),
                    t64(weight, device))


def test_non_contiguous_inputs(call, rng):
    x = rng.standard_normal((2, 3, 6, 7)).transpose(0, 1, 3, 2)   # (2, 3, 7, 6) view
    weight = rng.standard_normal((4, 3, 3, 3))
    np.testing.assert_array_equal(call.conv2d_forward(x, weight, 1, 1, 1, 1, 1),
                                  call.conv2d_forward(np.ascontiguousarray(x), weight,
                                                      1, 1, 1, 1, 1))


@pytest.mark.parametrize("geometry", [GEOMETRIES[0], GEOMETRIES[1], GEOMETRIES[4]])
def test_cpu_results_do_not_depend_on_threads_or_images_per_pass(cpu, rng, monkeypatch,
                                                                 geometry):
    """The forward and input gradient are bitwise the same for any split of the batch
    over threads and passes; the weight gradient for any number of threads."""
    from minidl.kernels.cpu import conv, threads

    (_, c, h, w), n_out = geometry[0], geometry[1]
    geometry = ((37, c, h, w),) + geometry[1:]
    x, weight, args = _case(rng, geometry, np.float32)
    grad = rng.standard_normal((37, n_out) + conv.conv2d_forward(x[:1], weight, *args).shape[2:])
    grad = grad.astype(np.float32)
    monkeypatch.setattr(threads, "GRAIN", 1)  # every call splits over the threads

    def run(count):
        previous = threads.set_num_threads(count)
        try:
            return (conv.conv2d_forward(x, weight, *args),
                    conv.conv2d_input_grad(grad, weight, x.shape, *args),
                    conv.conv2d_weight_grad(grad, x, weight.shape, *args))
        finally:
            threads.set_num_threads(previous)

    first = run(1)
    for count in (2, 3):
        for ours, reference in zip(run(count), first):
            np.testing.assert_array_equal(ours, reference)
    monkeypatch.setattr(conv, "BLOCK_ELEMENTS", 1)  # one image a pass
    for ours, reference in zip(run(2)[:2], first[:2]):
        np.testing.assert_array_equal(ours, reference)


# ----------------------------------------------------------------------------- errors


def test_errors(call, rng):
    x = rng.standard_normal((2, 4, 5, 5))
    weight = rng.standard_normal((6, 2, 3, 3))
    grad = rng.standard_normal((2, 6, 5, 5))
    with pytest.raises(TypeError, match="conv2d_forward: x must be float32 or float64"):
        call.conv2d_forward(x.astype(np.int64), weight, 1, 1, 1, 1, 2)
    with pytest.raises(TypeError, match="conv2d_forward: weight dtype float32 does not match"):
        call.conv2d_forward(x, weight.astype(np.float32), 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match=r"conv2d_forward: x must have shape \(N, C, H, W\)"):
        call.conv2d_forward(x[0], weight, 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match="conv2d_forward: empty batch"):
        call.conv2d_forward(x[:0], weight, 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match="does not fit an input of 4 channels"):
        call.conv2d_forward(x, weight, 1, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="does not fit an input of 4 channels"):
        call.conv2d_forward(x, weight[:5], 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match="conv2d_forward: groups must be positive"):
        call.conv2d_forward(x, weight, 1, 1, 1, 1, 0)
    with pytest.raises(ValueError, match="conv2d_forward: pw must be >= 0"):
        call.conv2d_forward(x, weight, 1, -1, 1, 1, 2)
    with pytest.raises(ValueError, match="conv2d_forward: dh must be positive"):
        call.conv2d_forward(x, weight, 1, 1, 0, 1, 2)
    with pytest.raises(TypeError, match="conv2d_forward: ph must be an integer"):
        call.conv2d_forward(x, weight, 1.5, 1, 1, 1, 2)
    with pytest.raises(ValueError, match=r"conv2d_forward: kernel \(7, 3\) is larger"):
        call.conv2d_forward(x, weight, 0, 0, 3, 1, 2)
    with pytest.raises(ValueError, match=r"conv2d_input_grad: grad shape \(2, 6, 5, 5\) does "
                                         r"not match the output"):
        call.conv2d_input_grad(grad, weight, x.shape, 0, 0, 1, 1, 2)
    with pytest.raises(ValueError, match=r"conv2d_input_grad: x_shape must be \(N, C, H, W\)"):
        call.conv2d_input_grad(grad, weight, x.shape[1:], 1, 1, 1, 1, 2)
    with pytest.raises(TypeError, match="conv2d_input_grad: weight dtype float32 does not"):
        call.conv2d_input_grad(grad, weight.astype(np.float32), x.shape, 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match=r"conv2d_weight_grad: grad shape \(2, 6, 5, 5\)"):
        call.conv2d_weight_grad(grad, x, (6, 2, 5, 5), 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match=r"conv2d_weight_grad: weight_shape must be"):
        call.conv2d_weight_grad(grad, x, (6, 0, 3, 3), 1, 1, 1, 1, 2)
    with pytest.raises(TypeError, match="conv2d_weight_grad: weight_shape must be a tuple"):
        call.conv2d_weight_grad(grad, x, (6, 2, 3.0, 3), 1, 1, 1, 1, 2)
    with pytest.raises(TypeError, match="conv2d_weight_grad: x dtype float64 does not match"):
        call.conv2d_weight_grad(grad.astype(np.float32), x, weight.shape, 1, 1, 1, 1, 2)
