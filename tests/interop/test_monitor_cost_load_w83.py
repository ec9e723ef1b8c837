"""W83 walkthrough: the first Monitor of a process cost a one-off 0.84 s of CPU (+23.6% on a 200-step run), loading
its compiled passes in a background thread, and the cost note, whose figures are per step, said nothing of it. The
note now says what that thread took (the loader's own record, _torch_stats.preload_cpu), where it took any."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


@pytest.mark.parametrize("load", [0.84, None])
def test_the_cost_note_says_the_one_off_load_where_there_was_one(load, monkeypatch):
    monkeypatch.setattr(_torch_stats, "preload_cpu", lambda: load)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
    x, y = torch.randn(64, 8), torch.randint(0, 4, (64,))
    mon = Monitor(model, every="auto")
    for _ in range(120):
        monitored_step(mon, model, x, y)
    cost = [n for n in mon.report().notes if "every='auto' adds about" in n]
    assert len(cost) == 1, mon.report().notes
    said = ("Once per process, the first Monitor also loads its compiled passes in a background thread: 840 ms of "
            "CPU in this one, in none of the figures above.")
    assert (said in cost[0]) == (load is not None), cost[0]
