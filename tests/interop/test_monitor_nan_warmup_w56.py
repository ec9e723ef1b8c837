"""A NaN loss on the warm-up's unsampled steps (W56 walkthrough, finding 1's rest): under every="auto" steps 1 to 3
are not sampled, and a loss that turned NaN on step 2 read 'first seen at training step 4, the first step sampled'.
Every step's loss is held from the monitor's first step, so the run is dated from them: the reference is the first
step whose loss the script itself saw non-finite."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


@pytest.mark.parametrize("bad_at", [1, 2, 3, 5])
def test_a_nan_on_an_unsampled_warm_up_step_is_dated_on_its_own_step(bad_at):
    torch.manual_seed(0)
    x, y = torch.randn(256, 8), torch.randint(0, 3, (256,))
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    mon = Monitor(model, chance_loss=math.log(3))  # every="auto": its first sampled step is the 4th
    seen = []
    for step in range(1, 8):
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y) * (math.nan if step >= bad_at else 1.0)
            loss.backward()
            s.loss = loss
        seen.append(loss.item())
        opt.step()
        opt.zero_grad()
    first = next(i for i, v in enumerate(seen, 1) if not math.isfinite(v))
    r = mon.report()
    assert r.status == Status.DIVERGED
    assert r.reading.words.startswith(f"diverged at step {first}: the loss became NaN or infinite"), r.reading.words
    assert "the first step sampled" not in r.reading.words
