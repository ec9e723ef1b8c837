"""every="auto"'s cost note (W21 finding 7): report() and the log's line give the same note for the same sampled
step, the advice never names an interval past ADVICE_CAP steps, and the note says its clock is wall time."""

from __future__ import annotations

import json

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _monitor_cost  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _cost(notes) -> str:
    return next(n for n in notes if n.startswith("every='auto'"))


def test_report_and_log_line_give_one_cost_note_for_one_sampled_step(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    log = tmp_path / "cost.jsonl"
    mon = Monitor(model, log=log)
    for _ in range(150):
        with mon.step() as s:
            loss = model(torch.randn(8, 4)).square().mean()
            loss.backward()
            s.loss = loss
        model.zero_grad()
    report = mon.report()
    line = json.loads(log.read_text().splitlines()[-1])
    assert line["step"] == report.step
    # at faa7e5d report() said the note again from the timings after that step ('Provisional: 9 ...' beside 8)
    assert _cost(report.notes) == _cost(line["notes"])


def _note(fixed: float, extra: float, budget: float = 0.03) -> str:
    mon = Monitor(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), budget=budget)
    mon.every, mon.sampled_extra, mon.fixed_cost, mon.fixed_seconds = 50, extra, fixed, fixed * 2e-4
    mon.calibrated_cost = fixed + extra / 50
    mon._step_seconds = 2e-4
    mon._times["extra"].extend([extra] * 20)
    return mon._cost_note()


def test_advice_past_the_cap_is_a_budget_not_an_interval():
    # the fixed cost 2.9% of a 3% budget, a sampled step 20 times an unsampled one: extra / (budget - fixed) is
    # 20000 steps, what faa7e5d advised (every=19987 in W21)
    note = _note(fixed=0.029, extra=20.0)
    assert "every=20000" not in note and f"more than {_monitor_cost.ADVICE_CAP} steps apart" in note
    needed = 0.029 + 20.0 / 50  # 0.429: the cost at every=50, by hand
    assert "Monitor(model, budget=0.429)" in note and round(needed, 9) == 0.429


def test_advice_under_the_cap_still_names_the_interval():
    note = _note(fixed=0.02, extra=1.0)  # 1.0 / (0.03 - 0.02) = 100 steps, no margin left
    assert "Monitor(model, every=100) would keep just within the budget" in note


def test_the_note_says_its_clock_is_wall_time():
    assert "wall time" in _note(fixed=0.001, extra=0.1)
