"""The watch page on a log that holds several runs (issue 17, V9 item 1): it shows the latest and lists every run
under "Run", so an earlier one can be picked and drawn on its own; the pick is kept in the address (?run=1), a reload
keeps it, the latest drops it. Two monitors that wrote one file at once are two runs, each drawn whole (V8's page
drew only the steps before they mixed). Logs written in the format monitor_log reads, without torch."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report, write_run

NAMES = ["fc1.act", "fc2.act"]
RUN = "document.getElementById('watch-run')"
LOSS = "document.getElementById('watch-loss')"
SETTLED = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)"
DRAWN = f"{SETTLED} && {LOSS}.drawn?.x?.length > 0"


def _app(tmp_path, log):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)


def _concat(log) -> None:
    """Run 1: steps 1-30 of one layer at loss 0.5, ended; run 2 (from line 33): steps 1-50 of two layers, ended."""
    write_run(log, NAMES[:1], range(1, 31), loss=lambda s: 0.5)
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 30}))
    write_run(log, NAMES, range(1, 51), loss=lambda s: 2.0 / s, mode="a")
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 50}))


def _x(page) -> list:
    return page.evaluate(f"{LOSS}.drawn.x")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_an_earlier_run_of_a_log_can_be_picked_and_is_drawn_alone(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "concat.jsonl"
    _concat(log)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, DRAWN, width)
        assert _x(page) == list(range(1, 51))  # the latest run first
        pick = page.get_by_label("Run:")
        assert pick.is_visible()
        options = pick.locator("option").all_text_contents()
        assert options == ["Run 1: from line 1, steps 1 to 30, 30 sampled, ended after training step 30",
                           "Run 2 (the latest): from line 33, steps 1 to 50, 50 sampled, ended after training step 50"]
        assert pick.input_value() == "2"
        shot(page, f"watch-v9-runs-latest-{width}")
        pick.select_option("1")
        page.wait_for_function(f"{SETTLED} && JSON.stringify({LOSS}.drawn?.x) === JSON.stringify("
                               f"{list(range(1, 31))})")
        assert page.evaluate(f"{LOSS}.drawn.series[0].y") == [0.5] * 30  # run 1's own losses, no line into run 2
        assert page.url.endswith("/watch?run=1")
        assert page.locator("#watch-table tbody tr").count() == 1  # run 1's one layer
        assert _text(page, "watch-run") == "The run has ended: the monitor closed its log after training step 30."
        shot(page, f"watch-v9-runs-picked-{width}")
        page.reload()  # the pick is kept in the address
        page.wait_for_function(f"{DRAWN} && {LOSS}.drawn.x.length === 30")
        assert page.get_by_label("Run:").input_value() == "1"
        page.get_by_label("Run:").select_option("2")  # the latest again: the address forgets the pick
        page.wait_for_function(f"{SETTLED} && {LOSS}.drawn?.x?.length === 50")
        assert page.url.endswith("/watch")
        assert errors == []
        context.close()


def _text(page, id_: str) -> str:
    return page.locator(f"#{id_}").text_content()


@pytest.mark.browser
def test_two_monitors_writing_one_log_are_two_runs_each_drawn_whole(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "shared.jsonl"
    # as W12's two processes did: steps 3, 4 of one (A), then 1 of the other (B), then both going on, interleaved
    order = "A3 A4 B1 A5 A6 B2 A7 B3 A8 B4 A9 A10 B5 A11 B6".split()
    rows = [report(int(w[1:]), NAMES, loss=10.0 + int(w[1:]) if w[0] == "A" else 1.0 / int(w[1:])) for w in order]
    log.write_text(lines(header(NAMES), *rows))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, DRAWN)
        warn = _text(page, "watch-warn")
        assert warn.startswith("2 monitors wrote this log at once (two processes, or two Monitors given the same "
                               "log=): from line 4 their reports interleave (step 1 right after step 4).")
        assert "the charts show the latest, run 2 (from line 4); pick another under \"Run\" above the charts" in warn
        assert _x(page) == [1, 2, 3, 4, 5, 6]  # the second monitor's run, whole
        assert page.evaluate(f"{LOSS}.drawn.series[0].y") == [1.0 / s for s in range(1, 7)]
        shot(page, "watch-v9-two-writers-latest-1280")
        page.get_by_label("Run:").select_option("1")
        page.wait_for_function(f"{SETTLED} && {LOSS}.drawn?.x?.length === 9")
        assert _x(page) == list(range(3, 12))  # the first monitor's run, whole: nothing of the other in it
        assert page.evaluate(f"{LOSS}.drawn.series[0].y") == [10.0 + s for s in range(3, 12)]
        shot(page, "watch-v9-two-writers-picked-1280")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_run_the_log_does_not_hold_is_dropped_from_the_address(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "concat.jsonl"
    _concat(log)
    with serving(_app(tmp_path, log)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/watch?run=7")
        page.wait_for_function(f"{DRAWN} && {LOSS}.drawn.x.length === 50")
        assert page.url.endswith("/watch") and page.get_by_label("Run:").input_value() == "2"
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_log_of_one_run_lists_no_runs(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 11))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, DRAWN)
        assert not page.locator("#watch-run-choice").is_visible() and _x(page) == list(range(1, 11))
        assert errors == []
        context.close()


@pytest.mark.browser
def test_an_earlier_run_with_no_end_line_is_said_to_have_stopped_and_a_bad_run_in_the_address_is_ignored(
        browser, tmp_path):
    from web.conftest import serving, shot

    log = tmp_path / "killed.jsonl"
    write_run(log, NAMES, range(1, 41))  # killed: no end line; a second script's log appended after it
    write_run(log, [*NAMES, "out.act"], range(1, 11), mode="a")  # its header on line 42
    with serving(_app(tmp_path, log)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/watch?run=abc&steps=log")  # not a run number: dropped, the other key kept
        page.wait_for_function(f"{DRAWN} && {LOSS}.drawn.x.length === 10")
        assert page.url.endswith("/watch?steps=log")
        assert page.locator("#watch-run").get_attribute("data-state") == "running"  # the latest may go on
        page.get_by_label("Run:").select_option("1")
        page.wait_for_function(f"{SETTLED} && {LOSS}.drawn?.x?.length === 40")
        assert page.locator("#watch-run").get_attribute("data-state") == "stopped-silently"
        assert _text(page, "watch-run") == (
            "Run 1 has no end line: run 2 began after it, on line 42, so it stopped without its monitor closing the "
            "log (killed, or the script ended in a way that skipped mon.close()). The charts show its 40 sampled "
            "steps. The reading below is of training step 40, the last sampled one before it stopped.")
        # not "so far": it will not go on; the run it counts, of the two (W91 walkthrough finding 3)
        assert _text(page, "watch-source") == "killed.jsonl: run 1 of 2, 40 sampled steps"
        assert page.get_by_label("Run:").locator("option").first.text_content() == (
            "Run 1: from line 1, steps 1 to 40, 40 sampled, no end line")
        shot(page, "watch-v9-killed-run-picked-1280")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_lines_left_out_that_are_records_are_said_by_kind_not_as_lines_that_are_no_record(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "dup.jsonl"
    rows = [report(s, NAMES, loss=1.0 / s) for s in (1, 11, 21, 31)]
    log.write_text(lines(header(NAMES), *rows, rows[2], "not json", report(41, NAMES, loss=0.02)))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, DRAWN)
        assert _text(page, "watch-bad") == (
            "Some lines of the log were left out of the charts: 1 report written twice (line 6; line 6: it repeats "
            "the report of step 21, read already (a line written twice is drawn once)); 1 line that is not JSON "
            "(line 7; line 7: it is not JSON (it begins 'not json')). The 5 good reports are shown.")
        assert _x(page) == [1, 11, 21, 31, 41]
        shot(page, "watch-v9-left-out-1280")
        assert errors == []
        context.close()
