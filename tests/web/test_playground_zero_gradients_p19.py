"""P19 finding 2 in headless Chromium: the playground's gradient-history chart draws a gradient of exactly 0 on a "0"
row under its log axis and says when every layer's latest sample is 0; it went blank ("No sampled gradient is a
positive finite number") for a dead ReLU network, and a line that fell to 0 just ended. A value above 0 after zeros
is drawn on the log axis again and the note goes."""

from __future__ import annotations

import pytest

from _browser import open_playground
from web.conftest import shot

pytestmark = pytest.mark.browser

# the playground's first line colour (charts.js PALETTE[0], #0072B2) and its last of three (PALETTE[2], #009E73)
BLUE, GREEN = (0, 114, 178), (0, 158, 115)

DRAW = """async ([ys, zeroNote]) => {
  const { logLines } = await import("/static/js/livechart.js");
  let c = document.getElementById("p19-chart");
  if (!c) {
    c = Object.assign(document.createElement("canvas"), { id: "p19-chart" });
    c.style.cssText = "width: 400px; height: 200px; display: block";
    document.body.prepend(c);
  }
  logLines(c, { x: [10, 20, 30, 40], series: [{ name: "layer 1", y: ys }], xName: "step", empty: "nothing", zeroNote });
  const ctx = c.getContext("2d");
  // the colour drawn at the last point: at its row on the axis (the 0 row for a 0), at the plot's right end
  const row = ys[3] === 0 ? c.zeroRow : null;
  const at = (yy) => Array.from(ctx.getImageData(c.width - 9, Math.round(yy) - 1, 1, 3).data);
  return { note: c.emptyNote, ticks: c.tickLabels, zeroRow: c.zeroRow, last: row === null ? null : at(row),
           height: c.height };
}"""


def _has(pixels: list[int], rgb: tuple[int, int, int]) -> bool:
    """Whether some RGBA pixel is near ``rgb`` (a 1.5 px line is blended with what lies under it)."""
    return any(all(abs(pixels[i + j] - rgb[j]) <= 60 for j in range(3)) for i in range(0, len(pixels), 4))


def test_a_dead_relu_networks_gradient_history_lies_on_a_marked_zero_row(page):
    open_playground(page, "lr=10&activations=relu,relu&speed=10")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent) >= 30", timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("document.getElementById('status').textContent.includes('Paused')")
    # the premise, in the page's own numbers: the bars' panel reads every gradient as exactly 0
    assert page.evaluate("document.getElementById('gradient-chart').drawn.bars") == [0, 0, 0]
    seen = page.evaluate("""(() => { const c = document.getElementById('gradient-history');
      const ctx = c.getContext('2d'), y = Math.round(c.zeroRow);
      return { note: c.emptyNote, ticks: c.tickLabels,
               row: Array.from(ctx.getImageData(60, y - 1, c.width - 70, 3).data) };
    })()""")
    assert seen["note"] == ("Every sampled gradient has been exactly 0 since step 10: the lines lie on the 0 row "
                            "(a log scale has no 0)")
    assert seen["ticks"][-1] == "0"
    assert _has(seen["row"], GREEN)  # the output layer's line, drawn last, along the 0 row
    page.locator("#gradient-history").scroll_into_view_if_needed()
    shot(page, "p19-gradient-history-dead", page.locator(".pg-net .grid2"))
    assert page.console_errors == []


def test_the_history_chart_draws_zeros_and_comes_back_above_them(page):
    open_playground(page)
    fell = page.evaluate(DRAW, [[1e-2, 0, 0, 0], "all zero"])
    assert fell["note"] == "all zero" and fell["ticks"] == ["10⁻²", "10⁻¹", "0"]  # the decade of 1e-2, then 0
    assert _has(fell["last"], BLUE)  # the line goes on along the 0 row to the last sample
    shot(page, "p19-zero-row-fell", page.locator("#p19-chart"))
    back = page.evaluate(DRAW, [[1e-2, 0, 0, 3e-3], "all zero"])
    assert back["note"] is None and back["ticks"][-1] == "0"  # a value above 0 again: no note, the 0 row stays
    shot(page, "p19-zero-row-back", page.locator("#p19-chart"))
    never = page.evaluate(DRAW, [[1e-2, 2e-2, 5e-3, 3e-3], "all zero"])
    assert never["zeroRow"] is None and "0" not in never["ticks"]  # no 0, no 0 row
    gone = page.evaluate(DRAW, [[None, None, None, None], "all zero"])
    assert gone["note"] == "nothing"  # no number at all (a NaN run): the empty note, not the zero one
    assert page.console_errors == []
