"""Issue 17 (W48 walkthrough, finding 5): a run resumed on weights whose layer has 40 dead units read 0 dead, and
'healthy ... gradients reach every layer', on its first 4 sampled steps, with nothing to say that the dead count had
not begun. The report now says, under its table, that dead units are not counted yet and from which sampled batch
they are. Reference: the test's own count of units never positive on every batch the monitor sampled."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

LEGEND = "dead: not counted yet: a unit is called dead once its derivative was 0 on every point of 5 sampled batches"


def test_the_dead_count_s_warm_up_is_said_under_the_table_until_it_ends():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    with torch.no_grad():
        model[2].bias[:40] = -100.0  # 40 units of the second layer never fire
    opt = torch.optim.SGD(model.parameters(), 0.05)
    x = torch.randn(512, 10)
    y = x[:, :4].argmax(1)
    never_on = torch.ones(64, dtype=torch.bool)
    with Monitor(model, every=1, chance_loss=math.log(4), first_step=501) as mon:
        for t in range(1, 8):
            i = torch.randint(0, 512, (64,))
            with mon.step() as s:
                h = model[3](model[2](model[1](model[0](x[i]))))
                never_on &= (h <= 0).all(0)
                loss = nn.functional.cross_entropy(model[4](h), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            text = str(mon.report())
            if t < 5:
                assert f"{LEGEND}, and this report has {t} sampled batch{'' if t == 1 else 'es'}; a unit off on " \
                       "every one so far counts in the sat column until then" in text, text
                assert mon.report().layers[1].dead == 0
            else:
                assert LEGEND not in text, text
                assert mon.report().layers[1].dead == int(never_on.sum()) >= 40
