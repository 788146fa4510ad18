"""One training step (forward, backward, SGD update) of this project's
networks in minidl and, when PyTorch is installed, in PyTorch on the same
CPU, measured in one run. The PyTorch networks are built to the same
architecture and loaded with minidl's weights through ``state_dict`` (the
key names match), and the first losses are compared before anything is timed.

Each framework is timed in a process of its own: two OpenMP thread pools in
one process fight over the cores and slow both down.

    python benchmarks/train_step.py [--repeats 30]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

import minidl as mdl
import minidl.functional as F
from minidl import optim
from minidl.models import PaperMLP, SmallInception

torch = None  # imported only in the PyTorch worker process


def minidl_step(model, x, y, lr):
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    xt, yt = mdl.tensor(x), mdl.tensor(y)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_step(model, x, y, lr):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_mlp(batch_norm):
    nn = torch.nn
    layers = []
    width = 784
    for _ in range(3):
        layers.append(nn.Linear(width, 100, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm1d(100))
        layers.append(nn.Sigmoid())
        width = 100
    model = nn.Module()
    model.features = nn.Sequential(*layers)
    model.classifier = nn.Linear(100, 10)
    model.forward = lambda x: model.classifier(model.features(x))
    return model


def torch_inception(bn):
    nn = torch.nn

    def unit(cin, cout, k, stride=1):
        layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=not bn)]
        if bn:
            layers.append(nn.BatchNorm2d(cout))
        return nn.Sequential(*layers, nn.ReLU())

    class Module(nn.Module):
        def __init__(self, cin, b1, b3, b5, pp):
            super().__init__()
            self.branch1 = unit(cin, b1, 1)
            self.branch3 = nn.Sequential(unit(cin, b3[0], 1), unit(b3[0], b3[1], 3))
            self.branch5 = nn.Sequential(unit(cin, b5[0], 1), unit(b5[0], b5[1], 3),
                                         unit(b5[1], b5[1], 3))
            self.branch_pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), unit(cin, pp, 1))

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x),
                              self.branch_pool(x)], 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = unit(1, 32, 3, stride=2)
            self.block1 = Module(32, 16, (16, 24), (8, 12), 12)
            self.reduce = nn.MaxPool2d(2, 2)
            self.block2 = Module(64, 24, (24, 32), (12, 20), 20)
            self.classifier = nn.Linear(96, 10)

        def forward(self, x):
            x = self.block2(self.reduce(self.block1(self.stem(x))))
            return self.classifier(x.mean(dim=(2, 3)))

    return Net()


def median_ms(step, repeats, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def workloads():
    rng = np.random.default_rng(0)
    x_mlp = rng.random((60, 784), dtype=np.float32)
    y_mlp = rng.integers(0, 10, 60)
    x_img = rng.random((64, 1, 28, 28), dtype=np.float32)
    y_img = rng.integers(0, 10, 64)
    yield "paper MLP, batch 60, no BN", lambda: PaperMLP(False), lambda: torch_mlp(False), \
        x_mlp, y_mlp, 0.5
    yield "paper MLP, batch 60, BN", lambda: PaperMLP(True), lambda: torch_mlp(True), \
        x_mlp, y_mlp, 0.5
    yield "small Inception, batch 64, BN", lambda: SmallInception(bn=True), \
        lambda: torch_inception(True), x_img, y_img, 0.1


WORKLOADS = {name: rest for name, *rest in workloads()}


def run_worker(framework, name, weights_path, repeats):
    """Time one workload in this process; print {"first_loss", "ms"} as JSON."""
    global torch
    make_ours, make_theirs, x, y, lr = WORKLOADS[name]
    if framework == "minidl":
        model = make_ours()
        model.load_state_dict(mdl.load(weights_path))
        step = minidl_step(model, x, y, lr)
    else:
        import torch as torch_module

        torch = torch_module
        model = make_theirs()
        state = {k: torch.from_numpy(np.asarray(v)) for k, v in mdl.load(weights_path).items()}
        model.load_state_dict(state)
        step = torch_step(model, x, y, lr)
    first_loss = step()
    print(json.dumps({"first_loss": first_loss, "ms": median_ms(step, repeats)}))


def measure(framework, name, weights_path, repeats):
    result = subprocess.run(
        [sys.executable, __file__, "--worker", framework, "--work", name,
         "--weights", weights_path, "--repeats", str(repeats)],
        capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def torch_available():
    probe = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__, "
                            "torch.get_num_threads())"], capture_output=True, text=True)
    return probe.stdout.split() if probe.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--worker", choices=("minidl", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, args.work, args.weights, args.repeats)
        return
    torch_info = torch_available()
    print(f"{datetime.date.today()}, {platform.machine()} {os.cpu_count()} cores, "
          f"numpy {np.__version__}, minidl {mdl.__version__}, "
          + (f"torch {torch_info[0]} ({torch_info[1]} threads)" if torch_info
             else "PyTorch not installed") + f"; median of {args.repeats} steps")
    print("| work | minidl (ms/step) | PyTorch (ms/step) | minidl speed-up |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, (make_ours, _, _, _, _) in WORKLOADS.items():
            mdl.manual_seed(0)
            weights = os.path.join(folder, "weights.npz")
            mdl.save(make_ours().state_dict(), weights)
            ours = measure("minidl", name, weights, args.repeats)
            if not torch_info:
                print(f"| {name} | {ours['ms']:.2f} | - | - |")
                continue
            theirs = measure("torch", name, weights, args.repeats)
            if not np.isclose(ours["first_loss"], theirs["first_loss"], rtol=1e-4):
                raise AssertionError(f"{name}: first losses differ, minidl "
                                     f"{ours['first_loss']} vs PyTorch {theirs['first_loss']}")
            print(f"| {name} | {ours['ms']:.2f} | {theirs['ms']:.2f} | "
                  f"{theirs['ms'] / ours['ms']:.2f}x |")


if __name__ == "__main__":
    main()
