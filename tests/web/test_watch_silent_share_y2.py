"""The unit-health chart's dead share draws the units gone silent (issue 17, W29/W30 walkthroughs): the reading names
a layer dying from its units gone silent (on before, then off on every point of the latest sampled batches) before
they count as dead after 5 sampled batches, and the chart, drawing the dead count alone, stayed at its old share until
then: a layer the reading called dying at step 301 drew 0% dead to the end of the run. A real Monitor's log (40 of 64
units of module '3' killed at step 200, sampled every 50 steps: tests/interop/test_monitor_silent_layer_y1.py), shown
in Chromium; references: the run's own reports, and the units its forward hook saw off since the kill."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser

DRAWN = """() => { const c = document.getElementById('watch-health');
  return { names: c.drawn.series.map((s) => s.name), y: c.drawn.series.map((s) => s.y), x: c.drawn.x }; }"""


def test_the_dead_share_holds_the_units_gone_silent(browser, tmp_path):
    from conftest import require_torch

    require_torch()
    from interop.test_monitor_silent_layer_y1 import _run

    log = tmp_path / "silent.jsonl"
    seen, on = _run(kill=True, log=log)
    off = int((~on[199:].any(0)).sum())  # the hook's own count: units off on every step since the kill
    dying = [t for t, r in seen.items() if r.status == "dead_layer"]
    assert dying and all(seen[t].layers[1].dead < 32 for t in dying)  # the premise: none counted dead yet
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-health').drawn?.x?.length "
                                           f">= {len(seen)}")
        drawn = page.evaluate(DRAWN)
        # the page opens on the dead share: the units gone silent are no longer weighed as saturated ones (the log
        # counts them among its rarely active units, which opened the page on "saturated or rarely active")
        assert page.locator("#watch-health-measure").input_value() == "dead"
        k = drawn["names"].index("2: 3 (ReLU)")
        share = dict(zip(drawn["x"], drawn["y"][k], strict=True))
        for t, r in seen.items():
            row = r.layers[1]
            if share[t] is None:  # the warm-up: no dead share before 5 sampled batches, where no unit stopped
                assert row.window < 5 and row.dead + row.silent == 0, (t, row)
                continue
            assert share[t] == pytest.approx((row.dead + row.silent) / 64), (t, share[t], row.dead, row.silent)
        for t in dying:  # where the reading says the layer is dying, the chart draws it so
            assert 0.5 <= share[t] <= (off + seen[t].layers[1].dead) / 64, (t, share[t])
        # the readout says the two kinds apart
        page.locator("#watch-health").focus()
        page.keyboard.press("End")
        row = seen[max(seen)].layers[1]
        readout = page.locator("#watch-readout").text_content()
        for key in ("ArrowUp", "ArrowDown", "ArrowDown"):  # up and down move through the layers at one step
            if readout.startswith(f"Step {max(seen)}, layer 2"):
                break
            page.keyboard.press(key)
            readout = page.locator("#watch-readout").text_content()
        stopped = row.dead + row.silent
        assert readout.startswith(
            f"Step {max(seen)}, layer 2 ('3 (ReLU)'): {stopped} of 64 units dead or gone silent "
            f"({int(100 * stopped / 64 + 0.5)}%): {row.dead} dead, {row.silent} gone silent (on before, off on every "
            "point of the latest sampled batches; counted dead once off for 5 in a row at least, more for a unit that "
            "was on less often)"), readout
        shot(page, "watch-y2-silent-share", page.locator("#watch-health"))
        assert errors == []
        context.close()
