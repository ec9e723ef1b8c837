"""Issue 17 (W12 items 9-10): the notes on a standard TransformerEncoder while training, and on an LSTM + nn.PReLU
model, say only what holds."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
nn, F = torch.nn, torch.nn.functional

from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

V = 50


class TM(nn.Module):  # W12's t6_tr.py
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32)
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, activation="gelu", batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.out = nn.Linear(32, V)

    def forward(self, x):
        return self.out(self.enc(self.emb(x)))


def steps(model, mon, n=3):
    data = torch.randint(0, V, (16, 16))
    for _ in range(n):
        monitored_step(mon, model, data, data, loss_fn=lambda out, y: F.cross_entropy(out.flatten(0, 1), y.flatten()))
        model.zero_grad()
    return mon.report()


def test_a_training_encoder_gets_no_fast_path_note_and_no_gap_after_its_last_block():
    torch.manual_seed(0)
    model = TM()
    mon = Monitor(model, every=1, chance_loss=math.log(V))
    notes = steps(model, mon).notes
    mon.close()
    assert not any("fast path" in n for n in notes), notes
    assert not any(n.startswith("no watched activation runs between") for n in notes), notes


def test_the_fast_path_note_comes_once_when_the_blocks_run_in_eval_mode():
    torch.manual_seed(0)
    model = TM()
    mon = Monitor(model, every=1, chance_loss=math.log(V))
    assert not any("fast path" in n for n in steps(model, mon, 2).notes)
    model.eval()
    notes = steps(model, mon, 3).notes
    mon.close()
    fast = [n for n in notes if "fast path" in n]
    assert len(fast) == 1 and fast[0].startswith("enc.layers.0-1 (TransformerEncoderLayer): in eval mode"), notes
    made_in_eval = Monitor(TM().eval())
    assert sum("fast path" in n for n in made_in_eval.notes) == 1
    made_in_eval.close()


class RNN(nn.Module):  # W12's t16_odd.py
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 32, batch_first=True)
        self.p = nn.PReLU()
        self.fc = nn.Linear(32, 32)
        self.out = nn.Linear(32, 3)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(self.p(self.fc(h[:, -1])))


def test_an_lstm_with_prelu_is_not_said_to_have_no_activation_or_read_weights_the_table_lacks():
    torch.manual_seed(0)
    model = RNN()
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    for _ in range(3):
        monitored_step(mon, model, torch.randn(16, 5, 8), torch.randint(0, 3, (16,)))
        model.zero_grad()
    r = mon.report()
    mon.close()
    assert r.status.value == "unwatched" and not r.layers
    assert "weight gradients of the linear layers" not in r.reading.words
    assert "'p' (PReLU) has no actlab record" in r.reading.words and "the table" in r.reading.words
    assert not any(n.startswith("no activation found: neither an activation module") for n in r.notes), r.notes
    assert any(n.startswith("no watched activation found") and "unknown ones" in n for n in r.notes)
    assert any("'p' (PReLU)" in n for n in r.notes)
