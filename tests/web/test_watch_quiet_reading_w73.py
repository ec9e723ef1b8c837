"""The reading of a run gone quiet (issue 17, W73 walkthrough finding 10): a run killed outright showed its quiet
line in plain text under the title and, under it, a large green 'Healthy' headline, which read as the state of the
run at a glance. The quiet line now says the reading is of the last sampled step before the log went quiet, and the
headline is drawn in the ink colour, not the healthy green; a run going on keeps its green. Chromium."""

from __future__ import annotations

import os
import time

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
RUN = "document.getElementById('watch-run')"
READING = "document.getElementById('watch-reading')"
NAMES = ["0", "2"]
GREEN = "rgb(0, 115, 88)"  # --ok in lab.css


def _log(tmp_path, age: float):
    log = tmp_path / "run.jsonl"
    reports = [report(s, NAMES, status="healthy") for s in range(1, 13)]
    for r in reports:  # a healthy headline as a monitor writes it (green only for "healthy:" and nothing beside it)
        r["reading"]["words"] = f"healthy: gradients reach every layer (step {r['step']})"
    log.write_text(lines(header(NAMES), *reports))
    at = time.time() - age
    os.utime(log, (at, at))
    return log


def _colour(page) -> str:
    return page.evaluate(f"getComputedStyle({READING}).color")


def test_a_quiet_runs_healthy_reading_is_dated_and_not_green(browser, tmp_path):
    log = _log(tmp_path, 100)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'quiet'")
        text = page.evaluate(f"{RUN}.textContent")
        assert text.startswith("No new line in the log for "), text
        assert text.endswith("The reading below is of training step 12, the last sampled one before the log went "
                             "quiet."), text
        assert page.evaluate(f"{READING}.dataset.status") == "healthy"
        assert page.evaluate(f"{READING}.classList.contains('stale')")
        assert _colour(page) != GREEN and _colour(page) == "rgb(29, 35, 43)"  # --ink
        shot(page, "watch-w73-quiet-reading")
        assert errors == []
        context.close()


def test_a_run_going_on_keeps_its_green(browser, tmp_path):
    log = _log(tmp_path, 2)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'running'")
        assert "The reading below is of" not in page.evaluate(f"{RUN}.textContent")
        assert not page.evaluate(f"{READING}.classList.contains('stale')")
        assert _colour(page) == GREEN
        assert errors == []
        context.close()
