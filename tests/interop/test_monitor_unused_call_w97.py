"""Issue 17, W97 walkthrough finding 3: a triplet script that encodes its negative and leaves it out of the loss (a
pull-only loss) read 'dA nan' on the third call's rows with no word, while modules that never ran are named. A later
call that no gradient reached, where the same module's first call got one, is now said in a note. Reference: the
test's own tensor hooks on the three outputs (the third gets none)."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(use_negative: bool):
    torch.manual_seed(0)
    model = nn.ModuleDict(dict(enc=nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    reached = []
    with Monitor(model, every=1) as mon:
        for _ in range(20):
            a = torch.randn(64, 16)
            p, n = a + 0.1 * torch.randn_like(a), torch.randn(64, 16)
            with mon.step() as s:
                za, zp, zn = model["enc"](a), model["enc"](p), model["enc"](n)
                got = [False, False, False]
                for k, z in enumerate((za, zp, zn)):
                    z.register_hook(lambda g, k=k, got=got: got.__setitem__(k, True))
                loss = F.triplet_margin_loss(za, zp, zn) if use_negative else (za - zp).pow(2).sum(1).mean()
                loss.backward()
                s.loss = loss
            reached.append(got)
            opt.step()
            opt.zero_grad()
    return mon.report(), reached


def test_a_call_left_out_of_the_loss_is_said():
    report, reached = _run(use_negative=False)
    assert reached[-1] == [True, True, False]  # the premise, by the test's own hooks
    row = next(layer for layer in report.layers if layer.name == "enc.1#3")
    assert math.isnan(row.act_grad_norm)
    notes = [n for n in report.notes if n.startswith("no gradient reached the output of")]
    assert len(notes) == 1 and "module 'enc.1' (ReLU, call 3)" in notes[0] and "call 2" not in notes[0], notes
    assert "does not reach the loss" in notes[0]


def test_every_call_in_the_loss_gets_no_such_note():
    report, reached = _run(use_negative=True)
    assert reached[-1] == [True, True, True]
    assert not any(n.startswith("no gradient reached the output of") for n in report.notes), report.notes
    # W97 walkthrough finding 4: with no chance_loss, the note's examples name a margin loss's chance, the margin
    assert any("the margin with a triplet or other margin loss" in n for n in report.notes), report.notes
