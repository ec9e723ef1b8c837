"""W97 walkthrough finding 5: a recurrent cell run over 60 steps gave a report of 60 table rows, 59 alike lines under
them and a note naming all 60 calls. A module called more than FOLD_CALLS times keeps its first and last FOLD_KEEP
calls' rows in the text and notebook tables, the calls between on one line with the range of their |dL/da| and dead
counts; report.layers keeps every call. References: report.layers itself (the folded calls' own figures)."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_words import FOLD_CALLS, FOLD_KEEP  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class _Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp, self.rec, self.act, self.out = nn.Linear(4, 16), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)

    def forward(self, x):
        h = torch.zeros(x.shape[0], 16)
        for t in range(x.shape[1]):
            h = self.act(self.inp(x[:, t]) + self.rec(h))
        return self.out(h)


def _rows(text: str) -> list[str]:
    """The table's rows of the module 'act' (not the head line, 'actlab monitor: ...')."""
    return [line for line in text.splitlines() if line.startswith("act") and not line.startswith("actlab")]


def _report(length: int):
    torch.manual_seed(0)
    model = _Loop()
    x, y = torch.randn(64, length, 4), torch.randint(0, 3, (64,))
    mon = Monitor(model, every=1)
    for _ in range(3):
        monitored_step(mon, model, x, y, torch.optim.SGD(model.parameters(), 0.01))
    return mon.report()


def test_a_long_loops_middle_calls_fold_into_one_line():
    report = _report(30)
    assert len(report.layers) == 30  # every call kept in the data
    text = str(report)
    rows = _rows(text)
    assert [r.split()[0] for r in rows] == ["act", "act#2", "act#3", "act#28", "act#29", "act#30"], rows
    middle = report.layers[FOLD_KEEP:-FOLD_KEEP]
    grads = [l.act_grad_norm for l in middle]
    assert (f"... {len(middle)} calls folded, act#4 to act#27: |dL/da| {min(grads):.3g} to {max(grads):.3g}"
            in text), text
    assert "  act#2 to act#30 (Tanh, 16 units): the gradient of 'rec.weight'" in text, text
    assert text.count("is read on act's row") == 1, text
    assert "'act#2' to 'act#30' the later ones" in text, text
    html = report._repr_html_()
    assert f"{len(middle)} calls folded" in html and html.count("<tr>") == 1 + 2 * FOLD_KEEP + 1, html


def test_a_short_loop_keeps_every_row():
    report = _report(FOLD_CALLS)
    text = str(report)
    assert "calls folded" not in text
    assert [line.split()[0] for line in _rows(text)] == ["act", *(f"act#{k}" for k in range(2, FOLD_CALLS + 1))]
