"""Issue 17, W88 walkthrough finding 7: Adam at lr 1 took a classifier's loss from 3.4 to about 80 times chance over its
first steps and back to 42% below chance, with a third of its units dead or saturated, and the reading ended 'healthy'
with no word of the climb (a run at a tenth of that rate ended 85% below). A healthy reading now recalls a climb from
the first loss, or a blow-up, that the run came back from, with a remedy on the learning rate, and dates the climb
from every step's loss under a sampling interval too. The references: the scripted losses (the highest median of 10 in
a row past the line, and its step), and a real run's own losses."""

from __future__ import annotations

import math
import re
import statistics

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._scripted_losses import CHANCE, levels  # noqa: E402

RECENT = 10  # LOSS_BATCHES: the losses in a row a climb's median is taken over
CLIMB = re.compile(r"; earlier, the loss climbed from its first, ([\d.e+]+) at training step 1, to a median of "
                   r"([\d.e+]+) over 10 losses up to training step ([\d,]+) \(([\d.]+) times chance\), and it came "
                   r"back down")


def _run(losses, every):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    with Monitor(model, every=every, chance_loss=CHANCE) as mon:
        for v in losses:
            with mon.step() as s:
                model(torch.randn(32, 4)).square().mean().backward()
                s.loss = torch.tensor(v, dtype=torch.float64)
            opt.step()
            opt.zero_grad()
        return mon.report().reading


def _top_median(losses):
    line = max(1.5 * losses[0], 2 * CHANCE)
    medians = [(statistics.median(losses[t - RECENT:t]), t) for t in range(RECENT, len(losses) + 1)]
    top = max(m[0] for m in medians if m[0] > line)
    return top, min(t for m, t in medians if m == top)  # (the first window to reach it: a later tie is no higher)


@pytest.mark.parametrize("every", [1, 25])
def test_a_healthy_run_recalls_the_climb_it_came_back_from(every):
    # a first loss 3.4 times chance, a climb to about 40 times it over steps 2 to 13, then down to 40% of chance
    losses = [3.4 * CHANCE] + levels([(40 * CHANCE, 12), (6 * CHANCE, 10), (0.4 * CHANCE, 280)], seed=2, cv=0.1)
    reading = _run(losses, every)
    assert reading.status is Status.HEALTHY, reading.words
    m = CLIMB.search(reading.words)
    assert m, reading.words
    top, step = _top_median(losses)
    assert float(m[1]) == float(f"{losses[0]:.3g}")
    assert float(m[2]) == float(f"{top:.3g}") and int(m[3].replace(",", "")) == step <= 23
    assert float(m[4]) == float(f"{top / CHANCE:.2g}")
    assert "lower the learning rate" in reading.remedy, reading.remedy


@pytest.mark.parametrize("every", [1, 25])
def test_a_healthy_run_recalls_the_blow_up_it_came_back_from(every):
    # at chance, one update to 45 times it, then learning
    losses = levels([(CHANCE, 20), (45 * CHANCE, 3), (2 * CHANCE, 10), (0.3 * CHANCE, 270)], seed=3, cv=0.05)
    reading = _run(losses, every)
    assert reading.status is Status.HEALTHY, reading.words
    peak = max(losses)
    m = re.search(r"; earlier, the loss blew up to ([\d.e+]+) at training step ([\d,]+) .*and it came back down$",
                  reading.words)
    assert m, reading.words
    assert float(m[1]) == float(f"{losses[20]:.3g}") and int(m[2]) == 21 or float(m[1]) == float(f"{peak:.3g}")
    assert reading.remedy.startswith("The run learns, but from where the climb's large steps threw its weights"), \
        reading.remedy
    assert "Lower the learning rate" in reading.remedy or "lower the learning rate" in reading.remedy


def test_a_run_without_a_climb_says_nothing_of_one():
    # a first batch at 1.4 times chance, noise, then learning: no climb, no blow-up
    losses = [1.4 * CHANCE] + levels([(1.3 * CHANCE, 30), (0.3 * CHANCE, 270)], seed=4, cv=0.2)
    reading = _run(losses, 1)
    assert reading.status is Status.HEALTHY, reading.words
    assert "earlier" not in reading.words and "climb" not in reading.words + reading.remedy, reading.words


def test_a_real_run_at_too_high_a_rate_names_its_climb():
    # W88's shape: LayerNorm MLP, output layer 12 times PyTorch's default, Adam at lr 1
    torch.manual_seed(2)
    d, h, c = 32, 128, 10
    model = nn.Sequential(nn.Linear(d, h), nn.LayerNorm(h), nn.ReLU(), nn.Linear(h, h), nn.LayerNorm(h), nn.GELU(),
                          nn.Linear(h, c))
    with torch.no_grad():
        model[-1].weight.mul_(12)
    opt = torch.optim.Adam(model.parameters(), 1.0)
    g = torch.Generator().manual_seed(0)
    teacher = torch.randn(d, c, generator=g)
    losses = []
    with Monitor(model, chance_loss=math.log(c)) as mon:
        for _ in range(300):
            x = torch.randn(128, d, generator=g)
            with mon.step() as s:
                loss = F.cross_entropy(model(x), (x @ teacher).argmax(1))
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
        reading = mon.report().reading
    top, step = _top_median(losses)
    assert top > 10 * math.log(c) and statistics.fmean(losses[-50:]) < 0.8 * math.log(c)  # the script's own story
    assert reading.status is Status.HEALTHY, reading.words
    m = CLIMB.search(reading.words)
    assert m, reading.words
    assert float(m[2]) == float(f"{top:.3g}") and int(m[3].replace(",", "")) == step
