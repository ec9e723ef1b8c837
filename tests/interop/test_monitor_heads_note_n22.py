"""W21 finding 4: the note on weighted modules run after the last watched activation calls them heads only where
none feeds the other, as autograd shows; a residual block's output layer followed by a norm and the head (every
GPT) runs in series, and its head is the output layer with nothing to choose."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Residual(nn.Module):
    """x + out(gelu(fc(x))) -> LayerNorm -> head: 'out' and 'head' both run after the last GELU, in series."""

    def __init__(self):
        super().__init__()
        self.fc, self.act, self.out = nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 8)
        self.lnf, self.head = nn.LayerNorm(8), nn.Linear(8, 5)

    def forward(self, x):
        h = x + self.out(self.act(self.fc(x)))
        return self.head(self.lnf(h))


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk, self.act, self.a, self.b = nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Linear(16, 2)

    def forward(self, x):
        h = self.act(self.trunk(x))
        return self.a(h), self.b(h)


def _heads_notes(report):
    return [n for n in report.notes if "run after the last watched activation" in n]


def _depends(model, first, then, run):
    """Plain autograd: whether module `then`'s input is computed from module `first`'s output."""
    kept = {}
    h1 = first.register_forward_hook(lambda m, i, o: kept.__setitem__("first", o))
    h2 = then.register_forward_pre_hook(lambda m, i: kept.__setitem__("then", i[0]))
    run()
    h1.remove(), h2.remove()
    (g,) = torch.autograd.grad(kept["then"].sum(), kept["first"], allow_unused=True)
    return g is not None and bool(g.abs().sum() > 0)


def test_residual_block_then_norm_then_head_is_no_pair_of_heads():
    torch.manual_seed(0)
    model, x = Residual(), torch.randn(32, 8)
    y = torch.randint(0, 5, (32,))
    assert _depends(model, model.out, model.head, lambda: model(x))  # torch: 'out' feeds 'head'
    mon = Monitor(model, every=1)
    for _ in range(3):
        model.zero_grad()
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        report = mon.report()
        assert _heads_notes(report) == []
        assert "heads on the same features" not in str(report)
        assert report.output_grad_norm == pytest.approx(model.head.weight.grad.norm().item(), rel=1e-6)


def test_two_heads_on_one_trunk_are_said_to_be_side_by_side():
    torch.manual_seed(1)
    model, x = TwoHeads(), torch.randn(32, 8)
    assert not _depends(model, model.a, model.b, lambda: model(x))  # torch: 'a' does not feed 'b'
    mon = Monitor(model, every=1)
    for _ in range(2):
        with mon.step() as s:
            pa, pb = model(x)
            loss = pa.pow(2).mean() + pb.pow(2).mean()
            loss.backward()
            s.loss = loss
        (note,) = _heads_notes(mon.report())
        # the reference: the head whose weight gets the largest gradient (N25 finding 1), not the last to run
        big = max("ab", key=lambda n: getattr(model, n).weight.grad.norm().item())
        assert "'a' and 'b'" in note and "heads side by side" in note
        assert f"is '{big}', the head whose weight gets the largest gradient" in note
