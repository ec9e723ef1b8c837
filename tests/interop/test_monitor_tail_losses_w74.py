"""The log's end line carries the losses of the steps after the last sampled one (issue 17, W74 walkthrough finding
12: sampled every 50 steps and closed at step 300, the run's last 49 losses were in neither the log nor its end line).
References: the losses the script computed, kept here; a NaN among them is null in the log, as in a report."""

from __future__ import annotations

import json
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.monitor_log import read_log  # noqa: E402
from actlab.run_history import RunHistory  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _run(path, every, steps, nan_at=()):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    given = {}
    with Monitor(model, every=every, log=path) as mon:
        for step in range(1, steps + 1):
            x = torch.randn(32, 4)
            with mon.step() as s:
                loss = F.mse_loss(model(x), x.sum(1, keepdim=True))
                loss.backward()
                s.loss = loss * math.nan if step in nan_at else loss
                given[step] = s.loss.item()
            if step not in nan_at:
                opt.step()
            opt.zero_grad()
    return given


def test_the_end_line_holds_the_losses_after_the_last_sampled_step(tmp_path):
    path = tmp_path / "run.jsonl"
    given = _run(path, 50, 130, nan_at={125})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["step"] for r in lines[1:-1]] == [1, 51, 101]
    end = lines[-1]
    assert end["event"] == "end" and end["steps_run"] == 130
    tail = end["losses_between"]
    assert [t for t, _ in tail] == list(range(102, 131))
    for t, v in tail:
        if t == 125:
            assert v is None  # NaN, as the log writes one
        else:
            assert v == given[t]
    read = read_log(path)
    assert read.end == end  # read_log gives the end line too
    history = RunHistory()
    for r in read.reports:
        history.add(r)
    history.take_end(read.end)
    finite = [given[t] for t in range(102, 131) if t != 125]
    assert history.tail == {"range": [min(finite), max(finite)], "from": 102, "to": 130, "after": 101, "count": 29,
                            "non_finite": 1, "non_finite_at": [125, 125]}


def test_a_run_whose_last_step_was_sampled_carries_none(tmp_path):
    path = tmp_path / "every.jsonl"
    _run(path, 1, 12)
    end = json.loads(path.read_text().splitlines()[-1])
    assert end["steps_run"] == 12 and "losses_between" not in end
    assert read_log(path).end == end
