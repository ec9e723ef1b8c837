"""The losses before a run's first sampled step are on the loss chart (issue 17, W73 walkthrough finding 8): under
every="auto" the first sampled step was step 4, its report carried the losses of steps 1 to 3 (1.39, 9.2 and 634),
and the headline named the blow-up to 634 at step 3, while the chart began at step 4 on a linear axis from 0 to 3: the
spike was on no chart. The charts now begin at step 1 and the loss chart shades the range of those steps from step 1
to step 4, its axis taking them in. References: the log's own numbers, written here. Chromium."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
NAMES = ["a", "b"]
LOSS = "document.getElementById('watch-loss')"
BEFORE = [[1, 1.39], [2, 9.2], [3, 634.0]]


def _log(path, before):
    reports = []
    for n, step in enumerate(range(4, 44, 4)):
        r = report(step, NAMES, 1.3 - 0.05 * n)
        r["every"] = 4
        r["losses_between"] = before if n == 0 else [[t, 1.3 - 0.05 * n] for t in range(step - 3, step)]
        reports.append(r)
    path.write_text(lines(header(NAMES), *reports))


def test_the_steps_before_the_first_sampled_one_are_drawn(browser, tmp_path):
    log = tmp_path / "lead.jsonl"
    _log(log, BEFORE)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.drawn?.x?.length >= 10")
        drawn = page.evaluate(f"({{ x: {LOSS}.drawn.x[0], start: {LOSS}.drawn.xStart, lead: {LOSS}.drawn.leads[0], "
                              f"leads: {LOSS}.leadsDrawn, axis: {LOSS}.axisKind, ticks: {LOSS}.tickLabels }})")
        assert drawn["x"] == 4 and drawn["start"] == 1
        assert drawn["lead"] == [1.39, 634.0, 1, 4] and drawn["leads"] == 1
        assert drawn["axis"] == "log"  # 634 over losses near 1: the band's range puts the chart on a log axis
        assert "10³" in drawn["ticks"], drawn["ticks"]  # the axis reaches the blow-up's 634
        # every chart's steps begin at 1 alike, so that they line up
        for chart in ("watch-history", "watch-health"):
            assert page.evaluate(f"document.getElementById('{chart}').drawn.xStart") == 1
        shot(page, "watch-w73-loss-lead", page.locator("#watch-loss"))
        assert errors == []
        context.close()


def test_a_first_report_with_no_losses_before_it_draws_no_lead(browser, tmp_path):
    log = tmp_path / "none.jsonl"
    _log(log, [])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.drawn?.x?.length >= 10")
        assert page.evaluate(f"{LOSS}.drawn.xStart") is None and page.evaluate(f"{LOSS}.leadsDrawn") == 0
        assert errors == []
        context.close()
