"""The reading's headline is green only where it says healthy and nothing beside it (W107 walkthrough finding 5:
weights of one constant read 'Healthy, but the units of module '1' (Tanh) and module '3' (Tanh) (64 and 64) are
copies of one another ...' in green, at 0.25 accuracy). A 'healthy, but ...' or 'healthy where it trains, but ...'
headline names a fault beside it, and is drawn in ink. Reference: lab.css's --ok and --ink, read from the page."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

NAMES = ["1", "3"]
COLOURS = """() => { const el = document.getElementById('watch-reading'), css = getComputedStyle(document.body);
  const probe = (v) => { const d = document.createElement('span'); d.style.color = `var(${v})`;
    document.body.append(d); const c = getComputedStyle(d).color; d.remove(); return c; };
  return { cls: el.className, colour: getComputedStyle(el).color, ok: probe('--ok'), ink: probe('--ink') }; }"""


@pytest.mark.browser
@pytest.mark.parametrize(("words", "green"), [
    ("healthy: gradients reach every layer, and the loss is 60% below chance", True),
    ("healthy, but the units of module '1' (Tanh) and module '3' (Tanh) (64 and 64) are copies of one another "
     "within each layer: ...", False),
    ("healthy where it trains, but 2 hidden layers (module 'enc.1' (ReLU) and module 'enc.3' (ReLU)) get no gradient, "
     "though not frozen: ...", False),
])
def test_only_a_plain_healthy_headline_is_green(browser, tmp_path, words, green):
    reports = [report(s, NAMES, 1.0 / s, status="healthy") for s in range(1, 6)]
    for r in reports:
        r["reading"]["words"] = words
    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(NAMES), *reports))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           ">= 5")
        got = page.evaluate(COLOURS)
        assert ("healthy" in got["cls"].split()) == green, got
        assert got["colour"] == (got["ok"] if green else got["ink"]), got
        if not green:
            shot(page, "watch-reading-healthy-but", page.locator("#watch-reading"))
        assert errors == []
        context.close()
