"""N25 finding 1: two heads side by side on one trunk. The output layer, the reference of W/out and of the reading,
was whichever head ran last: a classifier's head beside an auxiliary regressor weighed 1e-4, run after it, read the
trunk as exploding (2.5e3 times 'aux.weight'). Now it is the head whose weight gets the largest gradient, and a note
says which and why. The reference: autograd's .grad of each weight, read after the step."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop.torch import Monitor  # noqa: E402
from actlab.reading_flow import EXPLODING_RATIO, VANISHING_RATIO  # noqa: E402


class Heads(nn.Module):
    """tanh trunk -> 'cls' (10 classes) and 'aux' (one number); joined: their outputs concatenated."""

    def __init__(self, joined: bool = False, gain: float = 1.0) -> None:
        super().__init__()
        self.fc1, self.act1, self.fc2, self.act2 = nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh()
        self.cls, self.aux, self.joined = nn.Linear(64, 10), nn.Linear(64, 1), joined
        with torch.no_grad():
            self.fc1.weight.mul_(gain)

    def forward(self, x):
        h = self.act2(self.fc2(self.act1(self.fc1(x))))
        if self.joined:
            return torch.cat([self.cls(h), self.aux(h)], dim=1)
        return self.cls(h), self.aux(h)


def run(cls_weight: float, aux_weight: float, joined: bool = False, gain: float = 1.0):
    torch.manual_seed(0)
    model = Heads(joined, gain)
    x, y, t = torch.randn(128, 16), torch.randint(0, 10, (128,)), torch.randn(128, 1)
    mon = Monitor(model, every=1)
    for _ in range(2):
        model.zero_grad()
        with mon.step() as s:
            out = model(x)
            a, b = (out[:, :10], out[:, 10:]) if joined else out
            loss = cls_weight * F.cross_entropy(a, y) + aux_weight * F.mse_loss(b, t)
            loss.backward()
            s.loss = loss
    grads = {n: p.grad.norm().item() for n, p in model.named_parameters() if n.endswith("weight")}
    return mon.report(), grads


def _heads_note(report):
    (note,) = [n for n in report.notes if "run after the last watched activation" in n]
    return note


@pytest.mark.parametrize("joined", [False, True])
@pytest.mark.parametrize(("cls_weight", "aux_weight", "big"), [(1.0, 1e-4, "cls"), (1e-4, 1.0, "aux")])
def test_the_head_with_the_largest_weight_gradient_is_the_reference(cls_weight, aux_weight, big, joined):
    r, grads = run(cls_weight, aux_weight, joined)
    assert max(("cls", "aux"), key=lambda n: grads[n + ".weight"]) == big  # autograd: the premise
    assert r.output_grad_norm == pytest.approx(grads[big + ".weight"], rel=1e-5)
    fc1 = next(l for l in r.layers if l.weights == "fc1.weight")
    assert fc1.weight_grad_ratio_to_output == pytest.approx(grads["fc1.weight"] / grads[big + ".weight"], rel=1e-5)
    assert r.status.value == "flowing", str(r)  # not 'exploding' against a head weighed 1e-4
    note = _heads_note(r)
    assert f"is '{big}', the head whose weight gets the largest gradient" in note
    small = "aux" if big == "cls" else "cls"
    assert f"'{small}' {grads[small + '.weight']:.3g}" in note  # the other head's figure beside it


def test_a_trunk_that_vanishes_against_the_leading_head_still_reads_vanishing():
    r, grads = run(1.0, 1e-4, gain=1e5)  # act1 saturated: fc1 gets almost nothing
    ratio = grads["fc1.weight"] / max(grads["cls.weight"], grads["aux.weight"])
    assert ratio < VANISHING_RATIO  # autograd: the premise
    assert r.status.value == "vanishing", str(r)
    assert "'fc1.weight'" in r.reading.words


def test_the_last_head_run_read_the_trunk_as_exploding_before_the_change():
    # the figure the old rule read: fc2's gradient over the last head's, 'aux' (weighed 1e-4)
    _, grads = run(1.0, 1e-4)
    assert grads["fc2.weight"] / grads["aux.weight"] > EXPLODING_RATIO
    assert math.isfinite(grads["cls.weight"])
