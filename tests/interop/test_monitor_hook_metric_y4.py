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


def _no_grad_gelu(o):
    with torch.no_grad():
        return F.gelu(o).mean()


# the script's own metric on fc1's output, each way of cutting it from the graph (W35: detached; W84 finding 10: a
# float copy of the detached value, as a bf16 model's script writes it; under no_grad)
METRICS = {
    "detach": lambda o: (F.gelu(o.detach()) > 0.5 * o.detach()).float().mean(),
    "detach_float": lambda o: F.gelu(o.detach().float()).mean(),
    "no_grad": _no_grad_gelu,
}


def _rows(hooked: str | None):
    torch.manual_seed(0)
    model = _Net()
    seen = []
    if hooked:  # the script's own metric: the share of fc1's outputs GELU would pass at more than half
        metric = METRICS[hooked]
        model.fc1.register_forward_hook(lambda m, i, o: seen.append(float(metric(o))))
    mon = Monitor(model, every=1)
    for _ in range(4):
        with mon.step():
            model(torch.randn(32, 6)).pow(2).mean().backward()
        model.zero_grad()
    return [dataclasses.asdict(l) for l in mon.report().layers], seen


@pytest.mark.parametrize("hooked", list(METRICS))
def test_a_function_on_a_detached_value_in_a_script_hook_is_no_place(hooked):
    plain, _ = _rows(None)
    hooked, seen = _rows(hooked)
    assert len(seen) == 4  # the premise: the hook ran on every step, F.gelu on the detached output
    assert [r["name"] for r in hooked] == [r["name"] for r in plain] == ["fc1:gelu", "fc2:gelu"]
    for h, p in zip(hooked, plain, strict=True):  # (the compiled passes may sum in another order: to round-off)
        assert h.keys() == p.keys()
        for key, value in p.items():
            if isinstance(value, float):
                assert h[key] == pytest.approx(value, rel=1e-6, abs=1e-12, nan_ok=True), key
            else:
                assert h[key] == value, key


def test_a_layer_written_as_a_hook_that_returns_an_activation_keeps_its_row():
    """The other side: a hook that returns F.relu of the module's output makes the model's layer (its return value is
    the output), so its call is watched as one. Reference: the fraction of units never on, counted from the hook's
    own output, and |dL/da| from autograd on it."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Linear(16, 2))
    held = []

    def hook(m, i, o):
        a = F.relu(o)
        a.retain_grad()
        held.append(a)
        return a

    model[0].register_forward_hook(hook)
    mon = Monitor(model, every=1)
    x = torch.randn(32, 6)
    with mon.step():
        model(x).pow(2).mean().backward()
    rows = mon.report().layers
    assert [r.name for r in rows] == ["0:relu"], [r.name for r in rows]
    a = held[-1]
    assert rows[0].act_grad_norm == pytest.approx(float(a.grad.norm()), rel=1e-5)
    assert rows[0].dead == int(((a > 0).sum(0) == 0).sum())
