"""Issue 17, W89 walkthrough finding 5: an nn.GRU given a packed sequence, its output padded back and fed to a Linear
and a ReLU at every time step: the ReLU's row counted the padding (43% of the points) with the sequences, a mean of
0.0753 and 15 units never on, where over the sequences' own positions it was 0.0987 and 16, and nothing said so. A
note now says how much of the padded positions are padding. The reference: the lengths the test draws."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

B, T = 16, 20


class Tagger(nn.Module):
    def __init__(self, packed):
        super().__init__()
        self.packed = packed
        self.rnn, self.fc, self.act, self.out = nn.GRU(3, 16, batch_first=True), nn.Linear(16, 32), nn.ReLU(), \
            nn.Linear(32, 1)

    def forward(self, x, lengths):
        if self.packed:
            o, _ = self.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            o, _ = pad_packed_sequence(o, batch_first=True)
        else:
            o, _ = self.rnn(x)
        return self.out(self.act(self.fc(o))).squeeze(-1)


def _notes(packed, lengths):
    torch.manual_seed(0)
    model = Tagger(packed)
    x = torch.randn(B, T, 3)
    with Monitor(model, every=1) as mon:
        for _ in range(3):
            with mon.step() as s:
                out = model(x, lengths)
                loss = out.square().mean()
                loss.backward()
                s.loss = loss
        return [n for n in mon.report().notes if "packed sequence" in n]


def test_a_packed_sequence_s_padding_is_said_with_its_share():
    lengths = torch.randint(2, T + 1, (B,), generator=torch.Generator().manual_seed(1))
    longest, own = int(lengths.max()), int(lengths.sum())
    assert own < 0.9 * longest * B  # the premise: a tenth of the positions or more are padding
    notes = _notes(True, lengths)
    assert notes == [f"'rnn' (GRU) takes a packed sequence: on training step 1, {own:,} of the {longest} x {B} "
                     f"positions it pads back to were the sequences' own, so {1 - own / (longest * B):.0%} of them "
                     "are padding (more where total_length pads further). Layers after pad_packed_sequence see those "
                     "positions too, filled with its padding_value, and count them in their figures (mean, std, "
                     "dead, saturated and dormant units): a layer's figures mix the sequences with their padding"]


@pytest.mark.parametrize("packed", [True, False])
def test_no_padding_no_note(packed):
    assert _notes(packed, torch.full((B,), T)) == []
