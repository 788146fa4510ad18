"""Matrix products: MatMul (NumPy batching rules) and the fused Linear."""

from ..autograd import BackendFunction, unbroadcast


def _swap_last(backend, x):
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return backend.transpose(x, axes)


class MatMul(BackendFunction):
    primitive = "matmul"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        be = ctx.backend
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(be, be.matmul(grad, _swap_last(be, b)), a.shape, a.dtype)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(be, be.matmul(_swap_last(be, a), grad), b.shape, b.dtype)
        return ga, gb


class Linear(BackendFunction):
    """y = x @ W.T + b in one op, with W in PyTorch's (out, in) layout.

    One node instead of three keeps the per-step overhead of small MLPs low."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        be = ctx.backend
        ctx.save_for_backward(x, weight)
        out = be.matmul(x, be.transpose(weight, (1, 0)))
        if bias is not None:
            out = be.add(out, bias)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        be = ctx.backend
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = be.matmul(grad, weight) if need_x else None
        gw = be.matmul(be.transpose(grad, (1, 0)), x) if need_w else None
        gb = be.sum(grad, (0,), False) if need_b else None
        return gx, gw, gb
