"""W84 walkthrough finding 11: every verdict on /watch is against chance, and the loss chart never drew it. A report
now carries the chance level its reading judged the loss against (chance_loss; none where the loss is not judged
against it), a point keeps it where it is a number above 0, and the loss chart draws it as a dotted line. References:
the Monitor's own chance_loss and the log's lines."""

from __future__ import annotations

import json
import math

import pytest

from actlab.run_history import point_of
from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

NAMES = ["fc1.act", "fc2.act"]
LAYERS = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]


def test_a_point_keeps_a_chance_level_only_where_it_is_a_number_above_0():
    def chance(value):
        return point_of(0, {"step": 3, "loss": 1.0, "non_finite": False, "layers": LAYERS,
                            "chance_loss": value}).get("chance")
    assert chance(2.3) == 2.3 and chance(1) == 1
    for odd in (None, 0, -1.0, "inf", math.nan, math.inf, True, "2.3", [2.3]):
        assert chance(odd) is None, odd


def test_a_monitor_s_report_carries_the_chance_it_judged_against(tmp_path):
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor
    from interop._steps import monitored_step

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    for given, want in ((math.log(3), math.log(3)), (None, None)):
        log = tmp_path / f"run-{given}.jsonl"
        with Monitor(model, every=5, log=log, chance_loss=given) as mon:
            for _ in range(12):
                monitored_step(mon, model, x, y)
            assert mon.report().chance_loss == want
        reports = [json.loads(line) for line in log.read_text().splitlines() if '"reading"' in line]
        assert reports and all(r.get("chance_loss") == want for r in reports), reports


@pytest.mark.browser
def test_the_loss_chart_draws_the_chance_level(browser, tmp_path):
    rows = []
    for s in range(1, 41):
        r = report(s, NAMES, loss=2.3 * 0.96 ** s)
        r["chance_loss"] = 2.3
        rows.append(r)
    log = tmp_path / "chance.jsonl"
    log.write_text(lines(header(NAMES), *rows))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(
            browser, base, "document.getElementById('watch-loss').drawn?.x?.length === 40", 1280)
        drawn = page.evaluate("document.getElementById('watch-loss').drawn")
        names = [s["name"] for s in drawn["series"]]
        assert names == ["loss", "chance level (chance_loss)"], names
        assert drawn["series"][1]["y"] == [2.3] * 40
        shot(page, "watch-chance-line-w84", page.locator("#watch-loss").locator(".."))
        assert errors == []
        context.close()
