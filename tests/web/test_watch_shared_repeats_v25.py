"""What the watch page draws where a layer has nothing to draw (V25 item 2). A layer after a shared (tied) weight has
no ‖∂L/∂W‖ of its own, the monitor giving that weight's gradient on the first place's row: its bar said "no number"
in the NaN colour, as if something had gone wrong; now it says "no weight of its own" and the note under the charts
quotes what the row says. A module called 4 or more times in one forward filled every chart with its calls: its later
calls are folded behind a button that shows them (and folds them again), each layer keeping its number. A log with no
layer at all (no activation in the model) drew empty frames: each layer chart and the table now say "No layer to
chart" and why. The logs are written by hand, as a Monitor writes them (the words are the monitor's)."""

from __future__ import annotations

import contextlib
import re

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn"
SHARED_WORDS = "the gradient of 'shared.weight', the weight before it, is read on a1's row, not here"
CALLS = ["act", "act#2", "act#3", "act#4", "act#5", "mix", "mix#2", "mix#3", "head"]  # act 5 times, mix 3 times


@contextlib.contextmanager
def _serve(browser, tmp_path, name, objs, width=1280):
    """The page on a log of ``objs``; yields (page, errors) and checks that the page raised no error."""
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / f"{name}.jsonl"
    log.write_text(lines(*objs))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        yield page
        assert errors == []
        context.close()


def _numbered(page, chart):
    return [k["label"] for k in page.evaluate(f"document.getElementById('{chart}').keysDrawn")
            if re.match(r"\d+: ", k["label"])]


def _table(page):
    return page.evaluate("[...document.querySelectorAll('#watch-table tbody tr')].map((r) => "
                         "`${r.cells[0].dataset.number}: ${r.dataset.place}`)")


@pytest.mark.browser
def test_a_shared_weight_is_said_in_words_not_marked_as_a_nan(browser, tmp_path):
    from web.conftest import shot

    reports = []
    for step in range(1, 7):
        r = report(step, ["a1", "a2"])
        r["layers"][1].update(weights="", weight_grad_norm=None, weight_grad_ratio_to_output=None, words=SHARED_WORDS)
        reports.append(r)
    with _serve(browser, tmp_path, "tied", [header(["a1", "a2"]), *reports]) as page:
        assert page.evaluate("document.getElementById('watch-bars').drawn.labels") == ["", "no weight of its own"]
        note = page.locator("#watch-no-weight")
        assert note.is_visible()
        assert note.inner_text() == f"Layer 2 ('a2') has no ‖∂L/∂W‖ bar of its own: its row says {SHARED_WORDS}."
        # nothing in the NaN colour (#D55E00, charts.js) under the second bar, where "no number" was written
        red = page.evaluate("""() => { const c = document.getElementById('watch-bars'), ctx = c.getContext('2d');
          const d = ctx.getImageData(c.width / 2, 0, c.width / 2, c.height).data; let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] > 70 && d[i + 1] < 120 && d[i + 2] < 40) n++;
          return n; }""")
        assert red == 0
        shot(page, "watch-v25-shared-weight", page.locator("#watch-bars"))


@pytest.mark.browser
def test_a_module_called_four_times_or_more_is_folded_behind_a_button(browser, tmp_path):
    from web.conftest import shot

    reports = []
    for step in range(1, 7):
        r = report(step, CALLS)
        for k, layer in enumerate(r["layers"]):
            layer["act_grad_norm"] = 10 * (k + 1) + step / 100  # each call its own numbers
        reports.append(r)
    with _serve(browser, tmp_path, "repeat", [header(["act", "mix", "head"]), *reports]) as page:
        folded = ["1: act", "6: mix", "7: mix#2", "8: mix#3", "9: head"]  # mix runs 3 times: not folded
        every = [f"{k + 1}: {name}" for k, name in enumerate(CALLS)]
        assert page.evaluate("document.getElementById('watch-bars').drawn.categories") == folded
        assert _numbered(page, "watch-history") == folded and _numbered(page, "watch-health") == folded
        assert _table(page) == folded
        # each line keeps its own layer's numbers (the last step's, as the log gives them)
        ys = page.evaluate("document.getElementById('watch-history').drawn.series.map((s) => s.y.at(-1))")
        assert ys == pytest.approx([10 * int(f.split(":")[0]) + 0.06 for f in folded], rel=1e-12)
        said = page.locator("#watch-fold")
        assert said.is_visible() and "'act' ran 5 times in one forward (layers 1 to 5)" in said.inner_text()
        button = page.get_by_role("button", name="Show the 4 folded calls")
        shot(page, "watch-v25-folded", page.locator("#watch-main-charts"))
        button.click()
        page.wait_for_function("document.getElementById('watch-bars').drawn.categories.length === 9")
        assert page.evaluate("document.getElementById('watch-bars').drawn.categories") == every
        # nine lines: a shaded ramp replaces the named keys (watch-keys.MANY), so the lines' own names are read
        assert page.evaluate("document.getElementById('watch-history').drawn.series.map((s) => s.name)") == every
        assert _table(page) == every
        assert page.get_by_role("button", name="Fold the repeated calls").get_attribute("aria-expanded") == "true"
        page.get_by_role("button", name="Fold the repeated calls").click()
        page.wait_for_function("document.getElementById('watch-bars').drawn.categories.length === 5")
        assert _numbered(page, "watch-health") == folded and _table(page) == folded


@pytest.mark.browser
def test_a_log_with_no_layer_says_so_instead_of_empty_frames(browser, tmp_path):
    from web.conftest import shot

    reports = [report(step, []) for step in range(1, 7)]
    with _serve(browser, tmp_path, "noact", [header([]), *reports]) as page:
        for chart in ("watch-bars", "watch-history", "watch-health"):
            note = page.evaluate(f"document.getElementById('{chart}').emptyNote ?? ''")
            assert note.startswith("No layer to chart: the log names no activation"), (chart, note)
        assert page.locator("#watch-table").inner_text().startswith("No layer to chart")
        assert page.locator("#watch-table table").count() == 0
        assert page.evaluate("document.getElementById('watch-loss').drawn.series[0].y.length") == 6
        # W66 walkthrough finding 5: the charts over training drew their axes and the status marks over no data, the
        # note on one line cut at both ends and over the axis's '50%'; now no axes, and every line of the note
        # within the canvas (each chart redrawn with its text calls recorded)
        for chart in ("watch-history", "watch-health"):
            assert page.evaluate(f"document.getElementById('{chart}').drawn") is None, chart
            drawn = page.evaluate(_TEXTS_OF % chart)
            assert len(drawn) >= 2 and " ".join(t for t, *_ in drawn).startswith("No layer to chart"), drawn
            for text, left, right, width in drawn:
                assert 0 <= left and right <= width, (chart, text, left, right, width)
        shot(page, "watch-v25-no-layer")


@pytest.mark.browser
def test_a_long_empty_note_over_steps_is_wrapped_inside_the_plot(browser, tmp_path):
    """A chart over the steps with nothing to draw and a note longer than its plot is wide (stepLines' own note, at
    400 px): the note on several lines, each inside the plot."""
    reports = [report(step, ["a1"]) for step in range(1, 5)]
    with _serve(browser, tmp_path, "wrap", [header(["a1"]), *reports], width=400) as page:
        page.evaluate("""async () => {
          const { stepLines } = await import('/static/js/watch-charts.js');
          const canvas = document.createElement('canvas');
          canvas.id = 'wrap-test'; canvas.style.width = '360px'; canvas.style.height = '220px';
          document.body.append(canvas);
          const empty = 'No unit to count: ' + 'a long reason '.repeat(12);
          stepLines(canvas, { x: [1, 2, 3], log: true, series: [], empty });
        }""")
        note = page.evaluate("document.getElementById('wrap-test').emptyNote")
        drawn = [d for d in page.evaluate(_TEXTS_OF % "wrap-test") if d[0] in note]
        assert len(drawn) >= 3 and " ".join(t for t, *_ in drawn) == note, drawn
        geom = page.evaluate("({l: document.getElementById('wrap-test').geom.l, "
                             "r: document.getElementById('wrap-test').geom.r})")
        for text, left, right, _ in drawn:
            assert geom["l"] - 1 <= left and right <= geom["r"] + 1, (text, left, right, geom)


# the texts a chart draws when redrawn, each as [text, left edge, right edge, canvas width in CSS pixels], the
# empty note's lines among them
_TEXTS_OF = """((id) => {
  const canvas = document.getElementById(id), ctx = canvas.getContext('2d'), seen = [];
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y) {
    if (this === ctx) {
      const w = this.measureText(text).width;
      const left = this.textAlign === 'center' ? x - w / 2 : this.textAlign === 'right' ? x - w : x;
      seen.push([String(text), left, left + w, canvas.clientWidth]);
    }
    return fill.apply(this, arguments);
  };
  try { canvas.redraw(); } finally { CanvasRenderingContext2D.prototype.fillText = fill; }
  return seen.filter(([t]) => t.length > 12);
})('%s')"""


@pytest.mark.browser
def test_a_linear_axis_of_tiny_or_huge_values_keeps_one_notation(browser, tmp_path):
    """W67 walkthrough finding 8: the learning-rate chart of a rate of 1e-6 read "0.000001" over "5e-7" (String()'s
    two notations on one axis); the ticks now share one."""
    reports = [report(step, ["a1"]) for step in range(1, 4)]
    with _serve(browser, tmp_path, "notation", [header(["a1"]), *reports]) as page:
        labels = page.evaluate("""async () => {
          const { stepLines } = await import('/static/js/watch-charts.js');
          const out = [];
          for (const [k, y] of [[0, 1e-6], [1, 3e5], [2, 0.5]]) {
            const canvas = document.createElement('canvas');
            canvas.id = `notation-${k}`; canvas.style.width = '360px'; canvas.style.height = '200px';
            document.body.append(canvas);
            stepLines(canvas, { x: [1, 2, 3], log: false, series: [{ name: 'r', y: [y, y, y], joined: true }] });
            out.push(canvas.tickLabels);
          }
          return out;
        }""")
    tiny, huge, plain = labels
    assert tiny == ["0", "5e-7", "1e-6"], tiny
    assert all(t == "0" or "e+" in t for t in huge), huge
    assert all("e" not in t for t in plain), plain
