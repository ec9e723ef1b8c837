"""Each of the watch page's four charts has a title above it, written alike (issue 17, V11 item 1: the ‖∂L/∂a‖
history chart had an axis name and no title). Checked in the browser at 1280 and 420 px: each title is shown, sits
above its own chart, is not cut off, and has the same font as the others; the history chart's names ‖∂L/∂a‖."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import write_run

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length > 0"
CHARTS = ["watch-bars", "watch-history", "watch-health", "watch-loss"]

TITLES = """((ids) => ids.map((id) => {
  const canvas = document.getElementById(id);
  const title = canvas.closest('figure')?.querySelector('figcaption');
  if (!title) return { id, title: null };
  const t = title.getBoundingClientRect(), c = canvas.getBoundingClientRect(), s = getComputedStyle(title);
  return { id, title: title.textContent.trim(), visible: t.width > 0 && t.height > 0, bottom: t.bottom, top: t.top,
           left: t.left, right: t.right, chartTop: c.top, chartLeft: c.left, chartRight: c.right,
           cut: title.scrollWidth > title.clientWidth,
           font: [s.fontSize, s.fontWeight, s.fontFamily, s.color].join(' ') };
}))"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_every_chart_has_a_title_above_it_in_the_same_style(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    write_run(log, ["fc1.act", "fc2.act", "fc3.act"], range(1, 30), loss=lambda s: 2.0 / s)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        got = {t["id"]: t for t in page.evaluate(TITLES, CHARTS)}
        assert all(t["title"] for t in got.values()), got
        assert "‖∂L/∂a‖" in got["watch-history"]["title"] and "training" in got["watch-history"]["title"]
        for t in got.values():
            assert t["visible"] and not t["cut"], t
            # the title stands over its own chart, within its width, and close above it
            assert t["chartLeft"] - 1 <= t["left"] and t["right"] <= t["chartRight"] + 1, t
            assert 0 <= t["chartTop"] - t["bottom"] <= 12, t
        assert len({t["font"] for t in got.values()}) == 1
        assert len({t["title"] for t in got.values()}) == 4
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        shot(page, f"watch-v11-titles-{width}", page.locator(".grid2.watch-charts"))
        assert errors == []
        context.close()
