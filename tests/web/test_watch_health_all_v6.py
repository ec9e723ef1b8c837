"""actlab watch (issue 17, V6 item 2): the unit-health chart shows dead, saturated (or rarely active) and dormant
side by side for one layer. "All three measures, for one layer" in the measure list brings a layer list; the chart
then draws three lines on one step axis, each named in the key and drawn in its own colour and dash (solid, dashed,
dotted: not colour alone), and the keyboard reads each. Checked at 1280 and 420 px on the synthetic log of V4's
health tests (layer 2 loses a unit every 20 steps from step 100)."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web.test_watch_start_health_v4 import NAN_STEPS, WIDTH, _dead, _open, _write

SERIES = """() => { const c = document.getElementById('watch-health');
  return { names: c.drawn.series.map((s) => s.name), y: c.drawn.series.map((s) => s.y),
           dashes: c.drawn.series.map((s) => s.dash), keys: c.keysDrawn, width: c.getBoundingClientRect().width,
           legend: c.legendNames }; }"""


def _overlap(a, b) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and abs(a["y"] - b["y"]) < 11


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_all_three_measures_of_one_layer_are_drawn_named_and_read(browser, tmp_path, width):
    from web.conftest import serving, shot

    log = tmp_path / "short.jsonl"
    _write(log, range(1, 501))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base, width, 500)
        assert not page.locator("#watch-health-layer").is_visible()  # only with "all three measures"
        # the keyboard reaches both lists: Tab from the step-axis box to the measure list, then to the layer list
        page.locator("#watch-step-log").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "watch-health-measure"
        page.locator("#watch-health-measure").select_option("all")
        assert page.locator("#watch-health-layer").is_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "watch-health-layer"
        assert page.locator("#watch-health-layer option").all_text_contents() == ["1: body.0.act", "2: body.1.act"]
        page.locator("#watch-health-layer").select_option("1")  # layer 2
        drawn = page.evaluate(SERIES)
        assert drawn["names"] == ["dead or gone silent", "saturated or rarely active", "dormant"]
        ok = [s for s in range(1, 501) if s not in NAN_STEPS]
        # (the log gives no silent units: the dead share is the dead count)
        expect = {"dead or gone silent": [_dead(s) / WIDTH for s in ok],
                  "saturated or rarely active": [1 / WIDTH] * len(ok),
                  "dormant": [(_dead(s) + 1) / WIDTH for s in ok]}
        for name, y in zip(drawn["names"], drawn["y"], strict=True):
            assert [v for s, v in zip(range(1, 501), y, strict=True) if s not in NAN_STEPS] == expect[name]
        # told apart by dash as well as colour, and each named in a key that overlaps no other
        assert drawn["dashes"] == [False, [7, 3], [2, 2]]
        keys = [k for k in drawn["keys"] if k["label"] in drawn["names"]]
        assert [k["label"] for k in keys] == drawn["names"]  # whole names, none cut, at 420 px too
        assert not any(_overlap(a, b) for i, a in enumerate(drawn["keys"]) for b in drawn["keys"][i + 1:])
        assert all(k["right"] <= drawn["width"] for k in drawn["keys"])
        assert page.evaluate("document.getElementById('watch-health').emptyNote") is None
        # the readout: up and down move through the three measures at one step
        page.locator("#watch-health").focus()
        page.keyboard.press("End")
        for _ in range(200):  # to step 300
            page.keyboard.press("ArrowLeft")
        assert page.locator("#watch-readout").text_content() == (
            "Step 300, layer 2 ('body.1.act'): 10 of 16 units dead (63%); 1 saturated or rarely active, 11 dormant "
            "(1 of 3 measures)")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        assert page.locator("#watch-readout").text_content() == (
            "Step 300, layer 2 ('body.1.act'): 11 of 16 units dormant (69%); 10 dead, 1 saturated or rarely active "
            "(3 of 3 measures)")
        shot(page, f"watch-v6-health-all-{width}", page.locator("#watch-health"))
        # back to one measure for every layer: the readout stays on the step and on layer 2
        page.locator("#watch-health-measure").select_option("dead")
        assert not page.locator("#watch-health-layer").is_visible()
        assert page.locator("#watch-readout").text_content() == (
            "Step 300, layer 2 ('body.1.act'): 10 of 16 units dead (63%); 1 saturated or rarely active, 11 dormant "
            "(2 of 2 layers)")
        assert page.evaluate(SERIES)["names"] == ["1: body.0.act", "2: body.1.act"]
        assert errors == []
        context.close()
