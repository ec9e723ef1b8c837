"""The watch page's long notes (W27 walkthrough: every="auto"'s cost note ran to 14 lines at 1280 px with no
heading): a note over 400 characters shows its opening sentences, and the rest behind a disclosure that opens on a
click and stays open as later reports redraw the list; a short note stays whole. Chromium."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
OPENING = ("every='auto' adds about 23.4% to the average step's time inside `with mon.step()` by the monitor's own "
           "clock, over the 3% budget "
           "by 20.4 percentage points. It samples every 50 steps, the longest interval auto takes (50), so that the "
           "readings stay fresh.")  # the opening: the sentences up to the first end past 160 characters
REST = ("Only readings more than 500 steps apart would keep within it. " * 6).strip()
SHORT = "a short note stays whole."


def test_a_long_note_opens_with_its_first_sentences_and_keeps_the_rest_behind_a_disclosure(browser, tmp_path):
    log = tmp_path / "long.jsonl"
    reports = [report(step, ["0"]) for step in (1, 2)]
    for r in reports:
        r["notes"] = [f"{OPENING} {REST}", SHORT]
    log.write_text(lines(header(["0"]), reports[0]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelectorAll('#watch-notes li').length === 2")
        items = page.locator("#watch-notes li")
        long, short = items.nth(0), items.nth(1)
        assert short.text_content() == SHORT and short.locator("details").count() == 0
        assert long.inner_text().startswith(OPENING)
        assert REST not in long.inner_text()  # closed: the rest is not shown
        assert long.locator("details").text_content() == "The rest of this note" + REST
        long.locator("summary").click()
        assert REST in long.inner_text()
        shot(page, "watch-w27-long-note", page.locator("#watch-notes"))
        with log.open("a") as fh:  # the next report redraws the notes: the one opened stays open
            fh.write(lines(reports[1]))
        page.wait_for_function("document.getElementById('watch-source').textContent.includes('2 sampled steps')")
        page.wait_for_timeout(300)
        assert REST in page.locator("#watch-notes li").nth(0).inner_text()
        assert errors == []
        context.close()


def test_a_note_with_details_shows_its_opening_and_keeps_them_open_as_its_figures_change(browser, tmp_path):
    """x1: every="auto"'s cost note is its opening, a line break, then its details. The page folds it there, however
    short, and a disclosure opened stays open when the next report's note has other figures."""
    log = tmp_path / "details.jsonl"
    reports = [report(step, ["0"]) for step in (1, 2)]
    for r, cost in zip(reports, ("1.4", "2.1"), strict=True):
        r["notes"] = [f"every='auto' adds about {cost}% by the monitor's own clock.\nWhere the {cost}% comes from: x.",
                      SHORT]
    log.write_text(lines(header(["0"]), reports[0]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelectorAll('#watch-notes li').length === 2")
        item = page.locator("#watch-notes li").nth(0)
        assert item.inner_text().startswith("every='auto' adds about 1.4% by the monitor's own clock.")
        assert "Where the" not in item.inner_text()  # closed
        assert item.locator("details").text_content() == "The rest of this noteWhere the 1.4% comes from: x."
        item.locator("summary").click()
        with log.open("a") as fh:
            fh.write(lines(reports[1]))
        page.wait_for_function("document.getElementById('watch-notes').textContent.includes('2.1%')")
        assert "Where the 2.1% comes from" in page.locator("#watch-notes li").nth(0).inner_text()  # still open
        assert errors == []
        context.close()
