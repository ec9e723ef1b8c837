"""The watch page where a practitioner found it wanting (issue 17, helper V2): a diverging loss is drawn on a log
axis and the chart says so, a loss that is itself infinite is a red mark, the bar chart's caption wraps instead of
being cut, the table's reading fits a 1280 px window without sideways scrolling, no two texts of the bar chart
overlap at 420 px, and the page's words (a finished log, one sampled step, a file that is not a log) are said once
and right. Chromium, on logs written by hand in the Monitor's format (web/_watch_logs)."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
NAMES = ["1", "3"]
SOURCE = "document.getElementById('watch-source').textContent"
LONG_WORDS = ("2 of 64 units rarely active (active for under 1% of the batch over the last 100 sampled batches): "
              "a ReLU unit that is rarely on learns slowly; lower the learning rate or start its bias above 0")


def _open(browser, base, width, ready):
    return open_watch(browser, base, ready, width)


def _app(tmp_path, log):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)


def _diverging(log, names=NAMES, words=""):
    """The practitioner's m4 run: the loss grows 131 -> 4.2e21, becomes inf, then NaN (the monitor flags those)."""
    losses = [130.97, 303.75, 13128187.0, 4.208e21]
    reports = [report(k + 1, names, v) for k, v in enumerate(losses)]
    reports.append(report(5, names, "inf", non_finite=True))
    reports += [report(s, names, None, non_finite=True) for s in range(6, 61)]
    for r in reports:
        for layer in r["layers"]:
            layer["words"] = words
    log.write_text(lines(header(names), *reports, {"event": "end", "steps_run": 60}))


def test_a_diverging_loss_is_drawn_on_a_log_axis_and_the_chart_says_so(browser, tmp_path):
    log = tmp_path / "m4.jsonl"
    _diverging(log)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _open(browser, base, 1280, f"{SOURCE}.includes('60 sampled steps')")
        page.wait_for_function("document.getElementById('watch-loss').drawn?.x.length === 60")
        got = page.evaluate("""(() => { const c = document.getElementById('watch-loss'), g = c.geom;
            return { kind: c.axisKind, y: [130.97, 13128187.0, 4.208e21].map(g.py), marks: c.drawn.marks }; })()""")
        assert got["kind"] == "log"
        # on the old linear axis 131 and 1.3e7 both sat on the floor (0.0 px apart); on a log axis 5 of 19 decades
        y131, y1e7, y4e21 = got["y"]
        assert y131 - y1e7 > 0.2 * (y131 - y4e21)
        assert got["marks"] == [[5, 60]]  # inf at step 5, NaN after: a red stretch, not silent gaps
        shot(page, "watch-v2-diverging-1280")
        page.locator("#watch-loss").focus()
        page.keyboard.press("End")
        for _ in range(55):
            page.keyboard.press("ArrowLeft")
        assert page.locator("#watch-readout").text_content() == "Step 5: loss +infinity (a red mark, not drawn)"
        assert errors == []
        context.close()


def test_a_loss_within_a_decade_stays_linear_and_an_inf_loss_is_marked(browser, tmp_path):
    log = tmp_path / "steady.jsonl"
    log.write_text(lines(header(NAMES), report(1, NAMES, 0.9), report(2, NAMES, 0.7), report(3, NAMES, "inf"),
                         report(4, NAMES, 0.5)))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _open(browser, base, 1280, f"{SOURCE}.includes('4 sampled steps')")
        page.wait_for_function("document.getElementById('watch-loss').drawn?.x.length === 4")
        got = page.evaluate("(() => { const c = document.getElementById('watch-loss');"
                            " return { kind: c.axisKind, marks: c.drawn.marks, names: c.legendNames }; })()")
        # step 3's loss is inf although no activation held one: marked, and named in the key
        assert got == {"kind": "linear", "marks": [[3, 3]], "names": ["loss", "NaN or inf"]}
        assert page.evaluate("document.getElementById('watch-history').axisKind") == "log"
        assert errors == []
        context.close()


def _overlaps(boxes):
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            if l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1:
                pairs.append((a["text"], b["text"]))
    return pairs


@pytest.mark.parametrize("width", [1280, 420])
def test_the_bar_caption_wraps_whole_and_no_two_texts_overlap(browser, tmp_path, width):
    log = tmp_path / "m4.jsonl"
    _diverging(log)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _open(browser, base, width, f"{SOURCE}.includes('60 sampled steps')")
        page.wait_for_function("document.getElementById('watch-bars').textBoxes !== undefined")
        got = page.evaluate("""(() => { const c = document.getElementById('watch-bars');
            return { lines: c.captionLines, boxes: c.textBoxes, width: c.getBoundingClientRect().width }; })()""")
        assert " ".join(got["lines"]) == "step 4, the latest finite one (step 60 holds a NaN or an inf)"
        assert "…" not in " ".join(got["lines"])
        assert _overlaps(got["boxes"]) == []
        assert all(0 <= b["box"][0] and b["box"][2] <= got["width"] for b in got["boxes"])
        shot(page, f"watch-v2-bars-{width}", page.locator("#watch-bars"))
        assert errors == []
        context.close()


def test_a_tall_bar_value_and_the_caption_do_not_overlap_at_420(browser, tmp_path):
    """The practitioner's m1 run at 420 px: '0.029' above the tallest bar ran into the caption 'step 296'."""
    log = tmp_path / "m1.jsonl"
    reports = [report(s, NAMES, 0.5) for s in range(1, 297)]
    for r in reports:
        r["layers"][0]["weight_grad_norm"], r["layers"][1]["weight_grad_norm"] = 0.029, 0.011
    log.write_text(lines(header(NAMES), *reports))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _open(browser, base, 420, f"{SOURCE}.includes('296 sampled steps')")
        page.wait_for_function("document.getElementById('watch-bars').textBoxes?.some((b) => b.text === 'step 296')")
        boxes = page.evaluate("document.getElementById('watch-bars').textBoxes")
        texts = [b["text"] for b in boxes]
        assert "step 296" in texts and "0.029" in texts
        assert _overlaps(boxes) == []
        shot(page, "watch-v2-bars-m1-420", page.locator("#watch-bars"))
        assert errors == []
        context.close()


DOTTED = ["encoder.layers.0.linear1.activation", "encoder.layers.1.linear1.activation"]


@pytest.mark.parametrize("names", [NAMES, DOTTED])
def test_the_reading_column_fits_a_1280_window_without_scrolling(browser, tmp_path, names):
    log = tmp_path / "words.jsonl"
    _diverging(log, names, words=LONG_WORDS)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _open(browser, base, 1280, "document.querySelector('#watch-table table') !== null")
        got = page.evaluate("""(() => { const w = document.getElementById('watch-table'),
            cell = w.querySelector('tbody td:last-child'), a = w.getBoundingClientRect(),
            b = cell.getBoundingClientRect();
            return { scroll: w.scrollWidth, client: w.clientWidth, right: b.right, edge: a.right,
                     text: cell.textContent,
                     heights: [...w.querySelectorAll('tbody tr:first-child td')].slice(1, -1)
                                .map((td) => td.getBoundingClientRect().height) }; })()""")
        assert got["scroll"] <= got["client"], got
        assert got["right"] <= got["edge"] + 0.5 and got["text"] == LONG_WORDS
        # the numbers still sit on one line each (no letter-by-letter wrapping)
        first = page.locator("#watch-table tbody tr").first
        # the break points are not characters; a bare index carries its class, as in the charts (R15)
        assert first.locator("td").nth(0).text_content() == (f"{names[0]} (GELU)" if names[0].isdigit() else names[0])
        assert max(got["heights"]) <= first.locator("td").nth(1).bounding_box()["height"] + 0.5
        shot(page, f"watch-v2-table-1280-{len(names[0])}", page.locator("#watch-table"))
        assert errors == []
        context.close()


def test_the_page_words_a_finished_log_one_step_and_a_bad_file_once(browser, tmp_path):
    log = tmp_path / "one.jsonl"
    log.write_text(lines(header(NAMES), report(1, NAMES, 0.5), {"event": "end", "steps_run": 1}))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _open(browser, base, 1280, f"{SOURCE}.includes('1 sampled step')")
        # a finished log is not "so far"; one step is one step
        assert page.locator("#watch-source").text_content() == "one.jsonl: 1 sampled step"
        log.write_text("a,b,c\n1,2,3\n")  # the file is replaced by a CSV
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'not-a-log'")
        said = page.locator("#watch-run").text_content()
        assert said.startswith("one.jsonl is not a Monitor log: line 1: it is not JSON")
        assert page.locator("#status").text_content() == ""  # said once, in the body, not again in the banner
        assert page.locator("body").inner_text().count("is not a Monitor log") == 1
        assert errors == []
        context.close()
