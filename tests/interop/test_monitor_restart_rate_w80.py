"""W80 walkthrough finding 1: cosine annealing with warm restarts every 100 steps, base rate 0.05, and the fourth
cycle's rate set to 1.5 by mistake (from step 302). The loss blew up to NaN at step 310, and the remedy blamed 'the
learning rate went from 1.23e-05 to 0.05 at the optimiser's step of training step 201' (every=1; 301 under
every="auto"), an ordinary restart the run had borne, and told to go back to 1.23e-05, where it would learn nothing.

The rates are the script's own, read from the optimiser as it steps."""

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

D, C = 32, 10


def _run(every, high, reports=None):
    """320 steps of SGD (momentum 0.9) under CosineAnnealingWarmRestarts(T_0=100), the base rate set to ``high``
    before step 301's optimiser step. Returns the last report and each step's learning rate as the optimiser used it;
    with ``reports`` (a dict), report() after every step from 290 on, by step, and the losses, by step."""
    torch.manual_seed(3)
    centres = torch.randn(C, D) * 1.2
    model = nn.Sequential(nn.Linear(D, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 128),
                          nn.ReLU(), nn.Linear(128, C))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=100)
    rates = {}
    with Monitor(model, every=every, chance_loss=math.log(C)) as mon:
        for step in range(1, 321):
            if step == 301:
                sched.base_lrs = [high]
            y = torch.randint(0, C, (128,))
            x = centres[y] + torch.randn(128, D)
            with mon.step(sample=step == 320) as s:
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                s.loss = loss
            rates[step] = opt.param_groups[0]["lr"]
            if reports is not None:
                reports.setdefault("losses", {})[step] = loss.item()
                if step >= 290:
                    reports[step] = mon.report()
            opt.step()
            opt.zero_grad()
            sched.step()
        return mon.report(), rates


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_restart_to_a_rate_never_used_before_is_the_one_named(every):
    report, rates = _run(every, 1.5)
    assert report.status is Status.DIVERGED, report.reading.words  # the premise
    named = re.search(r"The learning rate went from (\S+) to (\S+) at the optimiser's step of training step (\d+), "
                      r"before the jump: the likeliest cause; go back to (\S+),", report.reading.remedy)
    assert named, report.reading.remedy
    was, to, step, back = float(named.group(1)), float(named.group(2)), int(named.group(3)), float(named.group(4))
    first_high = min(t for t, lr in rates.items() if lr > 1)  # the first step the optimiser used the mistaken rate
    assert step == first_high and to == float(f"{rates[step]:.3g}"), (step, first_high, to)
    assert was == back == float(f"{rates[step - 1]:.3g}"), (was, rates[step - 1])
    # the rate to go back to is one every restart before used while the loss came down
    assert back == float(f"{max(lr for t, lr in rates.items() if t < first_high):.3g}")


def test_a_report_between_samples_takes_in_a_nan_or_a_blow_up_since_the_last_sample():
    """W80 walkthrough finding 2: under every="auto", report() at step 305 (loss 78) and at 310 (NaN) read 'healthy
    ... 99.9% below chance' of the latest sampled step, though the script gave every step's loss. Sampled every 50
    steps here: 251, 301, and none after before the NaN at 310."""
    reports = {}
    _run(50, 1.5, reports)
    losses = reports.pop("losses")
    nan_at = min(t for t, v in losses.items() if not math.isfinite(v))
    assert 301 < nan_at < 320, nan_at  # the premise: the NaN between two samples
    for t, r in reports.items():
        since = [losses[u] for u in range(r.step + 1, t + 1)]
        if t >= nan_at:  # a NaN read, at a sampled step or since one: never read as anything but diverged
            assert r.status is Status.DIVERGED, (t, r.reading.words)
            assert r.reading.words.startswith(f"diverged at step {nan_at}: "), (t, r.reading.words)
            if r.step < nan_at:
                assert f"its reading takes in the losses of the {t - r.step} steps run since" in "".join(r.notes)
        elif any(v > 10 * math.log(C) for v in since):  # a blow-up since the sample, not yet NaN: not healthy
            assert r.status not in (Status.HEALTHY, Status.STARTING) or "the loss jumped to" in r.reading.words, \
                (t, r.reading.words)
            assert f"its reading takes in the losses of the {t - r.step} steps run since" in "".join(r.notes)
        else:  # nothing since: the sampled step's reading, as it was
            assert r.status is Status.HEALTHY, (t, r.reading.words)
            assert t == r.step or "the latest sampled one; the" in "".join(r.notes), (t, r.notes)
