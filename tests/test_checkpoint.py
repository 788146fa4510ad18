"""Training checkpoints: a resumed run equals the uninterrupted one bit for
bit (in process, and after a SIGKILL in a separate process), damaged files
are refused with a clear error while the previous one stays loadable, and
the arguments are checked."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import checkpoint, nn, optim
from minidl.data import ArrayDataset, DataLoader
from minidl.training import train


def dataset(n=50, features=6):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return ArrayDataset(x, y)


class Run:
    """A tiny MLP with BN and dropout, SGD with momentum and a step schedule,
    a shuffling loader (6 batches an epoch) and a loss that draws noise from
    its own generator; built the same way every time, as a script would."""

    def __init__(self):
        mdl.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(6, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(),
                                   nn.Dropout(0.3), nn.Linear(8, 2))
        self.optimizer = optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)
        self.scheduler = optim.lr_scheduler.StepLR(self.optimizer, step_size=5, gamma=0.7)
        self.train_loader = DataLoader(dataset(), batch_size=8, shuffle=True, drop_last=True,
                                       seed=1)
        self.test_loader = DataLoader(dataset(), batch_size=25)
        self.noise = np.random.default_rng(5)
        self.losses = []

    def loss(self, output, target):
        jitter = self.noise.standard_normal(output.shape).astype(np.float32)
        return F.cross_entropy(output + mdl.tensor(0.01 * jitter), target)

    def train(self, steps=40, on_step=None, **kwargs):
        def record(step, loss):
            self.losses.append((step, loss))
            if on_step is not None:
                on_step(step, loss)

        return train(self.model, self.optimizer, self.train_loader, steps,
                     test_loader=self.test_loader, eval_every=7, loss_fn=self.loss,
                     scheduler=self.scheduler, scheduler_every=3, progress=False,
                     on_step=record, extra_state={"noise": self.noise} if kwargs.get(
                         "checkpoint_path") else None, **kwargs)

    def weights(self):
        return {k: v.numpy().copy() for k, v in self.model.state_dict().items()}


class Crash(Exception):
    pass


def crash_at(step):
    def on_step(s, loss):
        if s == step:
            raise Crash
    return on_step


def without_time(records):
    return [{k: v for k, v in r.items() if k != "time"} for r in records]


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def assert_same_arrays(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype and np.array_equal(a[key], b[key]), key


@pytest.mark.parametrize("crash", [15, 19])  # resumes at an epoch's end / mid-epoch
def test_resumed_run_is_bit_identical(tmp_path, crash):
    straight = Run()
    history = straight.train(metrics_path=tmp_path / "straight.jsonl")
    rng_after = mdl.get_rng_state()

    ckpt = tmp_path / "ckpt.npz"
    metrics = tmp_path / "resumed.jsonl"
    first = Run()
    with pytest.raises(Crash):
        first.train(checkpoint_path=ckpt, checkpoint_every=4, metrics_path=metrics,
                    on_step=crash_at(crash))
    # records up to the crash are on disk, some of them after the checkpoint
    assert [r["step"] for r in read_jsonl(metrics)] == [7, 14]

    second = Run()  # a new process would build everything afresh
    resumed_history = second.train(checkpoint_path=ckpt, checkpoint_every=4,
                                   metrics_path=metrics, resume=True)
    start = crash - crash % 4
    assert second.losses[0][0] == start + 1
    losses = dict(straight.losses)
    assert all(losses[step] == loss for step, loss in first.losses + second.losses)
    assert_same_arrays(straight.weights(), second.weights())
    assert without_time(resumed_history) == without_time(history)
    assert without_time(read_jsonl(metrics)) == without_time(history)
    saved_a, saved_b = straight.optimizer.state_dict(), second.optimizer.state_dict()
    assert saved_a["param_groups"] == saved_b["param_groups"]
    for index in saved_a["state"]:
        assert np.array_equal(saved_a["state"][index]["momentum_buffer"],
                              saved_b["state"][index]["momentum_buffer"])
    assert straight.scheduler.state_dict() == second.scheduler.state_dict()
    assert straight.train_loader.state_dict() == second.train_loader.state_dict()
    # the global generator (dropout) and the extra one end in the same state
    assert mdl.get_rng_state() == rng_after
    assert straight.noise.bit_generator.state == second.noise.bit_generator.state


def test_resuming_a_finished_run_trains_nothing_and_training_longer_continues(tmp_path):
    ckpt = tmp_path / "ckpt.npz"
    done = Run()
    history = done.train(steps=14, checkpoint_path=ckpt)
    again = Run()
    assert again.train(steps=14, checkpoint_path=ckpt, resume=True) == history
    assert again.losses == []
    assert_same_arrays(done.weights(), again.weights())
    longer = Run()
    longer.train(steps=21, checkpoint_path=ckpt, resume=True)
    straight = Run()
    straight.train(steps=21)
    assert longer.losses == straight.losses[14:]
    assert_same_arrays(straight.weights(), longer.weights())


def test_resume_without_a_checkpoint_starts_afresh_and_clears_stale_metrics(tmp_path):
    metrics = tmp_path / "m.jsonl"
    metrics.write_text('{"step": 99}\n')  # left by a run killed before its first checkpoint
    run = Run()
    history = run.train(steps=10, checkpoint_path=tmp_path / "ckpt.npz", resume=True,
                        metrics_path=metrics)
    assert [r["step"] for r in read_jsonl(metrics)] == [7, 10]
    assert without_time(history) == without_time(Run().train(steps=10))


# A training script run as its own process: synthetic data, a tiny model.
SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import minidl as mdl
    from minidl import nn, optim
    from minidl.data import ArrayDataset, DataLoader
    from minidl.training import train

    out, mode, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 12)).astype(np.float32)
    y = (x[:, :3].sum(axis=1) > 0).astype(np.int64)
    mdl.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(16, 2))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.99)
    loader = DataLoader(ArrayDataset(x, y), batch_size=10, shuffle=True, drop_last=True,
                        seed=3)
    losses = open(f"{out}/losses_{mode}.txt", "a")

    def on_step(step, loss):
        losses.write(f"{step} {loss!r}\\n")
        losses.flush()
        if mode == "slow":
            time.sleep(0.01)  # leaves time to be killed mid-run; changes no result

    checkpointing = mode != "plain"
    train(model, opt, loader, steps, test_loader=DataLoader(ArrayDataset(x, y), batch_size=48),
          eval_every=10, scheduler=sched, scheduler_every=5,
          metrics_path=f"{out}/metrics_{'plain' if mode == 'plain' else 'ckpt'}.jsonl",
          progress=False, on_step=on_step,
          checkpoint_path=f"{out}/ckpt.npz" if checkpointing else None,
          checkpoint_every=7 if checkpointing else None, resume=mode == "resume")
    mdl.save(model.state_dict(), f"{out}/weights_{mode}.npz")
""")


def start(script, out, mode, steps):
    # run outside the source tree so the child imports the installed package (the
    # source folder alone lacks minidl.kernels, which installs from kernels/)
    return subprocess.Popen([sys.executable, str(script), str(out), mode, str(steps)],
                            cwd=out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process):
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output.decode()


def read_losses(path):
    pairs = [line.split() for line in Path(path).read_text().splitlines()]
    return [(int(step), float(loss)) for step, loss in pairs]


@pytest.mark.slow
def test_sigkill_then_resume_loses_nothing(tmp_path):
    steps = 300
    script = tmp_path / "train_script.py"
    script.write_text(SCRIPT)
    plain = start(script, tmp_path, "plain", steps)
    slow = start(script, tmp_path, "slow", steps)
    ckpt, previous = tmp_path / "ckpt.npz", tmp_path / "ckpt.prev.npz"
    metrics = tmp_path / "metrics_ckpt.jsonl"
    deadline = time.monotonic() + 60
    # wait for two checkpoints and a few records, then kill without warning
    while not (previous.exists() and metrics.exists()
               and len(metrics.read_text().splitlines()) >= 4):
        assert slow.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    assert slow.poll() is None, "the run ended before it could be killed"
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(timeout=30)
    assert slow.returncode == -signal.SIGKILL
    killed_at = read_losses(tmp_path / "losses_slow.txt")[-1][0]
    assert 0 < checkpoint.load_checkpoint(ckpt)["step"] <= killed_at < steps

    resume = start(script, tmp_path, "resume", steps)
    finish(resume)
    finish(plain)
    expected = dict(read_losses(tmp_path / "losses_plain.txt"))
    seen = (read_losses(tmp_path / "losses_slow.txt")
            + read_losses(tmp_path / "losses_resume.txt"))
    assert {step for step, _ in seen} == set(range(1, steps + 1))  # no step skipped
    assert all(expected[step] == loss for step, loss in seen)  # and none differs
    assert_same_arrays(mdl.load(tmp_path / "weights_plain.npz"),
                       mdl.load(tmp_path / "weights_resume.npz"))
    plain_records = read_jsonl(tmp_path / "metrics_plain.jsonl")
    assert [r["step"] for r in plain_records] == list(range(10, steps + 1, 10))
    assert without_time(read_jsonl(metrics)) == without_time(plain_records)
    assert checkpoint.load_checkpoint(ckpt)["step"] == steps


def write_two_checkpoints(tmp_path):
    """ckpt.npz at step 2 and ckpt.prev.npz at step 1, for a model with a
    64x64 weight so array bytes can be found in the file."""
    mdl.manual_seed(0)
    model = nn.Linear(64, 64)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    path = tmp_path / "ckpt.npz"
    for step in (1, 2):
        model.load_state_dict({"weight": np.full((64, 64), step, np.float32),
                               "bias": np.zeros(64, np.float32)})
        checkpoint.save_checkpoint(checkpoint.make_checkpoint(step, model=model,
                                                              optimizer=opt), path)
    return path, model


@pytest.mark.parametrize("damage", ["truncated", "flipped weight byte", "flipped metadata",
                                    "empty"])
def test_damaged_checkpoint_is_refused_and_the_previous_one_loads(tmp_path, damage):
    path, _ = write_two_checkpoints(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[:len(data) // 2]
    elif damage == "flipped weight byte":
        at = data.find(np.full((64, 64), 2, np.float32).tobytes())
        assert at > 0
        data[at + 1000] ^= 0x10
    elif damage == "flipped metadata":
        at = data.find(b'"history"')
        assert at > 0
        data[at + 2] ^= 0x01
    else:
        data = b""
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"load_checkpoint: .*ckpt\.npz is "
                                         r"(truncated or )?corrupted"):
        checkpoint.load_checkpoint(path)
    previous = checkpoint.previous_path(path)
    assert previous == str(tmp_path / "ckpt.prev.npz")
    assert checkpoint.load_checkpoint(previous)["step"] == 1
    with pytest.warns(RuntimeWarning, match="resuming from the previous checkpoint"):
        state, used = checkpoint.load_latest_checkpoint(path)
    assert (state["step"], used) == (1, previous)


def test_checksum_missing_entries_other_files_and_versions_are_refused(tmp_path):
    path, _ = write_two_checkpoints(tmp_path)
    payload = mdl.load(path)
    payload["state"]["step"] = 3  # a change the stored checksum does not cover
    mdl.save(payload, tmp_path / "tampered.npz")
    with pytest.raises(ValueError, match="tampered.npz is corrupted"):
        checkpoint.load_checkpoint(tmp_path / "tampered.npz")
    payload = mdl.load(path)
    del payload["state"]["history"]
    mdl.save(payload, tmp_path / "partial.npz")
    with pytest.raises(ValueError, match=r"partial.npz is missing entries \['history'\]"):
        checkpoint.load_checkpoint(tmp_path / "partial.npz")
    mdl.save({"weight": np.ones(3)}, tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="weights.npz is not a minidl training checkpoint"):
        checkpoint.load_checkpoint(tmp_path / "weights.npz")
    payload = mdl.load(path)
    payload["version"] = 99
    mdl.save(payload, tmp_path / "future.npz")
    with pytest.raises(ValueError, match="future.npz has checkpoint format version 99"):
        checkpoint.load_checkpoint(tmp_path / "future.npz")
    with pytest.raises(FileNotFoundError):
        checkpoint.load_checkpoint(tmp_path / "absent.npz")
    assert checkpoint.load_latest_checkpoint(tmp_path / "absent.npz") == (None, None)


def test_both_checkpoints_damaged_is_an_error(tmp_path):
    path, _ = write_two_checkpoints(tmp_path)
    path.write_bytes(b"garbage")
    Path(checkpoint.previous_path(path)).write_bytes(b"")
    with pytest.raises(ValueError, match="previous checkpoint is unusable too"):
        checkpoint.load_latest_checkpoint(path)
    os.remove(checkpoint.previous_path(path))
    with pytest.raises(ValueError, match="no previous checkpoint"):
        checkpoint.load_latest_checkpoint(path)


def test_resume_falls_back_to_the_previous_checkpoint_and_stays_exact(tmp_path):
    ckpt = tmp_path / "ckpt.npz"
    first = Run()
    with pytest.raises(Crash):
        first.train(checkpoint_path=ckpt, checkpoint_every=4, on_step=crash_at(23))
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[:-100])  # the step-20 checkpoint is damaged: step 16 is used
    second = Run()
    with pytest.warns(RuntimeWarning, match="step 16"):
        second.train(checkpoint_path=ckpt, checkpoint_every=4, resume=True)
    assert second.losses[0][0] == 17
    straight = Run()
    straight.train()
    assert_same_arrays(straight.weights(), second.weights())


def test_argument_and_mismatch_errors(tmp_path):
    run = Run()
    ckpt = tmp_path / "ckpt.npz"
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=f"checkpoint_every must be a positive int or "
                                             f"None, got {bad!r}"):
            run.train(checkpoint_path=ckpt, checkpoint_every=bad)
    with pytest.raises(ValueError, match="need a checkpoint_path"):
        run.train(resume=True)
    with pytest.raises(ValueError, match="need a checkpoint_path"):
        train(run.model, run.optimizer, run.train_loader, 5, checkpoint_every=2,
              progress=False)
    with pytest.raises(ValueError, match="resume must be True or False, got 'yes'"):
        run.train(checkpoint_path=ckpt, resume="yes")
    batches = [(mdl.tensor(dataset().arrays[0][:8]), mdl.tensor(dataset().arrays[1][:8]))]
    with pytest.raises(ValueError, match="train_loader with state_dict.*got list"):
        train(run.model, run.optimizer, batches, 5, checkpoint_path=ckpt, progress=False)
    with pytest.raises(ValueError, match=r"extra_state\['x'\] must be a numpy Generator"):
        train(run.model, run.optimizer, run.train_loader, 5, checkpoint_path=ckpt,
              extra_state={"x": 3}, progress=False)
    assert not ckpt.exists()

    Run().train(steps=8, checkpoint_path=ckpt)
    with pytest.raises(ValueError, match="already exists; pass resume=True"):
        Run().train(steps=8, checkpoint_path=ckpt)
    with pytest.raises(ValueError, match="at step 8 with steps=5"):
        Run().train(steps=5, checkpoint_path=ckpt, resume=True)
    other = Run()
    with pytest.raises(ValueError, match=r"other settings \(eval_every: checkpoint 7, now 3"):
        train(other.model, other.optimizer, other.train_loader, 10, eval_every=3,
              scheduler=other.scheduler, scheduler_every=3, test_loader=other.test_loader,
              checkpoint_path=ckpt, resume=True, extra_state={"noise": other.noise},
              progress=False)
    state = checkpoint.load_checkpoint(ckpt)
    wider = nn.Sequential(nn.Linear(6, 9))
    with pytest.raises(ValueError, match="ckpt.npz does not fit the model"):
        checkpoint.restore_checkpoint(state, model=wider,
                                      optimizer=optim.SGD(wider.parameters(), lr=0.1),
                                      source=str(ckpt))
    with pytest.raises(ValueError, match="saved with a scheduler, but one is not given"):
        checkpoint.restore_checkpoint(state, model=other.model, optimizer=other.optimizer)
    with pytest.raises(ValueError, match=r"extra state \['noise'\], but extra_state has \[\]"):
        checkpoint.restore_checkpoint(state, model=other.model, optimizer=other.optimizer,
                                      scheduler=other.scheduler,
                                      train_loader=other.train_loader,
                                      test_loader=other.test_loader)
    with pytest.raises(ValueError, match="holds a test_loader position, but no test_loader"):
        checkpoint.restore_checkpoint(state, model=other.model, optimizer=other.optimizer,
                                      scheduler=other.scheduler,
                                      train_loader=other.train_loader)
    with pytest.raises(ValueError, match="make_checkpoint: step must be an int >= 0"):
        checkpoint.make_checkpoint(-1, model=other.model, optimizer=other.optimizer)
    with pytest.raises(ValueError, match=r"save_checkpoint: the state lacks \['step'"):
        checkpoint.save_checkpoint({}, tmp_path / "x.npz")
