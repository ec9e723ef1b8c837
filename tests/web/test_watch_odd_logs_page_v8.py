"""The watch page when a log is odd (issue 17, V8; W12's items 5, 6, 7, 8, 12): a log holding two runs, or written by
two monitors at once, says so above the charts and draws one run; a run that stopped with an exception says which,
not that it ended; the NaN banner stays once a NaN was read, while a big log is read in pieces; the readout of a
thinned stretch names the NaN steps its band leaves out; the linear step axis labels round steps between its ends.
Logs are written in the format monitor_log reads, without torch."""

from __future__ import annotations

import json

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report, write_run

NAMES = ["fc1.act", "fc2.act"]
RUN = "document.getElementById('watch-run')"
LOSS = "document.getElementById('watch-loss')"
SETTLED = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)"


def _app(tmp_path, log):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)


def _text(page, id_: str) -> str:
    return page.locator(f"#{id_}").text_content()


@pytest.mark.browser
def test_a_log_holding_two_runs_says_so_and_draws_only_the_latest(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "concat.jsonl"
    write_run(log, NAMES[:1], range(1, 31), loss=lambda s: 0.5)
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 30}))
    write_run(log, NAMES, range(1, 51), loss=lambda s: 2.0 / s, mode="a")
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 50}))
    with serving(_app(tmp_path, log)) as base:
        for width in (1280, 420):
            context, page, errors = open_watch(browser, base, f"{SETTLED} && {LOSS}.drawn?.x?.length > 0", width)
            warn = _text(page, "watch-warn")
            assert page.locator("#watch-warn").is_visible()
            assert warn.startswith("This log holds 2 runs, one after the other: line 33 begins another run's log")
            # V9: the run before it is listed under "Run" and can be picked (test_watch_runs_page_v9.py)
            assert "The charts show the latest, run 2 (from line 33), and no line joins two runs" in warn
            assert "(run 1: from line 1, 30 sampled steps)" in warn
            x = page.evaluate(f"{LOSS}.drawn.x")
            assert x == list(range(1, 51))  # the second run alone: no line back to step 1
            assert page.evaluate(f"{LOSS}.drawn.series[0].y[0]") == 2.0
            assert _text(page, "watch-source") == "concat.jsonl: run 2 of 2, 50 sampled steps"  # (W91 finding 3)
            shot(page, f"watch-v8-two-runs-{width}")
            assert errors == []
            context.close()


@pytest.mark.browser
def test_two_monitors_writing_one_log_are_said_and_not_drawn_as_one(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "shared.jsonl"
    order = [3, 4, 1, 5, 6, 2, 7, 3, 8, 4, 9, 10, 5, 11, 6]
    log.write_text(lines(header(NAMES), *[report(s, NAMES, loss=1.0 + s + (0.5 if k % 3 == 2 else 0))
                                          for k, s in enumerate(order)], {"event": "end", "steps_run": 11}))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SETTLED} && {LOSS}.drawn?.x?.length > 0")
        warn = _text(page, "watch-warn")
        # V9: each monitor's reports are a run of their own, the latest drawn whole (it drew steps 3, 4 and stopped)
        assert warn.startswith("2 monitors wrote this log at once (two processes, or two Monitors given the same "
                               "log=): from line 4 their reports interleave (step 1 right after step 4)")
        assert page.evaluate(f"{LOSS}.drawn.x") == [1, 2, 3, 4, 5, 6]
        # the end line carries no run id; its steps_run 11 is run 1's newest step (V10), so run 2, drawn, goes on
        assert page.locator("#watch-run").get_attribute("data-state") == "running"
        shot(page, "watch-v8-two-writers-1280")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_run_that_stopped_with_an_exception_says_which(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "crash.jsonl"
    write_run(log, NAMES, range(1, 5))
    with log.open("a") as fh:
        fh.write(json.dumps({"event": "end", "steps_run": 4,
                             "exception": "RuntimeError: CUDA error: device-side assert triggered"}) + "\n")
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, SETTLED)
        assert page.locator("#watch-run").get_attribute("data-state") == "stopped"
        said = _text(page, "watch-run")
        assert said == ("The run stopped with RuntimeError: CUDA error: device-side assert triggered after "
                        "training step 4: the monitor wrote the exception into its log's last line. The charts show "
                        "the steps sampled before it. The reading below is of training step 4, the last sampled one "
                        "before it stopped.")
        assert "has ended" not in said
        colour = page.evaluate(f"getComputedStyle({RUN}).color")
        assert colour == "rgb(179, 38, 30)"
        shot(page, "watch-v8-crashed-1280")
        # a run that ended normally still says so
        write_run(log, NAMES, range(1, 3))
        with log.open("a") as fh:
            fh.write(lines({"event": "end", "steps_run": 2}))
        page.wait_for_function(f"{RUN}.dataset.state === 'ended'")
        assert _text(page, "watch-run") == "The run has ended: the monitor closed its log after training step 2."
        assert errors == []
        context.close()


# -- item 6: the NaN banner while a big log is read -----------------------------------------------------------------

WATCH_BANNER = """() => {
  const el = document.getElementById("watch-nan");
  window.bannerSeen = [];
  new MutationObserver(() => window.bannerSeen.push(el.hidden ? "" : el.textContent))
    .observe(el, { attributes: true, childList: true, characterData: true, subtree: true });
}"""


@pytest.mark.browser
def test_the_nan_banner_stays_while_a_big_log_is_read_in_pieces(browser, tmp_path):
    """12,000 reports (about 11 MB: three 4 MB reads) with NaNs at steps 100-101 and 6,000 only: the newest report
    of each read holds none, so a banner that follows the newest report came and went (or never came)."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "big.jsonl"
    bad = {100, 101, 6_000}
    with log.open("w") as fh:
        fh.write(lines(header(NAMES)))
        for s in range(1, 12_001):
            fh.write(json.dumps(report(s, NAMES, loss=None if s in bad else 1.0, non_finite=s in bad)) + "\n")
    assert log.stat().st_size > 8 * 1024 * 1024
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, "document.body.dataset.ready === 'true'")
        page.evaluate(WATCH_BANNER)
        page.wait_for_function(SETTLED, timeout=120_000)
        page.wait_for_timeout(300)
        seen = page.evaluate("window.bannerSeen")
        shown = [k for k, text in enumerate(seen) if text]
        assert shown, "the banner never showed"
        assert all(seen[k] for k in range(shown[0], len(seen))), seen  # once shown, never hidden again
        final = _text(page, "watch-nan")
        assert page.locator("#watch-nan").is_visible()
        assert final == ("A NaN or an inf first appeared at step 100, first at module 'fc1.act'; 3 of the 12,000 "
                         "sampled steps held one (red marks).")
        shot(page, "watch-v8-nan-banner-1280")
        assert errors == []
        context.close()


# -- item 8: the readout of a thinned stretch that holds NaN steps --------------------------------------------------


@pytest.mark.browser
def test_the_readout_of_a_thinned_stretch_names_the_nan_steps_it_holds(browser, tmp_path):
    """3,000 reports: every 4th of the middle is drawn; steps 1,002 and 1,003 held a NaN, inside the stretch of the
    drawn step 1,001 (to step 1,004)."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "long.jsonl"
    bad = {1_002, 1_003}
    with log.open("w") as fh:
        fh.write(lines(header(NAMES)))
        for s in range(1, 3_001):
            fh.write(json.dumps(report(s, NAMES, loss=None if s in bad else 1.0 + 1.0 / s, non_finite=s in bad))
                     + "\n")
    with serving(_app(tmp_path, log)) as base:
        for width in (1280, 420):
            context, page, errors = open_watch(browser, base, f"{SETTLED} && {LOSS}.drawn?.x?.at(-1) === 3000",
                                               width)
            x = page.evaluate(f"{LOSS}.drawn.x")
            assert 1_001 in x and 1_002 not in x and 1_003 not in x and 1_005 in x
            page.locator("#watch-loss").focus()
            page.keyboard.press("Home")
            for _ in range(x.index(1_001)):
                page.keyboard.press("ArrowRight")
            said = _text(page, "watch-readout")
            assert said.startswith("Step 1,001: loss 1.001; here the charts draw every 4th sampled step; from step "
                                   "1,001 to 1,004 it ranged from ") and said.endswith(
                " (the band), leaving out steps 1,002 to 1,003, which held a NaN or an inf (red marks)"), said
            page.keyboard.press("ArrowRight")  # step 1,005: its stretch holds none
            assert "NaN" not in _text(page, "watch-readout")
            page.locator("#watch-history").focus()
            page.keyboard.press("Home")
            for _ in range(x.index(1_001)):
                page.keyboard.press("ArrowRight")
            assert _text(page, "watch-readout").endswith(
                "(the band), leaving out steps 1,002 to 1,003, which held a NaN or an inf (red marks)")
            shot(page, f"watch-v8-thinned-nan-readout-{width}")
            assert errors == []
            context.close()


# -- item 12: the linear step axis -------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(("width", "least"), [(1280, 5), (420, 3)])
def test_the_linear_step_axis_labels_round_steps_between_its_ends(browser, tmp_path, width, least):
    """W12's long run on the even axis: steps 1 to 40,000 (every 50th sampled); labels besides the two ends, at round
    steps a NaN mark can be placed by, none overlapping."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "long.jsonl"
    steps = [1, *range(50, 40_001, 50)]
    with log.open("w") as fh:
        fh.write(lines(header(NAMES)))
        for s in steps:
            fh.write(json.dumps(report(s, NAMES, loss=None if s == 30_000 else 1.0, non_finite=s == 30_000)) + "\n")
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SETTLED} && {LOSS}.drawn?.x?.at(-1) === 40000", width)
        page.goto(f"{base}/watch?steps=linear")
        page.wait_for_function(f"{SETTLED} && {LOSS}.drawn?.x?.at(-1) === 40000 && {LOSS}.stepAxis === 'linear'")
        for chart in ("watch-history", "watch-health", "watch-loss"):
            ticks = page.evaluate(f"document.getElementById('{chart}').stepTicks")
            assert len(ticks) >= least, (chart, ticks)
            gaps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
            assert len(gaps) == 1 and all(t % next(iter(gaps)) == 0 for t in ticks), ticks  # round and even
            assert next(iter(gaps)) in (5_000, 10_000, 20_000) and 1 < ticks[0] and ticks[-1] < 40_000
            assert 30_000 in ticks  # the NaN's step is labelled here
        shot(page, f"watch-v8-linear-steps-{width}")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_run_stopped_inside_a_step_says_that_step_did_not_end(browser, tmp_path):
    # W43 walkthrough, finding 7: Ctrl-C in step 398's backward read 'after 398 steps'; 397 had ended
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "interrupted.jsonl"
    write_run(log, NAMES, range(1, 5))
    with log.open("a") as fh:
        fh.write(json.dumps({"event": "end", "steps_run": 5, "exception": "KeyboardInterrupt", "during_step": 5})
                 + "\n")
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, SETTLED)
        assert _text(page, "watch-run") == (
            "The run stopped with KeyboardInterrupt during training step 5, inside its `with mon.step()` block, so "
            "that step did not end: the monitor wrote the exception into its log's last line. The charts show the "
            "steps sampled before it. The reading below is of training step 4, the last sampled one before it "
            "stopped.")
        assert errors == []
        context.close()
