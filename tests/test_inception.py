"""Inception building blocks: shapes, channel counts, parameter budget,
gradients of a tiny module; the experiment's stopping rules and criteria on
synthetic accuracy curves; and the --quick run of each of its parts."""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl import nn
from minidl.models import InceptionModule, SmallInception, count_parameters

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "inception_bn.py"


@pytest.mark.parametrize("bn", [False, True])
def test_module_output_shape_and_channels(bn, device):
    module = InceptionModule(8, 4, (3, 6), (2, 5), 3, bn=bn).to(device)
    assert module.out_channels == 4 + 6 + 5 + 3
    out = module(mdl.randn(2, 8, 7, 5, device=device))
    assert out.shape == (2, 18, 7, 5)
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 7  # 1 + 2 + 3 + 1 across the four branches
    # BN before every nonlinearity drops the convolution's bias
    assert all((c.bias is None) == bn for c in convs)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in module.modules()) == (7 if bn else 0)


def test_sigmoid_activation_and_bad_name():
    module = InceptionModule(2, 1, (1, 1), (1, 1), 1, activation="sigmoid")
    assert sum(isinstance(m, nn.Sigmoid) for m in module.modules()) == 7
    with pytest.raises(ValueError, match="activation"):
        InceptionModule(2, 1, (1, 1), (1, 1), 1, activation="gelu")


@pytest.mark.parametrize("bn", [False, True])
def test_small_network_shapes_and_size(bn, device):
    model = SmallInception(bn=bn, dropout=0.2).to(device)
    assert 20_000 <= count_parameters(model) <= 200_000
    assert model(mdl.randn(3, 1, 28, 28, device=device)).shape == (3, 10)


@pytest.mark.parametrize("bn", [False, True])
def test_gradcheck_tiny_module(bn, device):
    """float64 gradcheck on the CPU; on other devices (where a gradcheck of a
    whole module takes minutes on the simulator) the input and parameter
    gradients equal the CPU's, whose every op is gradchecked on each device
    in its own tests."""
    mdl.manual_seed(0)
    module = InceptionModule(2, 1, (1, 2), (1, 1), 1, bn=bn).double()
    data = np.random.default_rng(0).standard_normal((3, 2, 3, 3))
    x = mdl.tensor(data, dtype=mdl.float64, requires_grad=True)
    params = list(module.parameters())
    if device == "cpu":
        assert mdl.gradcheck(lambda inp, *_: module(inp), x, *params)
        return
    upstream = np.random.default_rng(1).standard_normal(module(x).shape)
    module(x).backward(mdl.tensor(upstream))
    expected = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in params]
    module.zero_grad()
    module.to(device)
    x = mdl.tensor(data, dtype=mdl.float64, device=device, requires_grad=True)
    module(x).backward(mdl.tensor(upstream, device=device))
    got = [x.grad.numpy()] + [p.grad.numpy() for p in module.parameters()]
    for actual, want in zip(got, expected):
        np.testing.assert_allclose(actual, want, rtol=1e-10, atol=1e-12)



def load_example():
    spec = importlib.util.spec_from_file_location("inception_bn_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


@pytest.fixture(scope="module")
def example():
    return load_example()


def curve(*points):
    """Records from (step, accuracy) pairs."""
    return [{"step": s, "test_accuracy": a, "train_loss": 1.0} for s, a in points]


def rising_then_flat(flat_from, last, every=50, top=0.85):
    """Accuracy rising to ``top`` at ``flat_from``, then lower values up to ``last``."""
    points = []
    for step in range(every, last + 1, every):
        accuracy = top * step / flat_from if step <= flat_from else top - 0.01
        points.append((step, accuracy))
    return curve(*points)


def test_best_record_and_first_reach(example):
    records = curve((50, 0.5), (100, 0.8), (150, 0.8), (200, 0.7))
    assert example.best_record(records)["step"] == 100  # the earliest of equal bests
    assert example.best_record([]) is None
    assert example.first_reach(records, 0.75) == 100
    assert example.first_reach(records, 0.81) is None


def test_plateau_rule_waits_for_min_steps_then_a_quiet_last_quarter(example):
    def stop(records):
        return example.plateau_stop(records, min_steps=1000, max_steps=5000, fraction=0.75)

    assert stop([]) is None
    # best at 600: t must reach 800 (600 <= 0.75 t), and min_steps 1000
    records = rising_then_flat(600, 950)
    assert stop(records) is None
    assert stop(rising_then_flat(600, 1000)) == "plateau"
    # best at 2000: at 2650 the last quarter still holds it, at 2700 not
    assert stop(rising_then_flat(2000, 2650)) is None
    assert stop(rising_then_flat(2000, 2700)) == "plateau"


def test_plateau_rule_caps_a_run_that_keeps_improving(example):
    records = curve(*[(s, s / 10_000) for s in range(50, 5001, 50)])
    assert example.plateau_stop(records[:-1], 1000, 5000) is None
    assert example.plateau_stop(records, 1000, 5000) == "capped"
    # a plateau found at the cap is reported as a plateau
    flat = rising_then_flat(1000, 5000)
    assert example.plateau_stop(flat, 1000, 5000) == "plateau"


def test_target_rule_stops_a_fixed_continuation_after_the_target(example):
    def stop(records):
        return example.target_stop(records, target=0.8, continuation=1000, limit=5000)

    records = curve(*[(s, min(0.9, s / 625)) for s in range(50, 3001, 50)])
    assert example.first_reach(records, 0.8) == 500
    assert stop([]) is None
    assert stop([r for r in records if r["step"] <= 1450]) is None
    assert stop([r for r in records if r["step"] <= 1500]) == "target + continuation"
    # the baseline's length comes first
    assert example.target_stop(records[:20], 0.8, 1000, limit=1000) == "baseline's length"


def test_target_rule_gives_a_run_that_never_reaches_the_baselines_length(example):
    records = curve(*[(s, 0.1) for s in range(50, 2001, 50)])
    assert example.target_stop(records[:-1], 0.8, 1000, limit=2000) is None
    assert example.target_stop(records, 0.8, 1000, limit=2000) == "not reached"


def stop_evaluation_by_evaluation(rule, records):
    """Where a run stops when the rule is asked after every evaluation."""
    for i in range(len(records)):
        reason = rule.reason(records[:i + 1])
        if reason is not None:
            return records[i]["step"], reason
    return None


def stop_in_pieces(rule, records):
    """Where a run stops when it trains straight to each ``next_check``."""
    step = 0
    while True:
        seen = [r for r in records if r["step"] <= step]
        reason = rule.reason(seen)
        if reason is not None:
            return step, reason
        following = rule.next_check(seen, step)
        assert following > step and following % 50 == 0
        step = following


def noisy_curves(count, length=8000):
    rng = np.random.default_rng(0)
    for _ in range(count):
        rise = rng.uniform(200, 4000)
        top = rng.uniform(0.6, 0.9)
        noise = rng.uniform(0, 0.03)
        steps = np.arange(50, length + 1, 50)
        accuracy = top * (1 - np.exp(-steps / rise)) + rng.normal(0, noise, len(steps))
        yield curve(*zip(steps.tolist(), accuracy.tolist()))


def test_training_in_pieces_stops_where_every_evaluation_would(example):
    """The pieces end at each rule's next_check: the stops are the same as
    asking the rule after every evaluation."""
    for records in noisy_curves(40):
        rules = [example.PlateauRule(1000, 6000, 0.75, 50),
                 example.PlateauRule(50, 8000, 0.75, 50),
                 example.TargetRule(0.7, 1000, 6000, 50),
                 example.TargetRule(0.5, 300, 7000, 50),
                 example.TargetRule(0.95, 1000, 3000, 50),
                 example.BudgetRule(1500)]
        for rule in rules:
            assert stop_in_pieces(rule, records) == stop_evaluation_by_evaluation(rule, records)


def test_budget_rule(example):
    assert example.budget_stop([], 100) is None
    assert example.budget_stop(curve((50, 0.1)), 100) is None
    assert example.budget_stop(curve((50, 0.1), (100, 0.2)), 100) == "budget"


def test_stability_criterion(example):
    steady = curve(*[(s, min(0.85, s / 1000)) for s in range(50, 3001, 50)])
    assert example.stability(steady, False, 3000)["stable"]
    assert not example.stability(steady, True, 3000)["stable"]  # diverged
    # a fall of 6 points after the first quarter is a collapse
    collapse = [dict(r) for r in steady]
    collapse[30]["test_accuracy"] -= 0.06  # step 1550
    summary = example.stability(collapse, False, 3000)
    assert not summary["stable"] and summary["worst_drop"] == pytest.approx(0.06)
    # the same fall within the first quarter does not count
    early = curve((50, 0.3), (100, 0.5), (150, 0.4), *[(s, 0.8) for s in range(200, 3001, 50)])
    assert early[2]["test_accuracy"] < 0.5 - 0.05
    assert example.stability(early, False, 3000)["stable"]
    # stable but never good enough
    low = curve(*[(s, 0.6) for s in range(50, 3001, 50)])
    assert not example.stability(low, False, 3000)["stable"]


def test_trains_criterion_and_largest_stable_rate(example):
    good = curve((50, 0.5), (100, 0.72), (150, 0.7), (200, 0.71))
    assert example.trains(good, False) == (True, pytest.approx(0.71))
    assert example.trains(good, True)[0] is False
    assert example.trains(curve((50, 0.1), (100, 0.1)), False) == (False, pytest.approx(0.1))
    assert example.trains([], False) == (False, None)
    rates = {0.01: {"stable": True}, 0.1: {"stable": True}, 0.2: {"stable": False},
             1.0: {"stable": False}}
    assert example.largest_stable_rate(rates) == 0.1
    assert example.largest_stable_rate({0.5: {"stable": False}}) is None


def test_recipes_follow_the_paper(example):
    base = example.variant_config("inception", 0.1)
    x5 = example.variant_config("bn-x5", 0.1)
    assert x5["lr"] == pytest.approx(0.5) and x5["bn"] and x5["dropout"] == 0
    assert x5["weight_decay"] == pytest.approx(base["weight_decay"] / 5)
    assert x5["decay_every"] * 6 == base["decay_every"]
    assert (base["shuffle"], x5["shuffle"]) == ("once", "every epoch")
    assert example.variant_config("bn-x30", 0.1)["lr"] == pytest.approx(3.0)
    assert example.variant_config("bn-x5-sigmoid", 0.1)["activation"] == "sigmoid"


def test_downsample_averages_blocks(example):
    images = np.arange(2 * 1 * 4 * 4, dtype=np.float32).reshape(2, 1, 4, 4)
    small = example.downsample(images, 2)
    assert small.shape == (2, 1, 2, 2) and small.dtype == np.float32
    assert small[0, 0, 0, 0] == pytest.approx(np.mean([0, 1, 4, 5]))
    with pytest.raises(ValueError, match="image-size"):
        example.downsample(images, 3)


def test_base_rate_comes_from_the_sweep_unless_given(example):
    args = example.parse_args(["--quick"])
    assert example.resolve_base_lr(args, {"base_lr": 0.2})[0] == 0.2
    assert example.resolve_base_lr(args, {"base_lr": None})[0] == example.FALLBACK_BASE_LR
    assert example.resolve_base_lr(args, None)[0] == example.FALLBACK_BASE_LR
    given = example.parse_args(["--quick", "--base-lr", "0.3"])
    assert example.resolve_base_lr(given, {"base_lr": 0.2}) == (0.3, "given by --base-lr")


def test_budgets_must_fit_the_evaluation_grid(example):
    with pytest.raises(SystemExit):
        example.parse_args(["--eval-every", "50", "--continuation", "75"])
    with pytest.raises(SystemExit):
        example.parse_args(["--min-steps", "2000", "--max-steps", "1000"])
    with pytest.raises(SystemExit):
        example.parse_args(["--variants", "bn-x5"])  # the baseline is needed


def needs_fashion_mnist():
    root = os.environ.get("MINIDL_DATA")
    if not root or not (Path(root) / "fashion-mnist").exists():
        pytest.skip("MINIDL_DATA does not point at Fashion-MNIST")


@pytest.mark.slow
def test_quick_parts_write_their_outputs(tmp_path):
    needs_fashion_mnist()
    example = load_example()
    out = tmp_path / "quick"
    common = ["--quick", "--out", str(out), "--no-progress"]
    sweep = example.main(common + ["--sweep"])
    for name in ("sweep.json", "sweep.md", "sweep.png"):
        assert (out / name).stat().st_size > 0
    assert set(sweep["runs"]) == {"0.05", "0.2"}
    assert [r["step"] for r in sweep["runs"]["0.2"]["accuracy"]] == [15, 30]
    assert "| lr | best (step)" in (out / "sweep.md").read_text()
    frontier = example.main(common + ["--frontier"])
    for name in ("frontier.json", "frontier.md", "frontier.png"):
        assert (out / name).stat().st_size > 0
    assert [row["multiple"] for row in frontier["rows"]] == [1, 30]
    assert {"bn", "no-bn"} <= set(frontier["rows"][0])
    example.main(common)
    for name in ("results.json", "report.md", "accuracy.png"):
        assert (out / name).stat().st_size > 0
    results = json.loads((out / "results.json").read_text())
    variants = ["inception", "bn-baseline", "bn-x5", "bn-x30", "bn-x5-sigmoid", "sigmoid"]
    for name in variants:
        assert [r["step"] for r in results[name]["accuracy"]] == [15, 30]
        assert {"lr", "bn", "activation", "dropout", "weight_decay"} <= set(
            results[name]["config"])
        assert results[name]["final"]["full_accuracy"] is not None
    base = results["inception"]["config"]
    assert base["lr"] == results["config"]["base_lr"]
    x5 = results["bn-x5"]["config"]
    assert x5["lr"] == pytest.approx(5 * base["lr"])
    assert x5["dropout"] == 0 and x5["weight_decay"] == pytest.approx(base["weight_decay"] / 5)
    assert results["bn-x30"]["config"]["lr"] == pytest.approx(30 * base["lr"])
    assert results["bn-x5-sigmoid"]["config"]["activation"] == "sigmoid"
    report = (out / "report.md").read_text()
    assert all(f"| {name} |" in report for name in variants)
    # the sweep's and the frontier's tables are in the main report, with the paper's numbers
    assert "sweep of the no-BN network" in report and "Stability frontier" in report
    assert "14.7x" in report
    # only the hand-over checkpoints existed, and they are gone
    assert not list(out.glob("checkpoint_*")) and not list(out.glob("best_*"))


def spy_on_restore(monkeypatch):
    """The steps of the checkpoints that training resumes from."""
    from minidl import checkpoint

    steps = []
    original = checkpoint.restore_checkpoint

    def restore(state, **kwargs):
        steps.append(state["step"])
        return original(state, **kwargs)

    monkeypatch.setattr(checkpoint, "restore_checkpoint", restore)
    return steps


@pytest.mark.slow
def test_quick_run_resumes_from_a_checkpoint(tmp_path, monkeypatch):
    needs_fashion_mnist()
    example = load_example()
    monkeypatch.setattr(example, "plot_steps_to_target", lambda *args, **kwargs: True)
    out = tmp_path / "quick"
    argv = ["--quick", "--variants", "inception", "--checkpoint-every", "10", "--out", str(out),
            "--no-progress"]
    first = example.main(argv)
    checkpoint = out / "checkpoint_inception.npz"
    assert checkpoint.exists()  # kept when --checkpoint-every is given
    # As if the run had been killed after step 20: only that checkpoint is
    # left, and the run has no result yet.
    os.replace(out / "checkpoint_inception.prev.npz", checkpoint)
    (out / "result_inception.json").unlink()
    restored = spy_on_restore(monkeypatch)
    resumed = example.main(argv + ["--resume"])
    assert restored[0] == 20
    assert resumed["inception"]["accuracy"] == first["inception"]["accuracy"]
    assert resumed["inception"]["best"] == first["inception"]["best"]
    assert resumed["inception"]["final"] == first["inception"]["final"]
    assert [r["step"] for r in resumed["inception"]["accuracy"]] == [15, 30]
    lines = [json.loads(line) for line in (out / "metrics_inception.jsonl").open()]
    assert [r["step"] for r in lines] == [15, 30]
    # a finished run is not trained again
    restored.clear()
    again = example.main(argv + ["--resume"])
    assert restored == [] and again["inception"] == resumed["inception"]
