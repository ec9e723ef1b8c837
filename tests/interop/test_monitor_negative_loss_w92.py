"""Issue 17, W92 walkthrough finding 5: a REINFORCE policy's loss, -log p times a return, goes below 0, and given
chance_loss = ln 2 it read 'healthy ... it began just under 100% below chance (its first loss, -0.428 at training
step 1)'. A loss that goes below 0 has no chance level: it is not judged, and the words say why with its first value
under 0. Its outputs, the same best action in every state, are no collapse. References: the test's own list of the
losses it gave, and its policy's probabilities."""

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
    said = re.search(r"the loss is not judged: it went below 0 \(([-\d.e+]+) at training step ([\d,]+)\)", r.words)
    assert said, r.words
    assert int(said[2].replace(",", "")) == first[0]
    assert float(said[1]) == pytest.approx(first[1], rel=5e-3)
    assert r.status == Status.FLOWING and "below chance" not in r.words and "above chance" not in r.words
    assert r.evidence["loss_below_zero"] == first[1]
    assert "policy gradient" in r.remedy and "chance_loss" in r.remedy
    # the same action in every state is no collapse: two outputs a row are not read for it
    assert "collapsed" not in r.words


def test_under_auto_the_first_loss_below_zero_is_found_between_samples():
    report, losses, _ = _bandit(every="auto")
    first = next((t + 1, v) for t, v in enumerate(losses) if v < 0)
    assert f"it went below 0 ({first[1]:.3g} at training step {first[0]:,})" in report.reading.words
