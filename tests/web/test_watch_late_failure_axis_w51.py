"""A run that went wrong late keeps an even step axis (W51 walkthrough, finding 9: the page's log axis, chosen once
the last step passed 1,000 times the first, squeezed a blow-up at step 600 of 1,500 into the right-hand 12% of each
chart, the 600 steps of learning before it into the rest). Where the steps from the reading's first change to a
failure to the last step would take under a quarter of a log axis's width and more of an even one's, the page keeps
the even axis and says why; a run that failed early keeps the log axis; the reader's own choice stands."""

from __future__ import annotations

import math

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

NAMES = ["fc1.act", "fc2.act"]
LAST = 1500
RUN = "document.getElementById('watch-run')"
READY = (f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state) && "
         f"document.getElementById('watch-loss').drawn?.x?.length === {LAST}")


def _write(path, failed_at: int) -> None:
    reports = []
    for s in range(1, LAST + 1):
        status = "starting" if s <= 20 else "healthy" if s < failed_at else "diverged"
        r = report(s, NAMES, 2.0 / s if s < failed_at else 1e4)
        r["reading"].update(status=status, is_failure=status == "diverged")
        reports.append(r)
    path.write_text(lines(header(NAMES), *reports))


def _mark_share(page, chart="watch-loss"):
    """Where the failure's mark is drawn, as a share of the way from the first step's x to the last's."""
    return page.evaluate(f"""(() => {{
      const c = document.getElementById('{chart}'), d = c.changesDrawn.find((m) => m.label === 'diverged');
      const a = c.geom.px(c.drawn.x[0]), b = c.geom.px(c.drawn.x[c.drawn.x.length - 1]);
      return (d.x - a) / (b - a);
    }})()""")


@pytest.mark.browser
@pytest.mark.parametrize("failed_at, log_axis", [(603, False), (100, True)])
def test_a_late_failure_keeps_the_even_axis_and_an_early_one_the_log_axis(browser, tmp_path, failed_at, log_axis):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    _write(log, failed_at)
    on_log = math.log10(LAST / failed_at) / math.log10(LAST)  # the steps from the failure on, on a log axis
    even = (LAST - failed_at) / (LAST - 1)
    assert (on_log < 0.25) == (not log_axis)  # the premise
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        assert page.is_checked("#watch-step-log") == log_axis
        said = page.locator("#watch-step-axis").inner_text()
        share = _mark_share(page)
        if log_axis:
            assert said.startswith("The history charts put the steps on a log axis, since the last step is 1,500 "
                                   "times the first"), said
            assert abs(share - (1 - on_log)) < 0.02, (share, 1 - on_log)
        else:
            assert said.startswith(f"The history charts put the steps on an even (linear) axis, since the reading "
                                   f"turned to diverged at step {failed_at}: on a log axis the steps from there to "
                                   f"step 1,500 would take {round(100 * on_log)}% of the width; on this one, "
                                   f"{round(100 * even)}%"), said
            assert abs(share - (1 - even)) < 0.02, (share, 1 - even)
            shot(page, "watch-late-failure-even-axis")
        # the reader's choice stands, whatever the page would pick
        page.set_checked("#watch-step-log", not log_axis)
        page.wait_for_function("document.getElementById('watch-step-axis').textContent.includes('as you chose')")
        assert abs(_mark_share(page) - (1 - (even if log_axis else on_log))) < 0.02
        assert errors == []
        context.close()
