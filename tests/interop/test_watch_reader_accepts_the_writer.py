"""The watch reader checks each line of a log against the format (monitor_log.check_record) before the page sees
it; every line a real Monitor writes must pass, or the page would skip a practitioner's good steps. A run with the
cases the writer handles apart: NaN batches, a frozen weight, a place first seen late (a second header), the end."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.monitor_log import LogTail, check_record  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2, self.out = nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Linear(8, 1)
        self.again = False  # from step 9 on, the activation is called a second time: a place seen late

    def forward(self, x):
        h = self.act(self.fc2(self.act(self.fc1(x))))
        return self.out(self.act(h) if self.again else h)


def test_every_line_a_monitor_writes_passes_the_readers_check(tmp_path):
    torch.manual_seed(0)
    model = Net()
    model.fc1.weight.requires_grad_(False)
    log = tmp_path / "run.jsonl"
    with Monitor(model, every=1, log=log, chance_loss=1.0) as mon:
        for i in range(12):
            x = torch.randn(16, 4)
            if i in (5, 6):
                x[0, 0] = math.nan
            with mon.step() as s:
                model.again = i > 7
                s.loss = model(x).pow(2).mean()
                s.loss.backward()
            model.zero_grad()
    import json

    kinds = [check_record(json.loads(line)) for line in log.read_text().splitlines()]
    assert [k for k, why in kinds if why] == [] and [why for _, why in kinds if why] == []
    order = [k for k, _ in kinds]
    assert len(order) - 1 - order[::-1].index("header") > order.index("report")  # a header after reports: a place
    assert kinds[-1] == ("end", None)  # seen late, which is not a new run (run stays 1 below)
    tail = LogTail(log, keep=None)  # every report whole
    tail.poll()
    assert tail.total == 12 and tail.bad_lines == 0 and tail.not_log is None and tail.run == 1
    assert sum(r["non_finite"] for r in tail.reports) == 2
