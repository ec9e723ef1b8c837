"""W82 walkthrough finding 1: a warm-up to a rate of 2 over 100 steps (SGD, momentum 0.9) learned from about step 13
and blew up from step 39 to a NaN at 49. Under every="auto" (sampled at steps 12 and 62 around it) no window of the
losses it held was ever judged low, and the remedy named 'a checkpoint saved before training step 44, where the loss
began to climb', whose weights scored 12.2 on the whole data set (7.6 times chance); every=1 named step 37 (0.62).
Sampled every 25 or 50 steps, the windows of the steps between samples are judged as a sampled step there would.
The checkpoints are the script's own, saved before every step and scored on the whole data set."""

import copy
import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(5)


def _run(every, rate=lambda step: 2.0 * min(1.0, step / 100), steps=120, schedule=None):
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(5, 10, generator=g) * 1.2
    y = torch.randint(0, 5, (2048,), generator=g)
    x = centres[y] + torch.randn(2048, 10, generator=g)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.0, momentum=0.9)
    sched = schedule(opt) if schedule is not None else None
    saved, losses = {}, {}
    shuffle = torch.Generator().manual_seed(0)
    order, pos = torch.randperm(2048, generator=shuffle), 0
    with Monitor(model, every=every, chance_loss=CHANCE) as mon:
        for step in range(1, steps + 1):
            saved[step] = copy.deepcopy(model.state_dict())
            if sched is None:
                for group in opt.param_groups:
                    group["lr"] = rate(step)
            if pos + 64 > 2048:  # a new order each pass
                order, pos = torch.randperm(2048, generator=shuffle), 0
            i, pos = order[pos:pos + 64], pos + 64
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            losses[step] = loss.item()
            opt.step()
            opt.zero_grad()
            if sched is not None:
                sched.step()
        report = mon.report()

    def score(step):
        m = copy.deepcopy(model)
        m.load_state_dict(saved[step])
        with torch.no_grad():
            return float(F.cross_entropy(m(x), y))
    return report, losses, score


@pytest.mark.parametrize("every", [1, 25, 50])  # (every="auto" samples by its timing: a fixed interval, as it takes)
def test_the_checkpoint_of_a_warm_up_that_blew_up_is_from_before_the_blow_up(every):
    report, losses, score = _run(every)
    nan_at = min(t for t, v in losses.items() if not math.isfinite(v))
    assert report.status == "diverged" and 40 < nan_at < 60, (report.reading.words, nan_at)  # the premise
    named = re.search(r"a checkpoint saved before training step (\d+), where the loss",
                      report.reading.remedy)
    assert named, report.reading.remedy
    step = int(named.group(1))
    up = min(t for t, v in losses.items() if v > 3 * CHANCE)  # the first batch far past chance: the blow-up's
    assert step < up and score(step) < 0.6 * CHANCE, (step, up, score(step))


def test_a_window_cut_at_a_rise_names_its_latest_batch_under_the_median_not_the_rise_begun_in_it():
    """W82 walkthrough finding 2: OneCycle to a rate of 3 (its warm-up over 120 steps) named 'before training step 19,
    where the loss was at its lowest (the median of the 9 steps up to it, 0.75)': the batches of steps 18 and 19
    (0.955 and 1.17) were the rise's first, too few to move the median, and the weights before step 19 scored 1.38 on
    the whole data set, those before step 17 0.311. A window cut where the held losses after it rose names the latest
    step of its last span whose batch is at or under the median."""
    report, losses, score = _run(1, steps=60, schedule=lambda opt: torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3, total_steps=400))
    named = re.search(r"a checkpoint saved before training step (\d+), where the loss was at its lowest \(the median "
                      r"of the 9 steps up to training step (\d+), ([\d.]+); the (\d+) batches after it were above "
                      r"that\)", report.reading.remedy)
    assert named, report.reading.remedy
    step, end, median, after = int(named.group(1)), int(named.group(2)), float(named.group(3)), int(named.group(4))
    assert median == float(f"{sorted(losses[t] for t in range(end - 8, end + 1))[4]:.3g}")  # the script's own
    assert end - step == after and all(losses[t] > median for t in range(step + 1, end + 1))
    assert losses[step] <= median
    assert score(step) < score(end), (score(step), score(end))  # better weights than the window's end's
