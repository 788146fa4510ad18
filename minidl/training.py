"""A reusable, steps-based training loop with periodic evaluation, a tqdm
progress bar and metrics written as they are measured (JSON lines), so a
run that is killed keeps everything it measured up to that point."""

import json
import math
import os
import time

import numpy as np

from . import functional as F
from .autograd import no_grad
from .data import cycle


def evaluate(model, loader):
    """Classification accuracy of ``model`` over ``loader`` in eval mode
    (the model's previous mode is restored)."""
    was_training = model.training
    model.eval()
    correct = total = 0
    with no_grad():
        for x, y in loader:
            predicted = model(x).argmax(axis=1).numpy()
            correct += int((predicted == y.numpy()).sum())
            total += len(predicted)
    model.train(was_training)
    if total == 0:
        raise ValueError("evaluate: the loader yielded no examples")
    return correct / total


class MetricsWriter:
    """Append one JSON object per line and flush it at once."""

    def __init__(self, path):
        self.path = path
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._file = open(path, "a", encoding="utf-8")

    def write(self, record):
        if self.path is not None:
            self._file.write(json.dumps(record) + "\n")
            self._file.flush()

    def close(self):
        if self.path is not None:
            self._file.close()


def train(model, optimizer, train_loader, steps, *, test_loader=None, eval_every=1000,
          loss_fn=F.cross_entropy, scheduler=None, scheduler_every=None, metrics_path=None,
          progress=True, desc="train", on_step=None):
    """Train for ``steps`` optimizer steps, cycling over ``train_loader``.

    Every ``eval_every`` steps (and at the last step) the test accuracy is
    measured in eval mode and a record ``{"step", "test_accuracy",
    "train_loss"}`` is written, ``train_loss`` being the mean loss since the
    previous record. ``scheduler.step()`` runs every ``scheduler_every``
    steps when given. Returns the list of records."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"train: steps must be a positive int, got {steps!r}")
    if not isinstance(eval_every, int) or eval_every < 1:
        raise ValueError(f"train: eval_every must be a positive int, got {eval_every!r}")
    from tqdm.auto import tqdm

    writer = MetricsWriter(metrics_path)
    history = []
    batches = cycle(train_loader)
    losses = []
    accuracy = float("nan")
    started = time.perf_counter()
    model.train()
    bar = tqdm(total=steps, desc=desc, disable=not progress, dynamic_ncols=True, leave=True)
    try:
        for step in range(1, steps + 1):
            x, y = next(batches)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise FloatingPointError(f"train: loss became {loss_value} at step {step}")
            losses.append(loss_value)
            if scheduler is not None and scheduler_every and step % scheduler_every == 0:
                scheduler.step()
            if on_step is not None:
                on_step(step, loss_value)
            if step % eval_every == 0 or step == steps:
                record = {"step": step, "train_loss": float(np.mean(losses)),
                          "time": round(time.perf_counter() - started, 3)}
                if test_loader is not None:
                    accuracy = evaluate(model, test_loader)
                    record["test_accuracy"] = accuracy
                losses = []
                history.append(record)
                writer.write(record)
            if progress:
                bar.update(1)
                if step % 50 == 0 or step == steps:
                    bar.set_postfix(loss=f"{loss_value:.4f}", test_acc=f"{accuracy:.4f}",
                                    refresh=False)
    finally:
        bar.close()
        writer.close()
    return history
