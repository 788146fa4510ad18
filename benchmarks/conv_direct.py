"""Direct convolution kernels against im2col + BLAS on the CPU, in one process:
A runs every convolution through im2col and a product (the shape rule
``minidl.ops.nn._direct`` switched off), B runs as minidl does (3x3 stride-1
convolutions on the direct primitives). A and B alternate (AB, then BA) in
every round, so a change in the machine's load hits both; the tables give
medians over rounds and their range.

1. Forward + backward (input and weight gradients) of each distinct 3x3
   stride-1 layer of the small Inception net, batch 64, float32.
2. The Inception training step of workloads.py (batch 64, Fashion-MNIST from
   MINIDL_DATA or random images, SGD lr 0.1 momentum 0.9).

    python benchmarks/conv_direct.py [--rounds 16] [--steps 10] [--calls 15]
"""

import argparse
import statistics
import time

import numpy as np

import minidl as mdl
import minidl.functional as F
from minidl import optim
from minidl.models import SmallInception
from minidl.ops import nn as nn_ops

import workloads

LAYERS = [("block1 16->24, 14x14", 16, 24, 14), ("block1 8->12, 14x14", 8, 12, 14),
          ("block1 12->12, 14x14", 12, 12, 14), ("block2 24->32, 7x7", 24, 32, 7),
          ("block2 12->20, 7x7", 12, 20, 7), ("block2 20->20, 7x7", 20, 20, 7)]
RULE = nn_ops._direct


def use_direct(on):
    nn_ops._direct = RULE if on else (lambda *args: False)


def median_ms(fn, count):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def interleaved(fn, rounds, count):
    """(A times, B times) in ms, one median of ``count`` calls per path and round."""
    times = ([], [])
    for r in range(rounds):
        for direct in ((False, True) if r % 2 == 0 else (True, False)):
            use_direct(direct)
            times[direct].append(median_ms(fn, count))
    use_direct(True)
    return np.array(times[0]), np.array(times[1])


def row(name, a, b):
    ratio = b / a
    return (f"| {name} | {np.median(a):.2f} ({a.min():.2f}-{a.max():.2f}) | "
            f"{np.median(b):.2f} ({b.min():.2f}-{b.max():.2f}) | "
            f"{np.median(ratio):.2f} ({ratio.min():.2f}-{ratio.max():.2f}) |")


def layer_call(c, o, size, rng):
    x = mdl.tensor(rng.standard_normal((64, c, size, size)).astype(np.float32),
                   requires_grad=True)
    w = mdl.tensor(rng.standard_normal((o, c, 3, 3)).astype(np.float32) * 0.1,
                   requires_grad=True)
    grad = mdl.tensor(rng.standard_normal((64, o, size, size)).astype(np.float32))

    def call():
        x.grad = w.grad = None
        F.conv2d(x, w, None, 1, 1).backward(grad)
    return call


def training_step():
    batches, source = workloads._image_batches("fashion-mnist", 64, (1, 28, 28),
                                               np.random.default_rng(0))
    batches = [(mdl.from_numpy(x), mdl.from_numpy(y)) for x, y in batches]
    mdl.manual_seed(workloads.MODEL_SEED)
    model = SmallInception(bn=True).train()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    count = [0]

    def step():
        x, y = batches[count[0] % len(batches)]
        count[0] += 1
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return step, source


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10, help="training steps a turn")
    parser.add_argument("--calls", type=int, default=15, help="layer calls a turn")
    args = parser.parse_args()
    header = ("| {} | A: im2col + BLAS, ms | B: direct, ms | B / A per round |\n"
              "|---|---|---|---|")
    rng = np.random.default_rng(0)
    print(f"{args.rounds} rounds, A and B alternating; medians (range)\n")
    print(header.format("3x3 layer, forward + backward"))
    for name, c, o, size in LAYERS:
        call = layer_call(c, o, size, rng)
        for direct in (False, True):  # compile and warm both paths
            use_direct(direct)
            call()
        print(row(name, *interleaved(call, args.rounds, args.calls)), flush=True)
    step, source = training_step()
    for direct in (False, True, False, True):
        use_direct(direct)
        for _ in range(3):
            step()
    print("\n" + header.format("training step"))
    print(row(f"Inception, batch 64 ({source})", *interleaved(step, args.rounds, args.steps)))


if __name__ == "__main__":
    main()
