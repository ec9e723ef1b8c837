"""Issue 17 (W15 finding 7): a SiLU written by hand, torch.sigmoid(h) * h, is watched as the sigmoid it calls (the
gate: values between 0 and 1), and a note now says so, naming the place and what would be read as SiLU. The
references: the models' own code (which product is of a sigmoid and its own input) and the gate's values from
plain torch."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import three_steps  # noqa: E402


class Net(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.fc1, self.fc2, self.how = nn.Linear(6, 16), nn.Linear(16, 3), how

    def forward(self, x):
        h = self.fc1(x)
        if self.how == "hand":
            h = torch.sigmoid(h) * h  # SiLU by hand
        elif self.how == "hand-swapped":
            h = h * torch.sigmoid(h)
        elif self.how == "module":
            h = nn.functional.silu(h)
        else:  # a gate on another value: a GLU-like product, not SiLU
            h = torch.sigmoid(h) * self.fc1(x).flip(1)
        return self.fc2(h)


def report(how: str):
    torch.manual_seed(0)
    model = Net(how)
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    mon = three_steps(model, x, y)
    gate = torch.sigmoid(model.fc1(x)).detach()
    return mon.report(), gate


@pytest.mark.parametrize("how", ["hand", "hand-swapped"])
def test_a_hand_written_silu_is_said_to_be_read_as_its_gate(how):
    r, gate = report(how)
    notes = [n for n in r.notes if "SiLU written by hand" in n]
    assert len(notes) == 1, r.notes  # once, however many steps were sampled
    row = next(layer for layer in r.layers if layer.activation == "sigmoid")
    assert f"'{row.name}'" in notes[0]
    # the premise: the row is the gate's (between 0 and 1), as plain torch computes it
    assert row.mean == pytest.approx(float(gate.mean()), rel=1e-4)


@pytest.mark.parametrize("how", ["module", "other"])
def test_no_note_where_there_is_no_hand_written_silu(how):
    r, _ = report(how)
    assert not any("SiLU written by hand" in n for n in r.notes), r.notes


def test_the_gates_held_are_bounded_however_many_sigmoids_a_forward_calls():
    from actlab.interop._monitor_functions import GATES

    seen = []

    class Many(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 8)

        def forward(self, x):
            h = self.fc(x)
            for _ in range(100):  # a hand-written recurrence's gates
                h = torch.sigmoid(h) * 0.5 + h * 0.5
            h = torch.sigmoid(h) * h  # SiLU by hand, last
            if mon._mode is not None:
                seen.append(len(mon._mode._gates))
            return h

    torch.manual_seed(0)
    model = Many()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(16, 6)).sum().backward()
    assert seen and max(seen) <= GATES
    assert any("SiLU written by hand" in n for n in mon.report().notes)  # the latest gate is still held


def _silu_saturated(z: torch.Tensor) -> int:
    """The test's own count of SiLU units saturated: a mean |SiLU'(z)| over the batch under 1% of SiLU''s largest
    value (1.0998, at z = 2.3994), SiLU'(z) = s(z) (1 + z (1 - s(z))) with s the sigmoid."""
    s = torch.sigmoid(z)
    slope = (s * (1 + z * (1 - s))).abs().mean(0)
    return int((slope < 0.01 * 1.0998).sum())


@pytest.mark.parametrize("biases", [{k: 8.0 for k in range(16)}, {0: 30.0, 1: 30.0, 2: 30.0, 3: -30.0, 4: -30.0,
                                                                   5: -30.0}])
def test_a_hand_written_silu_s_gate_counts_only_the_units_flat_for_the_silu(biases):
    """W48 walkthrough, finding 2: at a bias of +8 every gate sits at 1, where the SiLU is linear (its mean slope
    1.003), and the row read '32 of 32 units saturated'; with 3 units at +30 and 3 at -30 it read 6 where the SiLU's own
    slope makes 3. Reference: the SiLU's slope per unit on the test's own pre-activations, and the same network with
    F.silu, which the monitor reads as SiLU."""
    counts = {}
    for how in ("hand", "module"):
        torch.manual_seed(0)
        model = Net(how)
        with torch.no_grad():
            for k, b in biases.items():
                model.fc1.bias[k] = b
        x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
        mon = three_steps(model, x, y)
        row = next(layer for layer in mon.report().layers if layer.activation in ("sigmoid", "silu"))
        counts[how] = row.saturated
        own = _silu_saturated(model.fc1(x).detach())
    assert own == (0 if len(biases) == 16 else 3)  # the premise: the units at -30 alone are flat
    assert counts == {"hand": own, "module": own}
