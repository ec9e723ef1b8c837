"""The words of a log whose last run ended without an end line of its own ('ended-unowned': an end line the lab
could not give to one run) at 420 px (issue 17, V11 item 3; test_watch_end_lines_v10.py has the wide page). Every
line of the run's sentence lies inside the window and inside its paragraph, and nothing on the page scrolls
sideways. The log is test_watch_end_lines_v10's 'same' case: two monitors that both stop at step 40."""

from __future__ import annotations

import os
import time

import pytest

from actlab.web.app import create_app
from web.test_watch_end_lines_v10 import _two

RUN = "document.getElementById('watch-run')"
SETTLED = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)"
WIDTH = 420

# the rectangles of every line the run's sentence takes, its paragraph's box, and each element of the page that is
# wider inside than it shows (scrollWidth > clientWidth) and does not scroll on purpose (left out: what is hidden
# for the eye and kept for screen readers, clipped to nothing, as the narrow table's header row)
MEASURE = """(() => {
  const clipped = (e) => { for (; e; e = e.parentElement) if (getComputedStyle(e).clipPath !== 'none') return true;
                           return false; };
  const el = document.getElementById('watch-run'), range = document.createRange();
  range.selectNodeContents(el);
  const lines = [...range.getClientRects()].map((r) => [r.left, r.top, r.right, r.bottom]);
  const box = el.getBoundingClientRect();
  const overflowing = [...document.querySelectorAll('body *')].filter((e) => {
    const s = getComputedStyle(e);
    return e.scrollWidth > e.clientWidth + 1 && !['auto', 'scroll'].includes(s.overflowX) && e.clientWidth > 0
      && s.display !== 'inline' && !clipped(e);
  }).map((e) => `${e.tagName}#${e.id}.${e.className}`);
  const doc = document.documentElement;
  return { lines, box: [box.left, box.top, box.right, box.bottom], text: el.textContent, state: el.dataset.state,
           overflowing, scroll: doc.scrollWidth, client: doc.clientWidth,
           cut: el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight };
})()"""


@pytest.mark.browser
def test_the_unowned_end_line_words_fit_a_narrow_window(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "same.jsonl"
    _two(log, a_last=40, b_last=40, ends=[{"event": "end", "steps_run": 40}])
    quiet = time.time() - 90  # the file has not changed for 90 s
    os.utime(log, (quiet, quiet))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, SETTLED, WIDTH)
        got = page.evaluate(MEASURE)
        shot(page, "watch-v11-unowned-end-420")
        assert got["state"] == "ended-unowned"
        assert "holds an end line that the lab could not give to one run" in got["text"]
        assert got["lines"], got
        left, top, right, bottom = got["box"]
        for line in got["lines"]:
            assert 0 <= line[0] and line[2] <= got["client"], line  # inside the window
            assert left - 1 <= line[0] and line[2] <= right + 1 and top - 1 <= line[1] and line[3] <= bottom + 1
        assert not got["cut"]
        assert got["scroll"] <= got["client"]
        assert got["overflowing"] == []
        assert errors == []
        context.close()
