"""The watch page's loss chart takes its axis from the bands too (W41 walkthrough finding 4): lr x 300 for three updates
left a band to 7e4 between two samples over sampled losses of 0.4 to 8, and the chart kept a linear axis from 0 to
100,000, every sampled loss flat on its 0 line. A range of losses that spans two decades or more, counting the steps
between samples, is drawn on a log axis. References: the log's own numbers, written here."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

NAMES = ["a", "b"]
AXIS = "() => { const c = document.getElementById('watch-loss'); return [c.axisKind, c.drawn.x.length]; }"


def _log(path, spike: float):
    reports = []
    for n in range(1, 41):
        step = 10 * n
        r = report(step, NAMES, 0.4 + 0.1 * (n % 5))
        r["every"] = 10
        r["losses_between"] = [[t, spike if t == 305 else 0.5] for t in range(step - 9, step)] if n > 1 else []
        reports.append(r)
    path.write_text(lines(header(NAMES), *reports))


@pytest.mark.browser
@pytest.mark.parametrize(("spike", "axis"), [(7.14e4, "log"), (3.0, "linear")])
def test_a_band_that_spans_decades_puts_the_loss_on_a_log_axis(browser, tmp_path, spike, axis):
    log = tmp_path / "spike.jsonl"
    _log(log, spike)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           ">= 40")
        kind, _ = page.evaluate(AXIS)
        assert kind == axis, (spike, kind)
        if axis == "log":
            shot(page, "watch-w41-loss-band-log", page.locator("#watch-loss"))
        assert errors == []
        context.close()
