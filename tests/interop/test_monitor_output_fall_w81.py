"""W81 walkthrough finding 2: a GAN whose discriminator wins outright (data left at 100 times its scale, the
discriminator's learning rate 10 times the generator's, a sigmoid output under BCELoss, the saturating generator loss
log(1 - D(G(z)))). The generator's output-layer gradient fell some 400 times, every layer alike, and its monitor read
'flowing' on every step with no word of it. A note now says so, with the figures, checked against the script's own
record of that gradient; the same GAN with the non-saturating loss on data at its scale gets no such note. W92
walkthrough findings 2 and 8: the winning discriminator's monitor, given no chance_loss, got the generator's note and
its remedy; and the generator's headline read 'gradients reach every layer' over gradients 10,964 times smaller than
its first ones. A loss come down to half its first or less gets no note with chance_loss or without it, and the
headline says the gradients are small."""

import math
import statistics

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_base import EARLY_OUTPUT, OUTPUT_FALL  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _ring(n, scale):
    k = torch.randint(0, 8, (n,))
    angle = k.float() * 2 * math.pi / 8
    return scale * (torch.stack([2 * torch.cos(angle), 2 * torch.sin(angle)], 1) + 0.05 * torch.randn(n, 2))


def _gan(broken: bool, steps: int = 300):
    torch.manual_seed(0)
    g = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    d = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1),
                      *([nn.Sigmoid()] if broken else []))
    opt_g = torch.optim.Adam(g.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 1e-2 if broken else 1e-3, betas=(0.5, 0.999))
    mon_g = Monitor(g, every=1, name="generator")
    mon_d = Monitor(d, every=1, name="discriminator")
    own = []  # the generator's output-layer weight gradient, step by step
    own_d = []  # the discriminator's, and its loss
    with mon_g, mon_d:
        for _ in range(steps):
            real, z = _ring(128, 100.0 if broken else 1.0), torch.randn(128, 2)
            opt_d.zero_grad()
            fake = g(z).detach()
            with mon_d.step() as s:
                if broken:
                    loss_d = F.binary_cross_entropy(d(real), torch.ones(128, 1)) + F.binary_cross_entropy(
                        d(fake), torch.zeros(128, 1))
                else:
                    loss_d = F.binary_cross_entropy_with_logits(d(real), torch.ones(128, 1)) + \
                        F.binary_cross_entropy_with_logits(d(fake), torch.zeros(128, 1))
                loss_d.backward()
                s.loss = loss_d
            own_d.append((float(d[4].weight.grad.norm()), loss_d.item()))
            opt_d.step()
            opt_g.zero_grad()
            with mon_g.step() as s:
                out = d(g(z))
                loss_g = -F.binary_cross_entropy(out, torch.zeros(128, 1)) if broken else \
                    F.binary_cross_entropy_with_logits(out, torch.ones(128, 1))
                loss_g.backward()
                s.loss = loss_g
            own.append(float(g[4].weight.grad.norm()))
            opt_g.step()
        return mon_g.report(), own, mon_d.report(), own_d


@pytest.mark.parametrize("broken", [True, False])
def test_a_generator_whose_gradient_collapsed_is_told_so(broken):
    report, own, _, _ = _gan(broken)
    first = statistics.median(own[:EARLY_OUTPUT])
    said = [n for n in report.notes if n.startswith("the output layer's weight gradient ('4.weight') is ")]
    if not broken:
        assert own[-1] > OUTPUT_FALL * first and said == [], (own[-1], first, said)
        return
    assert own[-1] < OUTPUT_FALL * first, (own[-1], first)  # the premise: a fall of over 100 times
    assert len(said) == 1, report.notes
    assert said[0].startswith(f"the output layer's weight gradient ('4.weight') is {own[-1]:.3g}, "
                              f"{first / own[-1]:,.0f} times less than its median over the first {EARLY_OUTPUT} "
                              f"sampled steps ({first:.3g})"), said[0]
    assert "use the non-saturating one" in said[0]
    # and the headline, where a reader looks first, says the gradients are small
    assert report.reading.status == "flowing"
    assert (f"gradients reach every layer ('0.weight' gets {report.reading.words.split('gets ')[1].split(')')[0]}), "
            f"but all of them are small: the output layer's weight gradient is {first / own[-1]:,.0f} times less than "
            f"its median over the first sampled steps, {first:.3g} (a note says what may cause it)"
            ) in report.reading.words, report.reading.words


def test_the_discriminator_that_won_gets_no_note_meant_for_its_generator():
    _, _, report, own = _gan(True)
    grads, losses = [g for g, _ in own], [v for _, v in own]
    # the premise: its output layer's gradient fell past the line, and its loss to under half its first
    assert grads[-1] < OUTPUT_FALL * statistics.median(grads[:EARLY_OUTPUT]) and losses[-1] < losses[0] / 2
    assert not any(n.startswith("the output layer's weight gradient") for n in report.notes), report.notes
    assert "all of them are small" not in report.reading.words


@pytest.mark.parametrize("chance", [math.log(2), None])
def test_a_classifier_that_learned_gets_no_note_when_its_gradient_falls(chance):
    """The other side of the rule: a loss that came down to its floor sends little gradient back, which is learning
    done. A separable two-class task trained to a loss near 0: its output-layer gradient falls under 1% of where it
    began (the script's own record), the reading is healthy, and no note says the gradient fell."""
    torch.manual_seed(0)
    x = torch.randn(512, 8)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=2.0)
    own = []
    with Monitor(model, every=1, chance_loss=chance) as mon:
        for _ in range(600):
            with mon.step() as s:
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                s.loss = loss
            own.append(float(model[2].weight.grad.norm()))
            opt.step()
            opt.zero_grad()
        report = mon.report()
    assert own[-1] < OUTPUT_FALL * statistics.median(own[:EARLY_OUTPUT])  # the premise: a fall past the line
    assert report.status == ("healthy" if chance else "flowing"), report.reading.words
    assert not any(n.startswith("the output layer's weight gradient") for n in report.notes), report.notes
