"""What R15's walk of /watch on a PyTorch Monitor's logs found (issue 17, R15 item 4), each from the log's own fields.

An nn.Sequential's modules are named by bare indices: the charts wrote '2: 3 (ReLU)' but the layer table '2: 3',
which read as layer 2 of 3. A run thrown off by a raised learning rate ended with two layers' ‖∂L/∂a‖ at 0 and the
third's at 25.7: the bar chart's dashed line climbed from the 0 row through every decade to 25.7, values no layer
had. The loss chart's linear axis had ticks at its data's ends and middle, labelled rounded: '1.1' stood at 1.12 and
'0.56' at 0.559.
"""

from __future__ import annotations

import contextlib
import math

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state === 'ended'"
NAMES = ["1", "3", "5"]  # nn.Sequential(Linear, GELU, Linear, ReLU, Linear, Tanh, Linear): the activations' names
TYPES = ["GELU", "ReLU", "Tanh"]


def _log(path, act_grads, weight_grads, losses):
    rows = [header(NAMES)]
    for s, loss in enumerate(losses, start=1):
        r = report(s, NAMES, loss)
        for layer, kind, a, g in zip(r["layers"], TYPES, act_grads, weight_grads, strict=True):
            layer.update(module_type=kind, activation=kind.lower(), act_grad_norm=a, weight_grad_norm=g)
        rows.append(r)
    path.write_text(lines(*rows, {"event": "end", "steps_run": len(losses)}))


@contextlib.contextmanager
def _open(browser, tmp_path, width=1280, **kw):
    """/watch on a log of these values, at `width` px: (page, errors)."""
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "run.jsonl"
    _log(log, **kw)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        try:
            yield page, errors
        finally:
            context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_the_table_names_a_sequentials_layers_as_the_charts_do(browser, tmp_path, width):
    with _open(browser, tmp_path, width, act_grads=[0.1, 0.05, 0.03],
               weight_grads=[0.3, 0.2, 0.1], losses=[1.1, 1.0, 0.9]) as (page, errors):
        cells = page.locator("#watch-table tbody tr td:first-child").all_text_contents()
        # the old table wrote the bare index, '3', where the charts wrote '3 (ReLU)'
        assert cells == [f"{n} ({t})" for n, t in zip(NAMES, TYPES, strict=True)]
        assert page.evaluate("document.getElementById('watch-bars').names") == cells
        assert errors == []


# the orange of the dashed ‖∂L/∂a‖ line (PALETTE[1], #E69F00), counted in the columns between two layers' markers
ORANGE_BETWEEN = """(([a, b]) => {
  const c = document.getElementById('watch-bars'), ctx = c.getContext('2d');
  const dpr = c.width / c.getBoundingClientRect().width, g = c.geom, at = (i) => g.l + g.slot * (i + 0.5);
  const top = Math.min(...c.tickYs.map((t) => t[1])), base = c.base;
  const x0 = Math.round((at(a) + 6) * dpr), x1 = Math.round((at(b) - 6) * dpr);
  const y0 = Math.round(top * dpr), y1 = Math.round((base - 10) * dpr);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let x = x0; x < x1; x++) for (let y = y0; y < y1; y++) {
    const k = 4 * (y * c.width + x);
    if (Math.abs(px[k] - 230) < 30 && Math.abs(px[k + 1] - 159) < 30 && px[k + 2] < 60) n++;
  }
  return n;
})"""


@pytest.mark.browser
def test_the_dashed_line_does_not_join_a_zero_to_a_value_on_the_log_axis(browser, tmp_path):
    from web.conftest import shot

    with _open(browser, tmp_path, act_grads=[0.0, 0.0, 25.7], weight_grads=[0, 0, 0],
               losses=[1.1, 150.0, 140.0]) as (page, errors):
        shot(page, "watch-r15-zero-to-value", page.locator("#watch-bars"))
        assert page.evaluate(ORANGE_BETWEEN, [1, 2]) == 0  # the old line climbed from layer 2's 0 to layer 3's 25.7
        assert errors == []


@pytest.mark.browser
def test_the_dashed_line_still_joins_two_values(browser, tmp_path):
    with _open(browser, tmp_path, act_grads=[0.1, 0.05, 0.03],
               weight_grads=[0.3, 0.2, 0.1], losses=[1.1, 1.0, 0.9]) as (page, errors):
        assert page.evaluate(ORANGE_BETWEEN, [0, 1]) > 0 and page.evaluate(ORANGE_BETWEEN, [1, 2]) > 0
        assert errors == []


@pytest.mark.browser
@pytest.mark.parametrize("losses", [[1.1183, 0.9, 0.2], [0.6931, 0.69, 0.2], [2.3026, 1.7, 1.2],
                                    [0.0123, 0.011, 0.004]])
def test_a_linear_loss_axis_has_each_tick_at_the_value_it_writes(browser, tmp_path, losses):
    with _open(browser, tmp_path, act_grads=[0.1, 0.05, 0.03],
               weight_grads=[0.3, 0.2, 0.1], losses=losses) as (page, errors):
        got = page.evaluate("""(() => { const c = document.getElementById('watch-loss');
          return { kind: c.axisKind, ticks: c.tickYs.map(([t, y]) => [t, y, c.geom.py(Number(t))]),
                   ys: c.drawn.series[0].y.map(c.geom.py) }; })()""")
        assert got["kind"] == "linear"
        for label, y, at in got["ticks"]:  # the old '1.1' stood at 1.1183, 2 px from where 1.1 is drawn
            assert abs(y - at) < 0.25, (label, y, at)
        values = [float(t) for t, _, _ in got["ticks"]]
        assert values[0] == 0 and values[-1] >= max(losses)  # every loss is inside the labelled range
        gaps = {round(b - a, 12) for a, b in zip(values, values[1:], strict=False)}
        assert len(gaps) == 1 and 2 <= len(values) - 1 <= 5  # evenly spaced round values
        gap = gaps.pop()
        assert round(gap / 10 ** math.floor(math.log10(gap)), 9) in (1, 2, 5), gap
        ys = [y for _, y, _ in got["ticks"]]
        assert all(min(ys) - 0.5 <= y <= max(ys) + 0.5 for y in got["ys"])
        assert errors == []


@pytest.mark.browser
def test_the_bar_charts_caption_wraps_into_even_lines(browser, tmp_path):
    """At 420 px the caption of a run whose latest step held a NaN took two lines, the second a lone 'inf)'."""
    from web._watch_page import open_watch
    from web.conftest import serving

    names = ["fc1.act", "fc2.act", "fc3.act"]
    rows = [header(names), *[report(s, names) for s in range(1, 202, 5)],
            *[report(s, names, None, non_finite=True) for s in range(206, 397, 5)]]
    log = tmp_path / "nan.jsonl"
    log.write_text(lines(*rows, {"event": "end", "steps_run": 400}))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        got = page.evaluate("""(() => { const c = document.getElementById('watch-bars'), ctx = c.getContext('2d');
          return c.captionLines.map((line) => ctx.measureText(line).width); })()""")
        assert len(got) == 2 and min(got) >= 0.6 * max(got), got
        assert errors == []
        context.close()
