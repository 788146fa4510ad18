"""ActivationRecorder: a forward hook that records percentiles of what one
module sees (its input or its output), for one unit or the whole layer, as
training goes. Figure 1(b, c) of the paper is its {15, 50, 85} percentiles of
the input to one sigmoid of the last hidden layer."""

import numpy as np


class ActivationRecorder:
    """Attach to ``module``; every ``every``-th forward call in training mode
    appends ``{"step": call, "p15": ..., ...}`` to ``self.records``.

    ``unit`` picks one feature (index along axis 1); None pools the layer."""

    def __init__(self, module, percentiles=(15, 50, 85), unit=0, on="input", every=1):
        if on not in ("input", "output"):
            raise ValueError(f"ActivationRecorder: on must be 'input' or 'output', got {on!r}")
        if every < 1:
            raise ValueError(f"ActivationRecorder: every must be >= 1, got {every!r}")
        for p in percentiles:
            if not 0 <= p <= 100:
                raise ValueError(f"ActivationRecorder: percentile {p} outside [0, 100]")
        self.percentiles = tuple(percentiles)
        self.unit = unit
        self.on = on
        self.every = every
        self.calls = 0
        self.records = []
        self._handle = module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        if not module.training:
            return None
        self.calls += 1
        if self.calls % self.every:
            return None
        values = (inputs[0] if self.on == "input" else output).numpy()
        if self.unit is not None:
            if values.ndim < 2 or not 0 <= self.unit < values.shape[1]:
                raise ValueError(f"ActivationRecorder: unit {self.unit} out of range for "
                                 f"shape {values.shape}")
            values = values[:, self.unit]
        stats = np.percentile(values, self.percentiles)
        record = {"step": self.calls}
        record.update({f"p{p:g}": float(v) for p, v in zip(self.percentiles, stats)})
        self.records.append(record)
        return None

    def remove(self):
        self._handle.remove()
