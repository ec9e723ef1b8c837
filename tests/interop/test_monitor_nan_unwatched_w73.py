"""A NaN that reaches the first watched weighted module through a module the monitor does not watch (issue 17, W73
walkthrough finding 3): a ReLU nn.RNN at lr 0.01, its recurrent weights near the identity over 150 time steps, went
NaN after its first update, and the reading said 'the model's inputs hold a NaN or an inf: the first weighted module,
'head' (Linear), got one', with the data's remedy ('no learning rate or clipping can fix that'), where the inputs were
finite on every step and clipping the gradients' norm at 1 kept the run finite; and, with no activation watched, 'every
watched activation is finite: it starts in the loss'. References: the test's own checks of the inputs and of the
RNN's weights, and the same run clipped."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class RecurrentClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(2, 32, batch_first=True, nonlinearity="relu")
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def _run(clip: float | None, steps: int = 16, nan_at: int | None = None):
    torch.manual_seed(0)
    model = RecurrentClassifier()
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(torch.eye(32) + 0.01 * torch.randn(32, 32))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = Monitor(model, every=5, chance_loss=math.log(2))
    finite_inputs = True
    for step in range(1, steps + 1):
        x = torch.randn(16, 150, 2)
        if step == nan_at:
            x[3, 7, 1] = math.nan
        finite_inputs &= bool(torch.isfinite(x).all())
        y = (x[:, 0, 0] > 0).long()
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        opt.zero_grad()
    return model, mon.report(), finite_inputs


def test_a_recurrent_module_gone_nan_is_named_and_the_inputs_are_not_blamed():
    model, report, finite_inputs = _run(clip=None)
    assert finite_inputs  # the premise: the data held no NaN
    assert not torch.isfinite(model.rnn.weight_hh_l0).all()  # the update wrote one into the RNN's weights
    words, remedy = report.reading.words, report.reading.remedy
    assert report.status == "diverged", words
    assert ("'head' (Linear), the first weighted module the monitor watches, got a NaN or an inf in its input on "
            "training step ") in words, words
    assert "the weights of 'rnn' (RNN), which the monitor does not watch, hold one" in words, words
    assert "the model's inputs hold" not in words and "every watched activation is finite" not in words, words
    assert "no activation is watched, so where in the model it is cannot be read" in words, words
    assert remedy.startswith("Lower the learning rate") and "clip the gradients' norm" in remedy, remedy
    assert "no learning rate or clipping can fix that" not in remedy


def test_the_remedy_holds_clipping_keeps_the_same_run_finite():
    model, report, _ = _run(clip=1.0)
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())
    assert report.status != "diverged" and math.isfinite(report.loss)


def test_a_nan_in_the_data_before_a_recurrent_module_names_both_places_to_look():
    """The batch of training step 1 (sampled) holds a NaN: the RNN's weights are finite when it is read, and the
    words give both the inputs and the RNN as where it may come from, with a remedy that looks at the data first."""
    model, report, finite_inputs = _run(clip=None, steps=1, nan_at=1)
    assert not finite_inputs
    words, remedy = report.reading.words, report.reading.remedy
    assert report.status == "diverged", words
    assert ("got a NaN or an inf in its input on training step 1 (a sampled one): the model's inputs hold one, or "
            "'rnn' (RNN), which the monitor does not watch, made it from finite inputs") in words, words
    assert remedy.startswith("Look for a NaN or an inf in a batch's inputs"), remedy
    assert "the NaN is made in 'rnn' (RNN)" in remedy


def test_a_model_with_no_unwatched_weights_keeps_the_datas_words():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    x = torch.randn(16, 4)
    x[2, 1] = math.inf
    with mon.step() as s:
        loss = F.cross_entropy(model(x), torch.zeros(16, dtype=torch.long))
        loss.backward()
        s.loss = loss
    words = mon.report().reading.words
    assert "the model's inputs hold a NaN or an inf: the first weighted module, '0' (Linear), got one" in words, words
