"""Small Inception-style networks for the paper's section 4.2 experiments in
miniature (PAPER.md sections 7 and 8).

An :class:`InceptionModule` runs four branches on the same input and joins
them along the channel axis: a 1x1 convolution; 1x1 then 3x3; 1x1 then two
3x3 (in place of a 5x5, as in the paper's Inception variant); and a 3x3 max
pool with stride 1 followed by a 1x1 projection. With ``bn=True`` every
convolution is followed by BatchNorm2d before its nonlinearity and loses its
bias (beta takes its role).
"""

import minidl as mdl
from minidl import nn


def conv_unit(in_channels, out_channels, kernel_size, bn, activation, stride=1):
    """Convolution, then BatchNorm when asked, then the nonlinearity."""
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                        padding=kernel_size // 2, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(_activation(activation))
    return nn.Sequential(*layers)


def _activation(name):
    if name == "relu":
        return nn.ReLU()
    if name == "sigmoid":
        return nn.Sigmoid()
    raise ValueError(f"activation must be 'relu' or 'sigmoid', got {name!r}")


class InceptionModule(nn.Module):
    """Four branches joined by channel concatenation.

    ``branch_1x1``: channels of the 1x1 branch; ``branch_3x3``: (reduce, out)
    of the 1x1 -> 3x3 branch; ``branch_double_3x3``: (reduce, out) of the
    1x1 -> 3x3 -> 3x3 branch; ``pool_proj``: channels of the pool branch.
    The output has the sum of the four out channels."""

    def __init__(self, in_channels, branch_1x1, branch_3x3, branch_double_3x3, pool_proj,
                 bn=True, activation="relu"):
        super().__init__()
        _activation(activation)  # fail early on a bad name
        reduce3, out3 = branch_3x3
        reduce5, out5 = branch_double_3x3
        self.branch1 = conv_unit(in_channels, branch_1x1, 1, bn, activation)
        self.branch3 = nn.Sequential(conv_unit(in_channels, reduce3, 1, bn, activation),
                                     conv_unit(reduce3, out3, 3, bn, activation))
        self.branch5 = nn.Sequential(conv_unit(in_channels, reduce5, 1, bn, activation),
                                     conv_unit(reduce5, out5, 3, bn, activation),
                                     conv_unit(out5, out5, 3, bn, activation))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                         conv_unit(in_channels, pool_proj, 1, bn, activation))
        self.out_channels = branch_1x1 + out3 + out5 + pool_proj

    def forward(self, x):
        return mdl.cat([self.branch1(x), self.branch3(x), self.branch5(x),
                        self.branch_pool(x)], dim=1)


class SmallInception(nn.Module):
    """Stem convolution (stride 2), an Inception module, a stride-2 max-pool
    reduction, a second module, global average pooling, optional dropout and
    a linear classifier. For 1x28x28 inputs: 28 -> 14 -> 7 spatially, about
    26k parameters with the default widths."""

    def __init__(self, in_channels=1, num_classes=10, bn=True, activation="relu",
                 dropout=0.0, stem_channels=32):
        super().__init__()
        self.stem = conv_unit(in_channels, stem_channels, 3, bn, activation, stride=2)
        self.block1 = InceptionModule(stem_channels, 16, (16, 24), (8, 12), 12, bn, activation)
        self.reduce = nn.MaxPool2d(2, stride=2)
        self.block2 = InceptionModule(self.block1.out_channels, 24, (24, 32), (12, 20), 20,
                                      bn, activation)
        self.pool = nn.GlobalAvgPool2d()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(self.block2.out_channels, num_classes)

    def forward(self, x):
        x = self.block1(self.stem(x))
        x = self.block2(self.reduce(x))
        return self.classifier(self.dropout(self.pool(x)))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
