"""The dead count's warm-up where batches hold few points (issue 17, W34 finding 5 and W35 finding 4): a unit off on
every point of the window is dead only once those points number DEAD_POINTS, so at batch size 8 the count begins
at the 13th sampled batch, not the 5th. The page shades those steps and says the layer's own figure, which the log
gives (`dead_from`); a real Monitor's log and the script's own forward hook are the references. Chromium."""

from __future__ import annotations

import json
import math

import pytest

from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
SOURCE = "document.getElementById('watch-source').textContent"
BATCH, STEPS = 8, 16


def _half_dead_log(tmp_path):
    """A ReLU layer of 12 units, 6 of them pushed far off at initialisation, batches of 8, every step sampled; the
    hook's own record of which units were on for some row of each batch."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.interop._monitor_base import DEAD_POINTS
    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 1)).double()
    with torch.no_grad():
        model[0].bias[:6] = -1e3
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    log = tmp_path / "half.jsonl"
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(STEPS):
            x = torch.randn(BATCH, 4, dtype=torch.float64)
            with mon.step() as s:
                s.loss = ((model(x) - x[:, :1]) ** 2).mean()
                s.loss.backward()
    reports = [json.loads(line) for line in log.read_text().splitlines()]
    return log, [r for r in reports if "step" in r], torch.stack(on), DEAD_POINTS


def test_the_warm_up_lasts_until_the_batches_hold_the_points_dead_needs(browser, tmp_path):
    log, reports, on, points = _half_dead_log(tmp_path)
    start = math.ceil(points / BATCH)  # 13: the first sampled batch whose window holds the points
    assert [r["layers"][0]["dead_from"] for r in reports] == [start] * STEPS  # the log says it
    never = int((~on.any(0)).sum())  # the hook's own count of units off on every point so far
    assert never == 6
    # the log: no unit counted dead before the 13th batch, the six from it on
    assert [r["layers"][0]["dead"] for r in reports] == [0] * (start - 1) + [never] * (STEPS - start + 1)
    # the page draws dead and gone silent units (a unit on before may go silent in the warm-up) and nothing where
    # neither is counted in the warm-up
    stopped = [r["layers"][0]["dead"] + r["layers"][0]["silent"] for r in reports]
    want = [None if i < start - 1 and not n else n / 12 for i, n in enumerate(stopped)]
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('{STEPS} sampled steps')")
        page.select_option("#watch-health-measure", "dead")
        page.wait_for_function(f"document.getElementById('watch-health').drawn.series[0].y.length === {STEPS}")
        drawn = page.evaluate("(() => { const c = document.getElementById('watch-health');"
                              " return {y: c.drawn.series[0].y, warm: c.warmDrawn, keys: c.legendNames}; })()")
        # no 0% drawn while the count waits: the share from the 13th batch on
        assert drawn["y"] == want
        assert drawn["y"][:start - 1].count(None) >= 4 and drawn["y"][start - 1:] == [n / 12 for n in
                                                                                   stopped[start - 1:]]
        assert drawn["warm"] is not None
        assert f"dead counted from the {start}th sampled batch" in drawn["keys"], drawn["keys"]
        page.locator("#watch-health").focus()
        page.keyboard.press("Home")
        for _ in range(start - 2):
            page.keyboard.press("ArrowRight")
        said = page.locator("#watch-readout").text_content()
        assert said.startswith(f"Step {start - 1}, layer 1 ('1 (ReLU)'): dead units not counted yet: this is the "
                               f"monitor's {start - 1}th sampled batch, and it calls a unit dead only after {start} "
                               "(not drawn)"), said
        shot(page, "watch-y4-dead-points-warm-up")
        assert errors == []
        context.close()


def test_the_table_says_the_batches_the_layer_waits_for(browser, tmp_path):
    log, reports, _, _ = _half_dead_log(tmp_path)
    early = tmp_path / "early.jsonl"
    lines = log.read_text().splitlines()
    early.write_text("\n".join(lines[:1 + 7]) + "\n")  # the header and the first 7 reports
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=early)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelector('#watch-table td[data-label=dead]')")
        cell = page.locator("#watch-table td[data-label=dead]").first.text_content()
        assert cell == f"not counted yet (batch 7 of {reports[6]['layers'][0]['dead_from']})"
        assert reports[6]["layers"][0]["dead_from"] == 13
        assert errors == []
        context.close()
