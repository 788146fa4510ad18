"""A tiny decoder-only transformer language model of English first names.

Each name is read as "." followed by its letters, padded with "." to 16
positions; at every position the model predicts the next character (the end
"." after the last letter; the padding is not scored). Token and learned
position embeddings feed pre-LayerNorm blocks of causal multi-head
self-attention (matmul, a masked_fill of the future, softmax) and a GELU MLP,
each added back to the residual stream; a last LayerNorm and a Linear give
the 27 logits. AdamW, a linear warm-up then a cosine decay of the learning
rate (LinearLR then CosineAnnealingLR in a SequentialLR), and the gradient
norm clipped to 1 (nn.utils.clip_grad_norm_).

The split and the scored targets are those of names_mlp.py, so the dev losses
compare directly; when --mlp-results names that example's results.json (the
default path after its full run), the report puts its losses beside these.

Writes to --out: results.json, report.md, loss.png and 20 sampled names.

    python examples/names_transformer.py            # the full run (minutes)
    python examples/names_transformer.py --quick    # a few-second smoke run
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
from names_data import IGNORE_INDEX, decode, draw, load_splits, padded_sequences
from names_plots import plot_loss_curves


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 40 steps of a 1-layer model, a small dev set")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps (default: 8000, --quick 40)")
    parser.add_argument("--batch-size", type=int, default=32,
                        help="names per step (default: %(default)s)")
    parser.add_argument("--block-size", type=int, default=16,
                        help="positions per sequence (default: %(default)s)")
    parser.add_argument("--layers", type=int, default=None,
                        help="transformer blocks (default: 2, --quick 1)")
    parser.add_argument("--width", type=int, default=64,
                        help="embedding width (default: %(default)s)")
    parser.add_argument("--heads", type=int, default=4,
                        help="attention heads (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=1e-3,
                        help="peak AdamW learning rate (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="steps of linear warm-up (default: 200, --quick 10)")
    parser.add_argument("--final-lr-ratio", type=float, default=0.1,
                        help="the cosine decay ends at this share of the peak rate "
                             "(default: %(default)s)")
    parser.add_argument("--weight-decay", type=float, default=0.1,
                        help="AdamW's decoupled weight decay of the Linear weights "
                             "(default: %(default)s)")
    parser.add_argument("--clip", type=float, default=1.0,
                        help="the largest gradient norm; larger ones are scaled down "
                             "(default: %(default)s)")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="steps between dev-set evaluations (default: 250, --quick 20)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the batches and the samples "
                             "(default: %(default)s)")
    parser.add_argument("--split-seed", type=int, default=42,
                        help="seed of the 80/10/10 split of the names (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=20,
                        help="names to sample (default: %(default)s)")
    parser.add_argument("--device", default=None, choices=("cpu", "cuda"),
                        help="where to train (default: MINIDL_DEVICE, else cpu)")
    parser.add_argument("--data", default=None,
                        help="folder holding names/ (default: MINIDL_DATA, then the cache, "
                             "then npm pack)")
    parser.add_argument("--out", default="results/names_transformer",
                        help="output folder (default: %(default)s)")
    parser.add_argument("--mlp-results", default="results/names_mlp/results.json",
                        help="names_mlp.py's results.json, for the comparison "
                             "(default: %(default)s; skipped when missing)")
    args = parser.parse_args(argv)
    defaults = {"steps": (8000, 40), "layers": (2, 1), "warmup": (200, 10),
                "eval_every": (250, 20)}
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    for name in ("steps", "batch_size", "block_size", "layers", "width", "heads",
                 "eval_every", "samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.width % args.heads:
        parser.error("--width must be a multiple of --heads")
    if not 0 <= args.warmup < args.steps:
        parser.error("--warmup must be in [0, --steps)")
    if args.lr <= 0 or args.clip <= 0 or not 0 < args.final_lr_ratio <= 1:
        parser.error("--lr and --clip must be positive, --final-lr-ratio in (0, 1]")
    return args


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which each position sees itself and the
    positions before it. Input and output (B, T, width)."""

    def __init__(self, width, heads, block_size, device=None):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width, device=device)
        self.proj = nn.Linear(width, width, device=device)
        # True above the diagonal: the future, hidden from each query
        future = mdl.ones(block_size, block_size, dtype=mdl.bool, device=device).triu(1)
        self.register_buffer("future", future, persistent=False)

    def forward(self, x):
        b, t, width = x.shape
        head = width // self.heads
        q, k, v = self.qkv(x).split(width, dim=2)
        # (B, T, width) -> (B, heads, T, head)
        q, k, v = (z.view(b, t, self.heads, head).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(head))
        scores = scores.masked_fill(self.future[:t, :t], float("-inf"))
        weights = F.softmax(scores, dim=-1)
        y = (weights @ v).transpose(1, 2).contiguous().view(b, t, width)
        return self.proj(y)


class Block(nn.Module):
    """x + attention(LayerNorm(x)), then x + MLP(LayerNorm(x)) with a GELU MLP
    four times as wide."""

    def __init__(self, width, heads, block_size, device=None):
        super().__init__()
        self.ln1 = nn.LayerNorm(width, device=device)
        self.attn = CausalSelfAttention(width, heads, block_size, device=device)
        self.ln2 = nn.LayerNorm(width, device=device)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width, device=device), nn.GELU(),
                                 nn.Linear(4 * width, width, device=device))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class NamesTransformer(nn.Module):
    """Token and position embeddings, ``layers`` blocks, LayerNorm, Linear.

    Input: (B, T) int64 character indices, T <= block_size; output (B, T, 27)
    logits of the next character at each position."""

    def __init__(self, layers, width, heads, block_size, vocab=27, device=None):
        super().__init__()
        self.block_size = block_size
        self.token = nn.Embedding(vocab, width, device=device)
        self.position = nn.Embedding(block_size, width, device=device)
        self.blocks = nn.ModuleList([Block(width, heads, block_size, device=device)
                                     for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width, device=device)
        self.head = nn.Linear(width, vocab, device=device)
        # GPT-2's initialisation: small normal weights, zero biases
        with mdl.no_grad():
            for module in self.modules():
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(module.weight, std=0.02)
                if isinstance(module, nn.Linear):
                    nn.init.zeros_(module.bias)

    def forward(self, idx):
        t = idx.shape[1]
        if t > self.block_size:
            raise ValueError(f"sequences of {t} positions exceed block_size {self.block_size}")
        positions = mdl.arange(t, device=idx.device)
        x = self.token(idx) + self.position(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def parameter_groups(model, weight_decay):
    """Weight decay on the Linear weights only (not on biases, LayerNorm or
    embeddings), as is usual for transformers."""
    decayed = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    chosen = {id(p) for p in decayed}
    rest = [p for p in model.parameters() if id(p) not in chosen]
    return [{"params": decayed, "weight_decay": weight_decay},
            {"params": rest, "weight_decay": 0.0}]


def warmup_cosine(optimizer, warmup, steps, final_ratio):
    """A linear rise over ``warmup`` steps, then a half cosine down to
    ``final_ratio`` times the peak at the last step."""
    peak = optimizer.param_groups[0]["lr"]
    cosine = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps - warmup,
                                                  eta_min=peak * final_ratio)
    if warmup == 0:
        return cosine
    rise = optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warmup, total_iters=warmup)
    return optim.lr_scheduler.SequentialLR(optimizer, [rise, cosine], milestones=[warmup])


def mean_loss(model, x, y, device, chunk=1024):
    """Nats per scored character (padding excluded), eval mode, no graph."""
    model.eval()
    total = 0.0
    with mdl.no_grad():
        for start in range(0, len(x), chunk):
            logits = model(mdl.tensor(x[start:start + chunk], device=device))
            target = mdl.tensor(y[start:start + chunk], device=device)
            total += F.cross_entropy(logits.view(-1, logits.shape[-1]), target.view(-1),
                                     ignore_index=IGNORE_INDEX, reduction="sum").item()
    model.train()
    return total / int((y != IGNORE_INDEX).sum())


def sample_names(model, count, rng, device):
    """``count`` names drawn one character at a time, all in one batch."""
    model.eval()
    idx = np.zeros((count, 1), dtype=np.int64)
    with mdl.no_grad():
        while idx.shape[1] < model.block_size and not (idx[:, 1:] == 0).any(axis=1).all():
            logits = model(mdl.tensor(idx, device=device))
            probs = F.softmax(logits[:, -1, :], dim=-1).numpy()
            idx = np.concatenate([idx, draw(probs, rng)[:, None]], axis=1)
    model.train()
    return [decode(row[1:]).split(".")[0] for row in idx]


def train(args, data, device):
    """Train the model; returns its evaluations, final losses and samples."""
    (xtr, ytr), (xdev, ydev) = data["train"], data["dev"]
    mdl.manual_seed(args.seed)
    model = NamesTransformer(args.layers, args.width, args.heads, args.block_size,
                             device=device)
    optimizer = optim.AdamW(parameter_groups(model, args.weight_decay), lr=args.lr)
    scheduler = warmup_cosine(optimizer, args.warmup, args.steps, args.final_lr_ratio)
    batches = np.random.default_rng(args.seed)
    evals = [{"step": 0, "dev_loss": mean_loss(model, xdev, ydev, device)}]
    window, norms = [], []
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        ix = batches.integers(0, len(xtr), args.batch_size)
        xb, yb = mdl.tensor(xtr[ix], device=device), mdl.tensor(ytr[ix], device=device)
        logits = model(xb)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), yb.view(-1),
                               ignore_index=IGNORE_INDEX)
        optimizer.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), args.clip).item())
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        window.append(loss.item())
        if step % args.eval_every == 0 or step == args.steps:
            evals.append({"step": step, "dev_loss": mean_loss(model, xdev, ydev, device),
                          "train_batch_loss": float(np.mean(window)), "lr": lr,
                          "grad_norm": float(np.mean(norms)),
                          "clipped": float(np.mean(np.array(norms) > args.clip))})
            window, norms = [], []
    seconds = time.perf_counter() - started
    final = {split: mean_loss(model, *data[split], device) for split in ("train", "dev")}
    best = min(evals, key=lambda e: e["dev_loss"])
    samples = sample_names(model, args.samples, np.random.default_rng(args.seed + 1), device)
    print(f"transformer: train {final['train']:.4f}, dev {final['dev']:.4f} "
          f"(lowest dev {best['dev_loss']:.4f} at step {best['step']}; "
          f"{seconds:.1f} s for {args.steps} steps)")
    return {"final": final, "best_dev": {"step": best["step"], "dev_loss": best["dev_loss"]},
            "evals": evals, "seconds": round(seconds, 1), "samples": samples,
            "parameters": sum(p.numel() for p in model.parameters())}


def load_mlp_results(path, split_seed):
    """names_mlp.py's final losses, when its results exist for the same split."""
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    config = results.get("config", {})
    if config.get("split_seed") != split_seed or config.get("quick"):
        return None
    return {name: {"final": results[name]["final"], "parameters": results[name]["parameters"],
                   "steps": config["steps"]} for name in ("no-bn", "bn") if name in results}


def write_report(path, result, config, mlp, figures, training_names):
    lines = ["# Names transformer", "",
             f"{config['split']} names, block {config['block_size']}, {config['layers']} "
             f"pre-LayerNorm blocks of width {config['width']} with {config['heads']} heads, "
             f"{config['steps']} AdamW steps of {config['batch_size']} names (peak lr "
             f"{config['lr']}, {config['warmup']} warm-up steps, cosine to "
             f"{config['final_lr_ratio']} of the peak, weight decay {config['weight_decay']}, "
             f"gradient norm clipped to {config['clip']}), seed {config['seed']}, device "
             f"{config['device']}.", "",
             "## Loss (nats per character, eval mode)", "",
             "| model | parameters | steps | train | dev |", "|---|---|---|---|---|",
             f"| transformer | {result['parameters']:,} | {config['steps']} | "
             f"{result['final']['train']:.4f} | {result['final']['dev']:.4f} |"]
    labels = {"no-bn": "MLP without BN", "bn": "MLP with BN"}
    for name, r in (mlp or {}).items():
        lines.append(f"| {labels[name]} | {r['parameters']:,} | {r['steps']} | "
                     f"{r['final']['train']:.4f} | {r['final']['dev']:.4f} |")
    if mlp is None:
        lines += ["", "(Run examples/names_mlp.py first for the MLP's losses beside these.)"]
    windows = result["evals"][1:]
    clipped = sum(e["clipped"] for e in windows) / len(windows)
    lines += ["", f"Lowest dev loss during training: {result['best_dev']['dev_loss']:.4f} "
                  f"at step {result['best_dev']['step']}. Gradient norm before clipping: "
                  f"{min(e['grad_norm'] for e in windows):.2f} to "
                  f"{max(e['grad_norm'] for e in windows):.2f} (means over the evaluation "
                  f"intervals); {100 * clipped:.0f}% of the steps were clipped.", "",
              "## Sampled names (* also in the training set)", ""]
    lines += [", ".join(n + ("*" if n in training_names else "") for n in result["samples"])]
    lines += ["", "## Figures", ""] + [f"- ![{f}]({f})" for f in figures]
    lines += ["", "## Wall time", "",
              f"- training: {result['seconds']} s; whole run: {config['wall_seconds']} s on "
              f"{config['machine']}",
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
    data = {k: padded_sequences(v, args.block_size) for k, v in splits.items()}
    result = train(args, data, device)
    mlp = load_mlp_results(args.mlp_results, args.split_seed)
    references = [(r["final"]["dev"], f"MLP {'with' if name == 'bn' else 'without'} BN, "
                                      f"final dev") for name, r in (mlp or {}).items()]
    figures = []
    if plot_loss_curves({"dev": ([e["step"] for e in result["evals"]],
                                 [e["dev_loss"] for e in result["evals"]]),
                         "training batches": ([e["step"] for e in result["evals"][1:]],
                                              [e["train_batch_loss"]
                                               for e in result["evals"][1:]])},
                        os.path.join(args.out, "loss.png"), "Names transformer: loss",
                        references=references):
        figures.append("loss.png")
    else:
        print("matplotlib is not installed: figures skipped (pip install 'minidl[plot]')")
    config = {key: getattr(args, key) for key in
              ("steps", "batch_size", "block_size", "layers", "width", "heads", "lr", "warmup",
               "final_lr_ratio", "weight_decay", "clip", "eval_every", "seed", "split_seed",
               "quick")}
    config.update({
        "device": device, "split": ", ".join(f"{k} {len(v)}" for k, v in splits.items()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{platform.python_implementation()} {platform.python_version()}",
        "load_start": load_start, "load_end": [round(v, 2) for v in os.getloadavg()],
        "wall_seconds": round(time.perf_counter() - wall_started, 1)})
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"config": config, "transformer": result, "mlp": mlp}, f, indent=1)
    write_report(os.path.join(args.out, "report.md"), result, config, mlp, figures,
                 set(splits["train"]))
    print(f"results in {args.out} ({config['wall_seconds']} s)")
    return result


if __name__ == "__main__":
    main()
