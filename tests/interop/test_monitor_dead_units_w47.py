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
