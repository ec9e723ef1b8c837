"""A step where some layers held a NaN and others did not, on the watch page's ‖∂L/∂a‖ history chart (issue 17, V12
item 3). The finite layers' values at that step are true values: they stay drawn, as dots over the red mark, the
mark's key says that a dot there is a layer still finite, and the readout gives the value and names the layers that
held a NaN. Before, the lines ran through the mark as if it did not concern them, and the readout said "a NaN or an
inf (not drawn)" of a value the chart drew.

The log is written by hand: three layers, steps 1 to 6, and at steps 3 and 4 the first layer holds a NaN."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, layer, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-history').drawn?.x?.length === 6"
NAMES = ["fc1.act", "fc2.act", "fc3.act"]
BAD = (3, 4)
PALETTE = ["#0072B2", "#E69F00", "#009E73"]  # the charts' first three line colours (charts.js)


def _write(path):
    path.write_text(lines(header(NAMES), *[report(s, NAMES, non_finite=s in BAD) for s in range(1, 7)]))


def _grad(k: int, step: int) -> float:
    """The ‖∂L/∂a‖ the hand-written log gives layer k at a step (web._watch_logs.layer)."""
    return layer(NAMES[k], k, step)["act_grad_norm"]


# the colour of the pixels 1.5 px over and under a point of the chart (px, py: its own mapping of step and value)
AROUND = """([step, value]) => {
  const c = document.getElementById('watch-history'), ctx = c.getContext('2d');
  const dpr = c.width / c.getBoundingClientRect().width, { px, py } = c.geom;
  const at = (x, y) => Array.from(ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data.slice(0, 3));
  return [at(px(step), py(value) - 1.5), at(px(step), py(value) + 1.5)];
}"""


def _near(rgb, colour: str) -> bool:
    """Whether a pixel is the colour, give or take the edge's anti-aliasing (60 of 255 in each channel)."""
    return all(abs(v - int(colour[1 + 2 * j:3 + 2 * j], 16)) <= 60 for j, v in enumerate(rgb))


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_finite_layers_at_a_nan_step_are_drawn_as_dots_and_the_key_says_so(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "mixed.jsonl"
    _write(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        assert page.evaluate("document.getElementById('watch-history').drawn.marks") == [list(BAD)]
        for step in BAD:
            for k in (1, 2):  # the layers still finite: a dot in the line's colour, wider than its 1.5 px
                over, under = page.evaluate(AROUND, [step, _grad(k, step)])
                assert _near(over, PALETTE[k]) and _near(under, PALETTE[k]), (step, k, over, under)
        keys = [k["label"] for k in page.evaluate("document.getElementById('watch-history').keysDrawn")]
        assert any("NaN or inf" in key and "finite" in key for key in keys), keys
        shot(page, f"watch-v12-nan-layers-{width}", page.locator("#watch-history"))
        assert errors == []
        context.close()


@pytest.mark.browser
def test_the_readout_gives_a_finite_layers_value_at_a_nan_step(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "mixed.jsonl"
    _write(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        page.locator("#watch-history").focus()  # the last step, the first layer
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")  # step 4
        said = page.locator("#watch-readout").text_content()
        assert said.startswith("Step 4, layer 1 ('fc1.act'): ‖∂L/∂a‖ a NaN or an inf (not drawn)"), said
        page.keyboard.press("ArrowUp")  # layer 2, finite at step 4
        said = page.locator("#watch-readout").text_content()
        value = f"{_grad(1, 4):.3g}"
        assert said.startswith(f"Step 4, layer 2 ('fc2.act'): ‖∂L/∂a‖ {value} "), said
        assert "not drawn" in said and "layer 1 held" in said, said  # it names the layer that is not drawn
        assert errors == []
        context.close()
