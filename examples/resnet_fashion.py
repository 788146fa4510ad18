"""A small ResNet on Fashion-MNIST, written as a PyTorch user writes one.

    python examples/resnet_fashion.py            # the full run (~15 min on 2 CPU cores)
    python examples/resnet_fashion.py --quick    # a smoke run of a few seconds
    python examples/resnet_fashion.py --device cuda

The network is a CIFAR-style ResNet (He et al., 2016) shrunk to 28x28 grey
images: a 3x3 stem convolution to 16 channels, three stages of basic blocks
with 16, 32 and 64 channels (stride 2 between stages), global average
pooling and a linear classifier. The data pipeline is torchvision's, under
minidl's names: ``vision.datasets.FashionMNIST`` with random crops (padding 2)
and horizontal flips, ``ToTensor`` and ``Normalize``, batched by
``utils.data.DataLoader`` with worker processes. SGD with Nesterov momentum
and weight decay follows a OneCycle learning-rate schedule, stepped per batch.

Each epoch records the mean training loss and the loss and accuracy on the
whole test set (10,000 images). Written into --out (default
results/resnet_fashion/): results.json, curve.png (train loss and test
accuracy per epoch; skipped without matplotlib) and report.md with the data
split read, the configuration, the machine's load and the wall time.
"""

import argparse
import json
import os
import platform
import sys
import time

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.utils.data import DataLoader, Subset
from minidl.vision import datasets, transforms

# Mean and standard deviation of the Fashion-MNIST training pixels (in [0, 1]).
FASHION_MEAN, FASHION_STD = (0.2860,), (0.3530,)

FULL = {"epochs": 6, "batch_size": 256, "max_lr": 0.2, "train_size": None,
        "test_size": None}
# --quick: one short epoch on a slice of the data, to check that everything runs.
QUICK = {"epochs": 1, "batch_size": 32, "max_lr": 0.2, "train_size": 512, "test_size": 500}


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions with batch norm, added to a
    shortcut, then ReLU.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        stride: stride of the first convolution (2 halves height and width).

    The shortcut is the identity when the shape is kept, else a 1x1
    convolution with ``stride`` followed by batch norm (a projection). Input
    (N, in_channels, H, W), output (N, out_channels, H / stride, W / stride).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """A small ResNet for 28x28 single-channel images.

    Args:
        widths: channels of each stage (default 16, 32, 64); every stage after
            the first starts with a stride-2 block.
        blocks_per_stage: basic blocks in each stage (default 1: 8 weighted
            layers counting the stem and the classifier).
        num_classes: outputs of the classifier (default 10).

    Input (N, 1, H, W), output (N, num_classes) logits.
    """

    def __init__(self, widths=(16, 32, 64), blocks_per_stage: int = 1,
                 num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(1, widths[0], 3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU())
        blocks, channels = [], widths[0]
        for stage, width in enumerate(widths):
            for index in range(blocks_per_stage):
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(BasicBlock(channels, width, stride))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run of a few seconds: one epoch of 512 training "
                             "images in batches of 32, 500 test images")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"passes over the training set (default {FULL['epochs']})")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"training batch size (default {FULL['batch_size']})")
    parser.add_argument("--max-lr", type=float, default=None,
                        help=f"OneCycle's peak learning rate (default {FULL['max_lr']})")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images only (default: all; "
                             "512 with --quick)")
    parser.add_argument("--test-size", type=int, default=None,
                        help="test on the first N test images only (default: all 10,000; "
                             "500 with --quick)")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--blocks", type=int, default=1,
                        help="basic blocks per stage (default 1)")
    parser.add_argument("--workers", type=int, default=1,
                        help="DataLoader worker processes for the training set (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--data", default=None,
                        help="root folder searched for Fashion-MNIST before $MINIDL_DATA "
                             "and minidl's cache")
    parser.add_argument("--download", action="store_true",
                        help="download Fashion-MNIST when it is not found")
    parser.add_argument("--out", default="results/resnet_fashion",
                        help="folder for results.json, curve.png and report.md")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for name in ("epochs", "batch_size", "max_lr", "train_size", "test_size"):
        if getattr(args, name) is None:
            setattr(args, name, preset[name])
    for name in ("epochs", "batch_size", "train_size", "test_size", "blocks"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if args.workers < 0:
        parser.error(f"--workers must be 0 or more, got {args.workers}")
    return args


def load_data(args):
    """The training and test sets with their transforms (subsets for --quick)."""
    train_transform = transforms.Compose([
        transforms.RandomCrop(28, padding=2),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(FASHION_MEAN, FASHION_STD),
    ])
    test_transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(FASHION_MEAN, FASHION_STD),
    ])
    train_set = datasets.FashionMNIST(args.data, train=True, download=args.download,
                                      transform=train_transform)
    test_set = datasets.FashionMNIST(args.data, train=False, download=args.download,
                                     transform=test_transform)
    split = {"split_name": train_set.split_name,
             "files": {key: str(path) for key, path in train_set.files.items()}}
    if args.train_size is not None:
        train_set = Subset(train_set, range(args.train_size))
    if args.test_size is not None:
        test_set = Subset(test_set, range(args.test_size))
    return train_set, test_set, split


def train_epoch(model, loader, optimizer, scheduler, device):
    """One pass over ``loader``; returns the mean training loss."""
    model.train()
    total, count = 0.0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item() * len(labels)
        count += len(labels)
    return total / count


def evaluate(model, loader, device):
    """(mean loss, accuracy) of ``model`` over ``loader``."""
    model.eval()
    loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            count += len(labels)
    return loss / count, correct / count


def plot_curves(history, path):
    """Train loss and test accuracy per epoch, side by side. Returns False
    (and writes nothing) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: works without a display
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = [r["epoch"] for r in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(epochs, [r["train_loss"] for r in history], marker="o", label="train")
    left.plot(epochs, [r["test_loss"] for r in history], marker="s", label="test")
    left.set_ylabel("cross-entropy loss")
    left.set_title("Loss per epoch")
    left.legend()
    right.plot(epochs, [r["test_accuracy"] for r in history], marker="o", color="tab:green")
    right.set_ylabel("test accuracy")
    right.set_title("Test accuracy per epoch")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def machine_load() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def write_report(results, path):
    config, split = results["config"], results["data"]
    lines = [
        "# A small ResNet on Fashion-MNIST",
        "",
        f"Run on {results['date']} on {results['machine']}, device `{config['device']}`; "
        f"load average (1, 5, 15 min) {results['load_before']} at the start and "
        f"{results['load_after']} at the end.",
        "",
        f"- Network: ResNet with stages {config['widths']}, {config['blocks']} basic "
        f"block(s) per stage, {results['parameters']:,} parameters.",
        f"- Data: Fashion-MNIST, split `{split['split_name']}` "
        f"({results['train_images']:,} training images, {results['test_images']:,} test "
        "images); augmentation RandomCrop(28, padding=2) and RandomHorizontalFlip.",
        f"- Training: {config['epochs']} epoch(s) of batches of {config['batch_size']}, SGD "
        f"(Nesterov momentum 0.9, weight decay {config['weight_decay']}), OneCycle to "
        f"{config['max_lr']}, seed {config['seed']}, {config['workers']} loader worker(s).",
        f"- Wall time: {results['wall_s']:.0f} s in all, {results['train_s']:.0f} s "
        "training, the rest evaluating, loading and compiling.",
        "",
        f"**Final test accuracy: {results['history'][-1]['test_accuracy']:.4f}** "
        f"({results['test_images']:,} test images).",
        "",
        "| epoch | train loss | test loss | test accuracy | epoch time (s) |",
        "|---|---|---|---|---|",
    ]
    for r in results["history"]:
        lines.append(f"| {r['epoch']} | {r['train_loss']:.4f} | {r['test_loss']:.4f} | "
                     f"{r['test_accuracy']:.4f} | {r['epoch_s']:.1f} |")
    lines += ["", "![training curves](curve.png)", ""]
    files = "\n".join(f"- `{key}`: {value}" for key, value in split["files"].items())
    lines += ["Files read:", "", files, ""]
    path.write_text("\n".join(lines))


def main(argv=None):
    args = parse_args(argv)
    from pathlib import Path

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    load_before = machine_load()
    torch.manual_seed(args.seed)

    train_set, test_set, split = load_data(args)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              drop_last=True, num_workers=args.workers,
                              persistent_workers=args.workers > 0)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = ResNet(blocks_per_stage=args.blocks).to(args.device)
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = optim.SGD(model.parameters(), lr=args.max_lr, momentum=0.9, nesterov=True,
                          weight_decay=args.weight_decay)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.max_lr,
                                              epochs=args.epochs,
                                              steps_per_epoch=len(train_loader))
    print(f"ResNet, {parameters:,} parameters; Fashion-MNIST split {split['split_name']}, "
          f"{len(train_set):,} training / {len(test_set):,} test images; device "
          f"{args.device}", flush=True)

    history, train_s = [], 0.0
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        train_loss = train_epoch(model, train_loader, optimizer, scheduler, args.device)
        train_s += time.perf_counter() - epoch_start
        test_loss, test_accuracy = evaluate(model, test_loader, args.device)
        history.append({"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
                        "test_accuracy": test_accuracy,
                        "epoch_s": time.perf_counter() - epoch_start})
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {test_accuracy:.4f} ({history[-1]['epoch_s']:.0f} s)",
              flush=True)

    results = {
        "config": {"epochs": args.epochs, "batch_size": args.batch_size,
                   "max_lr": args.max_lr, "weight_decay": args.weight_decay,
                   "blocks": args.blocks, "widths": [16, 32, 64], "workers": args.workers,
                   "seed": args.seed, "device": str(args.device), "quick": args.quick},
        "data": split, "train_images": len(train_set), "test_images": len(test_set),
        "parameters": parameters, "history": history,
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{platform.python_implementation()} {platform.python_version()}",
        "load_before": load_before, "load_after": machine_load(),
        "train_s": train_s, "wall_s": time.perf_counter() - start,
    }
    (out / "results.json").write_text(json.dumps(results, indent=1))
    if not plot_curves(history, out / "curve.png"):
        print("matplotlib is not installed: curve.png skipped", file=sys.stderr)
    write_report(results, out / "report.md")
    print(f"final test accuracy {history[-1]['test_accuracy']:.4f}; wall time "
          f"{results['wall_s']:.0f} s; wrote {out}/", flush=True)
    return results


if __name__ == "__main__":
    main()
