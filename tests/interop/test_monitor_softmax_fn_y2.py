"""A softmax applied as a function between two layers is said, as nn.Softmax is (issue 17, W32 walkthrough finding 7):
F.softmax(fc2(h), dim=1) fed 'out' with no note at all, no row for fc2's output, and the reading said 'gradients
reach every layer'; the same model with nn.Softmax had a note. Attention's softmax, on q @ k, is no layer's output and
gets none. Reference: the model's own forward, written here."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

HEAD = "not a watched layer, and no row: a softmax"


class _Net(nn.Module):
    def __init__(self, how: str):
        super().__init__()
        self.how = how
        self.fc1, self.fc2, self.out = nn.Linear(10, 32), nn.Linear(32, 32), nn.Linear(32, 4)
        self.sm = nn.Softmax(dim=1)

    def forward(self, x):
        z = self.fc2(F.gelu(self.fc1(x)))
        h = {"F": lambda: F.softmax(z, dim=1), "method": lambda: z.softmax(1), "module": lambda: self.sm(z),
             "output": lambda: z}[self.how]()
        y = self.out(h)
        return F.softmax(y, dim=1) if self.how == "output" else y  # at the output: no layer after it


def _notes(model, shape=(16, 10), steps=3) -> list[str]:
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with Monitor(model, chance_loss=math.log(4), every=1) as mon:
        for _ in range(steps):
            with mon.step() as s:
                loss = model(torch.randn(*shape)).square().mean()
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    return [n for n in mon.report().notes if HEAD in n]


@pytest.mark.parametrize("how", ["F", "method"])
def test_a_softmax_function_between_two_layers_is_said(how):
    said = _notes(_Net(how))
    assert len(said) == 1 and said[0].startswith(f"softmax applied as a function to the output of module 'fc2': {HEAD}"
                                                 ), said


def test_a_softmax_module_is_said_once_by_its_name():
    said = _notes(_Net("module"))
    assert len(said) == 1 and said[0].startswith(f"sm (Softmax): {HEAD}"), said


def test_no_note_for_a_softmax_at_the_output_or_in_attention():
    assert _notes(_Net("output")) == []
    torch.manual_seed(0)
    block = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    assert _notes(block, shape=(4, 6, 16), steps=2) == []
