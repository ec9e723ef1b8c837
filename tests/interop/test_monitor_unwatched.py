"""Issue 17 item 8: an activation module actlab has no record for (nn.PReLU) is named as unwatched, and an
activation it cannot see (a custom autograd function) is placed between the weighted modules it sits between."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_a_prelu_is_named_as_an_activation_that_runs_unwatched():
    model = nn.Sequential(nn.Linear(4, 8), nn.PReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2), nn.Softmax(-1))
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(5, 4)).sum().backward()
    notes = mon.report().notes
    assert any("module '1' (PReLU) has no actlab record, so it runs unwatched" in n for n in notes)
    assert not any("Softmax" in n for n in notes)  # softmax is no hidden activation
    between = [n for n in notes if n.startswith("no watched activation runs between 0 -> 2")]
    assert between and "a module named in the note on unknown activations" in between[0]


class _MyRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0)


class _Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.out = nn.Linear(4, 8), nn.Linear(8, 2)

    def forward(self, x):
        return self.out(_MyRelu.apply(self.fc1(x)))


def test_a_custom_autograd_activation_is_placed_between_the_modules_it_runs_between():
    model = _Custom()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(5, 4)).sum().backward()
    notes = mon.report().notes
    assert any(n.startswith("no watched activation runs between fc1 -> out") and "custom autograd function" in n
               for n in notes)


def test_a_gru_between_two_weighted_modules_is_named_in_the_note_on_what_runs_between_them():
    """W38 walkthrough: a GRU between 'emb' and 'fc1' read 'no watched activation runs between emb -> fc1 ... (a
    custom autograd function, a C++ kernel) is not watched', sending the reader after a hidden op where the GRU,
    named in another note, is what runs there."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.rnn = nn.Embedding(12, 8), nn.GRU(8, 16, batch_first=True)
            self.fc1, self.act, self.out = nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return self.out(self.act(self.fc1(h[:, -1])))

    torch.manual_seed(0)
    model = Net()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randint(0, 12, (4, 5))).sum().backward()
    notes = mon.report().notes
    between = [n for n in notes if n.startswith("no watched activation runs between emb -> fc1")]
    assert between and "(a recurrent module's fused kernel ('rnn' (GRU), noted above), an expression written by " \
        "hand" in between[0], notes
    assert any(n.startswith("'rnn' (GRU)") or "'rnn' (GRU)" in n and "cannot hook" in n for n in notes), notes
