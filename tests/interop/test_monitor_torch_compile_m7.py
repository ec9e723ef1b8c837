"""Issue 17 (M7): Monitor(torch.compile(model), every=1) printed some twenty Dynamo warnings ('Graph break from
Tensor.item()') whose tracebacks pointed into actlab/interop/torch.py: Dynamo traced the monitor's hooks into the
compiled graph. The hooks now run outside it, so a compiled model under the monitor logs and warns nothing that names
actlab's files, and its reports equal the same model's uncompiled reports (same seed, same data)."""

from __future__ import annotations

import io
import logging
import math
import warnings

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class _Functional(nn.Module):
    """An MLP whose activation is applied as a function (watched by the monitor's function mode)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(8, 16), nn.Linear(16, 16), nn.Linear(16, 3)

    def forward(self, x):
        return self.out(torch.tanh(self.fc2(nn.functional.gelu(self.fc1(x)))))


def _sequential():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))


def _run(make, compiled: bool, steps: int = 3):
    torch.manual_seed(0)
    model = make()
    called = torch.compile(model, backend="eager") if compiled else model
    mon = Monitor(called, every=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x, y = torch.randn(32, 8, generator=g), torch.randint(0, 3, (32,), generator=g)
        monitored_step(mon, called, x, y, opt)
    return mon.report()


@pytest.mark.parametrize("make", [_sequential, _Functional], ids=["modules", "functions"])
def test_compiled_model_warns_nothing_from_actlab_and_reports_as_uncompiled(make):
    torch._dynamo.reset()
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    dynamo = logging.getLogger("torch._dynamo")  # torch's own loggers do not propagate to the root's (caplog)
    dynamo.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled = _run(make, compiled=True)
    finally:
        dynamo.removeHandler(handler)
        torch._dynamo.reset()
    said = log.getvalue().splitlines() + [f"{w.filename}: {w.message}" for w in caught]
    assert not [line for line in said if "actlab" in line], "\n".join(said)
    plain = _run(make, compiled=False)
    assert compiled.step == plain.step == 3 and compiled.sampled_steps == plain.sampled_steps
    assert [r.name for r in compiled.layers] == [r.name for r in plain.layers]
    assert len(plain.layers) == 2
    for a, b in zip(compiled.layers, plain.layers, strict=True):
        for f in ("act_grad_norm", "weight_grad_norm", "mean", "std", "zero_derivative_fraction"):
            assert math.isclose(getattr(a, f), getattr(b, f), rel_tol=1e-5, abs_tol=1e-7), (a.name, f)
        assert (a.dead, a.saturated, a.dormant, a.non_finite) == (b.dead, b.saturated, b.dormant, b.non_finite)
        assert a.words == b.words
    assert compiled.reading.status == plain.reading.status
    assert math.isclose(compiled.loss, plain.loss, rel_tol=1e-6)
