"""Issue 17, W67 walkthrough finding 3: a GAN's generator at lr 1e-6, its loss 28 times chance, read 'not learning
... usually means steps too large for the network: lower the learning rate', beside a page that said 'The learning
rate was 1.00e-6 at every optimiser step read'. Where every rate read is small already, the remedy no longer asks to
lower it. References: the scripted losses and the rates the script set."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()

from actlab.readings import SMALL_RATE, Status  # noqa: E402
from interop._scripted_losses import levels, scripted_run  # noqa: E402

CHANCE = math.log(2)


@pytest.mark.parametrize("rate", [1e-6, SMALL_RATE, 1e-3])
def test_a_loss_above_chance_at_a_small_rate_is_not_sent_to_lower_it(rate):
    # near chance, then up to 28 times it over 100 steps (the discriminator winning), and flat there
    ramp = [0.7 * (19.3 / 0.7) ** (k / 100) for k in range(100)]
    losses = levels([(0.7, 30)], seed=1, cv=0.05) + ramp + levels([(19.3, 300)], seed=2, cv=0.05)
    r = scripted_run(losses, chance=CHANCE, rates=[rate] * len(losses))[-1].reading
    assert r.status is Status.NOT_LEARNING, r.words
    assert "above chance" in r.words
    if rate <= SMALL_RATE:
        assert r.remedy.startswith(f"The learning rate is already small ({rate:.3g}), so steps too large are not the "
                                   "cause"), r.remedy
        assert "lower the learning rate" not in r.remedy.lower()
    else:
        assert "lower the learning rate" in r.remedy.lower(), r.remedy
