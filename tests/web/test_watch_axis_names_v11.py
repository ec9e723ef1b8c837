"""Under each line chart of the watch page, the axis's name (at the left) and the steps' name (in the middle) do not
meet on a narrow window (issue 17, V11 walk): with the steps on a log axis, "‖∂L/∂a‖ per layer, log scale" and
"step (log scale)" were 20 px apart at 420 px and ran into each other below that. Measured in the browser: the two
names' widths by the canvas's measureText, their places as drawn, and the dark pixels of the row between them."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import write_run

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length > 0"
CHARTS = ["watch-history", "watch-health", "watch-loss"]
GAP = 8  # px at least between the two names

# per chart: the two names' boxes as drawn, their widths measured here, the chart's width, and how many pixels of
# the gap between the boxes (on the names' row) are drawn dark (text is #5b6570 on white)
MEASURE = """((ids) => ids.map((id) => {
  const c = document.getElementById(id), ctx = c.getContext('2d'), w = c.getBoundingClientRect().width;
  const dpr = c.width / w;
  const [name, step] = c.axisTexts;
  const widths = [ctx.measureText(c.axisName).width,
                  ctx.measureText(c.stepAxis === 'log' ? 'step (log scale)' : 'step').width];
  const h = c.getBoundingClientRect().height, row = Math.round((h - 34 + 16) * dpr);  // the names' row, 11 px high
  const from = Math.ceil(name[1] * dpr), to = Math.floor(step[0] * dpr);
  let dark = 0;
  if (to > from) {
    const px = ctx.getImageData(from, row, to - from, Math.round(11 * dpr)).data;
    for (let k = 0; k < px.length; k += 4) if (px[k + 3] > 100 && px[k] < 160) dark++;
  }
  return { id, name, step, widths, width: w, dark, axisName: c.axisName };
}))"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [420, 340])
def test_the_axis_name_and_the_step_name_keep_apart(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    write_run(log, [f"transformer.h.{k}.mlp.act" for k in range(4)], range(1, 400), loss=lambda s: 2.0 / s)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        page.check("#watch-step-log")
        page.wait_for_function("document.getElementById('watch-loss').stepAxis === 'log'")
        for got in page.evaluate(MEASURE, CHARTS):
            name, step = got["name"], got["step"]
            assert name[1] - name[0] == pytest.approx(got["widths"][0], abs=0.5), got
            assert step[1] - step[0] == pytest.approx(got["widths"][1], abs=0.5), got
            assert step[0] - name[1] >= GAP, got
            assert step[1] <= got["width"], got  # the steps' name is not cut at the right
            assert got["dark"] == 0, got
        shot(page, f"watch-v11-axis-names-{width}", page.locator(".grid2.watch-charts"))
        assert errors == []
        context.close()
