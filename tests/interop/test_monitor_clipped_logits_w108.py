"""A ReLU on the logits before a cross-entropy (W108 walkthrough finding 8): the monitor read it with no word, where
a softmax there gets a finding. Logits cut at 0 send no gradient back where they are 0 and cannot fall below 0. The
reference: the test's own count of the logits that are exactly 0 on the batch the monitor read."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

NOTE = "the logits given to the cross-entropy at training step "


def _notes(end: nn.Module | None):
    torch.manual_seed(0)
    layers = [nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 5)]
    model = nn.Sequential(*layers, *([end] if end is not None else []))
    x, y = torch.randn(64, 10), torch.randint(0, 5, (64,))
    with torch.no_grad():
        zeros = float((model(x) == 0).float().mean())  # the reference, on the weights of the first step
    mon = Monitor(model, every=1)
    opt = torch.optim.SGD(model.parameters(), 0.1)
    for _ in range(3):
        monitored_step(mon, model, x, y, opt)
    return [n for n in mon.report().notes if n.startswith(NOTE)], zeros


def test_logits_cut_at_zero_by_a_relu_are_said_once_with_their_share():
    said, zeros = _notes(nn.ReLU())
    assert len(said) == 1 and 0.2 < zeros < 0.8  # the premise: a fresh ReLU head cuts about half of them
    share = re.match(re.escape(NOTE) + r"1 are all 0 or more, and (\d+)% of them exactly 0: ", said[0])
    assert share and int(share.group(1)) == round(100 * zeros), (said[0], zeros)
    assert "take that activation off the output layer" in said[0]


@pytest.mark.parametrize("end", [None, nn.Softplus(), nn.Softmax(dim=1)], ids=["logits", "softplus", "softmax"])
def test_logits_of_either_sign_or_never_exactly_zero_are_not_said(end):
    said, zeros = _notes(end)
    assert said == [] and zeros == 0.0
