"""A bounded output whose squared-error loss asks for values outside its range (W54 walkthrough finding 5, W57
findings 1 and 2): a Tanh head over targets with 69% of them beyond +-1 read 'healthy' (W57: 'not learning ... raise
the learning rate'), a Sigmoid head over targets half of them above 1 'healthy', 48% below chance, at the best loss
any sigmoid head can reach. The monitor reads each output's goal from the loss's gradient; the figures are checked
here against the targets themselves, over the batches it read."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_head import HEAD_BATCHES, squared_error_of  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, squared_error  # noqa: E402

MARGIN = 0.01  # the saturation limit: 1% of the range's half (tanh's 0.01, sigmoid's 0.005)


def _data(n=2048, scale=2.5, shift=0.0):
    torch.manual_seed(0)
    x = torch.randn(n, 8)
    return x, x[:, :1] * scale + x[:, 1:2] + shift


def _train(head, x, y, loss_fn=F.mse_loss, steps=300, lr=1e-2, every=1):
    """An MLP with ``head`` on its output trained on (x, y) with ``loss_fn``: (the monitor, its report, the targets
    of the batches of the last HEAD_BATCHES steps)."""
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1), head)
    opt = torch.optim.Adam(model.parameters(), lr)
    mon = Monitor(model, every=every, chance_loss=float(y.var()))
    batches = []
    for _ in range(steps):
        i = torch.randint(0, len(x), (128,))
        monitored_step(mon, model, x[i], y[i], opt, loss_fn=loss_fn)
        batches = (batches + [y[i]])[-HEAD_BATCHES:]
    return mon, mon.report(), torch.cat(batches)


def _beyond(t, low, high):
    margin = MARGIN * (high - low) / 2
    return ((t < low - margin) | (t > high + margin)).double().mean().item()


def test_a_tanh_head_over_targets_beyond_its_range_reads_output_saturated_with_true_figures():
    x, y = _data()
    mon, report, seen = _train(nn.Tanh(), x, y)
    assert report.status == Status.OUTPUT_SATURATED
    beyond = mon._output_beyond()
    assert beyond.batches == HEAD_BATCHES and beyond.where == "module '5' (Tanh)"
    assert beyond.share == pytest.approx(_beyond(seen, -1, 1), abs=1e-9)  # the same outputs, counted from the targets
    # the loss that cannot go: each target's squared distance from the range, a batch's mean
    floor = ((seen - seen.clamp(-1, 1)) ** 2).double().mean().item()
    assert beyond.floor == pytest.approx(floor, rel=1e-4)
    words = report.reading.findings[0].words
    assert words.startswith("output saturated: the loss asks module '5' (Tanh) for values outside its range, -1 to 1, "
                            f"on {beyond.share:.0%} of the outputs")
    assert "cannot go whatever the training" in words
    assert report.reading.findings[0].remedy.startswith("Scale the targets into -1 to 1")
    with torch.no_grad():  # the pinned share: outputs within the margin of +-1 on the model as it ends; the monitor's
        # is of the last batches, as the weights moved through them: the two agree within a few points
        pinned = (1 - mon.model(x).abs() < MARGIN).double().mean().item()
    assert beyond.pinned == pytest.approx(pinned, abs=0.06)


def test_a_sigmoid_head_over_targets_above_1_reads_so_w57():
    torch.manual_seed(0)
    x = torch.randn(2048, 8)
    y = 2 * torch.sigmoid(2 * x[:, :1])  # W57 finding 2: half of them above 1
    mon, report, seen = _train(nn.Sigmoid(), x, y)
    assert report.status == Status.OUTPUT_SATURATED
    beyond = mon._output_beyond()
    assert beyond.low == 0 and beyond.high == 1
    assert beyond.share == pytest.approx(_beyond(seen, 0, 1), abs=1e-9)
    assert "outside its range, 0 to 1" in report.reading.findings[0].words


@pytest.mark.parametrize("loss_fn", [
    squared_error,  # ((out - y) ** 2).mean()
    lambda out, y: 0.5 * F.mse_loss(out, y),
    lambda out, y: F.mse_loss(out.squeeze(1), y.squeeze(1), reduction="sum") / len(y),
    lambda out, y: (lambda d: (d * d).sum())(y - out),
    lambda out, y: torch.square(out - y).mean(dim=0).sum(),
], ids=["written", "half", "sum-squeezed", "d*d", "square-mean-dim"])
def test_every_way_of_writing_a_squared_error_reads_the_same_goals(loss_fn):
    x, y = _data()
    mon, report, seen = _train(nn.Tanh(), x, y, loss_fn=loss_fn, steps=40, lr=1e-3)
    assert mon._output_beyond().share == pytest.approx(_beyond(seen, -1, 1), abs=1e-9)


@pytest.mark.parametrize("loss_fn", [
    F.l1_loss,  # no squared error: its gradient carries no distance (Huber and smooth L1: test_monitor_head_robust)
    lambda out, y: F.mse_loss(out, y) + 1e-3 * out.abs().mean(),  # a term of its own on the outputs
    lambda out, y: (torch.linspace(0.5, 1.5, len(y)).unsqueeze(1) * (out - y) ** 2).mean(),  # weighed per output
    lambda out, y: 2 * F.huber_loss(out, y),  # a Huber loss times a number: its clamp's bound is not known
], ids=["l1", "plus-a-term", "weighted", "huber-scaled"])
def test_a_loss_that_is_no_plain_squared_error_of_the_outputs_is_not_read(loss_fn):
    x, y = _data()
    mon, report, _ = _train(nn.Tanh(), x, y, loss_fn=loss_fn, steps=30, lr=1e-3)
    assert mon._output_beyond() is None
    assert report.status != Status.OUTPUT_SATURATED


def test_a_broadcast_target_is_not_read():
    """(128, 1) outputs against (128,) targets: nn.MSELoss broadcasts them to 128 x 128 and warns."""
    x, y = _data()
    with pytest.warns(UserWarning, match="target size"):
        mon, report, _ = _train(nn.Tanh(), x, y[:, 0], steps=30, lr=1e-3)
    assert mon._output_beyond() is None


def test_confident_outputs_on_targets_at_the_ends_are_no_targets_beyond():
    """A tanh head trained with MSE on +-1 labels (the lesson's classifier) and a sigmoid with BCELoss: their outputs
    rightly sit near the ends, pushed further out by the loss; neither is read as asking beyond the range."""
    x, y = _data()
    labels = torch.where(y > 0, 1.0, -1.0)
    mon, report, _ = _train(nn.Tanh(), x, labels, steps=300)
    beyond = mon._output_beyond()
    assert beyond is not None and beyond.share == 0 and beyond.pinned > 0.05  # pinned, and rightly so
    assert report.status != Status.OUTPUT_SATURATED
    mon, report, _ = _train(nn.Sigmoid(), x, (labels + 1) / 2, loss_fn=F.binary_cross_entropy, steps=300)
    assert mon._output_beyond() is None and report.status == Status.HEALTHY


def test_a_few_targets_beyond_that_hold_most_of_the_loss_are_said_after_the_status():
    """8% of the targets at 4 and the rest in range: fewer than a quarter of the outputs, but most of the loss cannot
    go; the reading says so right after its status, whatever that is, with the remedy."""
    torch.manual_seed(0)
    x = torch.randn(2048, 8)
    y = 0.5 * torch.tanh(x[:, :1])
    far = x[:, 2:3] > 1.4  # about 8%
    y = torch.where(far, torch.full_like(y, 4.0), y)
    mon, report, seen = _train(nn.Tanh(), x, y, steps=400)
    beyond = mon._output_beyond()
    assert beyond.share == pytest.approx(_beyond(seen, -1, 1), abs=1e-9) and beyond.share < 0.25
    assert beyond.floor > 0.25 * beyond.loss
    first = report.reading.findings[0]
    assert report.status != Status.OUTPUT_SATURATED
    status = first.words.partition(": ")[0]  # (the clause's own colon comes after its start)
    b = beyond
    assert status == (f"{first.status}, but the loss asks module '5' (Tanh) for values outside its range, -1 to 1, on "
                      f"{b.share:.0%} of the outputs (their targets lie beyond it), so at least {b.floor:.3g} of the "
                      f"loss ({b.floor / b.loss:.0%} of {b.loss:.3g}, a batch's mean over the last 10 sampled batches, "
                      "from training step 391) cannot go whatever the training; "
                      f"{b.pinned:.0%} of the outputs sit within 0.01 of an end, where its slope is about 0 and "
                      "little gradient passes back")
    assert "Scale the targets into -1 to 1" in first.remedy


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=2, max_size=12), st.sampled_from(["mean", "sum"]),
       st.floats(0.1, 10), st.booleans())
def test_the_goals_read_from_the_gradient_are_the_targets(targets, reduction, factor, swap):
    """Whatever the targets, the reduction, a number multiplying the loss and the order of the difference, each
    output's goal, a - g / (2 s) with s = sum(g^2) / (4 L), is its target (the formula _head_scalars applies)."""
    torch.manual_seed(len(targets))
    z = torch.randn(len(targets), 1, dtype=torch.float64, requires_grad=True)
    a = torch.tanh(z)
    y = torch.tensor(targets, dtype=torch.float64).unsqueeze(1)
    a.retain_grad()
    d = (y - a) if swap else (a - y)
    loss = factor * (d ** 2).mean() if reduction == "mean" else factor * F.mse_loss(a, y, reduction="sum")
    loss.backward()
    assert squared_error_of(loss, a.grad_fn, a.numel()) == 0.0  # a number multiplies it: not checked
    g = a.grad
    if not (g != 0).all() or loss.item() <= 0:
        return
    s = (g * g).sum() / (4 * loss.detach())
    goal = a.detach() - g / (2 * s)
    assert torch.allclose(goal, y, atol=1e-9)
    assert math.isclose(s.item(), factor / (len(targets) if reduction == "mean" else 1), rel_tol=1e-9)


def test_a_bfloat16_head_under_autocast_is_read():
    """NumPy has no bfloat16: the head's figures go through float64 in torch (a tanh head under autocast on a CPU)."""
    x, y = _data()
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    mon = Monitor(model, every=1, chance_loss=float(y.var()))
    for _ in range(20):
        i = torch.randint(0, len(x), (128,))
        with mon.step() as s:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = model(x[i])
            loss = F.mse_loss(out.float(), y[i])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    beyond = mon._output_beyond()
    assert beyond is not None and beyond.share > 0.5
