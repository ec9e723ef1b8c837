"""The note on weights whose gradient is on no row names an activation the monitor does not watch as the first
reason (issue 17, W73 walkthrough finding 5): a conv net's first layer, before an nn.PReLU (which has no actlab
record), read 'its output is summed with another module's before one, as a recurrent cell's input and hidden
projections are, or goes into attention, a residual sum or the output', none of which it was. Reference: the
layer's own gradient norm after the step."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _note(model) -> tuple[str, float]:
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    with mon.step() as s:
        loss = F.cross_entropy(model(torch.randn(16, 1, 8, 8)), torch.randint(0, 3, (16,)))
        loss.backward()
        s.loss = loss
    notes = [n for n in mon.report().notes if n.startswith("|dL/dW| of weights on no row")]
    first = model[0].weight.grad.norm() if isinstance(model[0], nn.Conv2d) else math.nan
    return (notes[0] if notes else ""), float(first)


def test_a_layer_before_an_unwatched_activation_is_said_to_feed_it():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.PReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                          nn.Flatten(), nn.Linear(8 * 8 * 8, 3))
    note, norm = _note(model)
    assert note.startswith("|dL/dW| of weights on no row (each feeds no watched activation directly: it feeds an "
                           "activation the monitor does not watch ('1' (PReLU)), or its output is summed"), note
    figure = float(note.split("'0.weight' ")[1].split(",")[0])
    assert figure == pytest.approx(norm, rel=5e-3)  # the note's figure is the layer's own, to its 3 digits


def test_without_an_unwatched_activation_the_note_keeps_its_words():
    torch.manual_seed(0)

    class TwoBranches(nn.Module):  # branch 'a' is summed with 'b' before the ReLU, whose row is 'b''s: on no row
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 3, padding=1)

        def forward(self, x):
            return self.a(x) + self.b(x)
    model = nn.Sequential(TwoBranches(), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    note, _ = _note(model)
    assert note.startswith("|dL/dW| of weights on no row (each feeds no watched activation directly: its output is "
                           "summed with another module's before one"), note
