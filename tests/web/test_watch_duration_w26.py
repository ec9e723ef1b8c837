"""Walkthrough W26, finding 6: a killed run's page said 'over 3 times the 0 s between this run's lines' where its lines
came 0.35 s apart: the page wrote every duration in whole seconds. Durations under 10 s now keep two figures."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web.conftest import serving


@pytest.mark.browser
def test_short_durations_keep_two_figures(browser, tmp_path):
    with serving(create_app(db_path=tmp_path / "p.sqlite3")) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/")
        said = page.evaluate("import('/static/js/watch-status.js').then((m) => [0, 0.35, 0.071, 4.26, 9.6, 42, 150, "
                             "7300].map(m.duration))")
        context.close()
    assert said == ["0 s", "0.35 s", "0.071 s", "4.3 s", "10 s", "42 s", "2 min 30 s", "2 h 1 min"]
