"""A bounded output rounded to exactly an end of its range (W58 walkthrough finding 6): a Sigmoid head under
nn.BCELoss, its logits so large that float32 rounds the output to exactly 0 or 1, read 'no gradient ... the weights
may still get a gradient on other batches' and called its saturated unit 'a confident prediction, not a fault', while
a third of the points were wrong and sent back no gradient at all. The monitor counts the outputs sitting exactly at an
end that the loss asks back into the range; the counts are checked here against the batches themselves, and the
premise (no gradient passes back from such a point) against autograd."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
import numpy as np  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_head import HEAD_BATCHES, _at_end  # noqa: E402
from actlab.readings import AT_END_SAID, OUTPUT_STUCK_FRACTION, Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

BATCH = 64


def _model(head, logit_scale):
    """An MLP with ``head`` on its output, the output layer's weights scaled by ``logit_scale`` (its results, the
    logits, grow with it)."""
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1), head)
    with torch.no_grad():
        model[2].weight.mul_(logit_scale)
        model[2].bias.zero_()
    return model


def _run(head, logit_scale, wrong, loss_fn, steps=40, chance=None):
    """Monitored steps (every=1, the weights held still: no optimiser) on batches whose targets are the model's own
    side of the range, turned to the other side on a share ``wrong`` of the points. Returns the monitor, its report,
    and the independent count over the last HEAD_BATCHES batches: (outputs exactly at an end whose target is on the
    other side, outputs)."""
    model = _model(head, logit_scale)
    low, high = (0.0, 1.0) if isinstance(head, nn.Sigmoid) else (-1.0, 1.0)
    mon = Monitor(model, every=1, chance_loss=chance)
    gen = torch.Generator().manual_seed(2)
    counts = []
    for _ in range(steps):
        x = torch.randn(BATCH, 6, generator=gen)
        with torch.no_grad():
            out = model(x)
        side = torch.where(out > (low + high) / 2, high, low)
        flip = torch.rand(BATCH, 1, generator=gen) < wrong
        y = torch.where(flip, low + high - side, side)
        at_end_wrong = ((out == high) & (y < high)) | ((out == low) & (y > low))
        counts = (counts + [(int(at_end_wrong.sum()), out.numel())])[-HEAD_BATCHES:]
        monitored_step(mon, model, x, y, loss_fn=loss_fn)
        model.zero_grad()
    return mon, mon.report(), sum(c[0] for c in counts), sum(c[1] for c in counts)


def test_a_sigmoid_rounded_to_0_and_1_under_bce_reads_output_saturated_with_the_true_count_w58():
    mon, report, stuck, outputs = _run(nn.Sigmoid(), 1e4, 0.4, nn.BCELoss(), chance=0.693)
    at_end = mon._output_at_end()
    assert stuck / outputs > OUTPUT_STUCK_FRACTION  # the premise: many outputs wrong at exactly 0 or 1
    assert (at_end.share, at_end.outputs, at_end.batches) == (pytest.approx(stuck / outputs, abs=1e-12), outputs,
                                                               HEAD_BATCHES)
    first = report.reading.findings[0]
    assert report.status == Status.OUTPUT_SATURATED
    assert first.words.startswith(f"output saturated: module '3' (Sigmoid) gives exactly 0 or 1, an end of its range "
                                  f"where its slope is exactly 0, on {stuck / outputs:.0%} of the outputs of the last "
                                  f"{HEAD_BATCHES} sampled batches")
    assert f"({stuck:,} of {outputs:,})" in first.words
    assert first.remedy.startswith("Take the Sigmoid off the output layer and give its result, the logit, to "
                                   "nn.BCEWithLogitsLoss")
    assert "not a fault" not in str(report)  # the head's line no longer excuses it
    assert report.status != Status.NO_GRADIENT and not any(f.status == Status.NO_GRADIENT
                                                           for f in report.reading.findings)


def test_no_gradient_passes_back_from_such_a_point_by_autograd():
    """The premise of the words, checked on its own: the loss of one point whose sigmoid output rounded to the wrong
    end gives its logit a gradient of exactly 0, under BCELoss and MSE alike; at a logit of 10 (output 0.99995, not
    rounded) BCELoss still gives it sigmoid(z) - y."""
    for z0, y, loss_fn in ((40.0, 0.0, F.binary_cross_entropy), (-120.0, 1.0, F.binary_cross_entropy),
                           (40.0, 0.0, F.mse_loss)):
        z = torch.tensor([z0], requires_grad=True)
        loss_fn(torch.sigmoid(z), torch.tensor([y])).backward()
        assert torch.sigmoid(z).item() in (0.0, 1.0) and z.grad.item() == 0.0
    z = torch.tensor([10.0], requires_grad=True)
    F.binary_cross_entropy(torch.sigmoid(z), torch.tensor([0.0])).backward()
    assert z.grad.item() == pytest.approx(torch.sigmoid(torch.tensor(10.0)).item(), rel=1e-3)


def test_every_weight_gradient_zero_says_nothing_is_learnt_and_is_not_read_as_a_batch_s_zero():
    """Every point either right at an end (no gradient wanted) or wrong at one (none can pass): nothing at all is
    learnt. It read 'no gradient on the batch ..., so the weights may still get a gradient on other batches'."""
    mon, report, stuck, outputs = _run(nn.Sigmoid(), 1e5, 0.3, nn.BCELoss())
    assert stuck and all(p.grad is None or not p.grad.any() for p in mon.model.parameters())
    first = report.reading.findings[0]
    assert report.status == Status.OUTPUT_SATURATED
    assert "and every weight's gradient is exactly 0 on the batch of training step 40" in first.words
    assert "may still get a gradient" not in str(report)


def test_a_tanh_pinned_at_plus_minus_1_under_mse_on_targets_inside_its_range():
    mon, report, stuck, outputs = _run(nn.Tanh(), 1e4, 0.35, F.mse_loss)
    assert mon._output_at_end().share == pytest.approx(stuck / outputs, abs=1e-12) and stuck / outputs > 0.25
    assert report.status == Status.OUTPUT_SATURATED
    first = report.reading.findings[0]
    assert "module '3' (Tanh) gives exactly -1 or 1" in first.words
    assert first.remedy.startswith("Take the activation off the output layer")


def test_outputs_at_the_right_end_or_not_quite_at_an_end_are_not_stuck():
    """No false alarm: every output at exactly the end its target is at (the loss wants nothing of it), and wrong
    outputs at a logit near 5 (sigmoid 0.993: BCELoss's gradient passes back through it)."""
    mon, report, stuck, _ = _run(nn.Sigmoid(), 1e4, 0.0, nn.BCELoss())
    assert stuck == 0 and mon._output_at_end() is None and report.status != Status.OUTPUT_SATURATED
    mon, report, stuck, _ = _run(nn.Sigmoid(), 5.0, 0.4, nn.BCELoss())
    assert stuck == 0 and mon._output_at_end() is None
    assert "exactly 0 or 1" not in str(report)


def test_a_few_stuck_outputs_lead_where_the_loss_is_above_chance_w59():
    """W59 walkthrough finding 7: 12% of a sigmoid's outputs wrong at exactly 0 or 1, the loss 18 times chance after
    500 updates, read 'starting ... so the reading waits' with no remedy."""
    mon, report, stuck, outputs = _run(nn.Sigmoid(), 60.0, 0.2, nn.BCELoss(), chance=0.693)
    assert AT_END_SAID <= stuck / outputs < OUTPUT_STUCK_FRACTION
    assert report.reading.findings[0].evidence["loss"] > 0.693
    assert report.status == Status.OUTPUT_SATURATED
    assert f"on {stuck / outputs:.0%} of the outputs" in report.reading.findings[0].words


def test_a_few_stuck_outputs_are_said_after_the_status():
    mon, report, stuck, outputs = _run(nn.Sigmoid(), 60.0, 0.2, nn.BCELoss())  # (the loss not judged: no chance)
    share = stuck / outputs
    assert AT_END_SAID <= share < OUTPUT_STUCK_FRACTION
    first = report.reading.findings[0]
    assert first.status != Status.OUTPUT_SATURATED
    said = first.words.find(f"module '3' (Sigmoid) gives exactly 0 or 1, an end of its range where its slope is "
                            f"exactly 0, on {share:.0%} of the outputs")
    assert 0 < said < 120, first.words  # right after the status (after the gradients flowing, where no status)
    assert first.evidence["output_at_end_share"] == pytest.approx(share)
    assert "nn.BCEWithLogitsLoss" in first.remedy


ENDS = st.sampled_from([-1.0, 1.0, 0.0, 0.5, -0.25, 1.0 - 2 ** -24])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ENDS, st.floats(-5, 5, allow_nan=False)), min_size=1, max_size=40))
def test_the_count_is_the_rule_stated_point_by_point(points):
    """_at_end against the rule read one output at a time, in NumPy and in torch: at the top end with a positive
    gradient (descent lowers it) or at the bottom end with a negative one."""
    a = np.array([p[0] for p in points])
    g = np.array([p[1] for p in points])
    want = sum((v == 1.0 and d > 0) or (v == -1.0 and d < 0) for v, d in points)
    assert int(_at_end(a, g, 0.0, 1.0)[0]) == want
    assert int(_at_end(torch.from_numpy(a), torch.from_numpy(g), 0.0, 1.0)[0].item()) == want


def test_a_hardtanh_head_is_told_its_flat_ends_not_a_learning_rate_w60():
    """W60 walkthrough finding 5: a Hardtanh head's outputs at exactly +-1 for inputs of about 2 were told 'Outputs
    round to an end when the output layer's results grow very large ...: lower the learning rate'."""
    mon, report, stuck, outputs = _run(nn.Hardtanh(), 10.0, 0.35, F.mse_loss)
    assert mon._output_at_end().share == pytest.approx(stuck / outputs, abs=1e-12) and stuck / outputs > 0.25
    remedy = report.reading.findings[0].remedy
    assert "Module '3' (Hardtanh) is flat beyond its ends" in remedy and "learning rate" not in remedy
