"""The MNIST reproduction end to end (a 300-step smoke run on the real data),
plus the training loop and the activation recorder it is built from."""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl import checkpoint, nn, optim
from minidl.data import ArrayDataset, DataLoader
from minidl.training import evaluate, train
from recorder import ActivationRecorder  # examples/recorder.py (see conftest)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mnist_bn.py"


def load_example():
    spec = importlib.util.spec_from_file_location("mnist_bn_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mnist_available():
    root = os.environ.get("MINIDL_DATA")
    return root is not None and (Path(root) / "mnist" / "train-images-idx3-ubyte.gz").exists()


@pytest.mark.skipif(not mnist_available(), reason="MINIDL_DATA does not point at MNIST")
@pytest.mark.slow
def test_smoke_run_writes_everything_and_bn_wins(tmp_path):
    example = load_example()
    out = tmp_path / "run"
    example.main(["--steps", "300", "--eval-every", "100", "--record-every", "10",
                  "--out", str(out), "--no-progress"])
    for name in ("results.json", "report.md", "accuracy.png", "sigmoid_inputs.png",
                 "metrics_baseline.jsonl", "metrics_bn.jsonl"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["steps"] == 300
    for variant in ("baseline", "bn"):
        steps = [r["step"] for r in results[variant]["accuracy"]]
        assert steps == [100, 200, 300]
        assert set(results[variant]["accuracy"][0]) == {"step", "test_accuracy", "train_loss"}
        records = results[variant]["sigmoid_input"]
        assert len(records) == 30 and set(records[0]) == {"step", "p15", "p50", "p85"}
        assert all(r["p15"] <= r["p50"] <= r["p85"] for r in records)
    bn, baseline = results["bn"]["accuracy"][-1], results["baseline"]["accuracy"][-1]
    assert bn["test_accuracy"] > baseline["test_accuracy"]
    report = (out / "report.md").read_text()
    assert "| 1000 |" in report and "| 90% |" in report


def test_plots_are_skipped_without_matplotlib(tmp_path, monkeypatch, capsys):
    import plotting

    monkeypatch.setattr(plotting, "_pyplot", lambda: None)
    assert plotting.plot_accuracy({"a": [{"step": 1, "test_accuracy": 0.5}]},
                                  tmp_path / "a.png") is False
    assert not (tmp_path / "a.png").exists()


def tiny_problem(n=64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return ArrayDataset(x, y)


def test_train_loop_evaluates_and_writes_metrics_as_it_goes(tmp_path):
    mdl.manual_seed(0)
    data = tiny_problem()
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
    metrics = tmp_path / "m.jsonl"
    seen_lines = []

    def peek(step, loss):
        if step == 25:  # records written so far are already on disk
            seen_lines.extend(metrics.read_text().splitlines())

    history = train(model, optim.SGD(model.parameters(), lr=0.3),
                    DataLoader(data, batch_size=16, shuffle=True, seed=0), 30,
                    test_loader=DataLoader(data, batch_size=64), eval_every=10,
                    metrics_path=metrics, progress=False, on_step=peek)
    assert [r["step"] for r in history] == [10, 20, 30]
    assert len(seen_lines) == 2
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert [r["step"] for r in lines] == [10, 20, 30]
    assert lines[-1]["test_accuracy"] == evaluate(model, DataLoader(data, batch_size=64))
    assert history[-1]["test_accuracy"] > 0.8
    assert model.training


def test_train_loop_argument_errors():
    model = nn.Linear(5, 2)
    loader = DataLoader(tiny_problem(), batch_size=8)
    with pytest.raises(ValueError, match="steps"):
        train(model, optim.SGD(model.parameters(), lr=0.1), loader, 0, progress=False)
    with pytest.raises(ValueError, match="eval_every"):
        train(model, optim.SGD(model.parameters(), lr=0.1), loader, 5, eval_every=0,
              progress=False)


def test_activation_recorder_percentiles_of_one_unit():
    layer = nn.Sigmoid()
    recorder = ActivationRecorder(layer, percentiles=(15, 50, 85), unit=1, every=2)
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    for _ in range(4):
        layer(mdl.tensor(x))
    assert [r["step"] for r in recorder.records] == [2, 4]
    expected = np.percentile(x[:, 1], [15, 50, 85])
    np.testing.assert_allclose([recorder.records[0][k] for k in ("p15", "p50", "p85")],
                               expected, rtol=1e-6)
    layer.eval()
    layer(mdl.tensor(x))  # evaluation passes are not recorded
    assert len(recorder.records) == 2
    recorder.remove()
    layer.train()
    layer(mdl.tensor(x))
    assert recorder.calls == 4
    other = nn.Sigmoid()
    ActivationRecorder(other, unit=5)
    with pytest.raises(ValueError, match="unit 5 out of range"):
        other(mdl.tensor(x))


@pytest.mark.skipif(not mnist_available(), reason="MINIDL_DATA does not point at MNIST")
@pytest.mark.slow
def test_checkpoint_and_resume_flags_match_an_uninterrupted_run(tmp_path, monkeypatch):
    example = load_example()
    for plot in ("plot_accuracy", "plot_percentiles"):  # drawing is tested above
        monkeypatch.setattr(example, plot, lambda *args, **kwargs: True)
    common = ["--eval-every", "5", "--record-every", "2", "--no-progress"]
    straight = example.main(["--steps", "10", "--out", str(tmp_path / "a")] + common)
    # a run that stops at step 5, then the same command resumed and extended
    out = tmp_path / "b"
    example.main(["--steps", "5", "--checkpoint-every", "5", "--out", str(out)] + common)
    assert (out / "checkpoint_bn.npz").exists() and (out / "checkpoint_baseline.npz").exists()
    restored = []
    original = checkpoint.restore_checkpoint
    monkeypatch.setattr(checkpoint, "restore_checkpoint", lambda state, **kwargs: (
        restored.append(state["step"]), original(state, **kwargs))[1])
    resumed = example.main(["--steps", "10", "--checkpoint-every", "5", "--resume",
                            "--out", str(out)] + common)
    assert restored == [5, 5]  # both networks continued from their step-5 checkpoint
    for name in ("baseline", "bn"):
        assert resumed[name]["accuracy"] == straight[name]["accuracy"]
        assert len(resumed[name]["sigmoid_input"]) == 5
        assert resumed[name]["sigmoid_input"] == straight[name]["sigmoid_input"]
        lines = [json.loads(line) for line in (out / f"metrics_{name}.jsonl").open()]
        assert [r["step"] for r in lines] == [5, 10]
    with pytest.raises(SystemExit):
        example.parse_args(["--checkpoint-every", "0"])
