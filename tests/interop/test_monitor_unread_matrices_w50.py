"""Issue 17 (W50 walkthrough, finding 7): a transformer layer's notes named the weights read (out_proj, linear1,
linear2) and never the attention's query, key and value projections, nn.MultiheadAttention's in_proj_weight, which
is no module's .weight and is read nowhere. Every trained matrix that is no module's .weight is now named in a note.
Reference: the model's own named_parameters."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _note(mon):
    return next((n for n in mon.notes if n.startswith("trained matrices that are no module's .weight")), None)


def test_the_attention_s_fused_projection_and_a_bare_parameter_are_named_as_not_read():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True,
                                                                        activation=nn.GELU()), 2)
            self.mix = nn.Parameter(torch.randn(32, 32))  # a matrix of the script's own

        def forward(self, x):
            return self.enc(x) @ self.mix

    model = Net()
    expected = [n for n, p in model.named_parameters() if p.dim() >= 2 and not n.endswith(".weight")]
    assert sorted(expected) == ["enc.layers.0.self_attn.in_proj_weight", "enc.layers.1.self_attn.in_proj_weight",
                                "mix"]
    note = _note(Monitor(model))
    assert note is not None
    for name in expected:
        assert f"'{name}'" in note, note
    assert "an in_proj_weight holds a MultiheadAttention's query, key and value projections" in note


def test_frozen_matrices_and_plain_layers_give_no_such_note():
    assert _note(Monitor(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))) is None

    class Frozen(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(16, 2)
            self.attn.in_proj_weight.requires_grad_(False)  # not trained: nothing to read

        def forward(self, x):
            return self.attn(x, x, x)[0]

    assert _note(Monitor(Frozen())) is None
