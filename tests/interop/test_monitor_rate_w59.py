"""The learning rate around a jump, where W59's walkthrough found it unsaid: a warm-up that blew the loss up in the
run's first 22 steps (its rate read over fewer than RATE_SPAN steps before the climb), and a rate raised in a second
optimiser whose jump a report found as the dying layer's finding took the headline (the causes were put in again
without the jump). Each run's own record of the rates is the reference."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import blobs, monitored_step  # noqa: E402


def _mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))


def _batches(x, y, steps):
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        i = torch.randint(0, len(x), (64,), generator=gen)
        yield x[i], y[i]


def test_a_warm_up_that_blows_the_loss_up_in_the_first_steps_is_named_w59():
    """W59 finding 2: SGD with momentum warmed up towards 8; the loss blew up to 2.4e26 at step 22 and the remedy said
    'Lower the learning rate' alone, the rate's rise since step 1 never named."""
    x, y = blobs()
    model = _mlp(3)
    opt = torch.optim.SGD(model.parameters(), lr=8.0, momentum=0.9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 0.01 + 0.99 * k / 100)
    mon = Monitor(model, every=5, chance_loss=math.log(4))
    rates, losses = {}, {}
    for t, (xb, yb) in enumerate(_batches(x, y, 120), start=1):
        rates[t] = opt.param_groups[0]["lr"]  # the rate this step's optimiser step uses
        losses[t] = monitored_step(mon, model, xb, yb, opt).item()
        sched.step()
    blown = next(t for t, v in losses.items() if not v <= 30 * math.log(4))  # the reference: the run's own losses
    assert blown < 30
    remedy = mon.report().reading.remedy
    assert remedy.startswith("The learning rate rose from "), remedy
    said = remedy.split("The learning rate rose from ", 1)[1]
    least, rest = said.split(" to ", 1)
    now, rest = rest.split(" between training steps ", 1)
    start, end = (int(v) for v in rest.split(", before the jump")[0].split(" and "))
    assert start < end < blown  # before the climb, over the steps read
    assert float(least) == float(f"{rates[start]:.3g}") and float(now) == float(f"{rates[end]:.3g}")
    assert rates[end] >= 1.5 * rates[start]


def test_a_rate_raised_in_a_second_optimiser_leads_a_dying_layer_s_remedy_w59():
    """W59 finding 3B: Adam on the first layer, SGD at 0.05 on the rest raised to 5 at step 301; the first report, at
    step 316, read 'dying layer ... Lower the learning rate' with no word of the raise (a report at 396 named it)."""
    x, y = blobs()
    model = _mlp(5)
    opts = [torch.optim.Adam(model[0].parameters(), lr=1e-3),
            torch.optim.SGD([*model[2].parameters(), *model[4].parameters()], lr=0.05)]
    mon = Monitor(model, every=5, chance_loss=math.log(4))
    losses = {}
    for t, (xb, yb) in enumerate(_batches(x, y, 320), start=1):
        if t == 301:
            opts[1].param_groups[0]["lr"] = 5.0
        losses[t] = monitored_step(mon, model, xb, yb).item()
        for opt in opts:
            opt.step()
            opt.zero_grad()
    assert losses[302] > 10 * max(losses[t] for t in range(252, 302))  # the reference: the jump, in its own losses
    report = mon.report()
    assert report.status == "dead_layer"
    assert report.reading.remedy.startswith(
        "The learning rate of the parameter group holding '2.weight' went from 0.05 to 5 at the optimiser's step of "
        "training step 301, before the jump: the likeliest cause"), report.reading.remedy


def test_a_jump_is_dated_from_its_first_step_not_from_a_larger_one_inside_it_w59():
    """W59 finding 1: losses under 0.24 to step 301, then 4.76, 9.53, 5.37, 18.2: read 'the loss jumped: 9.53 at
    training step 303 ... 2 times the highest of the 50 training steps' losses before it (4.76)', 302's own loss
    counted among those before the jump. The scripted losses are the reference."""
    from interop._scripted_losses import levels, scripted_run

    chance = math.log(4)
    losses = levels([(0.15, 301)], seed=3, cv=0.2) + [4.76, 9.53, 5.37, 18.2, 2.25, 1.07, 0.78, 0.59, 0.55, 0.43]
    reports = scripted_run(losses, chance=chance)
    said = [f for f in reports[-1].reading.findings if "spike_step" in f.evidence]
    assert said and {f.evidence["spike_step"] for f in said} == {302}
    words = " ".join(f.words for f in said)
    top = max(losses[251:301])  # the 50 steps' losses before step 302
    assert "the loss jumped: 4.76 at training step 302" in words and f"({top:.3g})" in words
