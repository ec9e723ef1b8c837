"""Layers whose ‖∂L/∂a‖ is exactly 0 on the watch page's history chart (issue 17, V12 walk). A 34-layer sigmoid net's
first ten layers had a gradient that underflowed to 0: their ten lines sat on the log axis's "0" row, one over
another, drawn as one line in the colour of the last; nothing said which layers they were. The chart now names
them over the right end of that row. The log is written by hand: 12 layers, the first four at 0."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-history').drawn?.x?.length === 5"
NAMES = [f"blocks.{k}.act" for k in range(12)]


def _write(path, zero):
    rows = [header(NAMES)]
    for s in range(1, 6):
        r = report(s, NAMES)
        for k in zero:
            r["layers"][k]["act_grad_norm"] = 0.0
        rows.append(r)
    path.write_text(lines(*rows))


# where the chart wrote the note, its "0" row, and the lowest of its lines above that row
GOT = """(() => {
  const c = document.getElementById('watch-history'), { l, r, py } = c.geom;
  const lowest = Math.min(...c.drawn.series.flatMap((s) => s.y.filter((v) => v > 0)));
  return { note: c.zeroNote, geom: { l, r, zero: py(0), lowest: py(lowest) } };
})()"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_the_layers_on_the_zero_row_are_named(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "zeros.jsonl"
    _write(log, range(4))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        got = page.evaluate(GOT)
        assert got["note"] is not None, got
        assert got["note"]["text"] == "layers 1 to 4 at 0"
        left, top, right, foot = got["note"]["box"]
        geom = got["geom"]
        assert geom["l"] < left and right <= geom["r"]  # inside the plot, at its right end
        assert geom["lowest"] < top and foot < geom["zero"]  # under every line above 0, over the "0" row
        shot(page, f"watch-v12-zero-row-{width}", page.locator("#watch-history"))
        assert errors == []
        context.close()


@pytest.mark.browser
def test_no_note_where_no_layer_is_at_zero(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "none.jsonl"
    _write(log, [])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        assert page.evaluate("document.getElementById('watch-history').zeroNote") is None
        assert errors == []
        context.close()


HEALTH = """(() => { const c = document.getElementById('watch-health'), { l, r, py } = c.geom;
  return { note: c.zeroNote, geom: { l, r, zero: py(0) }, shares: c.drawn.series.map((s) => s.y.at(-1)) }; })()"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_the_unit_health_chart_names_the_layers_at_zero(browser, tmp_path, width):
    """Every layer at 0% of its units in the measure shown: one line at the foot, in the colour of the last drawn.
    With one layer at 25%, the others are named."""
    from web._watch_page import open_watch
    from web.conftest import serving

    for hurt in (None, 4):
        log = tmp_path / f"health-{hurt}.jsonl"
        rows = [header(NAMES)]
        for s in range(1, 6):
            r = report(s, NAMES)
            if hurt is not None:
                r["layers"][hurt].update(dead=8, saturated=8, dormant=8)  # 8 of 32 units, whichever measure
            rows.append(r)
        log.write_text(lines(*rows))
        with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
            context, page, errors = open_watch(browser, base, READY, width)
            got = page.evaluate(HEALTH)
            at_zero = [k + 1 for k, v in enumerate(got["shares"]) if v == 0]
            assert len(at_zero) == (12 if hurt is None else 11), got["shares"]
            expected = "every layer at 0%" if hurt is None else "layers 1 to 4 and 6 to 12 at 0%"
            assert got["note"] is not None and got["note"]["text"] == expected, got
            left, _, right, foot = got["note"]["box"]
            assert got["geom"]["l"] < left and right <= got["geom"]["r"] and foot < got["geom"]["zero"]
            assert errors == []
            context.close()


@pytest.mark.browser
@pytest.mark.parametrize("zero", [[], [2]])
def test_the_bar_chart_labels_a_zero_row_only_where_a_value_stands_on_it(browser, tmp_path, zero):
    """W46 walkthrough: the log-scale bar chart wrote "0" under "10⁻¹" with every bar and marker above 0."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "bars.jsonl"
    _write(log, zero)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        got = page.evaluate("""(() => { const c = document.getElementById('watch-bars');
          return { ticks: c.tickYs.map((t) => t[0]), line: c.drawn.line, bars: c.drawn.bars }; })()""")
        on_zero = any(v == 0 for v in got["line"] + got["bars"])
        assert on_zero == bool(zero)  # the premise: a 0 to stand on the row, or none
        assert ("0" in got["ticks"]) == on_zero
        assert len(got["ticks"]) >= 2 and all(t != "0" for t in got["ticks"][:-1])  # the decades, "0" last if any
        shot(page, f"watch-w46-bars-zero-{len(zero)}", page.locator("#watch-bars"))
        assert errors == []
        context.close()


@pytest.mark.browser
def test_no_note_where_a_line_drops_through_its_place(browser, tmp_path):
    """W62 walkthrough finding 6: 'layers 1 and 2 at 0' was written over a line that fell to 0 at the last step, through
    the words (the check looked at the points alone). Layer 5 falls from its value at step 4 to 0 at step 5: its
    segment crosses the words' place, and the note is left out (the readout still names each layer)."""
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "drop.jsonl"
    rows = [header(NAMES)]
    for s in range(1, 6):
        r = report(s, NAMES)
        for k in range(4):
            r["layers"][k]["act_grad_norm"] = 0.0
        if s == 5:
            r["layers"][4]["act_grad_norm"] = 0.0
        rows.append(r)
    log.write_text(lines(*rows))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        # the premise: the segment from step 4 to step 5 of layer 5 passes through the note's box, were it written
        crossing = page.evaluate("""(() => {
          const c = document.getElementById('watch-history'), { px, py } = c.geom, s = c.drawn.series[4];
          return [py(s.y[3]) < py(0), s.y[4] === 0, px(c.drawn.x[3]), px(c.drawn.x[4])]; })()""")
        assert crossing[0] and crossing[1], crossing
        assert page.evaluate("document.getElementById('watch-history').zeroNote") is None
        assert errors == []
        context.close()
