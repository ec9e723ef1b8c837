"""The watch page's readout stays in sight while a chart is pointed at or focused (issue 17, V12 walk). At 420 px the
four charts stand one under another and the readout is under the last: focusing the bar chart, at the top, named
its layer in a line about 900 px below it, out of the window."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import write_run

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length === 20"
NAMES = ["fc1.act", "fc2.act", "fc3.act"]
HEIGHT = 1000  # the window's height in open_watch

BOX = """(() => { const b = document.getElementById('watch-readout').getBoundingClientRect();
  return { top: b.top, bottom: b.bottom, text: document.getElementById('watch-readout').textContent }; })()"""


@pytest.mark.browser
@pytest.mark.parametrize("chart", ["watch-bars", "watch-history", "watch-health", "watch-loss"])
def test_the_readout_is_in_the_window_while_a_chart_is_focused(browser, tmp_path, chart):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 21))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        page.locator(f"#{chart}").focus()
        page.keyboard.press("ArrowLeft")
        got = page.evaluate(BOX)
        assert got["text"].startswith(("Layer ", "Step ")), got  # it names a point of the chart
        assert 0 <= got["top"] and got["bottom"] <= HEIGHT, got
        canvas = page.locator(f"#{chart}").bounding_box()
        assert canvas["y"] < HEIGHT and canvas["y"] + canvas["height"] > 0  # and the chart too
        if chart == "watch-bars":
            shot(page, "watch-v12-readout-420")
        page.locator(f"#{chart}").blur()  # let go: the readout goes back under the charts
        assert page.evaluate("document.getElementById('watch-readout').classList.contains('live')") is False
        assert errors == []
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [420, 1280])
@pytest.mark.parametrize("chart", ["watch-bars", "watch-history", "watch-health", "watch-loss"])
def test_a_chart_read_from_the_keyboard_is_not_under_the_readout(browser, tmp_path, chart, width):
    """W64 walkthrough: at 1280 px the readout at the window's foot covered the loss chart's step axis as it was read
    from the keyboard. The chart is scrolled clear of it, the readout's top at or below the chart's bottom."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 21))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        page.evaluate("window.scrollTo(0, 0)")
        page.keyboard.press("Tab")  # (the page gets the keys)
        page.locator(f"#{chart}").focus()
        for key in ("ArrowLeft", "ArrowLeft"):
            page.keyboard.press(key)
            page.wait_for_timeout(100)
            box = page.evaluate(BOX)
            canvas = page.evaluate(f"document.getElementById('{chart}').getBoundingClientRect().bottom")
            assert canvas <= box["top"] + 0.5 and box["bottom"] <= HEIGHT + 0.5, (canvas, box)
        if chart == "watch-loss" and width == 1280:
            shot(page, "watch-readout-clear-1280")
        assert errors == []
        context.close()
