"""A full lab in headless Chromium: the second playground page of a lab that holds one session shows the server's
own words ("The lab is full: 1 playground session is running. Close another playground tab, ..."), with the
retry, instead of a shorter line of the page's own ("Disconnected: the lab is full")."""

from __future__ import annotations

import pytest

from _browser import serving
from actlab.web.app import create_app

pytestmark = pytest.mark.browser


def test_the_second_page_of_a_full_lab_shows_the_servers_words(browser, tmp_path):
    with serving(create_app(db_path=tmp_path / "lab.sqlite3", max_sessions=1)) as base:
        first = browser.new_context(viewport={"width": 1280, "height": 900})
        page = first.new_page()
        page.goto(base + "/playground")
        page.wait_for_function("() => /Ready/.test(document.getElementById('status').textContent)", timeout=60_000)
        second = browser.new_context(viewport={"width": 1280, "height": 900})
        other = second.new_page()
        other.goto(base + "/playground")
        other.wait_for_function("() => /Reconnecting/.test(document.getElementById('status').textContent)",
                                timeout=60_000)
        text = other.locator("#status").inner_text()
        assert text.startswith("The lab is full: 1 playground session is running. Close another playground tab")
        assert "Reconnecting in" in text and "Disconnected" not in text
        other.screenshot(path=str(_shot("lab-full-servers-words")))
        # the first page goes: the second one's retry gets the slot and its run starts
        first.close()
        other.wait_for_function("() => /Ready|Reconnected/.test(document.getElementById('status').textContent)",
                                timeout=60_000)
        second.close()


def _shot(name: str):
    from pathlib import Path

    out = Path("/tmp/actlab-shots")
    out.mkdir(exist_ok=True)
    return out / f"{name}.png"
