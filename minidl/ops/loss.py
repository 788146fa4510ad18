"""Loss Functions whose gradients PyTorch defines by formula rather than by
the chain rule through its forward: ``BinaryCrossEntropy`` (the forward
clamps each log at -100; the gradient is (x - t) / max(x (1 - x), 1e-12),
which ignores that clamp)."""

from ..autograd import BackendFunction

_EPSILON = 1e-12


def _clamped_log(be, v):
    """max(log(v), -100), with log never evaluated at 0."""
    positive = be.compare("gt", v, 0.0)
    return be.where(positive, be.maximum(be.log(be.where(positive, v, 1.0)), -100.0), -100.0)


class BinaryCrossEntropy(BackendFunction):
    """Elementwise -w (t log x + (1 - t) log(1 - x)), each log clamped to >= -100.

    x (probabilities) and t (targets) have one shape; w is None or an array
    of that shape. The weight gets no gradient (as in PyTorch)."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, t, w):
        be = ctx.backend
        ctx.save_for_backward(x, t, w)
        log_x = _clamped_log(be, x)
        log_rest = _clamped_log(be, be.sub(1.0, x))
        loss = be.neg(be.add(be.mul(t, log_x), be.mul(be.sub(1.0, t), log_rest)))
        return loss if w is None else be.mul(loss, w)

    @staticmethod
    def backward(ctx, grad):
        x, t, w = ctx.saved
        be = ctx.backend
        scale = grad if w is None else be.mul(grad, w)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = be.mul(scale, be.div(be.sub(x, t),
                                      be.maximum(be.mul(be.sub(1.0, x), x), _EPSILON)))
        if ctx.needs_input_grad[1]:
            gt = be.mul(scale, be.sub(be.log(be.sub(1.0, x)), be.log(x)))
        return gx, gt, None
