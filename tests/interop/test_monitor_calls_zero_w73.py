"""Vanishing through time where the gradient reaches exactly 0 (issue 17, W73 walkthrough finding 1): a tanh RNN
written by hand over 150 time steps, its gradient exactly 0 at the first 90 calls and 1.7e-22 at the 91st, read
'starting: gradients reach every layer', while the same RNN over 30 steps, 1.1e-11 at the first call, read 'vanishing
through time'. A run of two or more calls at exactly 0 at the start is the gradient not reaching them; a single
first call at 0 (a forget gate at the first step multiplies a zero state) is still no vanishing. Reference: the
gradient at each time step's state by retain_grad on a copy of the model, on the same batch."""

from __future__ import annotations

import copy
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class HandRNN(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.ih, self.hh, self.out = nn.Linear(2, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 2)
        self.hidden, self.kept = hidden, None

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.hidden)
        for t in range(x.shape[1]):
            h = torch.tanh(self.ih(x[:, t]) + self.hh(h))
            if self.kept is not None:
                h.retain_grad()
                self.kept.append(h)
        return self.out(h)


def _run(steps_in_time: int):
    torch.manual_seed(0)
    model = HandRNN()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    for step in range(1, 6):
        x = torch.randn(64, steps_in_time, 2)
        y = (x[:, 0, 0] > 0).long()
        if step == 5:  # the reference: each state's gradient on this batch, before the step changes the weights
            twin = copy.deepcopy(model)
            twin.kept = []
            F.cross_entropy(twin(x), y).backward()
            mine = [float(h.grad.norm()) for h in twin.kept]
        monitored_step(mon, model, x, y, opt)
    return mon.report(), mine


def test_a_gradient_that_reaches_exactly_0_through_time_reads_vanishing():
    report, mine = _run(150)
    zeros = next(i for i, g in enumerate(mine) if g != 0)
    assert zeros >= 2 and all(g == 0 for g in mine[:zeros])  # the premise: exactly 0 at the first calls
    theirs = [layer.act_grad_norm for layer in report.layers]
    assert len(theirs) == 150 and [g == 0 for g in theirs] == [g == 0 for g in mine]
    words = report.reading.words
    assert report.status == "vanishing", words
    assert (f"vanishing through time: through the 150 calls of hh>add:tanh in one forward, |dL/da| falls from "
            f"{mine[-1]:.3g} at the last call to {mine[zeros]:.3g} at call {zeros + 1} of the 150 and exactly 0 at the "
            f"{zeros} before it, so what the earliest calls see barely trains") in words, words
    assert report.reading.remedy.startswith("Carry the gradient further back: a gated cell (nn.LSTM, nn.GRU)")


def test_a_gradient_that_only_falls_reads_as_it_did():
    report, mine = _run(30)
    assert all(g > 0 for g in mine) and mine[0] < 1e-3 * mine[-1]
    words = report.reading.words
    assert (f"|dL/da| falls from {mine[-1]:.3g} at the last call to {mine[0]:.3g} at the first, "
            f"{mine[0] / mine[-1]:.2g} of it") in words, words


class MaskedRNN(HandRNN):
    """The first ``pad`` time steps are padding: the state is held through them (h = m h_new + (1 - m) h), so their
    outputs get a gradient of exactly 0, and the first real step one like the last's."""

    def __init__(self, pad):
        super().__init__()
        self.pad = pad

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.hidden)
        for t in range(x.shape[1]):
            new = torch.tanh(self.ih(x[:, t]) + self.hh(h))
            h = new * 0.0 + h if t < self.pad else new
        return self.out(h)


def test_padding_held_out_of_the_state_is_no_vanishing():
    torch.manual_seed(0)
    model = MaskedRNN(pad=20)
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    for _ in range(3):
        x = torch.randn(32, 25, 2)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), (x[:, 20, 0] > 0).long())
            loss.backward()
            s.loss = loss
        model.zero_grad()
    report = mon.report()
    grads = [layer.act_grad_norm for layer in report.layers]
    assert all(g == 0 for g in grads[:20]) and all(g > 0 for g in grads[20:])  # the premise
    assert grads[20] > 1e-3 * grads[-1]
    assert report.status != "vanishing" and "vanishing through time" not in report.reading.words
    assert not any("falls from" in n for n in report.notes)
