"""The op-level profiler: what it counts, and that it leaves nothing patched."""

import minidl as mdl
import minidl.functional as F
from minidl import nn
from minidl.backend.cpu import CpuBackend
from minidl.ops.linalg import Linear


def test_profile_counts_ops_and_primitives_then_unpatches():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))
    x = mdl.randn(8, 4)
    y = mdl.tensor([0, 1, 0, 1, 1, 0, 0, 1])
    original_forward = Linear.__dict__["forward"]
    original_matmul = CpuBackend.matmul
    with mdl.profile() as p:
        for _ in range(2):
            F.cross_entropy(model(x), y).backward()
    assert p.stats[("op", "Linear.forward")].calls == 4
    assert p.stats[("op", "Linear.backward")].calls == 4
    assert p.stats[("op", "BatchNormTrain.backward")].calls == 2
    assert p.stats[("primitive", "cpu.batch_norm_forward_train")].calls == 2
    assert p.stats[("primitive", "cpu.matmul")].calls >= 4
    # the first call (kernel loading) is kept apart from the steady state
    first = p.stats[("op", "Linear.forward")]
    assert first.first is not None and first.seconds >= 0
    table = p.table()
    assert "| Linear.forward | 4 |" in table and "cpu.matmul" in table
    assert "first call ms" in table
    assert Linear.__dict__["forward"] is original_forward
    assert CpuBackend.matmul is original_matmul
    assert not mdl.autograd._observers
