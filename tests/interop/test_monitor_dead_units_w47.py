"""Issue 17 (W47 walkthrough, finding 3): channels of a CNN killed on purpose were counted ('3 of 16 units ... are
dead'), but the report, LayerStats and the log gave counts only, so a user could not check they were those channels,
nor prune them. LayerStats.dead_units names them by index (the first 32), the layer's words say them, and the log
carries them. Reference: the test's own channels that were never positive on any batch."""

from __future__ import annotations

import json
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.log_read import read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_the_dead_channels_are_named_by_index(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
    with torch.no_grad():
        model[1].bias[[2, 5, 11]] = -50.0
    log = tmp_path / "cnn.jsonl"
    ever_on = torch.zeros(16, dtype=torch.bool)
    with Monitor(model, every=1, chance_loss=math.log(4), log=log) as mon:
        for _ in range(8):
            x = torch.randn(16, 3, 12, 12)
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x), torch.randint(0, 4, (16,)))
                loss.backward()
                s.loss = loss
            with torch.no_grad():
                ever_on |= (model[2](model[1](model[0](x))) > 0).any(dim=(0, 2, 3))
            model.zero_grad()
    own = tuple(int(k) for k in torch.nonzero(~ever_on).flatten())
    assert own == (2, 5, 11)  # the premise
    row = mon.report().layers[0]
    assert row.dead == 3 and row.dead_units == own
    assert row.words.startswith("3 of 16 units in module '2' (ReLU) are dead over the last 8 sampled batches (by "
                                "index: 2, 5, 11)")
    last = [json.loads(t) for t in log.read_text().splitlines() if '"layers"' in t][-1]
    assert last["layers"][0]["dead_units"] == [2, 5, 11]
    assert read_log(log).reports[-1]["layers"][0]["dead_units"] == [2, 5, 11]


def test_past_32_dead_units_the_first_32_are_named():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 2))
    with torch.no_grad():
        model[0].weight[:40] *= 0.01
        model[0].bias[:40] = -5.0
    mon = Monitor(model, every=1)
    for _ in range(6):
        with mon.step():
            model(torch.randn(64, 8)).sum().backward()
        model.zero_grad()
    row = mon.report().layers[0]
    assert row.dead == 40 and row.dead_units == tuple(range(32))
    assert "(by index, the first 32: 0, 1, 2," in row.words and ", 31)" in row.words


def _flat_channels(act: nn.Module, x: torch.Tensor) -> tuple[int, ...]:
    """The channels whose mean |f'| over the batch and every position is under 1% of the function's largest slope,
    from autograd on the activation's own input (1.0998 for SiLU, 1.1289 for GELU, 1 for ReLU)."""
    xr = x.detach().requires_grad_(True)
    slope = torch.autograd.grad(act(xr).sum(), xr)[0].abs().mean(dim=(0, 2, 3))
    peak = {nn.SiLU: 1.0998, nn.GELU: 1.1289, nn.ReLU: 1.0}[type(act)]
    return tuple(int(k) for k in torch.nonzero(slope < 0.01 * peak).flatten())


def test_saturated_channels_are_named_by_index(tmp_path):
    """W62 walkthrough finding 4: SiLU channels 1 and 6 and GELU channels 0 and 9 killed on purpose read '2 of 8
    units saturated' and '2 of 12 units saturated', with no index to check them by."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.SiLU(), nn.MaxPool2d(2), nn.Conv2d(8, 12, 3, padding=1),
                          nn.GELU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(12, 4))
    with torch.no_grad():
        model[0].bias[[1, 6]] = -100.0
        model[3].bias[[0, 9]] = -100.0
    log = tmp_path / "sat.jsonl"
    seen = {}
    hooks = [model[i].register_forward_hook(lambda m, a, out, i=i: seen.__setitem__(i, a[0])) for i in (1, 4)]
    with Monitor(model, every=1, chance_loss=math.log(4), log=log) as mon:
        for _ in range(6):
            monitored_step(mon, model, torch.randn(32, 1, 12, 12), torch.randint(0, 4, (32,)))
            model.zero_grad()
    for h in hooks:
        h.remove()
    own = {i: _flat_channels(model[i], seen[i]) for i in (1, 4)}  # the last batch's, as the monitor's mask is
    assert own == {1: (1, 6), 4: (0, 9)}  # the premise
    rows = mon.report().layers
    assert [r.saturated_units for r in rows] == [own[1], own[4]]
    assert rows[0].words == "2 of 8 units saturated (by index: 1, 6)", rows[0].words
    assert rows[1].words == "2 of 12 units saturated (by index: 0, 9)", rows[1].words
    last = [json.loads(t) for t in log.read_text().splitlines() if '"layers"' in t][-1]
    assert [r["saturated_units"] for r in last["layers"]] == [[1, 6], [0, 9]]
    assert read_log(log).reports[-1]["layers"][1]["saturated_units"] == [0, 9]
