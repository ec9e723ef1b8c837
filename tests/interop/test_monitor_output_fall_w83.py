"""The output-gradient note (_Reporting._output_fall) after W83's walkthrough: each weighted module's early gradients
are kept by name, so the note compares the output layer the report chose (of heads side by side, the one with the
largest gradient) with its own early median, not with the last module to run's; a last layer with every unit off
(the output layer's input all 0) gets no note, the dead layer's finding saying what is wrong (W83 finding 5: 'is 0,
none than its median ...' with the GAN's remedy on a CNN whose last ReLU layer had died); and a gradient of exactly
0 is said so. Each against the script's own record of .grad."""

import statistics

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_base import EARLY_OUTPUT, OUTPUT_FALL  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

NOTE = "the output layer's weight gradient"


class _TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(10, 32), nn.ReLU())
        self.a = nn.Linear(32, 4)  # runs first; its loss is the one that counts
        self.b = nn.Linear(32, 4)  # runs last; its loss weighs 1e-4

    def forward(self, x):
        h = self.trunk(x)
        return self.a(h), self.b(h)


def test_the_chosen_head_is_compared_with_its_own_early_gradients():
    """Head 'a' carries the loss, its weight falling from 1 to 1e-3 over the run; head 'b', the last to run, weighs
    1e-4 throughout. The output layer is 'a' (the largest gradient); its gradient falls some 1,000 times, which the
    note says against a's own early median. Compared with b's early median (about 1e-4 of a's), as before, it said
    nothing."""
    torch.manual_seed(0)
    model = _TwoHeads()
    x, y = torch.randn(256, 10), torch.randint(0, 4, (256,))
    own = {"a": [], "b": []}
    with Monitor(model, every=1) as mon:
        for step in range(120):
            weight = 1e-3 ** min(step / 100, 1.0)
            with mon.step() as s:
                out_a, out_b = model(x)
                # a's gradient scaled by the weight, its loss not: a loss that came down to half its first or less
                # gets no note (its early gradients were those of a loss far up, W92 walkthrough finding 2)
                out_a.register_hook(lambda g, w=weight: g * w)
                loss = F.cross_entropy(out_a, y) + 1e-4 * F.cross_entropy(out_b, y)
                loss.backward()
                s.loss = loss
            for k in own:
                own[k].append(float(getattr(model, k).weight.grad.norm()))
            model.zero_grad()
        report = mon.report()
    assert own["a"][-1] > own["b"][-1]  # the premise: 'a' is the head with the largest gradient at the end
    first = statistics.median(own["a"][:EARLY_OUTPUT])
    assert own["a"][-1] < OUTPUT_FALL * first  # and it fell past the line, which b's early median would not show
    assert own["a"][-1] > OUTPUT_FALL * statistics.median(own["b"][:EARLY_OUTPUT])
    said = [n for n in report.notes if n.startswith(NOTE)]
    assert said == [f"{NOTE} ('a.weight') is {own['a'][-1]:.3g}, {first / own['a'][-1]:,.0f} times less than its "
                    f"median over the first {EARLY_OUTPUT} sampled steps ({first:.3g}): the loss sends every layer "
                    "alike next to no gradient, which the ratios between layers do not show. Where another model "
                    "sets the loss (a GAN's generator against its discriminator), the opponent has most likely won "
                    "outright: a saturating loss (the generator minimising log(1 - D(G(z)))) gives next to none once "
                    "the discriminator is sure, so use the non-saturating one (BCE with target 1 on the fakes, from "
                    "logits) or slow the discriminator. Where the loss is a policy gradient (-log p times a return), "
                    "the policy has grown sure of its actions (log p near 0), and has stopped exploring: an entropy "
                    "bonus in the loss keeps it trying others. Where the loss has come down to its floor, that is "
                    "learning done"], report.notes


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_last_layer_with_every_unit_off_gets_the_dead_layer_not_the_note(every):
    """A classifier learning, then its last hidden layer's bias set to -100 at step 200 (every unit off on every
    point): the output layer's input is 0, so its weight gradient is exactly 0 (the script's record), and the reading
    is the dead layer's, with no word of the loss sending no gradient."""
    model = _mlp()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2048, 20, generator=gen)
    y = (x @ torch.randn(20, 5, generator=gen)).argmax(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    own = []
    with Monitor(model, every=every) as mon:
        for step in range(400):
            if step == 200:
                with torch.no_grad():
                    model[2].bias.fill_(-100.0)
            i = torch.randint(0, 2048, (64,), generator=gen)
            monitored_step(mon, model, x[i], y[i], sample=step == 399)
            own.append(float(model[4].weight.grad.norm()))
            opt.step()
            opt.zero_grad()
        report = mon.report()
    assert own[-1] == 0.0 and min(own[:200]) > 0  # the premise
    assert report.layers[1].zero_derivative_fraction == 1.0
    assert report.status in ("dead_layer", "no_gradient"), report.reading.words
    assert "module '3'" in report.reading.words
    assert not any(n.startswith(NOTE) for n in report.notes), report.notes


def test_a_gradient_of_exactly_0_with_units_on_is_said_so():
    """The gradient of the loss multiplied by 0 from step 20 (units on, the loss as it was, sending nothing): the
    output layer's weight gradient is exactly 0, said as such, not 'none than its median'."""
    model = _mlp()
    x, y = torch.randn(256, 20), torch.randint(0, 5, (256,))
    own = []
    with Monitor(model, every=1) as mon:
        for step in range(40):
            with mon.step() as s:
                out = model(x)
                if step >= 20:
                    out.register_hook(lambda g: g * 0.0)
                loss = F.cross_entropy(out, y)
                loss.backward()
                s.loss = loss
            own.append(float(model[4].weight.grad.norm()))
            model.zero_grad()
        report = mon.report()
    assert own[-1] == 0.0 and report.layers[-1].zero_derivative_fraction < 1
    first = statistics.median(own[:EARLY_OUTPUT])
    said = [n for n in report.notes if n.startswith(NOTE)]
    assert len(said) == 1 and said[0].startswith(
        f"{NOTE} ('4.weight') is exactly 0, against a median of {first:.3g} over the first {EARLY_OUTPUT} sampled "
        "steps: the loss sends every layer alike next to no gradient"), report.notes
