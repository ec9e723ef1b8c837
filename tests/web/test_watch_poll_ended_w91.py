"""W91 walkthrough finding 3: after a run ended, the watch page still asked the lab for news every second. A page on
an ended run now asks three times less often, and one on a run going on as often as before. The reference: the
requests the page makes, counted by the browser over the same span."""

from __future__ import annotations

import time

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

READY = "document.body.dataset.ready === 'true' && document.getElementById('watch-source').textContent.includes('3 ')"


def _asks(browser, tmp_path, ended: bool) -> int:
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / f"{'ended' if ended else 'going'}.jsonl"
    body = [header(["a"]), *(report(step, ["a"]) for step in (1, 2, 3))]
    log.write_text(lines(*body, *([{"event": "end", "steps_run": 3}] if ended else [])))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY)
        asked = []
        page.on("request", lambda r: asked.append(r.url) if "/api/watch" in r.url else None)
        time.sleep(6.5)
        context.close()
    assert errors == []
    return len(asked)


@pytest.mark.browser
def test_a_page_on_an_ended_run_asks_less_often(browser, tmp_path):
    ended, going = _asks(browser, tmp_path, True), _asks(browser, tmp_path, False)
    assert ended <= 3 and going >= 5, (ended, going)  # every 3 s against every 1 s, over 6.5 s
