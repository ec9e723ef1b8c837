"""S23 item 3, the writer: every report line of a Monitor's log says its sampling rule ("auto": true under
every="auto", whose "every" is its latest choice; false for every=n, the interval the script gave), as report() does."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.monitor_log import read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


@pytest.mark.parametrize(("every", "auto"), [("auto", True), (3, False), (1, False)])
def test_each_report_line_says_which_rule_chose_its_interval(tmp_path, every, auto):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    log = tmp_path / "run.jsonl"
    with Monitor(model, every=every, log=log) as mon:
        for _ in range(40):
            x = torch.randn(8, 4)
            with mon.step() as s:
                s.loss = model(x).pow(2).mean()
                s.loss.backward()
            model.zero_grad()
        report = mon.report()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    reports = [r for r in lines if "reading" in r]
    assert len(reports) >= 2
    assert [r["auto"] for r in reports] == [auto] * len(reports)
    assert report.auto is auto and report.to_dict()["auto"] is auto
    if not auto:
        assert {r["every"] for r in reports} == {every}
    assert [r["auto"] for r in read_log(log, strict=True).reports] == [auto] * len(reports)
