"""W81 walkthrough finding 1: the DCGAN tutorial's loop, one Monitor per network. The discriminator's gradients are
zeroed before each of its backward passes; the generator's backward, inside the generator's own step block, runs
through the discriminator and adds to its .grad, which the next optD.zero_grad() clears before it is used. The
discriminator's reading said 'the gradients are never zeroed ... restart from freshly initialised weights'. The
control: the same loop with the discriminator's zero_grad() left out is told so."""

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _gan(zero_d: bool, steps: int = 40):
    torch.manual_seed(0)
    g = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    d = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    opt_g, opt_d = torch.optim.Adam(g.parameters(), 1e-3), torch.optim.Adam(d.parameters(), 1e-3)
    mon_d, mon_g = Monitor(d, every=1, name="discriminator"), Monitor(g, every=1, name="generator")
    used = []  # whether the discriminator's .grad held anything as its own backward began
    words = []
    with mon_d, mon_g:
        for _ in range(steps):
            real, z = torch.randn(64, 2) + 3, torch.randn(64, 2)
            if zero_d:
                opt_d.zero_grad()
            used.append(d[0].weight.grad is not None and bool(d[0].weight.grad.any()))
            with mon_d.step() as s:
                fake = g(z).detach()
                loss_d = (F.binary_cross_entropy_with_logits(d(real), torch.ones(64, 1))
                          + F.binary_cross_entropy_with_logits(d(fake), torch.zeros(64, 1)))
                loss_d.backward()
                s.loss = loss_d
            opt_d.step()
            opt_g.zero_grad()
            with mon_g.step() as s:  # backward through the discriminator: its .grad gets the generator's loss too
                loss_g = F.binary_cross_entropy_with_logits(d(g(z)), torch.ones(64, 1))
                loss_g.backward()
                s.loss = loss_g
            opt_g.step()
            r = mon_d.report()
            words.append(" ".join([r.reading.words, r.reading.remedy, *r.notes]))
    return used, words


@pytest.mark.parametrize("zero_d", [True, False])
def test_a_discriminator_zeroed_before_its_backward_is_not_told_its_gradients_are_never_zeroed(zero_d):
    used, words = _gan(zero_d)
    assert any(used[1:]) is not zero_d  # the premise: its own backward began on a cleared .grad, or never did
    told = [i for i, w in enumerate(words) if "the gradients are never zeroed" in w]
    if zero_d:
        assert told == [], words[told[0]] if told else None
    else:
        assert told and told[0] < 15, told[:3]
