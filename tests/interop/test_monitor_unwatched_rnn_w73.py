"""A model whose only activations run inside a recurrent module's fused kernel (issue 17, W73 walkthrough finding
2): an nn.GRU that learned to 0.31 against a chance of 1.39 and a tanh nn.RNN stuck at 0.694 against 0.693 both read
'unwatched', the difference only inside a parenthesis at the end, and a note said 'no activation found: neither an
activation module ... nor an activation function ... ran in the model's forward' of a GRU, which had run its gates.
The headline now says where the loss stands; the note says where the activations ran. Reference: the losses the test
computes itself, their mean over the reading's window against ln C."""

from __future__ import annotations

import math
import statistics

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.reading_record import percent_below  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class RecurrentClassifier(nn.Module):
    def __init__(self, cell, inputs, classes, **kw):
        super().__init__()
        self.rnn = cell(inputs, 32, batch_first=True, **kw)
        self.head = nn.Linear(32, classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def _train(model, batch, chance, steps, lr):
    """``steps`` steps sampled every 10th (steps - 1 a multiple of 10: the last is sampled)."""
    opt = torch.optim.Adam(model.parameters(), lr)
    mon = Monitor(model, every=10, chance_loss=chance)
    losses = [monitored_step(mon, model, *batch(), opt).item() for _ in range(steps)]
    return mon.report(), losses


def test_a_gru_that_learned_says_so_in_its_unwatched_headline():
    torch.manual_seed(0)

    def batch():  # which of 4 channels has the largest sum over time
        x = torch.randn(64, 40, 4)
        return x, x.sum(1).argmax(1)
    report, losses = _train(RecurrentClassifier(nn.GRU, 4, 4), batch, math.log(4), 101, 1e-2)
    mean = statistics.fmean(losses[-50:])
    assert mean < 0.7 * math.log(4)  # the premise: it learned
    assert report.status == "unwatched"
    words = report.reading.words
    assert (f"whether gradients vanish; the loss is {percent_below(mean, math.log(4))} below chance (mean loss of the "
            f"last 50 training steps' batches {mean:.3g};") in words, words
    assert ("no watched activation found: the model's activations run inside 'rnn' (GRU), as noted above, and no "
            "activation module or function actlab knows ran outside it") in report.notes
    assert not any(n.startswith("no activation found") for n in report.notes)


def test_a_plain_rnn_stuck_at_chance_says_so():
    torch.manual_seed(0)

    def batch():  # the sign of the first step's first channel, 100 steps back
        x = torch.randn(32, 100, 2)
        return x, (x[:, 0, 0] > 0).long()
    report, losses = _train(RecurrentClassifier(nn.RNN, 2, 2, nonlinearity="tanh"), batch, math.log(2), 31, 1e-3)
    assert abs(statistics.fmean(losses) / math.log(2) - 1) < 0.1  # the premise: it stayed near chance
    assert report.status == "unwatched"
    assert "; the loss is within 10% of chance after 31 updates (mean loss" in report.reading.words
    # how to see inside it (W89 walkthrough finding 4: no remedy at all); the cell written out is read, as the
    # through-time tests show for hand-written LSTM and GRU cells
    assert report.reading.remedy.startswith("To watch its units, write the recurrence out for a diagnostic run: a "
                                            "loop over the time steps whose gates are nn.Linear layers"), \
        report.reading.remedy
