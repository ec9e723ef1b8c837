"""actlab watch (issue 17, V7 item 2): the unit-health chart's choice is kept in the page's address, as the step
axis is (?steps=): ?health=saturated, or ?health=all&layer=2 for all three measures of layer 2, so that a reload or a
shared link shows the same chart. A value in the address that names no choice (an unknown measure, a layer the log
does not have, a huge string, a name of a JavaScript object's own machinery) is ignored: the default is shown, the
value leaves the address, and the page raises no error. The log is V4's synthetic run (two layers of 16 units;
layer 2 loses a unit every 20 steps from step 100)."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web.test_watch_start_health_v4 import NAN_STEPS, READY, WIDTH, _dead, _write

LAST = 500
STATE = """() => { const c = document.getElementById('watch-health');
  return { measure: document.getElementById('watch-health-measure').value,
           layer: document.getElementById('watch-health-layer').value,
           pick: !document.getElementById('watch-health-layer-pick').hidden,
           names: c.drawn.series.map((s) => s.name), y: c.drawn.series.map((s) => s.y),
           stepLog: document.getElementById('watch-step-log').checked,
           stepAxis: document.getElementById('watch-step-axis').textContent,
           query: window.location.search }; }"""
LAYERS = ["1: body.0.act", "2: body.1.act"]
THREE = ["dead or gone silent", "saturated or rarely active", "dormant"]  # the dead share holds the silent units


def _goto(page, base: str, query: str) -> dict:
    page.goto(f"{base}/watch{query}")
    page.wait_for_function(READY.format(last=LAST), timeout=120_000)
    return page.evaluate(STATE)


@pytest.fixture
def lab(tmp_path):
    from web.conftest import serving

    log = tmp_path / "short.jsonl"
    _write(log, range(1, LAST + 1))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        yield base


@pytest.mark.browser
def test_the_health_choice_is_kept_in_the_address_through_a_reload_and_a_shared_link(browser, lab):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    first = _goto(page, lab, "")
    assert (first["measure"], first["names"], first["query"]) == ("dead", LAYERS, "")  # the default keeps no key
    page.locator("#watch-health-measure").select_option("all")
    page.locator("#watch-health-layer").select_option("1")  # layer 2
    assert page.evaluate("window.location.search") == "?health=all&layer=2"
    for again in (lambda: page.reload(), lambda: page.goto("about:blank")):  # a reload, then the link opened anew
        again()
        state = _goto(page, lab, "?health=all&layer=2")
        assert (state["measure"], state["layer"], state["pick"]) == ("all", "1", True)
        assert state["names"] == THREE and state["query"] == "?health=all&layer=2"
        ok = [s for s in range(1, LAST + 1) if s not in NAN_STEPS]
        dead = [v for s, v in zip(range(1, LAST + 1), state["y"][0], strict=True) if s not in NAN_STEPS]
        assert dead == [_dead(s) / WIDTH for s in ok]  # layer 2's dead share, not layer 1's (none dead)
    # another measure for every layer: the layer leaves the address, and a link keeps the measure
    page.locator("#watch-health-measure").select_option("saturated")
    assert page.evaluate("window.location.search") == "?health=saturated"
    state = _goto(page, lab, "?health=saturated&steps=log")
    assert (state["measure"], state["pick"], state["names"], state["stepLog"]) == ("saturated", False, LAYERS, True)
    assert "as you chose" in state["stepAxis"]
    page.locator("#watch-health-measure").select_option("dead")  # back to the default: no key left for it
    assert page.evaluate("window.location.search") == "?steps=log"
    assert errors == []
    context.close()


HUGE = "9" * 6000


@pytest.mark.browser
@pytest.mark.parametrize(("query", "measure", "layer", "kept"), [
    ("?health=lively", "dead", None, ""),  # no such measure
    ("?health=" + "x" * 6000, "dead", None, ""),  # a huge string
    ("?health=toString", "dead", None, ""),  # an object's own machinery is no choice
    ("?health=all&layer=3", "all", "0", "?health=all&layer=1"),  # the log has two layers
    ("?health=all&layer=0", "all", "0", "?health=all&layer=1"),  # layers are counted from 1
    ("?health=all&layer=-1", "all", "0", "?health=all&layer=1"),
    ("?health=all&layer=1e0", "all", "0", "?health=all&layer=1"),
    ("?health=all&layer=" + HUGE, "all", "0", "?health=all&layer=1"),
    ("?layer=2", "dead", None, ""),  # a layer means nothing without "all"
    ("?steps=toString", "dead", None, ""),  # the step axis too: the page's own choice, not a log axis
    ("?steps=" + HUGE + "&health=" + HUGE, "dead", None, ""),
])
def test_a_bad_value_in_the_address_is_ignored_and_the_default_shown(browser, lab, query, measure, layer, kept):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    state = _goto(page, lab, query)
    assert state["measure"] == measure
    assert state["names"] == (THREE if measure == "all" else LAYERS)
    if layer is not None:
        assert state["layer"] == layer and state["pick"]
        assert state["y"][0][-1] == 0.0  # layer 1's dead share (none dead), not layer 2's (all 16 by step 420)
    else:
        assert not state["pick"]
    # the steps run from 1 to 500, under 1,000 times: the page's own choice is the even axis
    assert not state["stepLog"] and "as you chose" not in state["stepAxis"]
    assert state["query"] == kept  # the ignored value leaves the address
    assert page.locator("#status").text_content() == ""
    assert errors == []
    context.close()
