"""The losses of the steps after a run's last sampled one are on the loss chart and in the ended line (issue 17, W74
walkthrough finding 12: a run sampled every 50 steps to step 251 and closed at 300 left the losses of steps 252 to
300 in neither the log nor the page). The end line carries them; the chart shades their range from the last sampled
step to the last of them, its axis reaching that step, and the ended line says their range and how many were NaN.
References: the log's own numbers, written here. Chromium."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
NAMES = ["a", "b"]
LOSS = "document.getElementById('watch-loss')"


def _log(path, tail):
    reports = []
    for n, step in enumerate(range(4, 44, 4)):
        r = report(step, NAMES, 1.3 - 0.05 * n)
        r["every"] = 4
        reports.append(r)
    end = {"event": "end", "steps_run": 47, **({"losses_between": tail} if tail is not None else {})}
    path.write_text(lines(header(NAMES), *reports, end))


def test_the_steps_after_the_last_sampled_one_are_drawn_and_said(browser, tmp_path):
    log = tmp_path / "tail.jsonl"
    # steps 41 to 47: a climb to 9.5 and one NaN (null in the log), after a last sampled loss of 0.85 at step 40
    _log(log, [[41, 0.9], [42, 1.4], [43, None], [44, 3.0], [45, 9.5], [46, 6.0], [47, 5.5]])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.drawn?.x?.length >= 10")
        page.wait_for_function(f"{LOSS}.tailsDrawn === 1")
        drawn = page.evaluate(f"({{ x: {LOSS}.drawn.x.at(-1), end: {LOSS}.drawn.xEnd, tail: {LOSS}.drawn.tails[0], "
                              f"ticks: {LOSS}.tickLabels }})")
        assert drawn["x"] == 40 and drawn["end"] == 47
        assert drawn["tail"] == [0.9, 9.5, 40, 47]
        said = page.inner_text("#watch-run")
        assert ("The 7 steps after the last sampled one (training step 40), 41 to 47, had losses from 0.9 to 9.5, "
                "shaded on the loss chart; 1 of them was NaN or infinite") in said.replace("\n", " "), said
        shot(page, "watch-w74-loss-tail", page.locator("#watch-loss"))
        assert errors == []
        context.close()


@pytest.mark.parametrize("tail", [None, []])
def test_an_end_line_with_no_losses_after_the_last_sampled_step_draws_no_tail(browser, tmp_path, tail):
    log = tmp_path / "none.jsonl"
    _log(log, tail)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.drawn?.x?.length >= 10")
        assert page.evaluate(f"{LOSS}.tailsDrawn") == 0 and page.evaluate(f"{LOSS}.drawn.xEnd") == 40
        assert "after the last sampled one" not in page.inner_text("#watch-run")
        assert page.inner_text("#watch-run").startswith("The run has ended")
        assert errors == []
        context.close()


def test_more_steps_than_the_monitor_holds_are_said_as_the_last_of_them(browser, tmp_path):
    """Under every=1000 the monitor holds the latest 100 losses: the words say which of the steps after the last
    sampled one they are."""
    log = tmp_path / "long.jsonl"
    reports = [report(1, NAMES, 1.3), report(1001, NAMES, 1.0)]
    end = {"event": "end", "steps_run": 1800, "losses_between": [[t, 0.9] for t in range(1701, 1801)]}
    log.write_text(lines(header(NAMES), *reports, end))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.tailsDrawn === 1")
        said = page.inner_text("#watch-run")
        assert ("The last 100 of the 799 steps after the last sampled one (training step 1,001), 1,701 to 1,800, had "
                "a loss of 0.9, shaded on the loss chart.") in said.replace("\n", " "), said
        assert page.evaluate(f"{LOSS}.drawn.tails[0]") == [0.9, 0.9, 1701, 1800]  # (none held before 1,701)
        assert errors == []
        context.close()


def test_a_nan_after_the_last_sampled_step_is_marked_and_the_end_line_s_reading_shown(browser, tmp_path):
    """W75 walkthrough finding 1: losses NaN at the run's last steps, after its last sampled one, drew no red mark,
    and the green 'Healthy' of the last sampled step stood under the ended line. The end line's reading, which takes
    them in, is the one shown, and the steps are marked on every chart over the steps."""
    log = tmp_path / "nan.jsonl"
    reports = []
    for step in range(4, 44, 4):
        r = report(step, NAMES, 0.5)
        r["every"] = 4
        r["reading"]["status"], r["reading"]["words"] = "healthy", "healthy: gradients reach every layer"
        reports.append(r)
    reading = {"status": "diverged", "words": "diverged at step 45: the loss became NaN or infinite", "remedy": "",
               "evidence": {}, "is_failure": True, "findings": []}
    end = {"event": "end", "steps_run": 47, "reading": reading,
           "losses_between": [[41, 0.5], [42, 0.48], [43, 0.5], [44, 0.49], [45, None], [46, None], [47, None]]}
    log.write_text(lines(header(NAMES), *reports, end))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.tailsDrawn === 1")
        assert page.evaluate(f"{LOSS}.drawn.marks").count([45, 47]) == 1
        assert page.evaluate("document.getElementById('watch-history').drawn.marks").count([45, 47]) == 1
        assert page.inner_text("#watch-reading").lower().startswith("diverged"), page.inner_text("#watch-reading")
        assert "3 of them were NaN or infinite, which the reading below takes in" in page.inner_text("#watch-run")
        shot(page, "watch-w75-tail-nan")
        assert errors == []
        context.close()
