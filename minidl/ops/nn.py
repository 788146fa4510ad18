"""Neural-network Functions: convolution, pooling, batch normalisation,
softmax cross-entropy, log-softmax and dropout. The heavy lifting is in the
backend's compiled primitives; the chain rule is written here, once."""

from ..autograd import BackendFunction


class Conv2d(BackendFunction):
    """2-d cross-correlation as im2col + one batched matmul.

    x (N, C, H, W), weight (O, C, kh, kw) -> (N, O, OH, OW).

    One product per image (patches (N, C*kh*kw, OH*OW)) is kept on purpose: on the
    small Inception net's layers (8 to 32 output channels, 7x7 or 14x14 outputs) one
    product per convolution over the whole batch, patches laid out (C*kh*kw, N*OH*OW)
    with contiguous operands, took 1.5x longer in OpenBLAS for the forward and 1.3x
    for the input gradient (and needs a transpose of the output back to NCHW)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding):
        be = ctx.backend
        n, _, h, w = x.shape
        o, c, kh, kw = weight.shape
        (sh, sw), (ph, pw) = stride, padding
        oh = (h + 2 * ph - kh) // sh + 1
        ow = (w + 2 * pw - kw) // sw + 1
        pointwise = (kh, kw, sh, sw, ph, pw) == (1, 1, 1, 1, 0, 0)
        if pointwise:  # a 1x1 convolution's patches are the input itself
            cols = be.reshape(x, (n, c, h * w))
        else:
            cols = be.im2col(x, kh, kw, sh, sw, ph, pw)      # (N, C*kh*kw, L)
        w2 = be.reshape(weight, (o, c * kh * kw))
        out = be.matmul(w2, cols)                              # (N, O, L)
        out = be.reshape(out, (n, o, oh, ow))
        if bias is not None:
            out = be.add(out, be.reshape(bias, (1, o, 1, 1)))
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (x.shape, kh, kw, sh, sw, ph, pw)
        ctx.pointwise = pointwise
        return out

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved
        x_shape, kh, kw, sh, sw, ph, pw = ctx.geometry
        be = ctx.backend
        n, o = grad.shape[0], grad.shape[1]
        g3 = be.reshape(grad, (n, o, grad.shape[2] * grad.shape[3]))  # (N, O, L)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x:
            w2t = be.transpose(be.reshape(weight, (o, -1)), (1, 0))   # (C*kh*kw, O)
            gcols = be.matmul(w2t, g3)                                 # (N, C*kh*kw, L)
            if ctx.pointwise:
                gx = be.reshape(gcols, x_shape)
            else:
                gx = be.col2im(gcols, x_shape, kh, kw, sh, sw, ph, pw)
        if need_w:
            # cols[n] @ g3[n].T, (C*kh*kw, O) per sample: the long side first runs about 1.4x
            # faster in BLAS than g3[n] @ cols[n].T with O as small as 8 to 32
            per_sample = be.matmul(cols, be.transpose(g3, (0, 2, 1)))  # (N, C*kh*kw, O)
            gw = be.reshape(be.transpose(be.sum(per_sample, (0,), False), (1, 0)), weight.shape)
        if need_b:
            gb = be.sum(grad, (0, 2, 3), False)
        return gx, gw, gb, None, None


class MaxPool2d(BackendFunction):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        out, argmax = ctx.backend.max_pool2d_forward(x, kh, kw, sh, sw, ph, pw)
        ctx.save_for_backward(argmax)
        ctx.x_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved
        return ctx.backend.max_pool2d_backward(grad, argmax, ctx.x_shape), None, None, None


class AvgPool2d(BackendFunction):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        ctx.geometry = (x.shape, kh, kw, sh, sw, ph, pw)
        return ctx.backend.avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.avg_pool2d_backward(grad, *ctx.geometry), None, None, None


class BatchNormTrain(BackendFunction):
    """Batch normalisation with batch statistics (PAPER.md Algorithm 1).

    Updates the running statistics in place as a side effect, as PyTorch
    does: running = (1 - momentum) * running + momentum * batch statistic,
    with the unbiased m / (m - 1) variance."""

    @staticmethod
    def forward(ctx, x, gamma, beta, running_mean, running_var, momentum, eps):
        be = ctx.backend
        y, mean, var, invstd = be.batch_norm_forward_train(x, gamma, beta, eps)
        if running_mean is not None:
            # the statistics come in float64 and are blended into the running ones (x's
            # dtype) as they are: one rounding, and two primitive calls fewer per layer
            count = x.size // x.shape[1]
            be.lerp_(running_mean, mean, momentum)
            be.lerp_(running_var, be.mul(var, count / (count - 1)), momentum)
        ctx.save_for_backward(x, gamma, mean, invstd)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, gamma, mean, invstd = ctx.saved
        dx, dgamma, dbeta = ctx.backend.batch_norm_backward(grad, x, gamma, mean, invstd)
        need = ctx.needs_input_grad
        return (dx if need[0] else None, dgamma if need[1] else None,
                dbeta if need[2] else None, None, None, None, None)


class BatchNormEval(BackendFunction):
    """Batch normalisation with population statistics (PAPER.md Algorithm 2)."""

    @staticmethod
    def forward(ctx, x, gamma, beta, running_mean, running_var, eps):
        ctx.save_for_backward(x, gamma, running_mean, running_var)
        ctx.eps = eps
        return ctx.backend.batch_norm_forward_eval(x, gamma, beta, running_mean,
                                                   running_var, eps)

    @staticmethod
    def backward(ctx, grad):
        x, gamma, running_mean, running_var = ctx.saved
        dx, dgamma, dbeta = ctx.backend.batch_norm_backward_eval(
            grad, x, gamma, running_mean, running_var, ctx.eps)
        need = ctx.needs_input_grad
        return (dx if need[0] else None, dgamma if need[1] else None,
                dbeta if need[2] else None, None, None, None)


class SoftmaxCrossEntropy(BackendFunction):
    """Mean (or summed) cross-entropy of softmax(logits) against class labels."""

    @staticmethod
    def forward(ctx, logits, labels, reduction):
        be = ctx.backend
        losses, probs = be.softmax_cross_entropy_forward(logits, labels)
        ctx.save_for_backward(probs, labels)
        ctx.reduction = reduction
        if reduction == "none":
            return losses
        total = be.sum(losses, None, False)
        return be.mul(total, 1.0 / losses.shape[0]) if reduction == "mean" else total

    @staticmethod
    def backward(ctx, grad):
        probs, labels = ctx.saved
        be = ctx.backend
        n = probs.shape[0]
        if ctx.reduction == "none":
            grad_losses = grad
        else:
            # every sample's loss gets the same gradient: ones times the (0-d) gradient
            # of the total (a broadcast view would be copied by the kernel anyway)
            scale = be.mul(grad, 1.0 / n) if ctx.reduction == "mean" else grad
            grad_losses = be.mul(be.full((n,), 1, probs.dtype), scale)
        return be.softmax_cross_entropy_backward(probs, labels, grad_losses), None, None


class LogSoftmax(BackendFunction):
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, axis):
        be = ctx.backend
        shifted = be.sub(x, be.max(x, (axis,), True))
        out = be.sub(shifted, be.log(be.sum(be.exp(shifted), (axis,), True)))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        be = ctx.backend
        softmax = be.exp(out)
        return be.sub(grad, be.mul(softmax, be.sum(grad, (ctx.axis,), True))), None


class Dropout(BackendFunction):
    """Inverted dropout: keep with probability 1 - p and scale by 1 / (1 - p)."""

    @staticmethod
    def forward(ctx, x, p, generator):
        be = ctx.backend
        keep = be.compare("ge", be.random_uniform(x.shape, x.dtype, generator), p)
        mask = be.mul(be.astype(keep, x.dtype), 1.0 / (1.0 - p))
        ctx.save_for_backward(mask)
        return be.mul(x, mask)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return ctx.backend.mul(grad, mask), None, None
