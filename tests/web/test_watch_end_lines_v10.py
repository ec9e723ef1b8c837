"""End lines of a log two monitors wrote at once (issue 17, V10 item 11, W14's two.jsonl): each end line goes to its
run, by the run id where the lines carry one, else by its count of steps where only one open run fits it; one that
fits no single run is said on the page in its own words ('an end line ... the lab could not give to one run'), not
'the run may have stopped'. Logs written in the format monitor_log reads, without torch."""

from __future__ import annotations

import os
import time
import warnings

import pytest
from fastapi.testclient import TestClient

from actlab.monitor_log import LogTail, read_log
from actlab.web.app import create_app
from web._watch_logs import header, lines, report

NAMES = ["fc1.act", "fc2.act"]
RUN = "document.getElementById('watch-run')"
SETTLED = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)"


def _two(log, a_last: int = 60, b_last: int = 40, ids: bool = False, ends=None) -> None:
    """W14's two.jsonl in small: B (the second script, whose header truncated the file) writes steps 1..b_last, A
    (begun earlier) goes on from step 26 to a_last, their lines interleaved; then each writes its end line, A's first
    (its last step comes first in the file), then B's remaining reports and B's end line."""
    tag = (lambda row, w: {**row, "run": w}) if ids else (lambda row, w: row)
    rows = [tag(header(NAMES), "b"), tag(report(1, NAMES, loss=1.0), "b")]
    a, b = 26, 2
    while a <= a_last or b <= b_last:
        if a <= a_last:
            rows.append(tag(report(a, NAMES, loss=100.0 + a), "a"))
            a += 1
            if a > a_last:
                rows.append(tag({"event": "end", "steps_run": a_last}, "a"))
        if b <= b_last:
            rows.append(tag(report(b, NAMES, loss=1.0 / b), "b"))
            b += 1
    rows.append(tag({"event": "end", "steps_run": b_last}, "b"))
    if ends is not None:
        rows = [r for r in rows if r.get("event") != "end"] + ends
    log.write_text(lines(*rows))


def _read(log, run=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_log(log, run=run)


@pytest.mark.parametrize("ids", [False, True])
def test_each_end_line_of_two_monitors_goes_to_its_own_run(tmp_path, ids):
    log = tmp_path / "two.jsonl"
    _two(log, ids=ids)
    got = _read(log)
    assert [r["ended"] for r in got.runs] == [True, True]
    assert "unowned_end" not in got.skipped
    # the end line of each run is the one whose steps_run is that run's newest step (a direct count of the file)
    tails = {}
    for summary in got.runs:
        tail = LogTail(log, keep=None, pick=summary["run"], start=None)
        while tail.poll():
            pass
        tails[summary["run"]] = tail
        assert tail.ended is not None and tail.ended["steps_run"] == summary["last_step"]
    assert sorted(t.ended["steps_run"] for t in tails.values()) == [40, 60]


def test_an_end_line_that_fits_no_single_open_run_stays_unowned(tmp_path):
    """Both runs stop at step 40: an end line {"steps_run": 40} with no id fits either, so neither is said to end."""
    log = tmp_path / "same.jsonl"
    _two(log, a_last=40, b_last=40, ends=[{"event": "end", "steps_run": 40}])
    got = _read(log)
    assert [r["ended"] for r in got.runs] == [False, False]
    assert got.skipped["unowned_end"]["count"] == 1


def test_the_route_counts_the_end_lines_it_could_not_give_to_a_run(tmp_path):
    client = TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=tmp_path / "same.jsonl",
                                   allow_hosts=("testserver",)))
    _two(tmp_path / "same.jsonl", a_last=40, b_last=40, ends=[{"event": "end", "steps_run": 40}])
    data = client.get("/api/watch").json()
    assert data["unowned_ends"] == 1 and data["ended"] is None
    _two(tmp_path / "two.jsonl")
    client2 = TestClient(create_app(db_path=tmp_path / "q.sqlite3", watch_log=tmp_path / "two.jsonl",
                                    allow_hosts=("testserver",)))
    data = client2.get("/api/watch").json()
    assert data["unowned_ends"] == 0 and data["ended"] == {"event": "end", "steps_run": 40}


@pytest.mark.browser
@pytest.mark.parametrize("case", ["two", "same"])
def test_the_page_says_a_run_that_wrote_its_end_line_ended_and_an_unowned_one_in_its_words(browser, tmp_path, case):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / f"{case}.jsonl"
    if case == "two":
        _two(log)
    else:
        _two(log, a_last=40, b_last=40, ends=[{"event": "end", "steps_run": 40}])
    quiet = time.time() - 90  # the file has not changed for 90 s (W14's page said 82 s)
    os.utime(log, (quiet, quiet))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, SETTLED)
        state = page.locator("#watch-run").get_attribute("data-state")
        text = page.locator("#watch-run").text_content()
        assert "may have stopped" not in text
        if case == "two":
            assert state == "ended" and "the monitor closed its log after training step 40" in text
        else:
            assert state == "ended-unowned"
            assert "holds an end line that the lab could not give to one run" in text
        assert errors == []
        context.close()
