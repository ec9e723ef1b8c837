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


# the run picked: its words, how wide they are in the list's own font (a span of the page measures them), the room
# the closed list has for them, and the line under the list that says them in full
PICKED = """(() => {
  const pick = document.getElementById('watch-run-pick'), s = getComputedStyle(pick);
  const text = pick.selectedOptions[0].textContent, span = document.createElement('span');
  span.style.font = s.font; span.style.whiteSpace = 'pre'; span.textContent = text;
  document.body.append(span);
  const wide = span.getBoundingClientRect().width;
  span.remove();
  const said = document.getElementById('watch-run-said'), box = said.getBoundingClientRect();
  return { text, wide, room: pick.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
           said: said.hidden ? null : said.textContent, saidBox: [box.left, box.right],
           client: document.documentElement.clientWidth };
})()"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, WIDTH])
def test_the_run_picked_is_said_in_full_where_the_closed_list_cuts_it(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "same.jsonl"
    _two(log, a_last=40, b_last=40, ends=[{"event": "end", "steps_run": 40}])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, SETTLED, width)
        got = page.evaluate(PICKED)
        shot(page, f"watch-v11-run-list-{width}", page.locator("#watch-run-choice"))
        if got["wide"] > got["room"] - 16:  # the arrow takes about 20 px of the room (19.7 measured at 1280)
            assert got["said"] is not None and got["text"] in got["said"], got
            assert 0 <= got["saidBox"][0] and got["saidBox"][1] <= got["client"], got
        else:  # the list holds the words: they are not said twice
            assert got["said"] is None, got
        if width == WIDTH:
            assert got["wide"] > got["room"]  # the case this test is for: at 420 px the list cuts the words
        assert errors == []
        context.close()
