"""The watch page's charts on a deep net (issue 17, V10 item 12, W14's p8940_0.png, a 12-layer sigmoid MLP): a bar's
value label does not sit on the dashed ‖∂L/∂a‖ marker of its layer, the "0" row of the log axis is clear of the
lowest decade's label, and the ‖∂L/∂a‖ history chart says what its lines are."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

DEPTH = 12
NAMES = [str(2 * k + 1) for k in range(DEPTH)]
RUN = "document.getElementById('watch-run')"
LOSS = "document.getElementById('watch-loss')"
DRAWN = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state) && {LOSS}.drawn?.x?.length > 0" \
        " && document.getElementById('watch-bars').markers?.length > 0"
TEXT_H = 11


def _log(path):
    """W14's vanishing sigmoid net in small: ‖∂L/∂W‖ 4e-11 ... 0.03 over 12 layers, ‖∂L/∂a‖ about 1.3 times each
    (so each marker stands just above its bar, where the value label went); a last step with one layer at 0."""
    rows = [header(NAMES)]
    for s in range(1, 6):
        r = report(s, NAMES)
        for k, layer in enumerate(r["layers"]):
            w = 4e-11 * 8.5 ** k
            layer.update(weight_grad_norm=w, act_grad_norm=1.3 * w, activation="sigmoid")
        if s == 5:
            r["layers"][0].update(weight_grad_norm=0.0)
        rows.append(r)
    path.write_text(lines(*rows))


def _meets(box, marker) -> bool:
    x, y, r = marker
    return box[0] < x + r and x - r < box[2] and box[1] < y + r and y - r < box[3]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_value_labels_clear_the_markers_and_the_zero_row_clears_the_lowest_decade(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "deep.jsonl"
    _log(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, DRAWN, width)
        got = page.evaluate("""(() => { const c = document.getElementById('watch-bars');
            return { markers: c.markers, values: c.written.value_boxes, boxes: c.textBoxes, ticks: c.tickYs,
                     history: document.getElementById('watch-history').axisName }; })()""")
        values = [b["box"] for b in got["boxes"] if [b["box"][0], b["box"][2]] in got["values"]]
        assert values  # some values are written at this width
        hits = [(v, m) for v in values for m in got["markers"] if m is not None and _meets(v, m)]
        assert hits == []
        ticks = dict(got["ticks"])
        lowest = max(y for label, y in got["ticks"] if label != "0")
        if "0" in ticks:  # (a "0" row is labelled only where a value stands on it)
            assert ticks["0"] - lowest >= TEXT_H + 4  # the two labels do not touch
        assert got["history"] == "‖∂L/∂a‖ per layer, log scale"
        shot(page, f"watch-v10-deep-bars-{width}")
        assert errors == []
        context.close()
