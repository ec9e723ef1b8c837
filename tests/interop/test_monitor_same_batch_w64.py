"""A loader that repeats one batch (issue 17, W64 walkthrough finding 4): `next(iter(loader))` taken once before the
loop read 'healthy ... 99.99% below chance' while the model's loss on the whole data was above chance. The monitor
compares each sampled batch's inputs to the first weighted layer with the one before (the first sample's sum and the
root mean square) and says a run of the same batch after the status. References: the script's own batches (the same
tensor, or not) and its whole-data loss."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(batch_of, steps=120, every=5):
    torch.manual_seed(0)
    x, w = torch.randn(4096, 20), torch.randn(20, 5)
    y = (x @ w + 2 * torch.randn(4096, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=every, chance_loss=math.log(5))
    for step in range(1, steps + 1):
        monitored_step(mon, model, *batch_of(step, x, y), opt)
    r = mon.report().reading
    mon.close()
    with torch.no_grad():
        whole = F.cross_entropy(model(x), y).item()
    return r, whole


def test_one_batch_repeated_is_said_after_the_status():
    r, whole = _run(lambda step, x, y: (x[:64], y[:64]))
    assert whole > math.log(5)  # the premise: on the whole data the model is worse than a constant guess
    assert r.status is Status.HEALTHY
    m = re.match(r"healthy, but every one of the last (\d+) sampled steps, from training step (\d+), read the same "
                 r"batch \(its inputs to the first weighted layer equal: their sums, root mean squares and sums "
                 r"weighted by place\): the loss judged is that one batch's", r.words)
    assert m, r.words
    assert (int(m[1]), int(m[2])) == (120 // 5, 1)  # every=5 samples steps 1, 6, ..., 116: all of them
    assert r.remedy.startswith("If the data is more than that batch, the loader gives the same batch on every step")


@pytest.mark.parametrize("batch_of", [
    lambda step, x, y: (x[64 * (step % 64):64 * (step % 64 + 1)], y[64 * (step % 64):64 * (step % 64 + 1)]),
    # the same batch but for its last sample, changed on every step
    lambda step, x, y: (torch.cat([x[:63], x[64 + step:65 + step]]), torch.cat([y[:63], y[64 + step:65 + step]])),
    # the same batch, its first sample moved to another place on every step: the first sample's sum differs
    lambda step, x, y: (x[:64].roll(step % 64, 0), y[:64].roll(step % 64, 0)),
])
def test_batches_that_differ_are_not_called_the_same(batch_of):
    r, _ = _run(batch_of)
    assert "read the same batch" not in r.words, r.words


def test_a_repeat_shorter_than_three_sampled_batches_is_not_said():
    r, _ = _run(lambda step, x, y: (x[:64], y[:64]) if step > 110 else (x[step * 8:step * 8 + 64],
                                                                           y[step * 8:step * 8 + 64]))
    assert "read the same batch" not in r.words, r.words  # sampled at 111 and 116 only
