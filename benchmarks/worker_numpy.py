"""The NumPy worker: the textbook batch norm forward + backward (one array
operation per formula line, no framework), as a reference for the batch-norm
workloads, and the memory bandwidth of a plain copy. Never imports minidl or
torch. Answers the harness's requests (worker_loop.py).

    python benchmarks/worker_numpy.py    # started by run.py
"""

import os

import worker_loop  # first: it records the environment the process started with

import numpy as np  # noqa: E402

import workloads  # noqa: E402


def numpy_bn_forward_backward(x, gamma, beta, dy, eps=1e-5):
    """Training-mode batch norm of (N, C) or (N, C, H, W) ``x``; returns
    (y, dx, dgamma, dbeta)."""
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


class BatchNormWork:
    def __init__(self, inputs, shape):
        self.x = np.load(os.path.join(inputs, "x.npy"))
        self.dy = np.load(os.path.join(inputs, "dy.npy"))
        self.gamma = np.ones(shape[1], dtype=np.float32)  # as a new BatchNorm layer's
        self.beta = np.zeros(shape[1], dtype=np.float32)

    def reset(self):
        pass

    def step(self):
        return numpy_bn_forward_backward(self.x, self.gamma, self.beta, self.dy)

    def check(self, out):
        for name, value in zip(("y", "dx", "dgamma", "dbeta"), self.step()):
            np.save(os.path.join(out, f"{name}.npy"), value)
        return {}


def make_workload(name, inputs, weights):
    shape = workloads.bn_shape(name)
    if shape is None:
        raise ValueError(f"the NumPy worker runs batch norm only, not {name!r}")
    return BatchNormWork(inputs, shape)


def copy_bandwidth(repeats):
    """Read + write GB/s of np.copyto on 64 MiB (single-threaded), median of ``repeats``."""
    source = np.ones(16 * 1024 * 1024, dtype=np.float32)
    target = np.empty_like(source)
    seconds = worker_loop.time_steps(lambda: np.copyto(target, source), 3, repeats)
    return {"gbs": 2 * source.nbytes / float(np.median(seconds)) / 1e9}


def main():
    handlers, _ = worker_loop.workload_handlers(make_workload)
    worker_loop.serve({"hello": lambda: {"numpy": np.__version__},
                       "copy_bandwidth": copy_bandwidth, **handlers})


if __name__ == "__main__":
    main()
