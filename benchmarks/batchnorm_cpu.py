"""BatchNorm forward + backward (training mode, float32) on the CPU: minidl's
Numba kernels against a straightforward NumPy implementation, measured in
one run. Prints a table of medians and the speed-up ratio.

    python benchmarks/batchnorm_cpu.py [--repeats 20]
"""

import argparse
import platform
import time

import numpy as np

from minidl.kernels.cpu.batchnorm import batch_norm_backward, batch_norm_forward_train

SHAPES = [(60, 100), (64, 32, 28, 28), (256, 64, 14, 14), (1024, 1024)]


def numpy_bn_forward_backward(x, gamma, beta, dy, eps=1e-5):
    """The textbook NumPy version: one array operation per formula line."""
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    m = x.size // x.shape[1]
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)
    invstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    y = gamma.reshape(shape) * xhat + beta.reshape(shape)
    dbeta = dy.sum(axis=axes)
    dgamma = (dy * xhat).sum(axis=axes)
    dx = (gamma * invstd / m).reshape(shape) * (
        m * dy - dbeta.reshape(shape) - xhat * dgamma.reshape(shape))
    return y, dx, dgamma, dbeta


def minidl_bn_forward_backward(x, gamma, beta, dy, eps=1e-5):
    y, mean, _, invstd = batch_norm_forward_train(x, gamma, beta, eps)
    dx, dgamma, dbeta = batch_norm_backward(dy, x, gamma, mean, invstd)
    return y, dx, dgamma, dbeta


def median_ms(fn, args, repeats):
    fn(*args)  # warm-up (and compilation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"BatchNorm fwd+bwd, float32, training mode; {platform.processor() or platform.machine()}, "
          f"median of {args.repeats}")
    print("| shape | NumPy (ms) | minidl kernels (ms) | speed-up |")
    print("|---|---|---|---|")
    for shape in SHAPES:
        x = rng.standard_normal(shape, dtype=np.float32)
        dy = rng.standard_normal(shape, dtype=np.float32)
        gamma = rng.standard_normal(shape[1], dtype=np.float32)
        beta = rng.standard_normal(shape[1], dtype=np.float32)
        ref = numpy_bn_forward_backward(x, gamma, beta, dy)
        ours = minidl_bn_forward_backward(x, gamma, beta, dy)
        for a, b in zip(ref, ours):  # never time a wrong answer
            np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)
        t_numpy = median_ms(numpy_bn_forward_backward, (x, gamma, beta, dy), args.repeats)
        t_ours = median_ms(minidl_bn_forward_backward, (x, gamma, beta, dy), args.repeats)
        print(f"| {shape} | {t_numpy:.3f} | {t_ours:.3f} | {t_numpy / t_ours:.1f}x |")


if __name__ == "__main__":
    main()
