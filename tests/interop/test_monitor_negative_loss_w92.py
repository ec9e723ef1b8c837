"""Issue 17, W92 walkthrough finding 5: a REINFORCE policy's loss, -log p times a return, goes below 0, and given
chance_loss = ln 2 it read 'healthy ... it began just under 100% below chance (its first loss, -0.428 at training
step 1)'. A loss that begins under half of chance_loss and goes below 0 is on another scale: it is not judged, and
the words say why with its first value under 0. Its outputs, the same best action in every state, are no collapse.
W94 walkthrough findings 6 and 7: a Gaussian negative log-likelihood begins near its chance and goes below 0 as it
learns; it is judged, its percentage past 100 said as it is; a chance_loss of 0 or below is refused with the way to
lift it. References: the test's own list of the losses it gave, its policy's probabilities, the closed form of the
best constant guess's Gaussian NLL."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _bandit(steps: int = 300, every: int | str = 5):
    """Four states, two actions: action 1 pays +1 in every state, action 0 pays -1."""
    torch.manual_seed(0)
    policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = torch.optim.Adam(policy.parameters(), 3e-2)
    losses = []
    with Monitor(policy, every=every, chance_loss=math.log(2)) as mon:
        for t in range(steps):
            g = torch.Generator().manual_seed(t)
            states = F.one_hot(torch.randint(0, 4, (32,), generator=g), 4).float()
            with mon.step() as s:
                logits = policy(states)
                actions = torch.multinomial(F.softmax(logits.detach(), -1), 1, generator=g).squeeze(1)
                returns = actions.float() * 2 - 1
                loss = -(F.log_softmax(logits, -1).gather(1, actions[:, None]).squeeze(1) * returns).mean()
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
    with torch.no_grad():
        right = F.softmax(policy(torch.eye(4)), -1)[:, 1]
    return mon.report(), losses, right


def test_a_loss_that_goes_below_zero_is_not_judged_against_chance():
    report, losses, right = _bandit()
    assert right.min() > 0.95  # it learned: the paying action in every state
    r = report.reading
    first = next((t + 1, v) for t, v in enumerate(losses) if v < 0)
    said = re.search(r"the loss is not judged: it began at ([-\d.e+]+), under half of chance_loss \(0.693\), and went "
                     r"below 0 \(([-\d.e+]+) at training step ([\d,]+)\)", r.words)
    assert said, r.words
    assert float(said[1]) == pytest.approx(losses[0], rel=5e-3)
    said = (None, said[2], said[3])  # (the first loss under 0, and its step)
    assert int(said[2].replace(",", "")) == first[0]
    assert float(said[1]) == pytest.approx(first[1], rel=5e-3)
    assert losses[0] < math.log(2) / 2  # the premise: it began under half of chance
    assert r.status == Status.FLOWING and "below chance" not in r.words and "above chance" not in r.words
    assert r.evidence["loss_below_zero"] == first[1]
    assert "policy gradient" in r.remedy and "chance_loss" in r.remedy
    # the same action in every state is no collapse: two outputs a row are not read for it
    assert "collapsed" not in r.words


def test_under_auto_the_first_loss_below_zero_is_found_between_samples():
    report, losses, _ = _bandit(every="auto")
    first = next((t + 1, v) for t, v in enumerate(losses) if v < 0)
    assert f"went below 0 ({first[1]:.3g} at training step {first[0]:,})" in report.reading.words


def _gaussian_nll(out, y):
    """A mean and a log-variance a row: the Gaussian negative log-likelihood (full=False)."""
    return F.gaussian_nll_loss(out[:, :1], y, out[:, 1:].exp())


def test_a_gaussian_likelihood_below_zero_is_judged_against_its_chance():
    """Targets of variance about 3.5 with noise 0.1: the best constant guess's Gaussian NLL (full=False) is
    (ln Var + 1) / 2, about 1.13; a model that learns takes it to about -1.7."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 4, generator=g)
    y = (x[:, :1] * 1.5 + torch.sin(2 * x[:, 1:2]) + 0.1 * torch.randn(4096, 1, generator=g))
    chance = 0.5 * (math.log(float(y.var(unbiased=False))) + 1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    losses = []
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(1200):
            i = torch.randint(0, 4096, (128,), generator=torch.Generator().manual_seed(t))
            losses.append(monitored_step(mon, model, x[i], y[i], opt, loss_fn=_gaussian_nll).item())
    r = mon.report().reading
    assert losses[0] > chance / 2 and min(losses) < 0  # the premise: it began near chance and went below 0
    mean = sum(losses[-50:]) / 50
    assert mean < 0 and r.status == Status.HEALTHY, r.words
    said = re.search(r"the loss is ([\d,]+)% below chance \(mean loss of the last 50 training steps' batches "
                     r"([-\d.e+]+)", r.words)
    assert said, r.words
    assert float(said[2]) == pytest.approx(mean, rel=5e-3)
    # (the percentage of the mean it quotes, which may differ from this one in its last digits)
    assert abs(int(said[1].replace(",", "")) - 100 * (1 - float(said[2]) / chance)) <= 1
    assert "not judged" not in r.words


def test_a_chance_loss_of_zero_or_below_is_refused_with_the_way_to_lift_it():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"got -1\.17.*give s\.loss the loss plus a constant.*full=True"):
        Monitor(model, chance_loss=-1.17)
