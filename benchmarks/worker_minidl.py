"""The minidl worker: a process that never imports torch (unless --mixed) and
answers the harness's requests (worker_loop.py) through minidl's public API
only. Batch norm runs through nn.BatchNorm1d/2d in training mode with
autograd, on arrays wrapped by mdl.from_numpy; training steps run
minidl.models' networks.

    python benchmarks/worker_minidl.py                  # started by run.py
    python benchmarks/worker_minidl.py --mixed          # the notebook case: torch is
        # imported and runs one op before minidl is imported
    python benchmarks/worker_minidl.py --export-weights FOLDER
        # write each training workload's initial weights (fixed seed) as .npy
    python benchmarks/worker_minidl.py --memory-check STEPS --inputs FOLDER --weights FOLDER
"""

import argparse
import json
import os
import sys
import time

import worker_loop  # first: it records the environment the process started with

# The mixed case must load torch and start its thread pool before minidl
# loads, as a notebook that used PyTorch first would; so this is decided
# before the imports below.
MIXED = "--mixed" in sys.argv[1:]
TORCH_OP = "x = torch.randn(512, 512); (x @ x).relu_().sum().item()"
if MIXED:
    import torch

    exec(TORCH_OP, {"torch": torch})

import numba  # noqa: E402
import numpy as np  # noqa: E402

import minidl as mdl  # noqa: E402
import minidl.functional as F  # noqa: E402
from minidl import nn, optim  # noqa: E402
from minidl.models import PaperMLP, SmallInception  # noqa: E402

import workloads  # noqa: E402


def build_model(spec):
    if spec["model"] == "mlp":
        return PaperMLP(batch_norm=spec["batch_norm"])
    return SmallInception(bn=spec["batch_norm"])


class BatchNormWork:
    """BatchNorm forward + backward through autograd: y = bn(x); y.backward(dy)."""

    def __init__(self, inputs, shape):
        self.x = mdl.from_numpy(np.load(os.path.join(inputs, "x.npy"))).requires_grad_()
        self.dy = mdl.from_numpy(np.load(os.path.join(inputs, "dy.npy")))
        module = nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d
        self.bn = module(shape[1]).train()

    def reset(self):
        pass

    def step(self):
        self.x.grad = None
        self.bn.zero_grad()
        y = self.bn(self.x)
        y.backward(self.dy)
        return y

    def check(self, out):
        y = self.step()
        for name, value in (("y", y), ("dx", self.x.grad), ("dgamma", self.bn.weight.grad),
                            ("dbeta", self.bn.bias.grad)):
            np.save(os.path.join(out, f"{name}.npy"), value.numpy())
        return {}


class TrainStepWork:
    """One SGD training step of a network on the next of the workload's batches."""

    def __init__(self, name, inputs, weights):
        self.spec = workloads.STEPS[name]
        self.model = build_model(self.spec)
        self.initial = workloads.read_state(weights)
        self.batches = [(mdl.from_numpy(x), mdl.from_numpy(y))
                        for x, y in workloads.read_batches(inputs)]
        self.reset()

    def reset(self):
        self.model.load_state_dict(self.initial, strict=True)
        self.model.train()
        self.optimizer = optim.SGD(self.model.parameters(), lr=self.spec["lr"],
                                   momentum=self.spec["momentum"])
        self.count = 0

    def step(self):
        x, y = self.batches[self.count % len(self.batches)]
        self.count += 1
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss

    def check(self, out):
        with mdl.no_grad():
            logits = self.model(self.batches[0][0])
        np.save(os.path.join(out, "logits.npy"), logits.numpy())
        self.reset()
        return {"losses": [self.step().item() for _ in range(3)]}


def make_workload(name, inputs, weights):
    shape = workloads.bn_shape(name)
    if shape is not None:
        return BatchNormWork(inputs, shape)
    return TrainStepWork(name, inputs, weights)


def hello():
    # Nothing here may touch Numba's thread pool (numba.get_num_threads() starts
    # it): minidl configures the pool before its first kernel runs, and a pool
    # started earlier by the harness would measure a setting users never get.
    return {"minidl": mdl.__version__, "numpy": np.__version__, "numba": numba.__version__,
            "mixed": MIXED, "torch_op": TORCH_OP if MIXED else None}


def threading():
    """Numba's threading layer and thread count, asked only after the work ran."""
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "not started"
    return {"layer": layer, "threads": numba.get_num_threads()}


def profile(works, work, steps):
    """minidl's profiler table over ``steps`` steps of a set-up workload."""
    workload = works[work]
    workload.reset()
    for _ in range(3):
        workload.step()
    start = time.perf_counter()
    with mdl.profile() as p:
        for _ in range(steps):
            workload.step()
    seconds = time.perf_counter() - start
    return {"table": p.table(limit=8), "step_ms": 1000 * seconds / steps, "steps": steps}


def export_weights(folder):
    """Each training workload's initial state dict, one <key>.npy per entry."""
    for name, spec in workloads.STEPS.items():
        mdl.manual_seed(workloads.MODEL_SEED)
        where = os.path.join(folder, workloads.folder_name(name))
        os.makedirs(where, exist_ok=True)
        for key, value in build_model(spec).state_dict().items():
            np.save(os.path.join(where, f"{key}.npy"), value.numpy())


def memory_check(steps, inputs, weights):
    """Peak traced memory and its growth over ``steps`` MLP-with-BN training
    steps, after a warm-up long enough for NumPy's and Numba's own caches to
    stop filling (a leak grows with every step, a cache does not)."""
    import resource
    import tracemalloc

    name = "MLP step, BN"
    work = TrainStepWork(name, os.path.join(inputs, workloads.folder_name(name)),
                         os.path.join(weights, workloads.folder_name(name)))
    for _ in range(1000):
        work.step()
    tracemalloc.start()
    for _ in range(100):
        work.step()
    after_first = tracemalloc.get_traced_memory()[0]
    for _ in range(steps):
        work.step()
    after_many, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_traced_kib": peak / 1024, "growth_bytes": after_many - after_first,
            "steps": steps, "max_rss_mib": rss_kib / 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mixed", action="store_true")
    parser.add_argument("--export-weights", metavar="FOLDER")
    parser.add_argument("--memory-check", type=int, metavar="STEPS")
    parser.add_argument("--inputs")
    parser.add_argument("--weights")
    args = parser.parse_args()
    if args.export_weights:
        export_weights(args.export_weights)
        return
    if args.memory_check:
        print(json.dumps(memory_check(args.memory_check, args.inputs, args.weights)))
        return
    handlers, works = worker_loop.workload_handlers(make_workload)
    worker_loop.serve({"hello": hello, "threading": threading,
                       "profile": lambda work, steps: profile(works, work, steps),
                       **handlers})


if __name__ == "__main__":
    main()
