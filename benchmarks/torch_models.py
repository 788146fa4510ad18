"""PyTorch twins of minidl's ready-made networks (models/mlp.py and
models/inception.py), layer for layer, with the same state_dict keys, so
that one set of weights loads into both with ``load_state_dict(strict=True)``.
Only the architecture is copied: the weights always come from minidl's
models (see worker_minidl.py), so the initialisation here does not matter.
"""

import torch
from torch import nn


class PaperMLP(nn.Module):
    """784-100-100-100-10 with sigmoid hidden units; with ``batch_norm`` a
    BatchNorm1d before each sigmoid and no bias on the layer before it."""

    def __init__(self, batch_norm=False, in_features=784, hidden=(100, 100, 100),
                 num_classes=10):
        super().__init__()
        layers = []
        width = in_features
        for size in hidden:
            layers.append(nn.Linear(width, size, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(nn.Sigmoid())
            width = size
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


def conv_unit(in_channels, out_channels, kernel_size, bn, stride=1):
    """Convolution, then BatchNorm when asked, then ReLU."""
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                        padding=kernel_size // 2, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class InceptionModule(nn.Module):
    """1x1; 1x1 -> 3x3; 1x1 -> 3x3 -> 3x3; 3x3 max pool -> 1x1; joined on channels."""

    def __init__(self, in_channels, branch_1x1, branch_3x3, branch_double_3x3, pool_proj,
                 bn=True):
        super().__init__()
        reduce3, out3 = branch_3x3
        reduce5, out5 = branch_double_3x3
        self.branch1 = conv_unit(in_channels, branch_1x1, 1, bn)
        self.branch3 = nn.Sequential(conv_unit(in_channels, reduce3, 1, bn),
                                     conv_unit(reduce3, out3, 3, bn))
        self.branch5 = nn.Sequential(conv_unit(in_channels, reduce5, 1, bn),
                                     conv_unit(reduce5, out5, 3, bn),
                                     conv_unit(out5, out5, 3, bn))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                         conv_unit(in_channels, pool_proj, 1, bn))
        self.out_channels = branch_1x1 + out3 + out5 + pool_proj

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x),
                          self.branch_pool(x)], dim=1)


class GlobalAvgPool2d(nn.Module):
    """(N, C, H, W) -> (N, C), the mean over all positions."""

    def forward(self, x):
        return x.mean(dim=(2, 3))


class SmallInception(nn.Module):
    """Stem (3x3, stride 2), Inception module, 2x2 max pool, Inception module,
    global average pool, linear classifier; minidl's defaults (no dropout)."""

    def __init__(self, in_channels=1, num_classes=10, bn=True, stem_channels=32):
        super().__init__()
        self.stem = conv_unit(in_channels, stem_channels, 3, bn, stride=2)
        self.block1 = InceptionModule(stem_channels, 16, (16, 24), (8, 12), 12, bn)
        self.reduce = nn.MaxPool2d(2, stride=2)
        self.block2 = InceptionModule(self.block1.out_channels, 24, (24, 32), (12, 20), 20,
                                      bn)
        self.pool = GlobalAvgPool2d()
        self.dropout = nn.Identity()
        self.classifier = nn.Linear(self.block2.out_channels, num_classes)

    def forward(self, x):
        x = self.block1(self.stem(x))
        x = self.block2(self.reduce(x))
        return self.classifier(self.dropout(self.pool(x)))
