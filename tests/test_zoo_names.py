"""The character-level examples on the names data: the split and encoding
helpers they share (examples/names_data.py), and each example's --quick run
end to end in a process of its own, as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from names_data import (IGNORE_INDEX, VOCAB, clean_names, context_windows, decode, draw,
                        encode, padded_sequences, split_names)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def names_available():
    root = os.environ.get("MINIDL_DATA")
    return root is not None and (Path(root) / "names" / "male-first-names-en.json").exists()


needs_names = pytest.mark.skipif(not names_available(),
                                 reason="MINIDL_DATA does not point at the names data")


def test_encoding_round_trips_and_rejects_other_characters():
    assert len(VOCAB) == 27 and VOCAB[0] == "."
    assert encode("emma") == [5, 13, 13, 1]
    assert decode([0, 5, 13, 13, 1, 0]) == ".emma."
    with pytest.raises(ValueError, match="'-'"):
        encode("jo-ann")


def test_clean_names_lowercases_dedupes_and_drops_other_characters():
    assert clean_names(["Emma", "emma", "Jo-Ann", "Ava", "", "Zoe"]) == ["ava", "emma", "zoe"]


def test_split_is_80_10_10_disjoint_and_fixed_by_the_seed():
    names = [f"n{i}" for i in range(1000)]
    split = split_names(names, seed=42)
    assert [len(split[k]) for k in ("train", "dev", "test")] == [800, 100, 100]
    assert sorted(split["train"] + split["dev"] + split["test"]) == sorted(names)
    assert split == split_names(names, seed=42)
    assert split["train"] != split_names(names, seed=43)["train"]
    with pytest.raises(ValueError, match="summing to 1"):
        split_names(names, seed=0, fractions=(0.8, 0.1, 0.2))


def test_context_windows_give_every_character_and_the_end():
    x, y = context_windows(["emma", "bo"])
    assert x.dtype == np.int64 and x.shape == (8, 3) and y.shape == (8,)
    rows = [decode(r) + "->" + decode([t]) for r, t in zip(x, y)]
    assert rows == ["...->e", "..e->m", ".em->m", "emm->a", "mma->.",
                    "...->b", "..b->o", ".bo->."]


def test_padded_sequences_score_the_same_targets_as_the_windows():
    names = ["emma", "bo", "x"]
    x, y = padded_sequences(names, block_size=6)
    assert decode(x[0]) == ".emma." and list(y[0]) == [5, 13, 13, 1, 0, IGNORE_INDEX]
    assert decode(x[1]) == ".bo..." and list(y[1]) == [2, 15, 0] + [IGNORE_INDEX] * 3
    _, window_targets = context_windows(names)
    assert sorted(y[y != IGNORE_INDEX]) == sorted(window_targets)
    with pytest.raises(ValueError, match="block_size >= 5"):
        padded_sequences(["emma"], block_size=4)


def test_draw_follows_the_probabilities():
    rng = np.random.default_rng(0)
    probs = np.tile(np.array([[0.2, 0.0, 0.8]], dtype=np.float32), (20000, 1))
    drawn = draw(probs, rng)
    assert set(np.unique(drawn)) <= {0, 2}
    assert abs(np.mean(drawn == 2) - 0.8) < 0.02
    assert list(draw(np.eye(3), rng)) == [0, 1, 2]


@pytest.mark.slow
def test_both_examples_train_and_sample_alike_on_every_device(device):
    """A two-step run of each example's training function on ``device`` gives
    the CPU's losses: the examples create every tensor with ``device=``.
    (About 4 s on the CPU; minutes on the CUDA simulator, which launches
    several hundred kernels here.)"""
    import names_mlp
    import names_transformer

    windows = {"train": context_windows(["emma", "bo", "ava"]), "dev": context_windows(["zoe"])}
    mlp_args = names_mlp.parse_args(["--steps", "2", "--eval-every", "1", "--record-every", "1",
                                     "--hidden", "4", "--layers", "2", "--embedding-dim", "2",
                                     "--batch-size", "4", "--samples", "2"])
    sequences = {"train": padded_sequences(["emma", "bo", "ava"], 6),
                 "dev": padded_sequences(["zoe"], 6)}
    tf_args = names_transformer.parse_args(["--steps", "2", "--eval-every", "1", "--warmup", "1",
                                            "--layers", "1", "--width", "8", "--heads", "2",
                                            "--block-size", "6", "--batch-size", "2",
                                            "--samples", "2"])
    runs = {}
    for where in dict.fromkeys(("cpu", device)):
        runs[where] = (names_mlp.train_variant("bn", True, mlp_args, windows, where),
                       names_transformer.train(tf_args, sequences, where))
    for mlp, transformer in runs.values():
        assert len(mlp["samples"]) == 2 and len(transformer["samples"]) == 2
        assert [e["step"] for e in transformer["evals"]] == [0, 1, 2]
        assert len(mlp["record"]["update_ratio"]) == 2
    for (mlp, transformer), (cpu_mlp, cpu_transformer) in zip(runs.values(), [runs["cpu"]] * 2):
        for split in ("train", "dev"):
            assert mlp["final"][split] == pytest.approx(cpu_mlp["final"][split], rel=1e-4)
            assert transformer["final"][split] == pytest.approx(
                cpu_transformer["final"][split], rel=1e-4)


def quick_run_device(device):
    """``device``, unless that is the CUDA simulator, far too slow for a quick run."""
    from numba.core import config as numba_config

    if device == "cuda" and numba_config.ENABLE_CUDASIM:
        pytest.skip("the CUDA simulator takes minutes per training step of the quick runs "
                    "(over 5 minutes without finishing 3 steps of names_mlp.py --quick); "
                    "test_both_examples_train_and_sample_alike_on_every_device covers the "
                    "CUDA backend with tiny models instead")
    return device


def run_example(script, out, *extra):
    """Run ``script --quick`` in a fresh process; returns its results.json."""
    command = [sys.executable, str(EXAMPLES / script), "--quick", "--out", str(out), *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "results.json").read_text())


@needs_names
@pytest.mark.slow
def test_names_mlp_quick_run_writes_the_report_and_figures(tmp_path, device):
    results = run_example("names_mlp.py", tmp_path, "--device", quick_run_device(device))
    for name in ("report.md", "histograms.npz", "activations.png", "gradients.png",
                 "saturation.png", "update_ratio.png", "dev_loss.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert results["config"]["steps"] == 300
    for variant in ("no-bn", "bn"):
        r = results[variant]
        assert len(r["samples"]) == 20 and all(set(s) <= set(VOCAB[1:]) for s in r["samples"])
        assert r["evals"][0]["step"] == 0 and r["evals"][-1]["step"] == 300
        # from about ln 27 = 3.30 at the start to clearly less after 300 steps
        assert 3.0 < r["evals"][0]["dev_loss"] < 3.6
        assert r["final"]["dev"] < 2.9 and r["final"]["train"] < 2.9
        record = r["record"]
        assert len(record["saturation"][0]) == 5 and len(record["update_ratio"][0]) == 6
        assert all(0 <= v <= 100 for row in record["saturation"] for v in row)
    # BN keeps every layer's tanh away from saturation at the start
    assert max(results["bn"]["record"]["saturation"][0]) < 10
    histograms = np.load(tmp_path / "histograms.npz")
    assert histograms["bn_start_act"].shape == (5, 32 * 100)
    report = (tmp_path / "report.md").read_text()
    assert "| with BN |" in report and "activations.png" in report


@needs_names
@pytest.mark.slow
def test_names_transformer_quick_run_writes_the_report(tmp_path, device):
    mlp = tmp_path / "mlp.json"  # a full MLP run's results, for the comparison rows
    mlp.write_text(json.dumps({
        "config": {"split_seed": 42, "quick": False, "steps": 100},
        "no-bn": {"final": {"train": 2.1, "dev": 2.2}, "parameters": 10},
        "bn": {"final": {"train": 2.0, "dev": 2.1}, "parameters": 11}}))
    results = run_example("names_transformer.py", tmp_path / "run", "--mlp-results", str(mlp),
                          "--device", quick_run_device(device))
    out = tmp_path / "run"
    assert (out / "loss.png").stat().st_size > 0
    r = results["transformer"]
    assert results["config"]["steps"] == 40
    assert len(r["samples"]) == 20 and all(set(s) <= set(VOCAB[1:]) for s in r["samples"])
    assert 3.0 < r["evals"][0]["dev_loss"] < 3.6 and r["final"]["dev"] < 3.0
    assert results["mlp"]["bn"]["final"]["dev"] == 2.1
    report = (out / "report.md").read_text()
    assert "| MLP with BN | 11 | 100 | 2.0000 | 2.1000 |" in report
