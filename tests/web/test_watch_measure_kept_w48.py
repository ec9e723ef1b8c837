"""The unit-health chart keeps its measure while a run goes on (W48 walkthrough, finding 3: during a live run the
chart went from dead units to saturated ones at step 133, on 2 rarely active units of 256, and back once units died,
its axis changing meaning with no one touching it). The lab's pick is taken once, when the page has a step to draw;
a later pick that differs is offered in words under the controls, and the reader's choice clears it. A page opened on
the finished log still opens on the lab's pick for its latest step (R15)."""

from __future__ import annotations

import pytest

from actlab.monitor_log import LOG_FORMAT
from actlab.web.app import create_app
from web._watch_logs import lines, report

NAMES = ["fc1.act", "fc2.act"]
RUN = "document.getElementById('watch-run')"


def _rows(steps, saturated: int, dead: int) -> list[dict]:
    rows = []
    for s in steps:
        r = report(s, NAMES)
        for layer in r["layers"]:
            layer.update(activation="relu", module_type="ReLU", saturated=saturated, dead=dead, window=8)
        rows.append(r)
    return rows


def _drawn(n: int) -> str:
    return (f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state) && "
            f"document.getElementById('watch-loss').drawn?.x?.length === {n}")


@pytest.mark.browser
def test_a_live_run_keeps_its_measure_and_offers_the_other_in_words(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    log.write_text(lines({"format": LOG_FORMAT, "layers": NAMES, "activations": ["relu", "relu"]},
                         *_rows(range(1, 41), saturated=0, dead=3)))
    measure = "document.getElementById('watch-health-measure').value"
    offer = "#watch-health-offer"
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, _drawn(40))
        assert page.evaluate(measure) == "dead" and page.locator(offer).is_hidden()
        # the run goes on: now more units are saturated or rarely active than dead
        with log.open("a") as fh:
            fh.write(lines(*_rows(range(41, 81), saturated=9, dead=1)))
        page.wait_for_function(_drawn(80))
        page.wait_for_function(f"!document.querySelector('{offer}').hidden")
        assert page.evaluate(measure) == "dead"  # the chart kept its measure
        assert page.evaluate("document.getElementById('watch-health').axisName") == "% of units dead or silent"
        said = page.locator(offer).inner_text()
        assert said.startswith("More units are now saturated or rarely active than dead") and \
            "keeps what it shows until you choose" in said, said
        shot(page, "watch-w48-measure-offer", page.locator("#main"))
        # and back: dead again outnumber saturated, which the chart shows: nothing to offer
        with log.open("a") as fh:
            fh.write(lines(*_rows(range(81, 101), saturated=0, dead=5)))
        page.wait_for_function(_drawn(100))
        page.wait_for_function(f"document.querySelector('{offer}').hidden")
        assert page.evaluate(measure) == "dead"
        # the reader's own choice: the offer goes and stays gone
        with log.open("a") as fh:
            fh.write(lines(*_rows(range(101, 121), saturated=9, dead=1)))
        page.wait_for_function(_drawn(120))
        page.wait_for_function(f"!document.querySelector('{offer}').hidden")
        page.select_option("#watch-health-measure", "dormant")
        assert page.locator(offer).is_hidden()
        with log.open("a") as fh:
            fh.write(lines(*_rows(range(121, 131), saturated=9, dead=1)))
        page.wait_for_function(_drawn(130))
        assert page.evaluate(measure) == "dormant" and page.locator(offer).is_hidden()
        assert errors == []
        context.close()
        # a page opened on the log now: the lab's pick for its latest step
        context, page, errors = open_watch(browser, base, _drawn(130))
        assert page.evaluate(measure) == "saturated" and page.locator(offer).is_hidden()
        assert errors == []
        context.close()


def _uncounted(steps) -> list[dict]:
    """Rows of a step whose counts are not known (a NaN step: the log holds null for each)."""
    rows = _rows(steps, saturated=0, dead=0)
    for r in rows:
        for layer in r["layers"]:
            layer.update(saturated=None, dead=None)
    return rows


@pytest.mark.browser
def test_no_offer_says_more_units_are_dead_where_the_latest_step_counts_none(browser, tmp_path):
    """W80 walkthrough finding 4: at a NaN step, every count '—', the page said 'More units are now dead or gone
    silent than saturated or rarely active, at the latest step': the lab's pick fell back on the activation (ReLU)."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    log.write_text(lines({"format": LOG_FORMAT, "layers": NAMES, "activations": ["relu", "relu"]},
                         *_rows(range(1, 41), saturated=9, dead=1)))
    offer = "#watch-health-offer"
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, _drawn(40))
        assert page.evaluate("document.getElementById('watch-health-measure').value") == "saturated"
        with log.open("a") as fh:  # the counts gone (a NaN step): the lab's pick is 'dead' by the activation alone
            fh.write(lines(*_uncounted(range(41, 51))))
        page.wait_for_function(_drawn(50))
        assert page.request.get(f"{base}/api/watch").json()["health_by_counts"] is None
        assert page.locator(offer).is_hidden(), page.locator(offer).inner_text()
        with log.open("a") as fh:  # counted again, more dead than saturated: offered
            fh.write(lines(*_rows(range(51, 61), saturated=0, dead=5)))
        page.wait_for_function(_drawn(60))
        page.wait_for_function(f"!document.querySelector('{offer}').hidden")
        assert page.locator(offer).inner_text().startswith("More units are now dead or gone silent")
        shot(page, "watch-w80-no-offer-uncounted", page.locator("#main"))
        assert errors == []
        context.close()
