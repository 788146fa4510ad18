"""The MNIST network of the Batch Normalization paper (PAPER.md section 6):
784-100-100-100-10, sigmoid hidden units, weights from a small Gaussian,
softmax cross-entropy on the output. With ``batch_norm=True`` a BatchNorm1d
sits before each sigmoid and that layer's bias is dropped (beta replaces it).
"""

from minidl import nn


class PaperMLP(nn.Module):
    def __init__(self, batch_norm=False, in_features=784, hidden=(100, 100, 100),
                 num_classes=10, init_std=0.05):
        super().__init__()
        self.batch_norm = batch_norm
        layers = []
        width = in_features
        for size in hidden:
            linear = nn.Linear(width, size, bias=not batch_norm)
            layers.append(linear)
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(nn.Sigmoid())
            width = size
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(width, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                # "small random Gaussian values": N(0, 0.05^2) by default, which
                # leaves the sigmoid baseline slow to start, as in the paper
                nn.init.normal_(module.weight, 0.0, init_std)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    @property
    def last_sigmoid(self):
        """The sigmoid of the last hidden layer (Figure 1b/c records its input)."""
        return [m for m in self.features if isinstance(m, nn.Sigmoid)][-1]

    def forward(self, x):
        return self.classifier(self.features(x))
