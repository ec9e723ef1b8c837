"""Issue 17, W88 walkthrough findings 1 and 2: every weight frozen while biases and norms train (BitFit), or a learned
scale and shift beside each frozen layer. Such a run read 'only the model's other parameters (biases, norms) are
trained' whether its loss came down 37% below chance or, at lr 0, nothing moved at all; and named norms that were
frozen. The parameters set to train are named, a rate of 0 read at every step is said with its remedy, and the loss
is judged. References: the test's own parameter names, rates, and loss means."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class Scaled(nn.Module):
    """A frozen linear layer, its output scaled and shifted by trained vectors."""

    def __init__(self, base: nn.Linear):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.scale, self.shift = nn.Parameter(torch.ones(base.out_features)), nn.Parameter(torch.zeros(
            base.out_features))

    def forward(self, x):
        return self.base(x) * self.scale + self.shift


def _run(kind: str, lr: float, steps: int = 300):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2048, 12, generator=g)
    y = (x @ torch.randn(12, 4, generator=g)).argmax(1)
    torch.manual_seed(0)
    if kind == "bitfit":
        model = nn.Sequential(nn.Linear(12, 64), nn.LayerNorm(64), nn.ReLU(), nn.Linear(64, 4))
        for name, p in model.named_parameters():
            p.requires_grad_(name.endswith("bias") or name.startswith("1."))
    else:
        model = nn.Sequential(Scaled(nn.Linear(12, 64)), nn.ReLU(), Scaled(nn.Linear(64, 4)))
    trained = [n for n, p in model.named_parameters() if p.requires_grad]
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    own = []
    with Monitor(model, every=5, chance_loss=math.log(4)) as mon:
        for t in range(steps):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            own.append(monitored_step(mon, model, x[i], y[i], opt))
    return mon.report(), trained, own


@pytest.mark.parametrize("kind", ["bitfit", "scaled"])
def test_only_other_parameters_training_are_named_and_the_loss_judged(kind):
    report, trained, _ = _run(kind, 3e-2)
    r = report.reading
    shown = ", ".join(f"'{n}'" for n in trained)
    assert f"only other parameters of the model are set to train ({shown})" in r.words, r.words
    assert "(biases, norms)" not in r.words
    m = r.words.split(", and the loss is ")[1].split(" below chance")[0] if ", and the loss is " in r.words else None
    assert m is not None and float(m.rstrip("%")) >= 10, r.words  # (came down: the words say how far)


def test_a_rate_of_0_is_said_where_only_other_parameters_train():
    report, _, own = _run("bitfit", 0.0, steps=120)
    r = report.reading
    assert r.status.value == "not_learning", r.words
    assert "but the optimiser's learning rate is 0, read at every optimiser step from training step 1" in r.words
    assert r.remedy.startswith("Set the learning rate above 0")
