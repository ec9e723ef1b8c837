"""A rollback is not read as memorising (issue 17, W101 walkthrough finding 1): Adam at 2e-3, a checkpoint saved at
step 401, the rate raised to 0.05 from step 411 and the checkpoint loaded back at step 561 read `not_generalising`
('past training step 280 the network fits its training points at the cost of new ones') at steps 616 and 696, the
held-out window still holding the losses of the raised rate's weights; the walker's own held-out loss was back within
5% of the checkpoint's. Reference: the held-out loss the test computes on 1,000 points after every 20 steps."""

from __future__ import annotations

import copy
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, teacher_data  # noqa: E402

SAVE, RAISE, LOAD = 401, 411, 561


def _data():
    x, y = teacher_data(4000)
    return x[:3000], y[:3000], x[3000:], y[3000:]


def test_a_checkpoint_loaded_back_is_no_memorising():
    torch.manual_seed(1)
    x, y, xv, yv = _data()
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    mon = Monitor(model, every=5, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(2)
    held, saved, statuses = {}, None, {}
    for step in range(1, 721):
        if step == SAVE:
            saved = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
        if step == RAISE:
            for group in opt.param_groups:
                group["lr"] = 0.05
        if step == LOAD:
            model.load_state_dict(saved[0])
            opt.load_state_dict(saved[1])  # (the rate back at 2e-3 with it)
        idx = torch.randint(0, len(x), (64,), generator=g)
        monitored_step(mon, model, x[idx], y[idx], opt)
        if step % 20 == 0:
            with torch.no_grad():
                held[step] = F.cross_entropy(model(xv), yv).item()
            mon.held_out(held[step])
        if step in (620, 660, 700, 720):
            statuses[step] = mon.report().reading
    # the premise: the raised rate made the held-out loss worse, and the weights loaded back brought it back
    assert max(held[t] for t in range(RAISE + 9, LOAD, 20)) > 1.2 * held[400], held
    assert all(held[t] < 1.1 * held[400] for t in range(LOAD + 19, 721, 20)), held
    for step, reading in statuses.items():
        assert all(f.status != "not_generalising" for f in reading.findings), (step, reading.words)
