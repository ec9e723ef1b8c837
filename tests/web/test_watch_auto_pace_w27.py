"""The watch page's pace words on an every="auto" log (walkthrough W26, finding 4): while auto is still timing the
steps its reports carry no interval (every: null) and its lines come every 2nd step; the page said "the monitor
writes a line every step". It now reads the gap between the latest sampled steps it holds, and says where the
interval is auto's latest choice. Logs shaped as a real Monitor(every="auto") writes them (lines at steps 4, 6, 8,
10, then every 50th), in Chromium."""

from __future__ import annotations

import os
import re
import time

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving

pytestmark = pytest.mark.browser
RUN = "document.getElementById('watch-run')"


def _auto(step: int, every: int | None, k: int) -> dict:
    return {**report(step, ["0"]), "every": every, "auto": True, "sampled_steps": k}


def _quiet_text(browser, tmp_path, reports) -> str:
    log = tmp_path / "auto.jsonl"
    log.write_text(lines(header(["0"]), *reports))
    at = time.time() - 36
    os.utime(log, (at, at))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'quiet'")
        text = page.evaluate(f"{RUN}.textContent")
        assert errors == []
        context.close()
    return text


def test_an_auto_log_still_timing_is_said_to_write_a_line_at_the_gap_it_shows(browser, tmp_path):
    text = _quiet_text(browser, tmp_path, [_auto(s, None, k) for k, s in enumerate((4, 6, 8, 10), 1)])
    over = re.search(r"unless a step takes over ([0-9.]+) s: the monitor writes a line every 2nd step so far "
                     r'\(every="auto" is still timing the steps before it chooses an interval\)', text)
    assert over, text
    idle = int(re.match(r"No new line in the log for (\d+) s: ", text).group(1))
    assert abs(float(over.group(1)) - idle / 2) <= 0.11 * idle / 2, text  # the idle time over the 2 steps of a line
    assert "every step" not in text


def test_an_auto_log_with_a_chosen_interval_says_it_is_auto_s_choice(browser, tmp_path):
    reports = [_auto(s, None, k) for k, s in enumerate((4, 6, 8, 10), 1)] + [_auto(12, 50, 5), _auto(62, 50, 6)]
    text = _quiet_text(browser, tmp_path, reports)
    assert 'the monitor writes a line every 50th step (every="auto"\'s latest choice)' in text, text
