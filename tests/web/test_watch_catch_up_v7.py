"""actlab watch (issue 17, V7 item 3): while the page catches up on a big log it asks for the next answer as soon as
one arrives, before drawing it, so the lab reads the next 4 MB while the page draws (reading a 107 MB log the page
spent 1.4-1.5 s between answers, drawing, while the lab waited). At most one answer is asked for ahead, and the page
ends holding the points the lab keeps, as before. The log is V6's 16 MB one (4,000 reports of 12 layers)."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web.test_watch_big_log_v6 import TOTAL, big_log  # noqa: F401 (the fixture)

# every request to /api/watch (its `since`) and every drawing of the history chart, in the order they happened
RECORD = """(() => {
  window.__events = [];
  const fetch0 = window.fetch;
  window.fetch = (url, ...rest) => {
    const u = new URL(url, location.href), api = u.pathname === "/api/watch", since = u.searchParams.get("since");
    if (api) window.__events.push(["ask", Number(since)]);
    return fetch0(url, ...rest).then(async (r) => {
      if (api) {
        const d = await r.clone().json();
        window.__events.push(["answer", Number(since), d.next, d.unread > 0 || d.next < d.total]);
      }
      return r;
    });
  };
  Object.defineProperty(HTMLCanvasElement.prototype, "drawn", {
    configurable: true, get() { return this.__drawn; },
    set(v) { if (this.id === "watch-history" && v) window.__events.push(["draw"]); this.__drawn = v; } });
})();"""
# the steps the lab keeps once it has read the whole log, in pieces as the page reads them
KEPT = """async () => { let since = 0, steps = [];
  for (;;) { const d = await (await fetch(`/api/watch?since=${since}`)).json();
    steps = steps.concat(d.points.map((p) => p.step)); if (d.next >= d.total) return steps; since = d.next; } }"""


@pytest.mark.browser
def test_the_page_asks_for_the_next_answer_before_drawing_the_one_it_has(browser, tmp_path, big_log):  # noqa: F811
    from web.conftest import serving

    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=big_log)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.add_init_script(RECORD)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'running'", timeout=120_000)
        events = page.evaluate("window.__events")
        reading = [k for k, e in enumerate(events) if e[0] == "answer" and e[3]]
        assert len(reading) >= 4  # a 16 MB log: four requests' worth at least
        for k in reading:  # the next request went out before this answer was drawn
            after = events[k + 1:]
            ask = next(i for i, e in enumerate(after) if e[0] == "ask")
            draw = next((i for i, e in enumerate(after) if e[0] == "draw"), len(after))
            assert ask < draw, events[k:k + 4]
            assert after[ask][1] == events[k][2]  # asked from where this answer ended
        # never two requests out at once: one answer asked for ahead of the one being drawn, at most
        in_flight = 0
        for e in events:
            in_flight += 1 if e[0] == "ask" else -1 if e[0] == "answer" else 0
            assert in_flight <= 1
        # and the page holds what the lab keeps, ending on the log's last step
        x = page.evaluate("document.getElementById('watch-history').drawn.x")
        assert x == page.evaluate(KEPT) and x[-1] == TOTAL
        assert errors == []
        context.close()
