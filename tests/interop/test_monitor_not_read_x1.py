"""A model with an LSTM before its watched layers (issue 17, walkthrough W28): the reading said 'gradients reach
every layer' beside a note that the LSTM's weights are not read. It now says 'every layer read' and names what it did
not read; a model without one keeps 'every layer'. The reference is the model's own modules."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _Rnn(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn, self.fc, self.head = cell(8, 32, batch_first=True), nn.Linear(32, 32), nn.Linear(32, 4)

    def forward(self, x):
        o, _ = self.rnn(x)
        return self.head(F.relu(self.fc(o[:, -1])))


def _words(model) -> str:
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=2, chance_loss=math.log(4))
    for _ in range(12):
        x = torch.randn(16, 10, 8)
        y = (x.sum((1, 2)) > 0).long() + 2 * (x[:, 0, 0] > 0).long()
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    return mon.report().reading.words


def test_a_model_with_an_lstm_says_which_layers_the_gradients_were_read_at():
    torch.manual_seed(0)
    words = _words(_Rnn(nn.LSTM))
    assert "gradients reach every layer read (" in words and "; not read: 'rnn' (LSTM)" in words, words
    assert "gradients reach every layer (" not in words


def test_a_model_without_one_says_every_layer():
    torch.manual_seed(0)

    class _Flat(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.head = nn.Linear(8, 32), nn.Linear(32, 4)

        def forward(self, x):
            return self.head(F.relu(self.fc(x.mean(1))))

    words = _words(_Flat())
    assert "gradients reach every layer (" in words and "not read" not in words, words
