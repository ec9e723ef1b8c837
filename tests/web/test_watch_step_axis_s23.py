"""actlab watch (S23 item 2): the sentence under the step-axis checkbox on logs too short for a log axis. One report
read "the last step is 1 times the first (steps 1 to 1)"; steps 100 to 140 read "1 times" (1.4 rounded). Now one
report says the log holds one sampled step, a ratio under 10 is said with two figures, and a log axis chosen for steps
that span less than tenfold says that it looks much like an even one. The logs are V4's synthetic reports."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_page import open_watch
from web.test_watch_start_health_v4 import _write

READY = "document.getElementById('watch-history').drawn?.x?.at(-1) === {last}"
AXIS = "document.getElementById('watch-step-axis').textContent"


def _sentences(browser, tmp_path, steps: list[int]) -> tuple[str, str, bool]:
    """The axis sentence with the page's own choice, then with ?steps=log (and whether the box is then ticked)."""
    from web.conftest import serving

    log = tmp_path / "short.jsonl"
    _write(log, steps)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY.format(last=steps[-1]))
        own = page.evaluate(AXIS)
        page.goto(f"{base}/watch?steps=log")
        page.wait_for_function(READY.format(last=steps[-1]))
        chosen, ticked = page.evaluate(AXIS), page.locator("#watch-step-log").is_checked()
        assert errors == []
        context.close()
    return own, chosen, ticked


@pytest.mark.browser
def test_one_report_names_its_step_and_no_ratio(browser, tmp_path):
    own, chosen, ticked = _sentences(browser, tmp_path, [7])
    assert own == ("The history charts put the steps on an even (linear) axis, since the log holds one sampled step "
                   "so far (step 7); once the last step is 1,000 times the first, the page switches to a log axis.")
    assert ticked and chosen.startswith("The history charts put the steps on a log axis, as you chose: ")
    assert chosen.endswith(" The log holds one sampled step so far (step 7), so there is no stretch of steps to "
                           "spread yet.")
    assert "1 times" not in own + chosen and "7 to 7" not in own + chosen


@pytest.mark.browser
def test_steps_within_tenfold_give_their_ratio_in_two_figures(browser, tmp_path):
    steps = [100, 110, 120, 130, 140]  # 140 / 100 = 1.4, which read "1 times" rounded to a whole number
    own, chosen, ticked = _sentences(browser, tmp_path, steps)
    said = "the last step is 1.4 times the first (steps 100 to 140)"
    assert own == (f"The history charts put the steps on an even (linear) axis, since {said}; past 1,000 times, the "
                   "page switches to a log axis.")
    assert ticked and chosen.endswith(f" This run's steps span less than a tenfold stretch so far ({said}), so the "
                                      "axis looks much like an even one.")


@pytest.mark.browser
def test_a_log_axis_over_tenfold_or_more_says_nothing_of_looking_even(browser, tmp_path):
    own, chosen, ticked = _sentences(browser, tmp_path, [1, 5, 12, 30])  # 30 times: an even axis by default
    assert own.startswith("The history charts put the steps on an even (linear) axis, since the last step is 30 "
                          "times the first (steps 1 to 30)")
    assert ticked and chosen.endswith("is not squeezed into a few pixels.")
