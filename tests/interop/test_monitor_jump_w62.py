"""The readings right after a jump, and the cause of units that stopped (issue 17, W62 walkthrough findings 1, 2):
lr raised to 2 at step 150 took the loss from 0.032 to 52.8 at step 151 and 387 at 152; step 151 read 'unsettled ...
back near chance ...: not yet beyond the noise of its batches', step 152 'its latest batch losses are coming down
again' from medians all taken before the jump; and a rate raised 100 times before the network had learned killed its
units with no jump in the loss, the no-gradient reading then led with 'Use Leaky ReLU ... or He initialisation'.
References: the scripted losses and rates themselves, and the script's own gradients."""

from __future__ import annotations

import math
import re
import statistics

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.reading_record import times  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._scripted_losses import CHANCE, levels, scripted_run  # noqa: E402

BEFORE = levels([(1.5, 30), (0.05, 120)], seed=3, cv=0.5)
RATES = [0.1] * 149 + [2.0] * 3  # step 150's update at 2


def test_a_jump_on_the_latest_batch_is_told_with_the_rate_before_it():
    seen = scripted_run([*BEFORE, 110.0], rates=RATES[:151])
    r = seen[-1].reading
    assert statistics.fmean([*BEFORE[-49:], 110.0]) > 0.9 * CHANCE  # the premise: one batch takes the mean near chance
    # (the loss's story first, the gradient flow after it: W107 walkthrough finding 3, a page's fold hid the jump)
    assert r.status is Status.STARTING and r.words.startswith("unsettled: the mean loss had come down to "), r.words
    assert r.words.index("the loss jumped") < r.words.index("gradients reach"), r.words
    highest = max(BEFORE[-50:])
    said = (f"moved there by its latest batch: the loss jumped to 110 at training step 151, {times(110 / CHANCE)} "
            f"times chance and {times(110 / highest)} times the highest of the 50 training steps' losses before it "
            f"({highest:.3g}); one unusual batch leaves")
    assert said in r.words, r.words
    assert "not yet beyond the noise" not in r.words
    assert r.remedy.startswith("The learning rate went from 0.1 to 2 at the optimiser's step of training step 150, "
                               "before the jump: the likeliest cause"), r.remedy
    assert "If the next steps' losses stay up" in r.remedy
    # no reading before it told of a jump
    assert not any("jumped to" in x.reading.words for x in seen[:-1])


def test_a_jump_in_the_latest_batches_is_not_read_as_coming_down():
    # still coming down in blocks of 10 before the jump, as W62's run was (its block medians 0.401, 0.188, 0.0776 and
    # 0.0456, the last two of the latest block 52.8 and 387)
    falling = levels([(1.5, 30), (0.8, 82), (0.4, 10), (0.19, 10), (0.08, 10), (0.045, 8)], seed=3, cv=0.2)
    r = scripted_run([*falling, 110.0, 400.0], rates=RATES)[-1].reading
    assert r.status is Status.NOT_LEARNING, r.words
    assert "coming down again" not in r.words and "let it train on" not in r.remedy, r.words



def _patterns(n: int, seed: int):
    """16 x 16 images of one of four shapes (a bar across, a bar down, a diagonal, a blob) at a random place, in noise
    of std 0.3, and their labels (the W62 walkthrough's data)."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n,), generator=gen)
    x = 0.3 * torch.randn(n, 1, 16, 16, generator=gen)
    for i in range(n):
        c, o = int(y[i]), int(torch.randint(0, 12, (1,), generator=gen))
        if c == 0:
            x[i, 0, o:o + 3, :] += 1.0
        elif c == 1:
            x[i, 0, :, o:o + 3] += 1.0
        elif c == 2:
            x[i, 0] += torch.eye(16)
        else:
            x[i, 0, o:o + 4, o:o + 4] += 1.5
    return x, y


@pytest.mark.parametrize("at, lr, status", [(10, 2.0, Status.NO_GRADIENT), (30, 1.0, Status.DEAD_LAYER)])
def test_units_stopped_after_a_raise_name_the_raise_without_a_jump(at, lr, status):
    torch.manual_seed(0)
    x, y = _patterns(512, 5)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                          nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 32), nn.ReLU(),
                          nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    zero_from = None
    for t in range(1, 101):
        if t == at:
            for g in opt.param_groups:
                g["lr"] = lr
        idx = torch.randint(0, len(x), (64,))
        with mon.step() as s:
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            s.loss = loss
        zero = all(p.grad.abs().sum() == 0 for n, p in model.named_parameters() if n.endswith("weight"))
        zero_from = (zero_from or t) if zero else None
        opt.step()
        opt.zero_grad()
    r = mon.report().reading
    # the premise: every weight's gradient 0 at the end, and no reading of a jump or a blow-up to date the rate by
    assert r.status is status and "blew up" not in r.words and "jumped" not in r.words, r.words
    if status is Status.NO_GRADIENT:
        assert zero_from is not None and f"(from training step {zero_from})" in r.words, r.words
    assert r.remedy.startswith(f"The learning rate went from 0.02 to {lr:g} at the optimiser's step of training step "
                               f"{at}, before the units stopped: the likeliest cause; go back to 0.02 from a "
                               f"checkpoint saved before training step {at}"), r.remedy
    assert re.search(r"dying layer: \d+ of \d+ units", " ".join(f.words for f in r.findings)), r.findings


def test_the_low_quoted_is_the_lowest_mean():
    """W62 walkthrough finding 3: 'the mean loss had come down to 0.336 at training step 143' where the mean of 50
    reached 0.286 at step 150 (the window kept for the claims is the one of the lowest noise bound). The words quote
    the lowest mean of a window at least half full, computed here from the scripted losses."""
    losses = levels([(2.0, 20), (0.3, 100), (0.6, 20), (3.0, 60)], seed=5, cv=0.6)
    r = scripted_run(losses)[-1].reading
    means = {t: statistics.fmean(losses[max(0, t - 50):t]) for t in range(25, len(losses) + 1)}
    at = min(means, key=means.get)
    assert r.status is Status.NOT_LEARNING, r.words
    assert f"the mean loss had come down to {means[at]:.3g} at training step {at} (a sampled one)" in r.words, \
        (r.words, at, means[at])


def test_a_blow_up_still_under_way_is_said_after_three_losses_past_the_line():
    """W63 walkthrough finding 2: AdamW at lr 1 took the loss from 2.69 to 111 by step 4 and 165 by step 13, staying
    20 to 70 times chance, and every reading to step 14 said 'starting ... above where a run begins ... so the
    reading waits', with no remedy from step 8. Three losses in a row past 30 times chance, climbed from near
    chance, are a blow-up under way: said with its peak so far and the rate in use."""
    losses = [2.3, 13.0, 46.0, 111.0, 157.0, 150.0, 160.0, 140.0]
    seen = scripted_run(losses, rates=[1.0] * len(losses))
    line = 30 * CHANCE
    for k, r in enumerate(seen, 1):
        above = sum(1 for v in losses[:k] if v > line)
        if above < 3:  # one or two losses up there may be unusual batches: the spike's rules
            assert "blew up" not in r.reading.words, (k, r.reading.words)
            continue
        # the peak so far, as a blow-up's is moved: by a higher loss with no loss since the peak under half of it
        peak, low = None, math.inf
        for t, v in enumerate(losses[:k], 1):
            if v <= line:
                continue
            if peak is None or (v > peak[1] and low > peak[1] / 2):
                peak, low = (t, v), math.inf
            else:
                low = min(low, v)
        assert r.reading.status is Status.NOT_LEARNING, (k, r.reading.words)
        assert r.reading.words.startswith(f"not learning: the loss blew up to {peak[1]:.3g} at training step "
                                          f"{peak[0]} ("), (k, r.reading.words)
        assert "from 2.3 at training step 1" in r.reading.words, r.reading.words
        assert r.reading.remedy.startswith("Lower the learning rate (it is 1 now; a tenth, 0.1, is a good first try): "
                                           f"the loss blew up to {peak[1]:.3g} at training step {peak[0]}."), \
            r.reading.remedy
