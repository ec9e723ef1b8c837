"""The bar chart's value labels on the watch page can be read only as their bar's value (issue 17, R15 item 3).

(a) A label that had to step over the dashed ‖∂L/∂a‖ line stood just over its bar's own marker, so '0.03' over a
bar of 0.03 read as the value of the marker (0.036) under it. Now a label over its bar stands under that marker
where the marker is over the bar, or goes inside the bar, at its top, in white; a bar with neither goes unlabelled
and the note names it. (b) Where two significant digits did not fit, the label fell back to one: 2.5e-4 was
written '3e-4'. Now a label is the value to two significant digits, or to one where that is the same number.

Measured in the browser: the bars from the pixels the canvas drew (test_watch_labels_v12's MEASURE), each marker's
height from the log's own ‖∂L/∂a‖ placed on the drawn decade ticks, and each label's number against the log's value
rounded here to two significant digits.
"""

from __future__ import annotations

import math

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web.test_watch_labels_v12 import MEASURE, NEAR, READY, _named

SUPER = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
# ‖∂L/∂W‖ per layer; ‖∂L/∂a‖ is RATIO times each: just over each bar (the case that misled), far over it, under it
CASES = {
    "zigzag": [2e-4, 3e-2, 2.5e-4, 4e-2, 3.5e-4, 2e-2, 2e-4, 3e-2],
    "close": [1e-3, 1.2e-3, 1e-2, 1.1e-3, 5e-2, 4e-3],
}
RATIOS = (1.2, 10.0, 0.3)


def _log(path, values, ratio):
    names = [f"l{k}" for k in range(len(values))]
    rows = [header(names)]
    for s in range(1, 4):
        r = report(s, names)
        for layer, v in zip(r["layers"], values, strict=True):
            layer.update(weight_grad_norm=v, act_grad_norm=ratio * v)
        rows.append(r)
    path.write_text(lines(*rows))


def _decade_y(ticks):
    """y of log10(v) = t on the chart, fitted to the decade ticks it drew ('10⁻²', '1', '10'; not the '0' row)."""
    pts = [(float(label.replace("10", "1e", 1).translate(SUPER)) if label.startswith("10") and len(label) > 2
            else float(label), y) for label, y in ticks if label != "0"]
    ks = [math.log10(v) for v, _ in pts]
    k0, y0 = ks[0], pts[0][1]
    slope = (pts[-1][1] - y0) / (ks[-1] - k0)
    return lambda v: y0 + slope * (math.log10(v) - k0)


def _two_digits(v: float) -> float:
    return float(f"{v:.1e}")


def _page(browser, tmp_path, case, ratio, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / f"{case}.jsonl"
    _log(log, CASES[case], ratio)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        got = page.evaluate(MEASURE)
        got["ticks"] = page.evaluate("document.getElementById('watch-bars').tickYs")
        shot(page, f"watch-r15-labels-{case}-{ratio:g}-{width}", page.locator("#watch-bars"))
        context.close()
    assert errors == []
    assert len(got["bars"]) == len(CASES[case])  # every bar found in the pixels
    return got


def _owner(label, bars):
    left, _, right, _ = label["glyph"]
    under = [k for k, b in enumerate(bars) if b[0] <= (left + right) / 2 <= b[2]]
    assert len(under) == 1, label
    return under[0]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_label_over_its_bar_never_stands_over_the_bars_own_marker(browser, tmp_path, case, ratio, width):
    got = _page(browser, tmp_path, case, ratio, width)
    bars, y = got["bars"], _decade_y(got["ticks"])
    labelled = set()
    for label in got["labels"]:
        k = _owner(label, bars)
        left, head, right, foot = label["glyph"]
        bar_left, bar_top, bar_right, base = bars[k]
        inside = head >= bar_top + 0.5
        if inside:  # within the bar's blue, near its top
            assert bar_left < left and right < bar_right and foot <= base and head - bar_top <= NEAR, (label, bars[k])
        else:
            assert foot <= bar_top + 0.5 and bar_top - foot <= NEAR, (label, bars[k])
            marker = y(ratio * CASES[case][k])
            if marker < bar_top - 0.5:  # the marker stands over the bar: the label stays between the two
                assert foot > marker, (label, marker, bars[k])
        labelled.add(k + 1)
    assert _named(got["note"], len(bars)) == set(range(1, len(bars) + 1)) - labelled, got["note"]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_label_is_its_value_to_two_significant_digits(browser, tmp_path, case, width):
    got = _page(browser, tmp_path, case, 1.2, width)
    for label in got["labels"]:
        k = _owner(label, got["bars"])
        assert float(label["text"]) == _two_digits(CASES[case][k]), (label["text"], CASES[case][k])


@pytest.mark.browser
def test_a_value_with_two_digits_is_written_in_full_at_1280_px(browser, tmp_path):
    """The zigzag at 1280 px: every bar is labelled, 2.5e-4 and 3.5e-4 with both their digits (V12 wrote '3e-4' and
    '4e-4' over their markers)."""
    got = _page(browser, tmp_path, "zigzag", 1.2, 1280)
    assert sorted(_owner(label, got["bars"]) for label in got["labels"]) == list(range(8)) and got["note"] == ""
