"""M20 (W19 item 5): what is counted at the output. An activation on the output layer's result (a sigmoid or
softplus head) is the model's output, not a hidden layer: its units are not among the hidden units counted, and
the choice is named; where several weighted modules run after the last activation (two heads), which one is called
the output layer is named too."""

import math
import re

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402
from interop._two_heads import TwoHeads  # noqa: E402


def test_a_sigmoid_head_is_not_counted_among_the_hidden_units():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].bias[:5] = -50.0  # 5 units of the first layer never on: dead
    x = torch.randn(256, 2)
    y = ((x ** 2).sum(1) < 1.0).float()
    on = []
    hooks = [model[i].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0))) for i in (1, 3)]
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    for _ in range(8):
        on.clear()
        monitored_step(mon, model, x, y, loss_fn=lambda out, y: F.binary_cross_entropy(out.squeeze(1), y))
        model.zero_grad()
    for h in hooks:
        h.remove()
    report = mon.report()
    # the direct count over this batch (no optimiser step: every sampled batch is the same)
    dead = sum(int((~a).sum()) for a in on)
    assert [l.dead for l in report.layers[:2]] == [int((~on[0]).sum()), int((~on[1]).sum())]
    assert re.search(rf"\b{dead} of 64 hidden units (is|are) dead", report.reading.words), report.reading.words
    assert "of 65 hidden units" not in report.reading.words
    assert any(n.startswith("module '5' (Sigmoid) acts on the output layer's ('4') result: read as the model's "
                            "output, not as a hidden layer") for n in report.notes)


class _Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 16)
        self.sm, self.o, self.sp = nn.Softmax(dim=-1), nn.Linear(16, 1), nn.Softplus()

    def forward(self, x):
        w = self.sm(self.q(x) @ self.k(x).transpose(1, 2) / 4)
        return self.sp(self.o((w @ self.v(x)).mean(1)))


def test_a_softplus_on_the_output_is_not_read_as_the_only_hidden_layer():
    torch.manual_seed(1)
    model = _Attn()
    mon = Monitor(model, every=1)
    for _ in range(3):
        with mon.step():
            model(torch.randn(8, 10, 16)).mean().backward()
        model.zero_grad()
    report = mon.report()
    words = report.reading.words
    assert "gets as much as the output layer's" not in words and "a linear model" not in words
    assert report.status == "unwatched"
    assert "module 'sp', the only watched one, acts on the output layer's ('o') result" in words
    assert [l.name for l in report.layers] == ["sp"]  # its row stays
    assert any(n.startswith("sm (Softmax): not a watched layer") for n in report.notes)


def test_a_logistic_regression_still_reads_as_a_linear_model():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    mon = Monitor(model, every=1)
    with mon.step():
        F.binary_cross_entropy(model(torch.randn(16, 3)).squeeze(1), torch.ones(16)).backward()
    assert mon.report().status != "unwatched"


def test_two_heads_name_the_one_taken_as_the_output_layer():
    torch.manual_seed(3)
    model = TwoHeads()
    mon = Monitor(model, every=1)
    with mon.step():
        c, r = model(torch.randn(8, 4))
        (c.pow(2).mean() + r.pow(2).mean()).backward()
    notes = mon.report().notes
    # the head whose weight gets the largest gradient (N25 finding 1), by autograd's .grad
    big = max(("cls", "reg"), key=lambda n: getattr(model, n).weight.grad.norm().item())
    assert any(n.startswith("2 weighted modules run after the last watched activation ('cls' and 'reg', heads side "
                            "by side: the autograd graph shows none of them feeding another): the output layer, "
                            f"the reference of W/out and of the reading, is '{big}', the head whose weight gets the "
                            "largest gradient on this step")
               for n in notes)
    assert not any("no watched activation runs between" in n for n in notes)
