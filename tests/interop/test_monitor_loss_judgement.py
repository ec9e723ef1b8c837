"""Issue 17 items 9, 16: learning is judged on the mean loss of the latest sampled batches, not one batch's, and
the words say so; 'not learning' does not print 'None epochs'."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop.torch import JUDGED_STEPS  # noqa: E402
from actlab.readings import LayerSummary, RunSummary, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def test_the_status_does_not_flicker_with_one_batchs_loss():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    mon = Monitor(model, every=1, chance_loss=1.0)
    batch_losses = [0.80 if k % 2 == 0 else 0.96 for k in range(12)]  # the mean, 0.88, is 12% below chance
    statuses = []
    for value in batch_losses:
        with mon.step() as s:
            model(torch.randn(16, 4)).pow(2).mean().backward()
            s.loss = value
        statuses.append(mon.report().reading.status.value)
    # one batch's loss alternated healthy (0.80) and starting (0.96); the mean of the latest batches settles, and
    # it reads healthy once those batches put it below chance beyond their noise (L25): the log-normal mean's upper
    # bound at 99.5% is below chance (the reference: the pivot's quadrature, tests/lognormal_bound.py)
    from lognormal_bound import lognormal_mean_bound

    def clearly_below(k):
        window = batch_losses[max(0, k + 1 - JUDGED_STEPS):k + 1]
        # two losses: the pivot's 99.5% point is near 1.3e4 s^2 above their mean, which the quadrature cannot reach
        return len(window) > 2 and lognormal_mean_bound(window) < 1.0

    assert statuses[1:] == ["healthy" if clearly_below(k) else "starting" for k in range(1, 12)]
    assert statuses[:8] == ["starting"] * 8 and statuses[8:] == ["healthy"] * 4
    r = mon.report()
    assert r.loss == pytest.approx(0.96)  # the report's loss is still this step's
    want = sum(batch_losses) / 12  # all 12 steps are within the judged window (JUDGED_STEPS, 50)
    assert JUDGED_STEPS >= 12 and f"mean loss of the last 12 training steps' batches {want:.3g}" in r.reading.words


def test_a_non_finite_loss_is_judged_at_once():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    mon = Monitor(model, every=1, chance_loss=1.0)
    for value in (0.5, 0.5, math.nan):
        with mon.step() as s:
            model(torch.randn(16, 4)).pow(2).mean().backward()
            s.loss = value
    assert mon.report().reading.status.value == "diverged"


def test_not_learning_does_not_print_none_epochs():
    s = RunSummary((LayerSummary("relu", 8, 1.0),), 1.0, loss=1.0, chance_loss=1.0, epochs=None, steps=1290)
    words = diagnose(s).words
    assert words.startswith("not learning: after 1,290 updates the loss is not 10% below chance")
    assert "None" not in words
    with_epochs = RunSummary((LayerSummary("relu", 8, 1.0),), 1.0, loss=1.0, chance_loss=1.0, epochs=3, steps=1290)
    assert "after 1,290 updates (3 epochs)" in diagnose(with_epochs).words
