"""N25 finding 4: a Swish written by hand with a learnable beta, x * torch.sigmoid(self.beta * x), beta an
nn.Parameter of one value. The sigmoid's input read as 'a product (mul) computed after fc1 (not its output)', and no
note said it was a gate. Now a product by a one-value tensor is a scaling (as by a number), the gate check follows the
scaled input, and the note names the script's module and its parameter. The references: the gate's values from plain
torch, and the model's own code (which product is of what)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from interop._steps import three_steps  # noqa: E402


class Swish(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.beta, self.how = nn.Parameter(torch.tensor(1.5)), how

    def forward(self, x):
        if self.how == "learnable":
            return x * torch.sigmoid(self.beta * x)
        if self.how == "number":
            return x * torch.sigmoid(1.702 * x)
        return x.flip(1) * torch.sigmoid(self.beta * x)  # a gate on another value: no Swish


class Net(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(6, 16), Swish(how), nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def report(how: str):
    torch.manual_seed(0)
    model = Net(how)
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    mon = three_steps(model, x, y)
    scale = model.act.beta if how != "number" else 1.702
    return mon.report(), torch.sigmoid(scale * model.fc1(x)).detach()


def _swish_notes(r):
    return [n for n in r.notes if "x * torch.sigmoid(beta * x)" in n]


def test_a_learnable_swish_is_read_as_its_gate_and_its_module_named():
    r, gate = report("learnable")
    (row,) = r.layers
    assert row.mean == pytest.approx(float(gate.mean()), rel=1e-4)  # the row is the gate's, as plain torch has it
    (note,) = _swish_notes(r)
    assert f"'{row.name}' is a sigmoid used as a gate" in note
    assert "in module 'act', whose parameter 'act.beta' is beta" in note and "beta 1.5" in note


def test_a_product_by_a_one_value_tensor_is_a_scaling():
    r, _ = report("learnable")
    (row,) = r.layers
    assert row.name == "fc1:sigmoid"  # on fc1's output (scaled), not 'fc1>mul:sigmoid' (on another value)
    assert "a product (mul)" not in str(r)


def test_a_swish_with_a_fixed_number_is_said_without_a_module():
    r, _ = report("number")
    (note,) = _swish_notes(r)
    assert "beta 1.7" in note and "whose parameter" not in note


def test_no_note_for_a_gate_on_another_value():
    r, _ = report("other")
    assert not _swish_notes(r) and not any("SiLU written by hand" in n for n in r.notes), r.notes
