"""What the loss measures and how it is reduced, read from its autograd node (W60 walkthrough findings 3 and 6): a
classifier under BCEWithLogitsLoss whose output weights were 400 times the default was told to 'standardise the
targets ... or set the output layer's bias to their mean' (its targets are 0 and 1), and a loss summed over the batch
against a per-sample chance_loss read 'the outputs began far from the targets ... standardise the targets'."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_head import loss_form  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

A = torch.randn(8, 3, requires_grad=True)
Y = torch.randint(0, 3, (8,))
T = torch.rand(8, 3)


@pytest.mark.parametrize("loss, want", [
    (lambda: F.cross_entropy(A, Y), ("classification", False)),
    (lambda: F.cross_entropy(A, Y, reduction="sum"), ("classification", True)),
    (lambda: nn.BCEWithLogitsLoss()(A, T), ("classification", False)),
    (lambda: F.binary_cross_entropy(torch.sigmoid(A), T, reduction="sum"), ("classification", True)),
    (lambda: 0.5 * F.mse_loss(A, T, reduction="sum"), ("regression", True)),
    (lambda: F.huber_loss(A, T) / 4, ("regression", False)),
    (lambda: ((A - T) ** 2).mean(), (None, False)),  # written out: not a loss function's node
    (lambda: F.mse_loss(A, T, reduction="none"), (None, False)),  # not 0-d
], ids=["ce", "ce-sum", "bce-logits", "bce-sum", "half-mse-sum", "huber-quarter", "written", "unreduced"])
def test_the_loss_form_against_the_loss_functions_own_reduction(loss, want):
    assert loss_form(loss()) == want


def _binary(scale, loss_fn, chance, steps=60):
    torch.manual_seed(0)
    x = torch.randn(1024, 6)
    y = (x[:, :1] > 0).float()
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
    with torch.no_grad():
        model[2].weight.mul_(scale)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    mon = Monitor(model, every=1, chance_loss=chance)
    for _ in range(steps):
        i = torch.randint(0, 1024, (64,))
        monitored_step(mon, model, x[i], y[i], opt, loss_fn=loss_fn)
    return mon.report()


def test_a_classifier_starting_far_above_chance_is_told_of_its_logits_not_its_targets_w60():
    report = _binary(400.0, F.binary_cross_entropy_with_logits, math.log(2))
    first = report.reading.findings[0]
    assert "the first loss" in first.words and "was already" in first.words  # the premise: a start far above
    assert first.remedy.startswith("A first cross-entropy this far above chance means confidently wrong outputs")
    assert "standardise the targets" not in f"{report.reading.words} {report.reading.remedy}"


def test_a_summed_loss_against_a_per_sample_chance_is_told_so_w60():
    """MSE summed over batches of 64 with chance_loss the targets' variance: the first loss is about 64 times it."""
    report = _binary(1.0, lambda out, y: F.mse_loss(out, y, reduction="sum"), 0.25)
    text = f"{report.reading.words} {report.reading.remedy}"
    assert "reduction='sum'" in text and "standardise the targets" not in text, text
    # (read back from the outputs' gradient since W64: the sum named with its count, and the chance that fits it)
    assert "s.loss is the sum of the squared errors of the batch's 64 outputs, not their mean" in text, text
    assert "Monitor(chance_loss=...) the chance of the sum (64 x 0.25 = 16 for batches of 64 outputs)" in text


def test_the_broadcast_is_read_from_the_loss_function_s_own_expand():
    import warnings

    from actlab.interop._monitor_head import broadcast_of

    out = torch.randn(8, 1, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's own: 'Using a target size ...'
        assert broadcast_of(F.mse_loss(out, torch.randn(8))) == (8, 1)
        assert broadcast_of(2 * nn.HuberLoss()(out, torch.randn(8))) == (8, 1)
        assert broadcast_of(F.smooth_l1_loss(out, torch.randn(8), reduction="sum")) == (8, 1)
    assert broadcast_of(F.mse_loss(out, torch.randn(8, 1))) is None  # the same shape: nothing expanded
    assert broadcast_of(F.cross_entropy(A, Y)) is None and broadcast_of(((out - 1) ** 2).mean()) is None


def test_outputs_broadcast_against_targets_of_another_shape_lead_the_reading_w60():
    """W60 walkthrough finding 4: (64, 1) outputs against (64,) targets under nn.MSELoss read 'starting ... every run
    begins near chance', the model able to learn only the targets' mean (its whole-data MSE 1.25 against a chance of
    1.28), torch's warning fired 192 times."""
    torch.manual_seed(0)
    x = torch.randn(1024, 4)
    y = x[:, 0] + 0.5 * x[:, 1]  # (N,): the outputs are (N, 1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    mon = Monitor(model, every=5, chance_loss=float(y.var()))
    with pytest.warns(UserWarning, match="target size"):
        for _ in range(200):
            i = torch.randint(0, 1024, (64,))
            monitored_step(mon, model, x[i], y[i], opt, loss_fn=F.mse_loss)
    with torch.no_grad():  # the premise: the model learned no more than the mean (its own outputs, shaped rightly)
        assert F.mse_loss(model(x).squeeze(1), y).item() > 0.9 * float(y.var())
    report = mon.report()
    assert report.reading.words.split(": ", 1)[1].startswith(
        "the loss broadcasts the model's outputs, of shape (64, 1), against targets of another shape")
    assert report.reading.remedy.startswith("Give the targets the outputs' shape before the loss")


@pytest.mark.parametrize("loss, want", [
    (lambda: F.mse_loss(A, T), "squared"),
    (lambda: ((A - T) ** 2).mean() / 2, "squared"),  # written out: a square's mean
    (lambda: F.l1_loss(A, T), "absolute"),  # (autograd's nodes: the mean of a difference's size)
    (lambda: 3 * F.huber_loss(A, T, reduction="sum"), "absolute"),
    (lambda: nn.SmoothL1Loss(beta=0.5)(A, T), "absolute"),
    (lambda: ((A - T) ** 3).mean(), None),
    (lambda: F.cross_entropy(A, Y), None),
], ids=["mse", "written-square", "l1", "huber-sum", "smooth-l1", "cube", "ce"])
def test_the_loss_measure_against_how_each_loss_grows_with_the_error(loss, want):
    """How a regression loss grows with the error (W85 walkthrough finding 1: a Huber loss's chance_loss was read as
    the targets' variance)."""
    from actlab.interop._monitor_head import loss_measure

    assert loss_measure(loss()) == want
