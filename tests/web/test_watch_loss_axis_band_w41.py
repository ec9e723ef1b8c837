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


@pytest.mark.browser
@pytest.mark.parametrize(("first", "axis"), [(61.9, "log"), (6.0, "linear")])
def test_a_first_loss_ten_times_the_rest_puts_the_loss_on_a_log_axis(browser, tmp_path, first, axis):
    # W70 walkthrough: a first loss of 61.9 put a character model's losses of 2.5 to 3.5 in the bottom 2% of a linear
    # axis to 70; a loss that spans a factor of 10 or more is drawn on a log axis, where they keep room
    log = tmp_path / "first.jsonl"
    losses = [first] + [3.5 - 0.02 * n for n in range(1, 40)]
    log.write_text(lines(header(NAMES), *[report(n, NAMES, v) for n, v in enumerate(losses, start=1)]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           ">= 40")
        kind, _ = page.evaluate(AXIS)
        assert kind == axis, (first, kind)
        if axis == "log":  # the later losses take several times the height a linear axis from 0 gives them
            share = page.evaluate("""(() => { const c = document.getElementById('watch-loss'), g = c.geom;
              const ys = c.drawn.series[0].y.slice(1).map(g.py), top = g.py(c.drawn.series[0].y[0]);
              const foot = Math.max(...c.tickYs.map(([, y]) => y));
              return (Math.max(...ys) - Math.min(...ys)) / (foot - top); })()""")
            rest = losses[1:]
            assert share > 3 * (max(rest) - min(rest)) / first, share
            shot(page, "watch-w70-loss-first-log", page.locator("#watch-loss"))
        assert errors == []
        context.close()
