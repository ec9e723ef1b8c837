"""A sampled step that gave no loss has none in its report and its log line (issue 17, W33 walkthrough finding 3): a
script that set s.loss on every third step, sampled every 10, logged step 321's loss under steps 331 and 341, and the
watch page drew it flat across them, though step 330 had given a later one. Reference: the script's own
loss.item() on the steps that gave one."""

from __future__ import annotations

import json
import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_a_sampled_step_without_a_loss_logs_none_and_the_mean_of_those_given(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    log = tmp_path / "run.jsonl"
    given, reports = {}, {}
    with Monitor(model, every=10, chance_loss=math.log(4), log=log) as mon:
        for step in range(1, 121):
            x = torch.randn(32, 8)
            y = (x[:, :2].sum(1) > 0).long() + 2 * (x[:, 2] > 0).long()
            with mon.step() as s:
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                if step % 3 == 0:
                    s.loss = loss
                    given[step] = loss.item()
            opt.step()
            opt.zero_grad()
            r = mon.report()
            reports[r.step] = r
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    logged = {d["step"]: d.get("loss") for d in lines if "step" in d and "layers" in d}
    assert sorted(logged) == list(range(1, 121, 10))
    for step, loss in logged.items():
        assert loss == given.get(step), (step, loss, given.get(step))  # None where the step gave none
        assert reports[step].loss == given.get(step)
    # the judged mean is of the losses given: the last 37 (steps 3 to 111)
    window = [v for t, v in given.items() if t <= 111][-50:]
    words = reports[111].reading.words
    assert f"the last {len(window)} batches given a loss (training steps 3 to 111) " \
           f"{sum(window) / len(window):.3g}" in words, words
    assert reports[101].reading.status == reports[111].reading.status  # judged on a step that gave none, too
