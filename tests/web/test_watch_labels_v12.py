"""The bar chart's value labels on the watch page stay near their bars (issue 17, V12 item 1), and the note under
the charts lists the bars left without one as a person would (V12 item 2).

A label that had to move up to keep clear of the dashed ‖∂L/∂a‖ line stood as much as 45 px over its bar in a
zigzag of values at 420 px, at its neighbours' height. Measured in the browser: each bar's box from the pixels the
canvas drew (its blue), each label's glyph box from the canvas's own measureText; a label must stand over the bar
it names, with its foot at most NEAR px over the bar's top, and a bar with no label must be named in the note."""

from __future__ import annotations

import re

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-bars').markers?.length > 0"
NEAR = 35  # px from a glyph's foot: about three lines of the 11 px text, room to step over the bar's marker and line

# ‖∂L/∂W‖ per layer; ‖∂L/∂a‖ is 1.2 times each, so each marker stands just over its bar, and low bars between high
# ones have the dashed line climbing steeply out of their marker through the places over them
CASES = {
    "close": [1e-3, 1.2e-3, 1e-2, 1.1e-3, 5e-2, 4e-3],
    "zigzag": [2e-4, 3e-2, 2.5e-4, 4e-2, 3e-4, 2e-2, 2e-4, 3e-2],
    "peak": [1e-3, 1e-2, 0.1 / 1.2, 1e-2, 1e-3],
    # layers 2, 9 and 10 low between high ones: the note's words for a list with a pair in it (R15: 1e-7, not 2e-4,
    # whose bars at 420 px now hold their value, turned upright; a bar of 1e-7 is too short for it)
    "pair": [3e-2, 1e-7, 3e-2, 3e-2, 3e-2, 3e-2, 3e-2, 3e-2, 1e-7, 1e-7, 3e-2],
}

# The bars as drawn: the runs of the bars' blue along a row 3 px over the foot of the plot, and, for each, the top
# of the blue in two columns just inside its edges (the lower of the two: the dashed line may cross one). The value
# labels: their glyph boxes, measured by the canvas.
MEASURE = """(() => {
  const c = document.getElementById('watch-bars'), ctx = c.getContext('2d');
  const dpr = c.width / c.getBoundingClientRect().width;
  ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0);
  const W = c.width, H = c.height, px = ctx.getImageData(0, 0, W, H).data;
  const blue = (x, y) => { const k = 4 * (y * W + x);
    return Math.abs(px[k] - 0) < 40 && Math.abs(px[k + 1] - 114) < 40 && Math.abs(px[k + 2] - 178) < 40; };
  const base = c.base, top = Math.min(...c.tickYs.map((t) => t[1]));
  const row = Math.round((base - 3) * dpr), bars = [];
  for (let x = 0; x < W; x++) {
    if (!blue(x, row)) continue;
    if (bars.length && bars.at(-1)[1] === x - 1) bars.at(-1)[1] = x; else bars.push([x, x]);
  }
  const topOf = (x) => { for (let y = Math.floor(top * dpr); y < row; y++) if (blue(x, y)) return y; return row; };
  const boxes = bars.filter(([a, b]) => b - a > 4 * dpr)
    .map(([a, b]) => [a / dpr, Math.max(topOf(a + 2), topOf(b - 2)) / dpr, b / dpr, base]);
  const values = c.written.value_boxes.map(([a, b]) => `${a},${b}`);
  const labels = c.textBoxes.filter((t) => values.includes(`${t.box[0]},${t.box[2]}`)).map(({ text, box, upright }) => {
    if (upright) return { text, glyph: box };  // turned to read upward inside a narrow bar (R15): its box
    const x = (box[0] + box[2]) / 2, y = box[3];
    ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
    const m = ctx.measureText(text);
    return { text, glyph: [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent, x + m.actualBoundingBoxRight,
                           y + m.actualBoundingBoxDescent] };
  });
  ctx.restore();
  const note = document.getElementById('watch-bars-note');
  return { bars: boxes, labels, note: note.hidden ? '' : note.textContent };
})()"""


def _log(path, values):
    names = [f"l{k}" for k in range(len(values))]
    rows = [header(names)]
    for s in range(1, 4):
        r = report(s, names)
        for layer, v in zip(r["layers"], values, strict=True):
            layer.update(weight_grad_norm=v, act_grad_norm=1.2 * v)
        rows.append(r)
    path.write_text(lines(*rows))


def _named(note: str, n: int) -> set[int]:
    """The layers a note lists ("layers 2, 9 and 10", "layers 9 to 14", "layer 3"; "the bars": all n of them), as
    numbers from 1."""
    out: set[int] = set(range(1, n + 1)) if note.startswith("The bars are") else set()
    for listed in re.findall(r"bars? of layers? (.+?) (?:is|are) too", note):
        for part in re.split(r", | and ", listed):
            a, _, b = part.partition(" to ")
            out.update(range(int(a.replace(",", "")), int((b or a).replace(",", "")) + 1))
    return out


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_value_label_stands_near_its_bar_or_the_note_names_the_bar(browser, tmp_path, case, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / f"{case}.jsonl"
    _log(log, CASES[case])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        got = page.evaluate(MEASURE)
        shot(page, f"watch-v12-labels-{case}-{width}", page.locator(".grid2"))
        bars = got["bars"]
        assert len(bars) == len(CASES[case])  # every bar found in the pixels
        labelled = set()
        for label in got["labels"]:
            left, _, right, foot = label["glyph"]
            centre = (left + right) / 2
            under = [k for k, b in enumerate(bars) if b[0] <= centre <= b[2]]
            assert len(under) == 1, label  # the label stands over one bar, the one it names
            k = under[0]
            if label["glyph"][1] >= bars[k][1] + 0.5:  # inside the bar, at its top (R15: not over its own marker)
                assert label["glyph"][1] - bars[k][1] <= NEAR and foot <= bars[k][3], (label, bars[k])
            else:
                assert foot <= bars[k][1] + 0.5, (label, bars[k])  # over the bar, not on it
                assert bars[k][1] - foot <= NEAR, (label, bars[k])
            labelled.add(k + 1)
        missing = set(range(1, len(bars) + 1)) - labelled
        assert _named(got["note"], len(bars)) == missing, got["note"]
        assert errors == []
        context.close()


# (layers, as indices from 0; the words) for the note's list
WORDS = [
    ([1], "2"),
    ([0, 1], "1 and 2"),
    ([1, 8, 9], "2, 9 and 10"),
    ([8, 9, 10, 11, 12, 13], "9 to 14"),
    ([0, 1, 2], "1 to 3"),
    ([0, 2, 4], "1, 3 and 5"),
    ([0, 1, 2, 3, 7, 8, 10], "1 to 4, 8, 9 and 11"),
    ([4, 5, 20, 21, 22], "5, 6 and 21 to 23"),
    ([999, 1000, 1001], "1,000 to 1,002"),
]


@pytest.mark.browser
def test_the_note_lists_layers_as_a_person_would(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "one.jsonl"
    _log(log, CASES["peak"])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        said = page.evaluate("""async (lists) => {
          const { sayLayers } = await import('/static/js/watch-status.js');
          return lists.map((ks) => sayLayers(ks));
        }""", [ks for ks, _ in WORDS])
        assert said == [words for _, words in WORDS]
        assert errors == []
        context.close()


@pytest.mark.browser
def test_the_note_names_a_pair_of_layers_one_by_one(browser, tmp_path):
    """At 420 px the low bars of layers 2, 9 and 10 have no place near them clear of the line; the note lists them."""
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "pair.jsonl"
    _log(log, CASES["pair"])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        note = page.locator("#watch-bars-note").text_content()
        assert "layers 2, 9 and 10 are" in note, note
        assert errors == []
        context.close()


@pytest.mark.browser
def test_the_note_names_the_narrow_bars_apart_from_those_too_close_to_the_line(browser, tmp_path):
    """12 layers at 420 px: '1.5e-7' is wider than its slot and its bar too short to hold it upright; '1e-7' fits
    the slot but its marker stands just over its short bar, so it has a place neither over nor in it. The note names
    the two lists apart. (V12 had a zero of a 24-layer net with the dashed line over its stub; since R15 the line
    no longer joins a 0 to a value, and that zero has its '0' over its stub.)"""
    from web._watch_page import open_watch
    from web.conftest import serving

    grads = [3e-2, 1e-7, 1.5e-7, 3e-2, 3e-2, 3e-2, 1.5e-7, 1e-7, 3e-2, 3e-2, 3e-2, 3e-2]
    log = tmp_path / "apart.jsonl"
    _log(log, grads)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        note = page.locator("#watch-bars-note").text_content()
        assert note.startswith("The bars of layers 3 and 7 are too short or too narrow here to write a value, and the "
                               "bars of "
                               "layers 2 and 8 are too close to the dashed line"), note
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_zero_between_narrow_bars_is_written_over_its_stub(browser, tmp_path):
    """24 layers at 420 px: the bars are too narrow for their values; layer 21's 0 had the dashed line over its stub
    (V12: its '0' was written 55 px up, then not at all). The line now stops at a 0, and the '0' stands over it."""
    from web._watch_page import open_watch
    from web.conftest import serving

    grads = [1e-9 * 2.3 ** k for k in range(24)]
    grads[20] = 0.0
    log = tmp_path / "deep.jsonl"
    _log(log, grads)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        note = page.locator("#watch-bars-note").text_content()
        assert note.startswith("The bars of layers 1 to 20 and 22 to 24 are too short or too narrow here to write a "
                               "value:"), note
        got = page.evaluate(MEASURE)
        assert [label["text"] for label in got["labels"]] == ["0"]
        base_y = page.evaluate("document.getElementById('watch-bars').base")
        left, _, right, foot = got["labels"][0]["glyph"]
        geom = page.evaluate("document.getElementById('watch-bars').geom")
        assert left < geom["l"] + geom["slot"] * 20.5 < right  # over layer 21's stub
        assert base_y - 6 - foot <= NEAR
        assert errors == []
        context.close()
