"""Issue 17 (W43 walkthrough, finding 4): a hand-written recurrent cell, tanh(ih(x) + hh(h)), had every tanh read on
'hh''s row and 'ih.weight' (|dL/dW| 0.085 by the walkthrough's own record) in no report, no log and on no page. Every
trained weight's gradient is now said: on its row, or in a note for those on none. Reference: the weights' own
.grad norms."""

from __future__ import annotations

import json
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.ih, self.hh, self.out = nn.Linear(8, 32), nn.Linear(32, 32, bias=False), nn.Linear(32, 2)

    def forward(self, x):
        h = x.new_zeros(x.shape[0], 32)
        for t in range(x.shape[1]):
            h = torch.tanh(self.ih(x[:, t]) + self.hh(h))
        return self.out(h)


def _note(report):
    return next(n for n in report.notes if n.startswith("|dL/dW| of weights on no row"))


def test_the_input_projection_of_a_hand_written_cell_is_said_with_its_gradient(tmp_path):
    torch.manual_seed(0)
    model, x, y = Cell(), torch.randn(16, 5, 8), torch.randint(0, 2, (16,))
    log = tmp_path / "cell.jsonl"
    with Monitor(model, every=1, chance_loss=math.log(2), log=log) as mon:
        monitored_step(mon, model, x, y)
    own = {n: p.grad.norm().item() for n, p in model.named_parameters()}
    report = mon.report()
    assert [l.weights for l in report.layers if l.weights] == ["hh.weight"]  # the premise: one row carries a weight
    note = _note(report)
    ratio = own["ih.weight"] / own["out.weight"]
    assert f"'ih.weight' {own['ih.weight']:.3g}, {ratio:.2g} of the output layer's" in note, note
    assert "hh.weight" not in note and "out.weight" not in note  # on a row, and the output layer
    line = next(json.loads(t) for t in log.read_text().splitlines() if '"step"' in t)
    assert note in line["notes"]  # the log, and so the page, carries it


def test_a_weight_on_no_row_that_gets_no_gradient_is_said_so():
    torch.manual_seed(0)
    model = Cell()
    x = torch.zeros(16, 5, 8)  # ih's input is 0: its weight's gradient is exactly 0
    monitored = Monitor(model, every=1)
    monitored_step(monitored, model, x, torch.randint(0, 2, (16,)))
    assert model.ih.weight.grad.abs().max().item() == 0  # the premise
    # (computed, and exactly 0: not 'no gradient reaches it', which sent a reader to look for a .detach(), W86)
    assert "'ih.weight' 0 (its gradient was computed, and is exactly 0)" in _note(monitored.report())


def test_a_model_whose_every_weight_is_on_a_row_has_no_such_note():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    monitored_step(mon, model, torch.randn(16, 4), torch.randint(0, 2, (16,)))
    assert not any(n.startswith("|dL/dW| of weights on no row") for n in mon.report().notes)


def test_a_gradient_that_vanishes_through_a_loop_over_time_is_said():
    # W43 walkthrough, finding 4: the first time step's |dL/da| at 3e-6 of the last's was in the a/last column only
    torch.manual_seed(0)
    model = Cell()
    x, y = torch.randn(16, 20, 8), torch.randint(0, 2, (16,))
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    monitored_step(mon, model, x, y)
    # the reference: autograd's own dL/dh at each time step, on the same weights and batch
    hs, h = [], x.new_zeros(16, 32)
    for t in range(20):
        h = torch.tanh(model.ih(x[:, t]) + model.hh(h))
        h.retain_grad()
        hs.append(h)
    torch.nn.functional.cross_entropy(model.out(h), y).backward()
    first, last = hs[0].grad.norm().item(), hs[-1].grad.norm().item()
    rows = {l.name: l.act_grad_norm for l in mon.report().layers}
    assert math.isclose(rows["hh>add:tanh"], first, rel_tol=1e-4) and math.isclose(rows["hh>add:tanh#20"], last,
                                                                                    rel_tol=1e-4)
    assert first < 1e-3 * last  # the premise
    # (in the reading where the loss has not moved, W66 walkthrough finding 2; else in a note)
    report = mon.report()
    note = next(n for n in (report.reading.words, *report.notes) if "through the 20 calls of hh>add:tanh" in n)
    assert f"falls from {last:.3g} at the last call to {first:.3g} at the first, {first / last:.2g} of it" in note
    # five time steps: the first keeps 4% of the last's, no vanishing to speak of
    short = Monitor(model, every=1)
    monitored_step(short, model, torch.randn(16, 5, 8), torch.randint(0, 2, (16,)))
    assert not any(n.startswith("through the") for n in short.report().notes)
    assert "through time" not in short.report().reading.words
