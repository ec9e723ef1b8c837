"""The watch page as a practitioner meets it (walkthrough W5): a rerun into the same log clears the old run and says
so; a file that is not a Monitor log says so; a bad line is counted and never blanks the page; 40 layers and a
400 px window stay readable (no label overlaps another, every chart names the point under the pointer or the focus,
the table scrolls instead of wrapping numbers letter by letter); a huge loss is not clipped; a long history is
drawn whole, thinned, and says which steps it shows. Chromium, on logs written by hand in the Monitor's format."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report, write_run
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
NAMES = ["enc.layers.0.activation", "enc.layers.1.activation"]
SOURCE = "document.getElementById('watch-source').textContent"


def _app(tmp_path, log):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)


def _text(page, id_):
    return page.locator(f"#{id_}").text_content()


def test_a_rerun_into_the_same_log_clears_the_old_run_and_says_so(browser, tmp_path):
    log = tmp_path / "rerun.jsonl"
    write_run(log, NAMES, range(10, 1120, 10), loss=lambda s: 0.793, status="healthy")  # 111 steps
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('111 sampled steps')")
        assert page.evaluate("document.getElementById('watch-history').drawn.x.length") == 111
        write_run(log, NAMES, range(10, 70, 10), loss=lambda s: 1.54, status="starting")  # the rerun: 6 steps
        page.wait_for_function("!document.getElementById('watch-restart').hidden", timeout=15_000)
        page.wait_for_function(f"{SOURCE}.includes('6 sampled steps')")
        said = _text(page, "watch-restart")
        assert said.startswith("At ") and said.endswith(
            " the log was started again: the file was written again from its start (it is shorter than before). The"
            " page cleared the previous run and shows the new one from its first sampled step.")
        drawn = page.evaluate("(() => { const h = document.getElementById('watch-history').drawn,"
                              " l = document.getElementById('watch-loss').drawn; return {x: h.x, loss: l.series[0].y};"
                              " })()")
        assert drawn == {"x": [10, 20, 30, 40, 50, 60], "loss": [1.54] * 6}
        assert page.locator("#watch-reading").get_attribute("data-status") == "starting"
        shot(page, "watch-rerun-cleared")
        assert errors == []
        context.close()


def test_a_file_that_is_not_a_monitor_log_says_which_line_and_what_was_expected(browser, tmp_path):
    log = tmp_path / "settings.json"
    log.write_text('{"format": "actlab-playground", "layers": []}\n')
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, "document.body.dataset.ready === 'true'")
        assert page.locator("#watch-run").get_attribute("data-state") == "not-a-log"
        said = _text(page, "watch-run")
        assert said.startswith("settings.json is not a Monitor log: line 1: it names the format \"actlab-playground\"")
        assert '{"format": "actlab-monitor/1", "layers": [...]}' in said and "Waiting" not in said
        assert not page.locator("#watch-history").is_visible()  # no empty chart frames
        assert errors == []
        context.close()


def test_a_missing_then_empty_file_is_waited_for_by_name(browser, tmp_path):
    log = tmp_path / "later.jsonl"
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, "document.body.dataset.ready === 'true'")
        assert _text(page, "watch-run") == f"Waiting for {log}: the file does not exist yet."
        log.write_text("")
        page.wait_for_function("document.getElementById('watch-run').textContent.includes('empty so far')")
        write_run(log, NAMES, [1, 2])
        page.wait_for_function(f"{SOURCE}.includes('2 sampled steps')")
        assert page.locator("#watch-run").get_attribute("data-state") == "running"
        page.wait_for_function("document.getElementById('watch-history').drawn?.x.length === 2")
        assert page.locator("#watch-history").bounding_box()["width"] > 300
        assert errors == []
        context.close()


def test_a_report_with_wrong_field_types_is_skipped_and_counted_and_the_page_keeps_the_rest(browser, tmp_path):
    log = tmp_path / "run.jsonl"
    good = [report(s, NAMES, 1.0 / s) for s in range(1, 20)]
    log.write_text(lines(header(NAMES), *good, report(20, NAMES) | {"layers": "oops"}, report(21, NAMES, 0.04)))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('20 sampled steps')")
        page.wait_for_function("!document.getElementById('watch-bad').hidden")
        assert _text(page, "watch-bad") == ('1 line was skipped, since it is not a record of a Monitor log (line 21: '
                                            'layers is a string ("oops"), expected a list). The 20 good reports are '
                                            'shown.')
        assert page.locator("#watch-table tbody tr").count() == 2
        assert page.evaluate("document.getElementById('watch-history').drawn.x.at(-1)") == 21
        assert "Could not" not in _text(page, "status")
        assert errors == []
        context.close()


def _label_boxes(page, id_):
    return page.evaluate(f"document.getElementById('{id_}').written")


def _no_overlap(boxes):
    boxes = sorted(boxes, key=lambda b: b[0])
    return all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False))


@pytest.mark.parametrize("width", [1280, 400])
def test_forty_layers_stay_readable_and_every_chart_names_what_is_under_the_pointer(browser, tmp_path, width):
    names = [f"blocks.{k}.act" for k in range(40)]
    log = tmp_path / "deep.jsonl"
    write_run(log, names, range(5, 65, 5), loss=lambda s: 2 / s)
    with serving(_app(tmp_path, log)) as base:
        context = browser.new_context(viewport={"width": width, "height": 1000})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/watch")
        page.wait_for_function(f"{SOURCE}.includes('12 sampled steps')")
        written = _label_boxes(page, "watch-bars")
        assert 4 <= len(written["x"]) < 40 and _no_overlap(written["x"])  # layer numbers, thinned to fit
        assert _no_overlap(written["value_boxes"])
        # the history: every layer can be named, by pointer or by keyboard
        page.locator("#watch-history").focus()
        page.keyboard.press("End")
        for _ in range(39):
            page.keyboard.press("ArrowUp")
        assert _text(page, "watch-readout") == "Step 60, layer 40 ('blocks.39.act'): ‖∂L/∂a‖ " + \
            page.evaluate("(() => { const v = 0.5 ** 39 / 1.6; return v.toExponential(2); })()") + " (40 of 40 layers)"
        box = page.locator("#watch-history").bounding_box()
        page.mouse.move(box["x"] + box["width"] - 12, box["y"] + box["height"] / 2)
        assert _text(page, "watch-readout").startswith("Step 60, layer ")
        page.locator("#watch-loss").scroll_into_view_if_needed()  # below the fold at 400 px since V4's health chart
        box = page.locator("#watch-loss").bounding_box()
        page.mouse.move(box["x"] + box["width"] - 12, box["y"] + box["height"] / 2)
        assert _text(page, "watch-readout") == "Step 60: loss 0.03333"
        page.locator("#watch-bars").focus()
        page.keyboard.press("End")
        assert _text(page, "watch-readout").startswith("Layer 40 ('blocks.39.act'): ‖∂L/∂W‖ ")
        # the key of 40 lines names the first and the last layer and shades the ones between
        assert page.evaluate("document.getElementById('watch-history').legendNames.length") == 40
        cells = page.locator("#watch-table tbody tr").first.locator("td")
        heights = [cells.nth(i).bounding_box()["height"] for i in range(12)]  # all but the reading's words
        assert max(heights) < 40, heights  # a number is never wrapped letter by letter
        shot(page, f"watch-forty-layers-{width}")
        assert errors == []
        context.close()


def test_a_huge_loss_fits_the_axis_and_a_nan_steps_loss_is_not_drawn(browser, tmp_path):
    log = tmp_path / "diverge.jsonl"
    reports = [report(1, NAMES, 14.9), report(2, NAMES, 3.1795e32), report(3, NAMES, 3.1795e32, non_finite=True),
               report(4, NAMES, None, non_finite=True)]
    log.write_text(lines(header(NAMES), *reports))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('4 sampled steps')")
        loss = page.evaluate("document.getElementById('watch-loss').drawn.series[0].y")
        assert loss == [14.9, 3.1795e32, None, None]  # step 3 is a red mark, not a point
        # the loss spans 31 decades: a log axis (issue 17, V2), whose every tick label fits left of the axis
        fits = page.evaluate("""(() => { const c = document.getElementById('watch-loss'), ctx = c.getContext('2d');
            return { kind: c.axisKind, ticks: c.tickLabels, label: Math.max(...c.tickLabels.map((t) =>
                     ctx.measureText(t).width)), left: c.geom.l }; })()""")
        assert fits["kind"] == "log" and fits["ticks"][-1] == "10³¹"
        assert fits["label"] + 4 <= fits["left"]
        assert errors == []
        context.close()


def test_a_long_history_is_drawn_whole_and_says_which_steps_it_shows(browser, tmp_path):
    log = tmp_path / "long.jsonl"
    write_run(log, NAMES, range(10, 60_010, 10))  # 6,000 sampled steps
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('6,000 sampled steps')")
        page.wait_for_function("document.getElementById('watch-history').drawn?.x.at(-1) === 60000")
        page.wait_for_function("!document.getElementById('watch-span').hidden")
        x = page.evaluate("document.getElementById('watch-history').drawn.x")
        # the first 256 reports every one (V4), then to report 5,500 every 8th (656 of them), the newest 500 every one
        assert x[:256] == list(range(10, 2_570, 10)) and len(x) == 256 + 656 + 500
        assert x[256] == 2_570 and x[911] == 54_970 and x[912] == 55_010
        assert _text(page, "watch-span") == (
            "The charts show the whole run: every sampled step up to step 2,560, then every 8th sampled step up to "
            "step 54,970, then every sampled step from step 55,010 to 60,000 (1,412 of the 6,000 sampled steps). "
            "Between two drawn steps of the thinned middle, the shaded band spans the lowest to highest value of the "
            "steps not drawn, so a spike there still shows; a step that held a NaN or an inf is marked in red.")
        assert errors == []
        context.close()


def test_the_readout_follows_new_steps_for_the_layer_it_names(browser, tmp_path):
    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, [1, 2, 3])
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('3 sampled steps')")
        page.locator("#watch-bars").focus()
        assert _text(page, "watch-readout") == ("Layer 1 ('enc.layers.0.activation'): ‖∂L/∂W‖ 2.91, ‖∂L/∂a‖ 0.971 "
                                                "(1 of 2 layers)")  # 3 x 1 / 1.03 and 1 / 1.03
        with log.open("a") as fh:
            fh.write(lines(report(4, NAMES, scale=10.0)))
        page.wait_for_function(f"{SOURCE}.includes('4 sampled steps')")
        assert _text(page, "watch-readout") == ("Layer 1 ('enc.layers.0.activation'): ‖∂L/∂W‖ 28.8, ‖∂L/∂a‖ 9.62 "
                                                "(1 of 2 layers)")  # 30 / 1.04 and 10 / 1.04
        assert errors == []
        context.close()


@pytest.mark.parametrize(("names", "short"), [
    (["enc.layers.0.linear1:gelu", "enc.layers.1.linear1:gelu"], ["…layers.0…", "…layers.1…"]),
    (["1", "3", "5"], ["1", "3", "5"]),  # a Sequential's bare indices: nothing shared
    (["stem.act", "blocks.0.act", "head.act"], ["stem…", "blocks.0…", "head…"]),
    (["a.b.c", "a.b.c"], ["a.b.c", "a.b.c"]),  # the same name twice (a module called twice) stays whole
])
def test_key_names_keep_the_parts_that_tell_layers_apart(browser, tmp_path, names, short):
    log = tmp_path / "run.jsonl"
    write_run(log, ["x"], [1])
    with serving(_app(tmp_path, log)) as base:
        context, page, _ = open_watch(browser, base, f"{SOURCE}.includes('1 sampled step')")
        got = page.evaluate(f"import('/static/js/watch-charts.js').then((m) => m.distinctNames({names!r}))")
        assert got == short
        context.close()


def test_up_to_eight_long_layer_names_all_get_a_key_inside_a_400_px_chart(browser, tmp_path):
    names = [f"encoder.layers.{k}.feed_forward.activation" for k in range(7)]
    log = tmp_path / "tfm.jsonl"
    write_run(log, names, range(1, 6))
    with serving(_app(tmp_path, log)) as base:
        context = browser.new_context(viewport={"width": 400, "height": 1000})
        page = context.new_page()
        page.goto(f"{base}/watch")
        page.wait_for_function(f"{SOURCE}.includes('5 sampled steps')")
        keys = page.evaluate("document.getElementById('watch-history').keysDrawn")
        width = page.evaluate("document.getElementById('watch-history').clientWidth")
        assert [k["label"].split(":")[0] for k in keys] == [str(k) for k in range(1, 8)]  # every layer has a key
        assert all(k["right"] <= width for k in keys) and len({k["y"] for k in keys}) > 1  # wrapped, not cut off
        # shortened to the part that tells them apart; the readout and the table give them in full
        assert [k["label"] for k in keys] == [f"{k + 1}: …layers.{k}…" for k in range(7)]
        context.close()


def test_a_second_monitor_writing_the_same_log_is_not_called_a_restart(browser, tmp_path):
    """W104 walkthrough finding 5: a GAN's two Monitors given one log= (each line with its run id). The page, open on
    the first, saw the second's header and said 'the log was started again: line 2 begins another run's log ... The
    page cleared the previous run', over the warning that two monitors wrote the log at once. Once the first run's
    lines go on after the second's began, the note says what happened."""
    log = tmp_path / "gan.jsonl"
    log.write_text(lines({**header(NAMES), "run": "g"},
                         *({**report(s, NAMES, loss=0.7), "run": "g"} for s in range(5, 30, 5))))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('5 sampled steps')")
        began = len(log.read_text().splitlines()) + 1
        rows = [{**header(NAMES), "run": "d"}]
        for s in range(5, 30, 5):  # the discriminator's lines, and the generator's going on beside them
            rows += [{**report(s, NAMES, loss=1.3), "run": "d"}, {**report(s + 25, NAMES, loss=0.7), "run": "g"}]
        with log.open("a") as fh:
            fh.write(lines(*rows))
        page.wait_for_function("document.getElementById('watch-restart').textContent.includes('a second monitor')",
                               timeout=15_000)
        said = _text(page, "watch-restart")
        assert said.startswith("At ") and f"a second monitor began writing this log, from line {began}, while the " \
            "first went on: two runs at once" in said, said
        assert "started again" not in said and "cleared" not in said, said
        assert errors == []
        shot(page, "watch_two_monitors_w104")
        context.close()
