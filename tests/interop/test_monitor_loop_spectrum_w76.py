"""Issue 17, W75 walkthrough finding 7, W76 finding 4, W78 finding 9: a hand-written tanh RNN whose recurrent weight
was initialised orthogonal read 'vanishing through time' with a remedy of 'an orthogonal initialisation of the
recurrent weight'. The report now reads the recurrent weight's singular values (as the loop was first found, and now)
and words the remedy by them: orthogonal already, the activation's slope is what shrinks the gradient; a largest
singular value under 1, an orthogonal initialisation. Reference: torch.linalg.svdvals of the script's own weight,
before training and at the report."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402
from interop.test_monitor_through_time_w66 import _RNN  # noqa: E402


def _run(gain, every=10):
    torch.manual_seed(0)
    model = _RNN(hidden=32)
    nn.init.orthogonal_(model.hh.weight, gain=gain)
    first = torch.linalg.svdvals(model.hh.weight.detach().double())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=every, chance_loss=math.log(2))
    for _ in range(60):
        x = torch.randn(64, 80, 1)
        monitored_step(mon, model, x, (x[:, 0, 0] > 0).long(), opt)
    reading = mon.report().reading
    now = torch.linalg.svdvals(model.hh.weight.detach().double())
    mon.close()
    return reading, first, now


def test_an_orthogonal_recurrent_weight_is_not_offered_an_orthogonal_initialisation():
    reading, first, now = _run(1.0)
    assert reading.status is Status.VANISHING and reading.words.startswith("vanishing through time"), reading.words
    assert float(first.max() - first.min()) < 1e-6  # the premise: orthogonal as made
    m = re.search(r"the recurrent weight 'hh.weight' was orthogonal at training step 1 \(its singular values all "
                  r"([\d.]+); ([\d.]+) to ([\d.]+) now\)", reading.remedy)
    assert m, reading.remedy
    assert float(m[1]) == float(f"{float(first.max()):.3g}")
    assert (float(m[2]), float(m[3])) == (float(f"{float(now.min()):.3g}"), float(f"{float(now.max()):.3g}"))
    assert "orthogonal initialisation" not in reading.remedy and "orthogonal_" not in reading.remedy
    assert "use a gated cell (nn.LSTM, nn.GRU)" in reading.remedy


@pytest.mark.parametrize("gain", [0.5])
def test_a_recurrent_weight_under_1_is_told_its_largest_singular_value(gain):
    reading, _, now = _run(gain)
    assert reading.status is Status.VANISHING, reading.words
    said = re.search(r"'hh.weight' has its largest singular value at ([\d.]+), under 1", reading.remedy)
    assert said and float(said[1]) == float(f"{float(now.max()):.3g}"), reading.remedy
    assert "initialise it orthogonally (torch.nn.init.orthogonal_" in reading.remedy


def test_under_auto_a_weight_orthogonal_at_the_start_is_read_nearly_so_at_its_first_sample():
    """W79 walkthrough finding 3: every="auto" first samples step 4, after three updates, where the weight's singular
    values were 0.978 to 1.017, and the remedy offered an orthogonal initialisation."""
    reading, first, _ = _run(1.0, every="auto")
    assert float(first.max() - first.min()) < 1e-6
    assert re.search(r"the recurrent weight 'hh.weight' was nearly orthogonal at training step 4 \(its singular "
                     r"values from [\d.]+ to [\d.]+;", reading.remedy), reading.remedy
    assert "orthogonal initialisation" not in reading.remedy and "orthogonal_" not in reading.remedy
