"""W21 finding 5: a head tied to the embedding (every GPT): the W/out reference is the tied Parameter's .grad, the
sum of both uses' gradients, and a note says so; an untied head gets no such note."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

V, D = 12, 8


class TinyLM(nn.Module):
    def __init__(self, tie: bool):
        super().__init__()
        self.tok, self.fc, self.act, self.head = nn.Embedding(V, D), nn.Linear(D, D), nn.GELU(), nn.Linear(D, V)
        if tie:
            self.head.weight = self.tok.weight

    def forward(self, idx):
        return self.head(self.act(self.fc(self.tok(idx))))


def _run(tie: bool):
    torch.manual_seed(0)
    model = TinyLM(tie)
    idx, y = torch.randint(0, V, (64,)), torch.randint(0, V, (64,))
    kept = {}
    model.head.register_forward_hook(lambda m, i, o: kept.update(features=i[0], logits=o))
    mon = Monitor(model, every=1)
    with mon.step() as s:
        loss = nn.functional.cross_entropy(model(idx), y)
        (g_logits,) = torch.autograd.grad(loss, kept["logits"], retain_graph=True)
        loss.backward()
        s.loss = loss
    own = (g_logits.T @ kept["features"]).norm().item()  # the head's own part of dL/dW, by hand
    return model, mon.report(), own


def test_tied_head_reference_is_the_sum_and_says_so():
    model, report, own = _run(tie=True)
    tied = model.tok.weight.grad.norm().item()
    assert report.output_grad_norm == pytest.approx(tied, rel=1e-6)
    assert not math.isclose(tied, own, rel_tol=0.05)  # the embedding's part is not small here
    (note,) = [n for n in report.notes if "tied" in n]
    assert note.startswith("'head.weight' is tied to 'tok.weight'") and f"{tied:.3g}" in note


def test_untied_head_has_no_note_and_its_own_gradient():
    model, report, own = _run(tie=False)
    assert report.output_grad_norm == pytest.approx(own, rel=1e-5)
    assert not any("tied" in n for n in report.notes)
