"""Damaged logs on the watch page and in read_log (issue 17, W68 walkthrough finding 4): a log whose last report was
cut short read as sound once the run had long stopped (the page said only 'the run may have stopped'), and a log
whose first line, its header, was cut to 50 characters was refused whole, its 121 sound reports with it. Chromium."""

from __future__ import annotations

import json
import os
import time
import warnings

import pytest

from actlab.monitor_log import CUT_QUIET_S, LogWarning, read_log
from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
RUN = "document.getElementById('watch-run')"
SOURCE = "document.getElementById('watch-source').textContent"
NAMES = ["0", "2"]


def _app(tmp_path, log):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)


def _cut_tail(log, steps=12, keep=300):
    cut = json.dumps(report(steps + 1, NAMES))[:keep]
    log.write_text(lines(header(NAMES), *[report(s, NAMES) for s in range(1, steps + 1)]) + cut)
    return cut


def _age(log, seconds):
    at = time.time() - seconds
    os.utime(log, (at, at))


def test_a_cut_last_line_in_a_quiet_file_is_said_on_the_page_and_by_read_log(browser, tmp_path):
    log = tmp_path / "cut.jsonl"
    cut = _cut_tail(log)
    _age(log, 100)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'quiet'")
        text = page.evaluate(f"{RUN}.textContent")
        assert text.startswith("No new line in the log for "), text
        assert (f"Its last line, line 14, is unfinished ({len(cut)} bytes, no newline after it): the writer stopped "
                "in the middle of it") in text, text
        assert "12 sampled steps" in page.evaluate(SOURCE)
        shot(page, "watch-w68-cut-tail")
        assert errors == []
        context.close()
    with pytest.warns(LogWarning, match=r"Line 14, the last, is unfinished \(300 bytes, no newline after it\) and "
                                        r"the file has not changed for 10\d s"):
        read = read_log(log)
    assert len(read.reports) == 12 and read.cut == 14


def test_a_cut_last_line_in_a_file_being_written_is_not_said(browser, tmp_path):
    log = tmp_path / "live.jsonl"
    _cut_tail(log)
    _age(log, CUT_QUIET_S / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogWarning)
        read = read_log(log)  # a writer may be in the middle of the line: no warning
    assert read.cut == 14 and read.warnings == []
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('12 sampled steps')")
        assert "unfinished" not in page.evaluate(f"{RUN}.textContent")
        assert errors == []
        context.close()


def test_a_header_cut_short_loses_only_itself(browser, tmp_path):
    log = tmp_path / "head.jsonl"
    first = json.dumps(header(NAMES))[:30]
    log.write_text(lines(first, *[report(s, NAMES) for s in range(1, 21)]))
    with pytest.warns(LogWarning, match=r"1 line of 21 could not be used: 1 line that is not JSON \(line 1; line 1: "
                                        r"it is not JSON .*the log's header cut short"):
        read = read_log(log)
    assert read.header == {} and [r["step"] for r in read.reports] == list(range(1, 21))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('20 sampled steps')")
        bad = page.evaluate("document.getElementById('watch-bad').textContent")
        assert "line 1: it is not JSON" in bad and "the log's header cut short" in bad, bad
        rows = page.evaluate("document.querySelectorAll('#watch-table tbody tr').length")
        assert rows == len(NAMES)
        shot(page, "watch-w68-cut-head")
        assert errors == []
        context.close()


@pytest.mark.parametrize("first", ['{"hello": 1', '{"format": "something-else/2", "x": [1', "a,b,c"])
def test_a_first_line_of_another_kind_still_makes_no_log(tmp_path, first):
    log = tmp_path / "other.jsonl"
    log.write_text(lines(first, *[report(s, NAMES) for s in range(1, 4)]))
    if first.startswith('{"format"'):  # begins as a header, cut: the reports after it are read
        with pytest.warns(LogWarning):
            assert len(read_log(log).reports) == 3
    else:
        with pytest.raises(ValueError, match="is not a Monitor log: line 1: "):
            read_log(log)


def test_a_header_cut_short_and_nothing_after_it_says_so(tmp_path):
    log = tmp_path / "only.jsonl"
    log.write_text(lines(json.dumps(header(NAMES))[:30]))
    with pytest.warns(LogWarning, match=r"holds a first line that is not a whole header \(line 1: it is not JSON"):
        assert read_log(log).reports == []


def test_a_line_cut_short_after_the_end_line_is_said_once_the_file_is_quiet(browser, tmp_path):
    # W69 walkthrough: a 25-byte fragment after a finished run's end line was said by read_log and never on the page
    log = tmp_path / "after_end.jsonl"
    log.write_text(lines(header(NAMES), *[report(s, NAMES) for s in range(1, 6)],
                         {"event": "end", "steps_run": 5}) + '{"step": 6, "layers": [')
    _age(log, 100)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'ended'")
        text = page.evaluate(f"{RUN}.textContent")
        assert text.startswith("The run has ended: the monitor closed its log after training step 5. A line after "
                               "it, line 8, is unfinished (23 bytes, no newline after it) and the file has not "
                               "changed for "), text
        assert errors == []
        context.close()
    _age(log, 5)  # written a moment ago: a writer may be in the middle of it
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'ended'")
        assert "unfinished" not in page.evaluate(f"{RUN}.textContent")
        context.close()
