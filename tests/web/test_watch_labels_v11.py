"""The bar chart's value labels on the watch page keep clear of the dashed ‖∂L/∂a‖ line (issue 17, V11 item 2). A
label pushed above its marker could still sit on the segment running to the next marker where two markers stand
close in height. Measured in the browser: each label's glyph box (the canvas's own measureText) against the line's
points and the segments between them, the line's colour counted in the pixels under each label, and the labels
against each other and against the chart's other words (keys, caption, layer numbers)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-bars').markers?.length > 0"
LINE_HALF = 1.0  # px: the dashed line is 2 px wide

# ‖∂L/∂W‖ per layer; ‖∂L/∂a‖ is 1.2 times each, so every marker stands just above its bar, where the label goes,
# and low bars sit between high ones, so the segments to their neighbours climb through the labels' places
CASES = {
    "close": [1e-3, 1.2e-3, 1e-2, 1.1e-3, 5e-2, 4e-3],
    "zigzag": [2e-4, 3e-2, 2.5e-4, 4e-2, 3e-4, 2e-2, 2e-4, 3e-2],
    # the tallest marker at 0.1, a decade, so at the very top of the axis: its bar's label goes over it
    "peak": [1e-3, 1e-2, 0.1 / 1.2, 1e-2, 1e-3],
}

# per value label: its text, its glyph box measured by the canvas, and the count of pixels under that box in the
# line's colour (#E69F00; the bars are blue, the text grey, so a pixel far redder than blue is the line's)
MEASURE = """(() => {
  const c = document.getElementById('watch-bars'), ctx = c.getContext('2d');
  const dpr = c.width / c.getBoundingClientRect().width;
  const values = c.written.value_boxes.map(([a, b]) => `${a},${b}`);
  const labels = c.textBoxes.filter((t) => values.includes(`${t.box[0]},${t.box[2]}`));
  ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0);
  const out = labels.map(({ text, box }) => {
    const x = (box[0] + box[2]) / 2, y = box[3];
    ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
    const m = ctx.measureText(text);
    const glyph = [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent, x + m.actualBoundingBoxRight,
                   y + m.actualBoundingBoxDescent];
    const [l, t] = [Math.floor(glyph[0] * dpr), Math.floor(glyph[1] * dpr)];
    const [r, b] = [Math.ceil(glyph[2] * dpr), Math.ceil(glyph[3] * dpr)];
    const px = ctx.getImageData(l, t, Math.max(1, r - l), Math.max(1, b - t)).data;
    let orange = 0;
    for (let k = 0; k < px.length; k += 4) if (px[k + 3] > 40 && px[k] - px[k + 2] > 80 && px[k] > 150) orange++;
    return { text, glyph, orange };
  });
  ctx.restore();
  const others = c.textBoxes.filter((t) => !labels.includes(t)).map((t) => t.box);  // keys, caption, layer numbers
  return { labels: out, markers: c.markers, others };
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


def _segment_meets(box, a, b, pad) -> bool:
    """Whether the segment a-b, widened by `pad`, meets the box [left, top, right, bottom] (sampled every 0.25 px)."""
    (ax, ay), (bx, by) = a, b
    steps = max(1, int(abs(bx - ax) * 4))
    for j in range(steps + 1):
        x = ax + (bx - ax) * j / steps
        y = ay + (by - ay) * j / steps
        if box[0] - pad <= x <= box[2] + pad and box[1] - pad <= y <= box[3] + pad:
            return True
    return False


def _overlap(p, q) -> bool:
    return p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
@pytest.mark.parametrize("case", sorted(CASES))
def test_value_labels_keep_clear_of_the_dashed_line_and_of_each_other(browser, tmp_path, case, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / f"{case}.jsonl"
    _log(log, CASES[case])
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        got = page.evaluate(MEASURE)
        shot(page, f"watch-v11-labels-{case}-{width}", page.locator("#watch-bars"))
        labels = got["labels"]
        # every bar keeps its value where it has a place near it (within V12's LABEL_NEAR) clear of the line; at 420
        # px the zigzag and close cases leave some none, and those go unlabelled, named by the note (V12: their
        # labels had sat 45-49 px above their bars). Every bar is one or the other
        unlabelled = page.evaluate("document.getElementById('watch-bars').unlabelled")
        assert len(labels) + len(unlabelled) == len(CASES[case])
        if width == 1280:
            assert not unlabelled
        if unlabelled:
            assert "too close to the dashed line" in page.locator("#watch-bars-note").text_content()
        points = [(m[0], m[1]) for m in got["markers"] if m is not None]
        radius = max(m[2] for m in got["markers"] if m is not None)
        for label in labels:
            glyph = label["glyph"]
            assert not any(_overlap(glyph, [x - radius, y - radius, x + radius, y + radius]) for x, y in points), label
            assert not any(_segment_meets(glyph, a, b, LINE_HALF) for a, b in pairwise(points)), label
            assert label["orange"] == 0, label
        boxes = [label["glyph"] for label in labels]
        assert not any(_overlap(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1:])
        assert not any(_overlap(p, q) for p in boxes for q in got["others"])
        assert errors == []
        context.close()
