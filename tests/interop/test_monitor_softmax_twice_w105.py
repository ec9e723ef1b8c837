"""Issue 17, W105 walkthrough finding 5: nn.Softmax at a model's end, before nn.CrossEntropyLoss (which applies its own
softmax), read 'healthy ... 37% below chance' on 4 classes and 'healthy ... 14% below chance' on 10, where the loss
cannot go below ln(e + C - 1) - 1 (0.744 and 1.461) and the 10-class run learned at half the control's pace. The
outputs a cross-entropy is read back from are now checked: rows that are all 0 or more and sum to 1 are
probabilities, and the reading says so from the first reads. References: F.cross_entropy on one-hot rows (the floor),
the model's own outputs."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import batch_at, monitored_step, separable  # noqa: E402


def _run(classes: int, softmax: bool, steps: int = 120):
    x, y = separable(classes)
    torch.manual_seed(0)
    layers = [nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, classes)] + ([nn.Softmax(dim=1)] if softmax else [])
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    rows = []
    with Monitor(model, every=2, chance_loss=math.log(classes)) as mon:
        for t in range(1, steps + 1):
            i = batch_at(t)
            monitored_step(mon, model, x[i], y[i], opt)
            with torch.no_grad():
                rows.append(model(x[i]))
    return mon.report(), rows


@pytest.mark.parametrize("classes", [4, 10])
def test_probabilities_given_to_a_cross_entropy_are_said_with_the_floor_they_put_on_the_loss(classes):
    report, rows = _run(classes, softmax=True)
    assert all(((r >= 0).all() and torch.allclose(r.sum(1), torch.ones(len(r)), atol=1e-5)) for r in rows)  # premise
    floor = float(F.cross_entropy(torch.eye(classes), torch.arange(classes)))  # a sure, right model's loss
    assert floor == pytest.approx(math.log(math.e + classes - 1) - 1, rel=1e-6)
    r = report.reading
    assert r.status != "healthy", r.words
    said = " ".join([r.words, *(f.words for f in r.others)])
    assert "the outputs given to the cross-entropy are probabilities, not logits" in said, said
    assert f"cannot fall below {floor:.3g} for {classes} classes" in said, said
    remedy = " ".join([r.remedy, *(f.remedy for f in r.others)])
    assert "Take the softmax off the model's end" in remedy, remedy


def test_logits_given_to_a_cross_entropy_say_nothing_of_probabilities():
    report, _ = _run(4, softmax=False)
    r = report.reading
    assert r.status == "healthy", r.words
    assert "probabilities" not in " ".join([r.words, *(f.words for f in r.others), *report.notes])
