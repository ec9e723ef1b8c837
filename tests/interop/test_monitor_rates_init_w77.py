"""Issue 17, W77 walkthrough findings 2 and 3.

Finding 2: a warm-up then cosine decay blew the loss up at step 2, the update before it at a rate of 5, and the remedy
read 'Lower the learning rate (it is 51 now; a tenth, 5.1, is a good first try)', then 'it is 0.00274 now': the tenth
of a rate the schedule had moved to, not of the rate that threw the loss. It now divides the rate of the optimiser's
step before the blow-up (the script's own scheduler gives the reference), and where a raised rate is named as the
likeliest cause ('go back to 0.05') no tenth of the raised one is offered beside it (W76: both in one remedy).

Finding 3: hidden biases of -2 kept every unit of a ReLU layer off from step 1, before any update, and the remedy read
'... a smaller learning rate keeps units from being pushed there; then restart ... from a checkpoint saved before the
problem began'. It now says the initialisation put them there, names the biases, and restarts from fresh weights; the
reference is the script's own count of units on at every step, and a layer killed later by a raised rate is the
control that keeps the learning-rate advice."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_base import START_WEIGHTS  # noqa: E402
from actlab.reading_remedies import FROM_START, SMALLER_LR_KEEPS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _data(n=2000, d=20, classes=8):
    torch.manual_seed(0)
    x = torch.randn(n, d)
    return x, nn.Linear(d, classes)(x).argmax(1).detach()


def _run(model, opt, steps, sched=None, rate_at=None, keep=None):
    """Train on _data's task, every=10; returns (the last report, each step's rate as the optimiser used it)."""
    x, y = _data(d=model[0].in_features)
    mon = Monitor(model, every=10, chance_loss=math.log(8))
    rates = {}
    for step in range(1, steps + 1):
        if rate_at is not None and step in rate_at:
            opt.param_groups[0]["lr"] = rate_at[step]
        i = torch.randint(0, len(x), (64,))
        monitored_step(mon, model, x[i], y[i])
        if keep is not None:
            keep(step)
        rates[step] = opt.param_groups[0]["lr"]
        opt.step()
        opt.zero_grad()
        if sched is not None:
            sched.step()
    report = mon.report()
    mon.close()
    return report, rates


def _mlp(d=20):
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8))


def _blown_step(remedy: str) -> int:
    return int(re.search(r"the loss blew up to \S+ at training step ([\d,]+)", remedy).group(1).replace(",", ""))


def test_the_tenth_is_of_the_rate_that_threw_the_loss_not_of_the_schedules_rate_now():
    model = _mlp()
    opt = torch.optim.Adam(model.parameters(), lr=100)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.05, total_iters=20)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=280)
    report, rates = _run(model, opt, 300, torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[20]))
    remedy = report.reading.remedy
    step = _blown_step(remedy)
    then, now = rates[step - 1], rates[300]
    assert then / now > 100  # the schedule moved far from it
    assert f"it was {then:.3g} at the optimiser's step before it, {now:.3g} now; a tenth of {then:.3g}, " \
           f"{then / 10:.3g}, is a good first try" in remedy, remedy
    assert f"{now / 10:.3g}," not in remedy


def test_a_raised_rate_named_as_the_cause_gets_no_tenth_of_itself_beside_it():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    report, rates = _run(model, opt, 150, rate_at={100: 40.0})
    remedy = report.reading.remedy
    # the raised rate is the likeliest cause: go back to the rate before it, and no tenth of the raised one
    assert "go back to 0.05" in remedy, remedy
    assert "a tenth" not in remedy and "4," not in remedy, remedy


def test_units_off_from_the_first_step_are_the_initialisations_doing():
    model = _mlp(d=64)
    with torch.no_grad():
        for m in (model[0], model[2]):
            m.bias.fill_(-2.0)
    on = []  # the script's own count: units of module '3' on at each step's forward
    model[3].register_forward_hook(lambda m, i, o: on.append(int((o > 0).any(0).sum())))
    report, _ = _run(model, torch.optim.Adam(model.parameters(), lr=1e-3), 60)
    assert sum(on) == 0  # off at every step, the first included (before any update)
    reading = report.reading
    assert reading.status.value in ("no_gradient", "dead_layer"), reading.words
    assert "every unit of module '3' (ReLU) is off" in reading.words or "dead" in reading.words, reading.words
    assert "dead or saturated" not in reading.words
    assert reading.remedy.startswith("Every unit of module '3' (ReLU) was off on every sampled batch from the first "
                                     f"training step on, {FROM_START}, so the initialisation put them there: check "
                                     "its biases"), reading.remedy
    assert SMALLER_LR_KEEPS not in reading.remedy
    assert reading.remedy.endswith(f"restart from {START_WEIGHTS} (the trouble began at the first training "
                                   "step)."), reading.remedy


def test_units_killed_by_a_raised_rate_keep_the_learning_rate_advice():
    model = _mlp()
    report, _ = _run(model, torch.optim.SGD(model.parameters(), lr=0.05), 200, rate_at={100: 40.0, 110: 0.05})
    reading = report.reading
    assert FROM_START not in reading.remedy, reading.remedy
    assert "learning rate" in reading.remedy, reading.remedy


def _auto_run(lr: float, bias: float):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    with torch.no_grad():
        model[0].bias.fill_(bias)
        model[2].bias.fill_(bias)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    mon = Monitor(model, every="auto", chance_loss=1.0)
    on = []  # the script's own count of module '3''s units on at each step
    model[3].register_forward_hook(lambda m, i, o: on.append(int((o > 0).any(0).sum())))
    for _ in range(200):
        x = torch.randn(64, 12)
        monitored_step(mon, model, x, x[:, :1], opt, F.mse_loss)
    first = mon._step_sampled(1)
    reading = mon.report().reading
    mon.close()
    return reading, first, on


def test_under_auto_units_off_from_its_first_sample_are_still_the_initialisations_doing():
    """W78 walkthrough finding 1: every="auto" first samples step 4, and the same biases read 'a smaller learning rate
    keeps units from being pushed there ... a checkpoint saved before the problem began' where every=1 named them."""
    reading, first, on = _auto_run(1e-2, -1.5)
    assert first > 1 and sum(on) == 0  # the premise: not sampled at step 1; off at every step, the first included
    assert reading.remedy.startswith(f"Every unit of module '3' (ReLU) was off on every sampled batch from training "
                                     f"step {first}, the first sampled, on, and the loss did not blow up before it, so "
                                     "the initialisation most likely put them there"), reading.remedy
    assert SMALLER_LR_KEEPS not in reading.remedy and "checkpoint" not in reading.remedy, reading.remedy
    # (not sampled at step 1: the restart claims no first step, W79 walkthrough finding 6)
    assert reading.remedy.endswith(f"then restart from {START_WEIGHTS}."), reading.remedy


def test_under_auto_units_killed_by_a_blow_up_before_its_first_sample_are_not_put_on_the_initialisation():
    reading, first, on = _auto_run(30.0, 0.0)
    assert first > 1 and on[0] > 0 and on[-1] == 0, on[:6]  # the premise: on at step 1, off by the end
    assert FROM_START not in reading.remedy, reading.remedy
