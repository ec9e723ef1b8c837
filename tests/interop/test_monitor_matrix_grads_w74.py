"""The gradients of trained matrices that are no module's .weight are read into a note of each report (issue 17, W74
walkthrough finding 7 and W73 finding 2: an nn.LSTM's weight_ih_l0 and weight_hh_l0 got 0.89 and 0.34 of the output
layer's gradient, and no figure said so). Reference: each matrix's .grad norm, taken in the step's block here."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

NOTE = "|dL/dW| of trained matrices that are no module's .weight: "


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(8, 16, batch_first=True)
        self.mix = nn.Parameter(torch.randn(16, 16) / 4)  # a bare matrix of the script's own
        self.head = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4))

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1] @ self.mix)


@pytest.mark.parametrize("every", [1, 3])
def test_the_note_gives_each_matrix_s_gradient_norm_and_ratio(every):
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=every, chance_loss=math.log(4))
    names = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "mix"]
    for _ in range(7):
        x = torch.randn(32, 12, 8)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), x[:, 0, :4].argmax(1))
            loss.backward()
            s.loss = loss
            params = dict(model.named_parameters())
            own = {n: params[n].grad.norm().item() for n in names}
            out = model.head[2].weight.grad.norm().item()
        opt.step()
        opt.zero_grad()
    rep = mon.report()
    assert rep.step == 7
    note = next(n for n in rep.notes if n.startswith(NOTE))
    for name in names:
        found = re.search(rf"'{re.escape(name)}' ([0-9.e+-]+), ([0-9.e+-]+) of the output layer's", note)
        assert found, note
        assert float(found.group(1)) == pytest.approx(own[name], rel=5e-3)
        assert found.group(2) == f"{own[name] / out:.2g}"


def test_a_model_with_none_has_no_such_note():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(16, 4)).square().mean().backward()
    assert not any(n.startswith(NOTE) for n in mon.report().notes)
