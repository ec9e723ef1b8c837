"""Monitor(torch.compile(model), every="auto") reads the model's layers: its first step is sampled, so Dynamo
compiles the forward with the hooks attached (compiled with none, the later sampled steps called none: 0 layers)."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


@pytest.mark.parametrize("every", ["auto", 5])
def test_a_compiled_model_under_auto_is_read(every):
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 5))
    compiled = torch.compile(model, backend="eager")
    mon = Monitor(compiled, every=every)
    x, y = torch.randn(64, 20), torch.randint(0, 5, (64,))
    for _ in range(20):
        monitored_step(mon, compiled, x, y)
        model.zero_grad()
    report = mon.report()
    assert [layer.name for layer in report.layers] == ["1", "3"]
    assert all(layer.act_grad_norm > 0 and layer.weight_grad_norm > 0 for layer in report.layers)
    assert mon.sampled_steps >= 4
    torch._dynamo.reset()
