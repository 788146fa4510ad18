"""The PyTorch worker: a process that never imports minidl, runs PyTorch with
its default settings (no thread tuning) and answers the harness's requests
(worker_loop.py). Batch norm runs through torch.nn.BatchNorm1d/2d in
training mode with autograd, on arrays wrapped by torch.from_numpy; training
steps run the networks of torch_models.py loaded with minidl's weights.

    python benchmarks/worker_torch.py    # started by run.py
"""

import os

import worker_loop  # first: it records the environment the process started with

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import torch_models  # noqa: E402
import workloads  # noqa: E402


class BatchNormWork:
    """BatchNorm forward + backward through autograd: y = bn(x); y.backward(dy)."""

    def __init__(self, inputs, shape):
        self.x = torch.from_numpy(np.load(os.path.join(inputs, "x.npy"))).requires_grad_()
        self.dy = torch.from_numpy(np.load(os.path.join(inputs, "dy.npy")))
        module = torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d
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
            np.save(os.path.join(out, f"{name}.npy"), value.detach().numpy())
        return {}


class TrainStepWork:
    """One SGD training step of a network on the next of the workload's batches."""

    def __init__(self, name, inputs, weights):
        self.spec = workloads.STEPS[name]
        if self.spec["model"] == "mlp":
            self.model = torch_models.PaperMLP(batch_norm=self.spec["batch_norm"])
        else:
            self.model = torch_models.SmallInception(bn=self.spec["batch_norm"])
        self.initial = {k: torch.from_numpy(v) for k, v in workloads.read_state(weights).items()}
        self.batches = [(torch.from_numpy(x), torch.from_numpy(y))
                        for x, y in workloads.read_batches(inputs)]
        self.reset()

    def reset(self):
        self.model.load_state_dict(self.initial, strict=True)
        self.model.train()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=self.spec["lr"],
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
        with torch.no_grad():
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
    parallel = [line.split(":", 1)[1].strip()
                for line in torch.__config__.parallel_info().splitlines()
                if line.startswith("ATen parallel backend")]
    return {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "parallel_backend": parallel[0] if parallel else "unknown"}


def main():
    handlers, _ = worker_loop.workload_handlers(make_workload)
    worker_loop.serve({"hello": hello, **handlers})


if __name__ == "__main__":
    main()
