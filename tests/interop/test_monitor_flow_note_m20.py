"""M20 (W19 item 4): the note "no watched activation runs between A -> B" names only a layer whose output really
feeds the next, as the autograd graph shows, not the modules' call order read as one chain. Each model's data flow
is known by construction; the note must name exactly the pairs that flow with nothing between."""


from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._two_heads import TwoHeads  # noqa: E402

NOTE = "no watched activation runs between "


def _notes(model, x) -> list[str]:
    mon = Monitor(model, every=1)
    for _ in range(2):
        with mon.step():
            out = model(x)
            (out[0] if isinstance(out, tuple) else out).float().pow(2).mean().backward()
        model.zero_grad()
    return list(mon.report().notes)


def _pairs(notes: list[str]) -> list[str]:
    found = [n for n in notes if n.startswith(NOTE)]
    assert len(found) <= 1
    return found[0][len(NOTE):].partition(":")[0].split("; ") if found else []


class _Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln, self.fc1, self.fc2 = nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        return x + self.fc2(F.gelu(self.fc1(self.ln(x))))


class _Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(16, 8)
        self.blocks = nn.ModuleList([_Block(8) for _ in range(2)])
        self.lnf, self.head = nn.LayerNorm(8), nn.Linear(8, 16)

    def forward(self, x):
        h = self.emb(x)
        for b in self.blocks:
            h = b(h)
        return self.head(self.lnf(h))


class _SwiGLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate, self.up, self.down = nn.Linear(8, 16), nn.Linear(8, 16), nn.Linear(16, 8)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(8, 8) for _ in range(4))
        self.sm = nn.Softmax(dim=-1)
        self.act = nn.ReLU()

    def forward(self, x):
        w = self.sm(self.q(x) @ self.k(x).transpose(1, 2))
        return self.o(self.act(w @ self.v(x)))


def test_ordinary_architectures_get_no_note():
    torch.manual_seed(0)
    assert _pairs(_notes(_Transformer(), torch.randint(0, 16, (2, 5)))) == []
    assert _pairs(_notes(_SwiGLU(), torch.randn(4, 8))) == []
    assert _pairs(_notes(TwoHeads(), torch.randn(4, 4))) == []
    notes = _notes(_Attention(), torch.randn(2, 5, 8))
    assert _pairs(notes) == []
    # the softmax between q, k and v is named, not silently absent
    assert any(n.startswith("sm (Softmax): not a watched layer") for n in notes)


class _Bare(nn.Module):
    """fc1 feeds fc2 directly (through dropout and a reshape); fc2 feeds out through a ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1, self.drop, self.fc2, self.act, self.out = (nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 8),
                                                             nn.ReLU(), nn.Linear(8, 2))

    def forward(self, x):
        return self.out(self.act(self.fc2(self.drop(self.fc1(x)).reshape(x.shape[0], 8))))


def test_a_real_linear_to_linear_is_named_and_nothing_else():
    torch.manual_seed(1)
    assert _pairs(_notes(_Bare(), torch.randn(4, 4))) == ["fc1 -> fc2"]
    seq = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.Linear(8, 2))
    assert _pairs(_notes(seq, torch.randn(4, 4))) == ["0 -> 1", "3 -> 4"]


def test_a_linear_through_a_residual_sum_is_not_named():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.act, self.b, self.c = nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.Linear(8, 2)

        def forward(self, x):
            h = self.act(self.a(x))
            return self.c(h + self.b(h))  # b's output is summed with h before c: mixed, not fed alone

    torch.manual_seed(2)
    assert _pairs(_notes(Residual(), torch.randn(4, 8))) == []


def test_an_embedding_feeding_a_layer_hides_nothing():
    """W63 walkthrough finding 6: an embedding's rows fed straight to a Linear (an input projection) read 'no watched
    activation runs between emb -> ih', as if an activation might hide there; a Linear feeding a Linear still does."""
    torch.manual_seed(0)
    emb_in = nn.Sequential(nn.Embedding(10, 8), nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    assert _pairs(_notes(emb_in, torch.randint(0, 10, (6, 5)))) == []
    two = nn.Sequential(nn.Embedding(10, 8), nn.Linear(8, 16), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4))
    assert _pairs(_notes(two, torch.randint(0, 10, (6, 5)))) == ["1 -> 2"]
