"""Issue 17, W76 walkthrough finding 5: a run already clipping its gradients (clip_grad_norm_ at 1) that still blew up
was told to 'clip the gradients' norm', the clipping it had invisible. Where the monitor saw the optimiser step with
a gradient cut (its norm at opt.step() under 0.99 of the one after backward), its remedies ask for a tighter limit,
with the figures. References: clip_grad_norm_'s own return (the norm before clipping) at the step the words name,
and the same run without clipping (the control keeps the advice to clip)."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(clip: bool):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e4)
    mon = Monitor(model, every=1, chance_loss=1.0)
    norms = {}
    for step in range(1, 60):
        x = torch.randn(64, 12)
        with mon.step() as s:
            loss = F.mse_loss(model(x), x[:, :1])
            loss.backward()
            s.loss = loss
        if clip:
            norms[step] = float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0))
        opt.step()
        opt.zero_grad()
    reading = mon.report().reading
    mon.close()
    return reading, norms


@pytest.mark.parametrize("clip", [True, False])
def test_a_run_clipping_already_is_told_to_clip_tighter(clip):
    reading, norms = _run(clip)
    assert reading.status.value == "diverged", reading.words
    said = re.search(r"clip tighter: clipping is on already \(at training step (\d+) the gradients' norm was (\S+) "
                     r"after backward and (\S+) at opt.step\(\)\), so lower its limit", reading.remedy)
    if not clip:
        assert said is None and "clip the gradients' norm (torch.nn.utils.clip_grad_norm_" in reading.remedy
        return
    assert said, reading.remedy
    step, before, after = int(said[1]), float(said[2]), float(said[3])
    # (the monitor's norm is of the watched weight matrices, clip_grad_norm_'s of every parameter, biases too)
    assert 0.5 < before / norms[step] <= 1.005, (before, norms[step])  # (3 significant digits)
    assert after <= 1.0 + 1e-4
    assert "clip the gradients' norm (torch.nn.utils" not in reading.remedy
