"""Neural-network Functions: convolution, pooling, batch normalisation,
softmax cross-entropy, log-softmax and dropout. The heavy lifting is in the
backend's compiled primitives; the chain rule is written here, once."""

from ..autograd import BackendFunction


class Conv2d(BackendFunction):
    """2-d cross-correlation as im2col + one batched matmul.

    x (N, C, H, W), weight (O, C / groups, kh, kw) -> (N, O, OH, OW), with stride,
    zero padding and dilation pairs and ``groups`` (channels split into groups
    convolved separately: one broadcast product over a (groups,) batch axis).

    One product per image (patches (N, C*kh*kw, OH*OW)) is kept on purpose: on the
    small Inception net's layers (8 to 32 output channels, 7x7 or 14x14 outputs) one
    product per convolution over the whole batch, patches laid out (C*kh*kw, N*OH*OW)
    with contiguous operands, took 1.5x longer in OpenBLAS for the forward and 1.3x
    for the input gradient (and needs a transpose of the output back to NCHW).

    3x3 stride-1 convolutions without dilation or groups take the backend's direct
    convolution primitives instead (``_direct``)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation=(1, 1), groups=1):
        be = ctx.backend
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        ctx.direct = _direct(kh, kw, stride, dilation, groups)
        if ctx.direct:
            out = be.conv2d_forward(x, weight, ph, pw, dh, dw, groups)
            if bias is not None:
                out = be.add(out, be.reshape(bias, (1, o, 1, 1)))
            ctx.save_for_backward(x, weight)
            ctx.geometry = (ph, pw, dh, dw, groups)
            return out
        oh = (h + 2 * ph - (kh - 1) * dh - 1) // sh + 1
        ow = (w + 2 * pw - (kw - 1) * dw - 1) // sw + 1
        pointwise = (kh, kw, sh, sw, ph, pw) == (1, 1, 1, 1, 0, 0)
        if pointwise:  # a 1x1 convolution's patches are the input itself
            cols = be.reshape(x, (n, c, h * w))
        else:
            cols = be.im2col(x, kh, kw, sh, sw, ph, pw, dh, dw)  # (N, C*kh*kw, L)
        if groups == 1:
            w2 = be.reshape(weight, (o, c * kh * kw))
            out = be.matmul(w2, cols)                              # (N, O, L)
        else:
            k = c // groups * kh * kw
            w3 = be.reshape(weight, (groups, o // groups, k))
            cols = be.reshape(cols, (n, groups, k, oh * ow))
            out = be.matmul(w3, cols)                              # (N, G, O/G, L)
        out = be.reshape(out, (n, o, oh, ow))
        if bias is not None:
            out = be.add(out, be.reshape(bias, (1, o, 1, 1)))
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (x.shape, kh, kw, sh, sw, ph, pw, dh, dw)
        ctx.pointwise = pointwise
        ctx.groups = groups
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.direct:
            return _direct_backward(ctx, grad)
        cols, weight = ctx.saved
        x_shape, kh, kw, sh, sw, ph, pw, dh, dw = ctx.geometry
        be = ctx.backend
        groups = ctx.groups
        n, o = grad.shape[0], grad.shape[1]
        length = grad.shape[2] * grad.shape[3]
        if groups == 1:
            g3 = be.reshape(grad, (n, o, length))                     # (N, O, L)
        else:
            g3 = be.reshape(grad, (n, groups, o // groups, length))   # (N, G, O/G, L)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        last2 = (0, 2, 1) if groups == 1 else (0, 1, 3, 2)
        if need_x:
            # (C*kh*kw, O), or (G, K, O/G) per group
            if groups == 1:
                w3t = be.transpose(be.reshape(weight, (o, -1)), (1, 0))
            else:
                w3t = be.transpose(be.reshape(weight, (groups, o // groups, -1)), (0, 2, 1))
            gcols = be.matmul(w3t, g3)                                 # (N, [G,] K, L)
            if groups != 1:
                gcols = be.reshape(gcols, (n, -1, length))
            if ctx.pointwise:
                gx = be.reshape(gcols, x_shape)
            else:
                gx = be.col2im(gcols, x_shape, kh, kw, sh, sw, ph, pw, dh, dw)
        if need_w:
            # cols[n] @ g3[n].T, (C*kh*kw, O) per sample: the long side first runs about 1.4x
            # faster in BLAS than g3[n] @ cols[n].T with O as small as 8 to 32
            per_sample = be.matmul(cols, be.transpose(g3, last2))   # (N, [G,] K, O/G)
            total = be.sum(per_sample, (0,), False)
            gw = be.reshape(be.transpose(total, (1, 0) if groups == 1 else (0, 2, 1)),
                            weight.shape)
        if need_b:
            gb = be.sum(grad, (0, 2, 3), False)
        return gx, gw, gb, None, None, None, None


def _direct(kh, kw, stride, dilation, groups):
    """Whether a convolution takes the direct kernels rather than im2col + a product.

    Measured on the CPU (2 shared cores, batch 64, float32, medians of 11 to 20
    rounds with the two paths interleaved; benchmarks/conv_direct.py) on the small
    Inception net's 3x3 stride-1 layers: forward + backward took 0.45 to 0.82 of
    the im2col + BLAS time per layer, and the whole training step 0.82 to 0.88 of
    its time in four runs (e.g. 75 ms down to 62 ms on a loaded machine). Strided,
    dilated, grouped convolutions and other kernel sizes were not measured, so
    they keep im2col (a first, unvectorised strided version of the direct kernels
    was 12x slower on the net's stride-2 stem)."""
    return (kh, kw) == (3, 3) and stride == (1, 1) and dilation == (1, 1) and groups == 1


def _direct_backward(ctx, grad):
    x, weight = ctx.saved
    be = ctx.backend
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    gx = be.conv2d_input_grad(grad, weight, x.shape, *ctx.geometry) if need_x else None
    gw = be.conv2d_weight_grad(grad, x, weight.shape, *ctx.geometry) if need_w else None
    gb = be.sum(grad, (0, 2, 3), False) if need_b else None
    return gx, gw, gb, None, None, None, None


class ConvTranspose2d(BackendFunction):
    """The adjoint of Conv2d in its input (a "deconvolution"): one product per image
    then col2im.

    x (N, C, H, W), weight (C, O / groups, kh, kw) -> (N, O, OH, OW) with
    ``OH = (H - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding + 1``.  col2im folds
    onto the largest output whose convolution gives back exactly (H, W); output rows
    and columns past it (output_padding >= stride, possible with a dilation larger
    than the stride) are beyond every window, and get only the bias."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
        be = ctx.backend
        n, c, h, w = x.shape
        _, og, kh, kw = weight.shape
        o = og * groups
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        full_h, full_w = conv_transpose_size((h, w), weight.shape[2:], stride, padding,
                                             output_padding, dilation)
        fold_h = full_h - max(0, output_padding[0] - (sh - 1))
        fold_w = full_w - max(0, output_padding[1] - (sw - 1))
        if groups == 1:
            w2t = be.transpose(be.reshape(weight, (c, o * kh * kw)), (1, 0))
            cols = be.matmul(w2t, be.reshape(x, (n, c, h * w)))     # (N, O*kh*kw, H*W)
        else:
            cg = c // groups
            w3t = be.transpose(be.reshape(weight, (groups, cg, og * kh * kw)), (0, 2, 1))
            x4 = be.reshape(x, (n, groups, cg, h * w))
            cols = be.reshape(be.matmul(w3t, x4), (n, o * kh * kw, h * w))
        out = be.col2im(cols, (n, o, fold_h, fold_w), kh, kw, sh, sw, ph, pw, dh, dw)
        if fold_h != full_h:
            out = be.concatenate([out, be.full((n, o, full_h - fold_h, fold_w), 0, x.dtype)], 2)
        if fold_w != full_w:
            out = be.concatenate([out, be.full((n, o, full_h, full_w - fold_w), 0, x.dtype)], 3)
        if bias is not None:
            out = be.add(out, be.reshape(bias, (1, o, 1, 1)))
        ctx.save_for_backward(x, weight)
        ctx.geometry = (kh, kw, sh, sw, ph, pw, dh, dw, fold_h, fold_w, full_h, full_w)
        ctx.groups = groups
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        kh, kw, sh, sw, ph, pw, dh, dw, fold_h, fold_w, full_h, full_w = ctx.geometry
        be = ctx.backend
        groups = ctx.groups
        n, c, h, w = x.shape
        o = grad.shape[1]
        if (fold_h, fold_w) != (full_h, full_w):
            grad_fold = be.getitem(grad, (slice(None), slice(None), slice(0, fold_h),
                                          slice(0, fold_w)))
        else:
            grad_fold = grad
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x or need_w:
            gcols = be.im2col(grad_fold, kh, kw, sh, sw, ph, pw, dh, dw)  # (N, O*kh*kw, HW)
        if groups == 1:
            if need_x:
                w2 = be.reshape(weight, (c, o * kh * kw))
                gx = be.reshape(be.matmul(w2, gcols), x.shape)
            if need_w:
                x3 = be.reshape(x, (n, c, h * w))
                per_sample = be.matmul(x3, be.transpose(gcols, (0, 2, 1)))  # (N, C, O*K)
                gw = be.reshape(be.sum(per_sample, (0,), False), weight.shape)
        else:
            cg, og = c // groups, o // groups
            g4 = be.reshape(gcols, (n, groups, og * kh * kw, h * w))
            if need_x:
                w3 = be.reshape(weight, (groups, cg, og * kh * kw))
                gx = be.reshape(be.matmul(w3, g4), x.shape)
            if need_w:
                x4 = be.reshape(x, (n, groups, cg, h * w))
                per_sample = be.matmul(x4, be.transpose(g4, (0, 1, 3, 2)))  # (N, G, Cg, Og*K)
                gw = be.reshape(be.sum(per_sample, (0,), False), weight.shape)
        if need_b:
            gb = be.sum(grad, (0, 2, 3), False)
        return gx, gw, gb, None, None, None, None, None


def conv_transpose_size(size, kernel, stride, padding, output_padding, dilation):
    """(OH, OW) of a transposed convolution:
    (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1."""
    return tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1
                 for s, k, st, p, op, d in zip(size, kernel, stride, padding, output_padding,
                                               dilation))


class MaxPool2d(BackendFunction):
    """Max pooling; ``indices``, when a list, receives the int64 argmax array (flat
    h * W + w in each input plane) for ``return_indices``."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation=(1, 1), ceil_mode=False,
                indices=None):
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
        out, argmax = ctx.backend.max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh, dw,
                                                     ceil_mode)
        ctx.save_for_backward(argmax)
        ctx.x_shape = x.shape
        if indices is not None:
            indices.append(argmax)
        return out

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved
        return (ctx.backend.max_pool2d_backward(grad, argmax, ctx.x_shape),
                None, None, None, None, None, None)


class AvgPool2d(BackendFunction):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        ctx.geometry = (x.shape, kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad,
                        divisor_override)
        return ctx.backend.avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw, ceil_mode,
                                              count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, grad):
        return (ctx.backend.avg_pool2d_backward(grad, *ctx.geometry),
                None, None, None, None, None, None)


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
    """Cross-entropy of softmax(logits) against class labels, per sample, summed
    or averaged over the labels not equal to ``ignore_index`` (the mean of none
    is nan, as in PyTorch)."""

    @staticmethod
    def forward(ctx, logits, labels, reduction, ignore_index):
        be = ctx.backend
        losses, probs, n_kept = be.softmax_cross_entropy_forward(logits, labels, ignore_index)
        ctx.save_for_backward(probs, labels, n_kept)
        ctx.reduction = reduction
        ctx.ignore_index = ignore_index
        if reduction == "none":
            return losses
        total = be.sum(losses, None, False)
        if reduction == "sum":
            return total
        # times the reciprocal, as a mean over all samples is computed elsewhere
        ctx.inverse_kept = be.div(1.0, n_kept)
        return be.mul(total, ctx.inverse_kept)

    @staticmethod
    def backward(ctx, grad):
        probs, labels, _ = ctx.saved
        be = ctx.backend
        n = probs.shape[0]
        if ctx.reduction == "none":
            grad_losses = grad
        else:
            # every sample's loss gets the same gradient: ones times the (0-d) gradient
            # of the total (a broadcast view would be copied by the kernel anyway)
            scale = be.mul(grad, ctx.inverse_kept) if ctx.reduction == "mean" else grad
            grad_losses = be.mul(be.full((n,), 1, probs.dtype), scale)
        return (be.softmax_cross_entropy_backward(probs, labels, ctx.ignore_index, grad_losses),
                None, None, None)


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
