"""A run that learned and lost it over a climb, with no one jump to date it by (W59 walkthrough finding 4):
OneCycleLR to 30 took a Tanh MLP's mean loss from 0.705 at step 11 to 424 at step 114; every reading from step 151 on
said 'vanishing ... Try ReLU, GELU or SiLU instead of tanh', step 291 'starting ... above where a run begins', and
the rate's rise was never named. The low's mean was 49% below chance with a noise bound above chance, which kept
'not learning any more' from being said once the early low batches left the window. The run's own record of its
losses and rates is the reference."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.reading_loss import rate_since_low  # noqa: E402
from actlab.reading_record import RunSummary  # noqa: E402
from actlab.readings import UNLEARNED  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import blobs, monitored_step  # noqa: E402


def _one_cycle(max_lr, steps=300, report_at=(151, 291)):
    """W59's run: a Tanh MLP under SGD with momentum and OneCycleLR to ``max_lr``, sampled every 10 steps. Returns
    the reports at ``report_at`` (each after that step), the rate each step's optimiser step used, and the losses."""
    x, y = blobs()
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=400)
    mon = Monitor(model, every=10, chance_loss=math.log(4))
    gen = torch.Generator().manual_seed(1)
    rates, losses, reports = {}, {}, {}
    for t in range(1, steps + 1):
        i = torch.randint(0, len(x), (64,), generator=gen)
        rates[t] = opt.param_groups[0]["lr"]
        losses[t] = monitored_step(mon, model, x[i], y[i], opt, loss_fn=F.cross_entropy).item()
        sched.step()
        if t in report_at:
            reports[t] = mon.report()
    return reports, rates, losses


def _said(remedy: str) -> tuple[str, int, str, int]:
    """(the rate at the low, the low's step, the highest since, its step) from rate_since_low's words."""
    said = remedy.split("The learning rate rose from ", 1)[1]
    was, rest = said.split(", the rate that brought the mean loss to its lowest at training step ", 1)
    low, rest = rest.split(", to ", 1)
    peak, rest = rest.split(" at the optimiser's step of training step ", 1)
    at = rest.split(":")[0].split(", and is")[0]
    return was, int(low.replace(",", "")), peak, int(at.replace(",", ""))


def test_one_cycle_to_30_reads_not_learning_any_more_with_the_rate_s_rise_w59():
    reports, rates, losses = _one_cycle(30.0)
    chance = math.log(4)
    for t, report in reports.items():
        first = report.reading.findings[0]
        assert report.status == "not_learning" and first.words.startswith(UNLEARNED), (t, first.words)
        was, low, peak, at = _said(first.remedy)
        # against the run's own record: the rate of the update before the low's loss (rates[k] is the rate of the
        # optimiser's step of training step k), and the highest since (its first step)
        assert float(was) == float(f"{rates[low - 1]:.3g}")
        top = max(rates[k] for k in range(low, t + 1))
        assert float(peak) == float(f"{top:.3g}") and at == min(k for k in range(low, t + 1) if rates[k] == top)
        # the premise: the run had come down (its losses near the low) and is far above chance now
        assert min(losses[k] for k in range(1, low + 1)) < 0.5 * chance
        assert sum(losses[k] for k in range(t - 49, t + 1)) / 50 > 2 * chance
    assert "starting" not in str(reports[291].reading)


def test_one_cycle_to_a_rate_that_suits_reads_healthy_and_names_no_rate():
    reports, _, losses = _one_cycle(0.2, report_at=(300,))
    assert reports[300].status == "healthy" and "learning rate" not in reports[300].reading.remedy
    assert sum(list(losses.values())[-50:]) / 50 < 0.3 * math.log(4)


def _summary(changes, low, steps=300, groups=None):
    return RunSummary((), 1.0, steps=steps, lowest_judged_step=low,
                      learning_rates=groups or (("'0.weight'", 1, steps, tuple(changes)),))


@pytest.mark.parametrize("changes, low, want", [
    ([(1, 0.1), (50, 0.5), (80, 3.0), (200, 0.2)], 20,
     "The learning rate rose from 0.1, the rate that brought the mean loss to its lowest at training step 20, to 3 at "
     "the optimiser's step of training step 80, and is 0.2 now: the likeliest cause of the loss's rise; keep it nearer "
     "0.1."),
    ([(1, 0.1), (100, 0.2)], 20,
     "The learning rate rose from 0.1, the rate that brought the mean loss to its lowest at training step 20, to 0.2 "
     "at the optimiser's step of training step 100: the likeliest cause of the loss's rise; keep it nearer 0.1."),
    # raised at the optimiser's step of the low's own step, after its loss: a rise since the low, not before it (a
    # rate raised there read 'was 3 at training step 401, where the mean loss was at its lowest ... the loss still
    # came down at it for a while')
    ([(1, 0.05), (20, 3.0)], 20,
     "The learning rate rose from 0.05, the rate that brought the mean loss to its lowest at training step 20, to 3 "
     "at the optimiser's step of training step 20: the likeliest cause of the loss's rise; keep it nearer 0.05."),
    # back where it was since (W101 walkthrough finding 1: 'and is 0.002 now: ... keep it nearer 0.002')
    ([(1, 0.1), (50, 3.0), (80, 0.1)], 20,
     "The learning rate rose from 0.1, the rate that brought the mean loss to its lowest at training step 20, to 3 at "
     "the optimiser's step of training step 50, and is back at 0.1 since training step 80: the likeliest cause of the "
     "loss's rise; keep it there."),
    ([(1, 0.1), (100, 0.14)], 20, ""),  # under RATE_RAISED times
    ([(1, 0.1), (100, 0.01)], 20, ""),  # lowered
    ([(1, 0.1), (10, 5.0)], 20,  # raised before the low, not since: told as that, the loss having come down after
     "The learning rate was 5 at training step 20, where the mean loss was at its lowest; it went there from 0.1 at "
     "the optimiser's step of training step 10, 50 times, and the loss still came down at it for a while: a rate can "
     "hold while the weights are where the loss is flat and throw them off where it is sharper; go back nearer 0.1."),
    ([(30, 0.1), (100, 5.0)], 20, ""),  # not read at the low
])
def test_the_rate_since_the_low_against_the_rates_themselves(changes, low, want):
    assert rate_since_low(_summary(changes, low)) == want


def test_the_group_raised_is_named_among_several():
    groups = (("'0.weight'", 1, 300, ((1, 0.01),)), ("'2.weight'", 1, 300, ((1, 0.05), (150, 5.0))))
    assert rate_since_low(_summary((), 20, groups=groups)).startswith(
        "The learning rate of the parameter group holding '2.weight' rose from 0.05, the rate that brought")
    assert rate_since_low(RunSummary((), 1.0, steps=300)) == ""


def _ramp(steps, reports_at):
    """W60's run: a 10-class MLP under SGD with momentum at 0.05, its rate raised 0.4% a step from step 400, a
    held-out loss given after every step; every=5. Reports at ``reports_at``, and the rate each step used."""
    torch.manual_seed(0)
    x, w = torch.randn(4096, 20), torch.randn(20, 10)
    y = (x @ w + 0.5 * torch.randn(4096, 10)).argmax(1)
    xv = torch.randn(1024, 20)
    yv = (xv @ w + 0.5 * torch.randn(1024, 10)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    mon = Monitor(model, every=5, chance_loss=math.log(10))
    rates, reports, losses, held = {}, {}, {}, {}
    for t in range(1, steps + 1):
        if t >= 400:
            opt.param_groups[0]["lr"] = 0.05 * 1.004 ** (t - 400)
        rates[t] = opt.param_groups[0]["lr"]
        i = torch.randint(0, 4096, (64,))
        losses[t] = monitored_step(mon, model, x[i], y[i], opt).item()
        with torch.no_grad():
            held[t] = F.cross_entropy(model(xv), yv).item()
        mon.held_out(held[t])
        if t in reports_at:
            reports[t] = mon.report()
    return reports, rates, losses, held


def test_a_slow_ramp_of_the_rate_is_named_beside_a_risen_loss_w60():
    """W60 walkthrough finding 11: 'healthy ... the mean loss has risen from 0.277 ... to 1.08' at steps 650 to 900,
    with 'if it keeps rising, lower the learning rate', the rate risen 2.7 to 7.4 times never named."""
    reports, rates, _, _ = _ramp(900, (700, 900))
    for t, report in reports.items():
        remedy = report.reading.remedy
        assert remedy.startswith("The learning rate rose from "), (t, report.reading.words, remedy)
        was, low, peak, _ = _said(remedy)
        assert float(was) == float(f"{rates[low - 1]:.3g}")
        assert float(peak) == float(f"{max(rates[k] for k in range(low, t + 1)):.3g}")


def test_the_rates_kept_are_said_known_from_the_oldest_kept_change(monkeypatch):
    """A rate changed on every step past LR_CHANGES: the steps before the oldest change kept are not claimed read."""
    from actlab.interop import _monitor_cut

    monkeypatch.setattr(_monitor_cut, "LR_CHANGES", 16)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=1)
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    for t in range(1, 41):
        opt.param_groups[0]["lr"] = 0.1 + 0.01 * t
        monitored_step(mon, model, x, y, opt)
    (label, first, last, changes), = mon._learning_rates()
    assert len(changes) == 16 and first == changes[0][0] == 25 and last == 40
    low = RunSummary((), 1.0, steps=40, lowest_judged_step=10, learning_rates=mon._learning_rates())
    assert rate_since_low(low) == ""  # the rate at step 10 is no longer known


def test_worse_on_training_batches_and_new_points_alike_is_not_read_as_memorising_w60():
    """W60 walkthrough finding 7: at step 600 of the ramp, the training mean up from 0.277 to 0.458 and the held-out
    median from 0.405 to 0.642 read 'not generalising ... fits its training points at the cost of new ones'."""
    import statistics

    reports, _, losses, held = _ramp(600, (600,))
    report = reports[600]
    # the premise, from the run's own losses: both up by a half or more from their lows
    means = [statistics.fmean(losses[k] for k in range(t - 49, t + 1)) for t in range(50, 601)]
    medians = [statistics.median(held[k] for k in range(t - 6, t + 1)) for t in range(7, 601)]
    assert means[-1] > 1.5 * min(means) and medians[-1] > 1.4 * min(medians)
    words = report.reading.words
    assert report.status != "not_generalising" and "at the cost of new ones" not in words
    assert "the network is getting worse on its training batches and on new points alike" in words
    assert report.reading.remedy.startswith("The learning rate rose from ")
