"""What the benchmarks measure, shared by the harness and every worker: the
workload names and their settings, the targets, and the inputs written as
.npy files. Imports only NumPy and the standard library, so any process may
use it without loading a framework.

Inputs are the first training images of MNIST (MLP) and Fashion-MNIST
(Inception) when ``MINIDL_DATA`` holds them, read here with gzip and NumPy;
otherwise uniform random pixels and labels from a fixed seed. Either way both
frameworks read the very same arrays from the same files.
"""

import gzip
import os

import numpy as np

BN_SHAPES = [(64, 32, 28, 28), (256, 64, 14, 14), (60, 100), (1024, 1024)]
N_BATCHES = 10  # training steps cycle through this many batches

# name -> settings of a training-step workload
STEPS = {
    "MLP step, BN": {"model": "mlp", "batch_norm": True, "batch": 60, "lr": 0.5,
                     "momentum": 0.0, "data": "mnist"},
    "MLP step, no BN": {"model": "mlp", "batch_norm": False, "batch": 60, "lr": 0.5,
                        "momentum": 0.0, "data": "mnist"},
    "Inception step": {"model": "inception", "batch_norm": True, "batch": 64, "lr": 0.1,
                       "momentum": 0.9, "data": "fashion-mnist"},
}
MODEL_SEED = 0

# mode -> workload -> least acceptable speed-up (PyTorch time / minidl time)
TARGETS = {
    "quiet": {"BN (64, 32, 28, 28)": 2.5, "BN (256, 64, 14, 14)": 2.5,
              "BN (60, 100)": 1.2, "BN (1024, 1024)": 1.2,
              "MLP step, BN": 1.5, "MLP step, no BN": 1.2, "Inception step": 1.5},
    "busy": {"MLP step, BN": 1.0, "Inception step": 1.0},
    "mixed": {"MLP step, BN": 0.8, "Inception step": 0.8},
}
EXAMPLE_WALL_TARGET = 2.0  # examples/mnist_bn.py with 2 busy processes / quiet, at most
STARTUP_TARGET_SECONDS = 2.0


def bn_name(shape):
    return f"BN {tuple(shape)}"


def all_workloads():
    """Every workload name, batch norm shapes first."""
    return [bn_name(s) for s in BN_SHAPES] + list(STEPS)


def bn_shape(name):
    """The shape of a batch-norm workload, or None for a training step."""
    for shape in BN_SHAPES:
        if bn_name(shape) == name:
            return shape
    return None


def folder_name(name):
    """A file-system-safe folder name for a workload."""
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


def _read_idx(path, count):
    """The first ``count`` items of a gzip-compressed IDX file of uint8 data."""
    with gzip.open(path, "rb") as f:
        header = f.read(4)
        ndim = header[3]
        dims = [int(d) for d in np.frombuffer(f.read(4 * ndim), dtype=">u4")]
        dims[0] = min(dims[0], count)
        data = f.read(int(np.prod(dims)))
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _image_batches(data, batch, image_shape, rng):
    """N_BATCHES (images, labels) pairs: the first training images of ``data``
    scaled to [0, 1], or random ones; returns (batches, description)."""
    count = N_BATCHES * batch
    root = os.environ.get("MINIDL_DATA")
    images_path = os.path.join(root or "", data, "train-images-idx3-ubyte.gz")
    labels_path = os.path.join(root or "", data, "train-labels-idx1-ubyte.gz")
    if root and os.path.exists(images_path) and os.path.exists(labels_path):
        images = _read_idx(images_path, count).astype(np.float32) / 255
        labels = _read_idx(labels_path, count).astype(np.int64)
        source = f"the first {count} {data} training images"
    else:
        images = rng.random((count, 28 * 28), dtype=np.float32)
        labels = rng.integers(0, 10, count)
        source = f"{count} random images (seed 0; {data} not found in MINIDL_DATA)"
    images = images.reshape((N_BATCHES, batch) + image_shape)
    return [(np.ascontiguousarray(images[i]), np.ascontiguousarray(labels[i * batch:
                                                                            (i + 1) * batch]))
            for i in range(N_BATCHES)], source


def write_inputs(folder, works=None):
    """Write the inputs of ``works`` (default: all) under ``folder`` (one
    subfolder each); return {workload: description of its inputs}."""
    works = all_workloads() if works is None else works
    described = {}
    for shape in BN_SHAPES:
        if bn_name(shape) not in works:
            continue
        rng = np.random.default_rng(0)
        where = os.path.join(folder, folder_name(bn_name(shape)))
        os.makedirs(where, exist_ok=True)
        np.save(os.path.join(where, "x.npy"), rng.standard_normal(shape, dtype=np.float32))
        np.save(os.path.join(where, "dy.npy"), rng.standard_normal(shape, dtype=np.float32))
        described[bn_name(shape)] = "standard normal x and dy (seed 0)"
    for name, spec in STEPS.items():
        if name not in works:
            continue
        rng = np.random.default_rng(0)
        image_shape = (784,) if spec["model"] == "mlp" else (1, 28, 28)
        batches, source = _image_batches(spec["data"], spec["batch"], image_shape, rng)
        where = os.path.join(folder, folder_name(name))
        os.makedirs(where, exist_ok=True)
        for i, (x, y) in enumerate(batches):
            np.save(os.path.join(where, f"x{i}.npy"), x)
            np.save(os.path.join(where, f"y{i}.npy"), y)
        described[name] = source
    return described


def read_batches(folder):
    """The (x, y) batches a step workload's folder holds, in order."""
    return [(np.load(os.path.join(folder, f"x{i}.npy")),
             np.load(os.path.join(folder, f"y{i}.npy"))) for i in range(N_BATCHES)]


def read_state(folder):
    """A state dict written as one <key>.npy per entry."""
    return {entry[:-4]: np.load(os.path.join(folder, entry))
            for entry in sorted(os.listdir(folder)) if entry.endswith(".npy")}
