"""An activation function a script applies to a detached value, a metric in its own forward hook, is no layer (issue
17, W35 walkthrough finding 8): F.gelu(out.detach()) in a hook on a transformer's linear1 became a place named
'enc.layers.0.linear1>detach:gelu', and the model's own GELU rows were renamed ':gelu#2'. Reference: the same model
and batches monitored without the hook, row for row."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(6, 16), nn.Linear(16, 16), nn.Linear(16, 2)

    def forward(self, x):
        return self.out(F.gelu(self.fc2(F.gelu(self.fc1(x)))))


def _rows(hooked: bool):
    torch.manual_seed(0)
    model = _Net()
    seen = []
    if hooked:  # the script's own metric: the share of fc1's outputs GELU would pass at more than half
        model.fc1.register_forward_hook(
            lambda m, i, o: seen.append(float((F.gelu(o.detach()) > 0.5 * o.detach()).float().mean())))
    mon = Monitor(model, every=1)
    for _ in range(4):
        with mon.step():
            model(torch.randn(32, 6)).pow(2).mean().backward()
        model.zero_grad()
    return [dataclasses.asdict(l) for l in mon.report().layers], seen


def test_a_function_on_a_detached_value_in_a_script_hook_is_no_place():
    plain, _ = _rows(False)
    hooked, seen = _rows(True)
    assert len(seen) == 4  # the premise: the hook ran on every step, F.gelu on the detached output
    assert [r["name"] for r in hooked] == [r["name"] for r in plain] == ["fc1:gelu", "fc2:gelu"]
    for h, p in zip(hooked, plain, strict=True):  # (the compiled passes may sum in another order: to round-off)
        assert h.keys() == p.keys()
        for key, value in p.items():
            if isinstance(value, float):
                assert h[key] == pytest.approx(value, rel=1e-6, abs=1e-12, nan_ok=True), key
            else:
                assert h[key] == value, key
