"""A reusable, steps-based training loop with periodic evaluation, a tqdm
progress bar and metrics written as they are measured (JSON lines), so a
run that is killed keeps everything it measured up to that point; with a
checkpoint path it also saves checkpoints and resumes from them exactly
(the files themselves are ``minidl.checkpoint``'s)."""

import json
import math
import os
import time

import numpy as np

from . import checkpoint as _ckpt
from . import functional as F
from .autograd import no_grad
from .data import cycle
from .serialization import write_atomically


def evaluate(model, loader):
    """Classification accuracy of ``model`` over ``loader`` in eval mode
    (the model's previous mode is restored)."""
    was_training = model.training
    model.eval()
    correct = total = 0
    with no_grad():
        for x, y in loader:
            predicted = model(x).argmax(dim=1).numpy()
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


def _rewrite_metrics(path, history):
    """Replace the metrics file by the records in ``history``, atomically: on
    resume, records written after the checkpoint are dropped, so the steps
    run again are not listed twice."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_atomically(path, lambda f: f.writelines(json.dumps(r) + "\n" for r in history),
                     binary=False)


def _resumed_cycle(loader):
    """``cycle`` for a loader restored mid-run: its first pass finishes the
    epoch it was saved in, which yields nothing when the checkpoint was taken
    right after that epoch's last batch; only later passes must be non-empty."""
    yield from loader
    yield from cycle(loader)


def _check_positive(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"train: {name} must be a positive int"
                         f"{' or None' if allow_none else ''}, got {value!r}")


def train(model, optimizer, train_loader, steps, *, test_loader=None, eval_every=1000,
          loss_fn=F.cross_entropy, scheduler=None, scheduler_every=None, metrics_path=None,
          progress=True, desc="train", on_step=None, checkpoint_path=None,
          checkpoint_every=None, resume=False, extra_state=None):
    """Train for ``steps`` optimizer steps, cycling over ``train_loader``.

    Every ``eval_every`` steps (and at the last step) the test accuracy is
    measured in eval mode and a record ``{"step", "test_accuracy",
    "train_loss"}`` is written, ``train_loss`` being the mean loss since the
    previous record. ``scheduler.step()`` runs every ``scheduler_every``
    steps when given. Returns the list of records.

    Checkpoints (``minidl.checkpoint``): with ``checkpoint_path`` a checkpoint
    is written every ``checkpoint_every`` steps (when given) and after the
    last step. It holds the model, optimizer, scheduler, the loaders'
    positions, the global random generator, the ``extra_state`` objects
    (a dict of name -> numpy Generator or object with ``state_dict`` /
    ``load_state_dict``), the records and losses so far and the step.
    ``train_loader`` must then have ``state_dict`` / ``load_state_dict``
    (a ``DataLoader`` does). A fresh run refuses to overwrite an existing
    checkpoint. ``resume=True`` continues from the checkpoint at
    ``checkpoint_path`` (or from the previous one kept beside it, with a
    warning, if the latest is damaged), or starts fresh when there is none;
    ``metrics_path`` is rewritten to the records the checkpoint holds before
    new ones are appended. The objects passed in must be built as for the
    original run; everything they hold is overwritten from the checkpoint.
    ``steps`` may be larger than in the original run (to train longer; the
    original run's last record stays); ``eval_every`` and ``scheduler_every``
    must be the same. On CPU a resumed run reproduces the uninterrupted one
    bit for bit: the same losses, the same records (but ``time``) and the
    same final weights."""
    _check_positive("steps", steps)
    _check_positive("eval_every", eval_every)
    _check_positive("checkpoint_every", checkpoint_every, allow_none=True)
    if not isinstance(resume, bool):
        raise ValueError(f"train: resume must be True or False, got {resume!r}")
    if checkpoint_path is None and (checkpoint_every is not None or resume):
        raise ValueError("train: checkpoint_every and resume need a checkpoint_path")
    if checkpoint_path is not None:
        if not (callable(getattr(train_loader, "state_dict", None))
                and callable(getattr(train_loader, "load_state_dict", None))):
            raise ValueError("train: checkpointing needs a train_loader with state_dict() "
                             "and load_state_dict() (e.g. minidl.data.DataLoader), got "
                             f"{type(train_loader).__name__}")
        checkpoint_path = os.fspath(checkpoint_path)
    elif extra_state:
        raise ValueError("train: extra_state is only used with a checkpoint_path")
    if extra_state is not None:
        if not isinstance(extra_state, dict):
            raise ValueError(f"train: extra_state must be a dict, got "
                             f"{type(extra_state).__name__}")
        for name, obj in extra_state.items():
            _ckpt.check_stateful(name, obj, "train")  # refused up front, not at step N
    from tqdm.auto import tqdm

    # The settings a resumed run must share for its steps to be the same.
    config = {"eval_every": eval_every,
              "scheduler_every": scheduler_every if scheduler is not None else None}
    start_step = 0
    history = []
    losses = []
    elapsed = 0.0
    restored = False
    if resume:
        state, source = _ckpt.load_latest_checkpoint(checkpoint_path)
        if state is not None:
            saved = state["config"]
            diffs = [f"{k}: checkpoint {saved.get(k)!r}, now {v!r}"
                     for k, v in config.items() if saved.get(k) != v]
            if diffs:
                raise ValueError(f"train: cannot resume from {source}, it was written with "
                                 f"other settings ({'; '.join(diffs)})")
            if state["step"] > steps:
                raise ValueError(f"train: cannot resume from {source} at step "
                                 f"{state['step']} with steps={steps}")
            _ckpt.restore_checkpoint(state, model=model, optimizer=optimizer,
                                     scheduler=scheduler, train_loader=train_loader,
                                     test_loader=test_loader, extra_state=extra_state,
                                     source=source)
            start_step = state["step"]
            history = list(state["history"])
            losses = [float(v) for v in state["pending_losses"]]
            elapsed = float(state["elapsed"])
            restored = True
        if metrics_path is not None:
            _rewrite_metrics(metrics_path, history)
    elif checkpoint_path is not None:
        existing = [p for p in (checkpoint_path, _ckpt.previous_path(checkpoint_path))
                    if os.path.exists(p)]
        if existing:
            raise ValueError(f"train: {existing[0]} already exists; pass resume=True to "
                             "continue that run or delete it to start afresh")

    writer = MetricsWriter(metrics_path)
    batches = _resumed_cycle(train_loader) if restored else cycle(train_loader)
    accuracy = history[-1].get("test_accuracy", float("nan")) if history else float("nan")
    started = time.perf_counter() - elapsed
    model.train()
    bar = tqdm(total=steps, initial=start_step, desc=desc, disable=not progress,
               dynamic_ncols=True, leave=True)
    try:
        for step in range(start_step + 1, steps + 1):
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
            if checkpoint_path is not None and (
                    step == steps or (checkpoint_every and step % checkpoint_every == 0)):
                # After the record: a checkpoint never lacks a record that the
                # metrics file has (resuming rewrites the file from it).
                _ckpt.save_checkpoint(_ckpt.make_checkpoint(
                    step, model=model, optimizer=optimizer, scheduler=scheduler,
                    train_loader=train_loader, test_loader=test_loader,
                    extra_state=extra_state, history=history, pending_losses=losses,
                    elapsed=time.perf_counter() - started, config=config), checkpoint_path)
            if progress:
                bar.update(1)
                if step % 50 == 0 or step == steps:
                    bar.set_postfix(loss=f"{loss_value:.4f}", test_acc=f"{accuracy:.4f}",
                                    refresh=False)
    finally:
        bar.close()
        writer.close()
    return history
