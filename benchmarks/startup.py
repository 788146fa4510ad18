"""Start-up time: seconds from this script's first line to the end of the
first training step of the MLP with batch norm (import, model, one SGD step)
in a fresh process, for minidl or PyTorch. Prints the seconds.

    python benchmarks/startup.py minidl|torch
"""

import time

START = time.perf_counter()

import sys  # noqa: E402

import numpy as np  # noqa: E402


def first_step_minidl(x, y):
    import minidl as mdl
    import minidl.functional as F
    from minidl import optim
    from minidl.models import PaperMLP

    model = PaperMLP(batch_norm=True)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    loss = F.cross_entropy(model(mdl.from_numpy(x)), mdl.from_numpy(y))
    loss.backward()
    optimizer.step()
    return loss.item()


def first_step_torch(x, y):
    import torch

    from torch_models import PaperMLP

    model = PaperMLP(batch_norm=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()
    return loss.item()


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    inputs = rng.random((60, 784), dtype=np.float32), rng.integers(0, 10, 60)
    {"minidl": first_step_minidl, "torch": first_step_torch}[sys.argv[1]](*inputs)
    print(time.perf_counter() - START)
