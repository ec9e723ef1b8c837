"""actlab watch (issue 17, V5), the page: a lab without a log says so once; a long log is said to be read until
the page has caught up; a NaN on a sparsely sampled run is dated by the sampled step it was seen at; every bar has its
value or the page says where to read it; the step axis chosen is kept in the address."""

from __future__ import annotations

import pytest

from web.test_watch_v5 import _app, _report, _sparse_nan_log, _write

# -- the page ------------------------------------------------------------------------------------------------------


def _page(browser, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


@pytest.mark.browser
def test_a_lab_without_a_log_says_so_once_and_shows_no_charts(browser, tmp_path):
    from web.conftest import serving, shot

    with serving(_app(tmp_path)) as base:
        context, page, errors = _page(browser)
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if "/api/watch" in r.url else None)
        page.goto(f"{base}/watch")
        page.wait_for_function("document.body.dataset.ready === 'true'")
        page.wait_for_timeout(4_000)  # the old page asked again every 3 s
        assert len(asked) == 1
        assert page.locator("#watch-none").is_visible()
        assert page.locator("#watch-none").inner_text().startswith(
            "No log is being watched: this lab was started with actlab lab, which follows no training run.")
        assert "actlab watch run.jsonl" in page.locator("#watch-none").inner_text()
        assert not page.locator("#watch-body").is_visible() and not page.locator("canvas").first.is_visible()
        assert page.locator("#status").text_content() == ""
        shot(page, "watch-v5-no-log")
        assert not errors
        context.close()


@pytest.mark.browser
def test_a_long_finished_log_is_said_to_be_read_until_the_page_has_caught_up(browser, tmp_path):
    from web.conftest import serving

    names = [f"layer{k}" for k in range(12)]
    total = 4_000  # about 14 MB: the lab reads 4 MB a request, so the page catches up over several answers
    log = tmp_path / "big.jsonl"
    _write(log, names, [_report(s, names, words="x" * 100) for s in range(1, total + 1)], end=total)
    assert log.stat().st_size > 9 * 1024 * 1024
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser)
        page.add_init_script("""
          window.__said = [];
          document.addEventListener("DOMContentLoaded", () => {
            const el = document.getElementById("watch-run");
            new MutationObserver(() => { if (window.__said.at(-1) !== el.textContent) window.__said.push(
              [el.dataset.state, el.textContent, document.getElementById("watch-source").textContent,
               el.getAttribute("aria-busy"), document.getElementById("watch-bars").emptyNote]); })
              .observe(el, { childList: true, characterData: true, subtree: true, attributes: true });
          });""")
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'ended'", timeout=120_000)
        said = page.evaluate("window.__said")
        states = [s for s, *_ in said]
        assert "running" not in states and states[-1] == "ended"
        # a screen reader is told the line is busy while the count runs, and reads the line once it settles
        assert {busy for state, _, _, busy, _ in said if state == "reading"} == {"true"} and said[-1][3] == "false"
        # the bars do not wait for the whole log (V6): they show the newest report at its end from the first answer
        assert {note for state, *_, note in said if state == "reading"} == {None}
        assert said[-1][4] is None and page.evaluate("document.getElementById('watch-bars').drawn.bars.length") == 12
        reading = [(text, source) for state, text, source, *_ in said if state == "reading"]
        assert reading, said
        text, source = reading[0]
        assert source == "big.jsonl: reading"
        # the estimate from the bytes read: each report is about as long as the next, so it is close
        about = int(text.split("of about ")[1].split(" ")[0].replace(",", ""))
        assert 3_800 <= about <= 4_200
        assert text.endswith(" sampled steps. Whether the run is going on or has ended is said once the page has "
                             "read all of it.")
        assert page.locator("#watch-source").text_content() == "big.jsonl: 4,000 sampled steps"
        assert not errors
        context.close()


@pytest.mark.browser
def test_a_nan_on_a_sparsely_sampled_run_is_dated_by_the_step_it_was_seen_at(browser, tmp_path):
    from web.conftest import serving, shot

    log = tmp_path / "nan.jsonl"
    _sparse_nan_log(log)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser)
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-nan').textContent !== ''")
        assert page.locator("#watch-nan").text_content() == (
            "A NaN or an inf was first seen at training step 406 (a sampled one; the last finite sample was step 401), "
            "first at module 'b'; 2 of the 83 sampled steps held one (red marks).")
        shot(page, "watch-v5-nan-sparse", page.locator("#watch-nan"))
        assert not errors
        context.close()


@pytest.mark.browser
def test_a_nan_on_a_run_sampled_at_every_step_is_dated_as_fact(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "nan.jsonl"
    _write(log, ["a"], [_report(s, ["a"], bad=s >= 50, first_bad=50 if s >= 50 else None) for s in range(1, 53)])
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser)
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-nan').textContent !== ''")
        assert page.locator("#watch-nan").text_content().startswith(
            "A NaN or an inf first appeared at step 50, first at module 'b'; 3 of the 52")
        assert not errors
        context.close()


# the gradients of a ten-layer sigmoid net, as the practitioner's log held them (3.5e-9 at the first layer)
SIGMOID_GRADS = [2.34e-9, 1.41e-8, 8.8e-8, 5.7e-7, 3.5e-6, 2.3e-5, 1.42e-4, 9.5e-4, 6.9e-3, 5.17e-2]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_every_bar_of_a_ten_layer_sigmoid_net_has_its_value_or_the_page_says_where_it_is(browser, tmp_path, width):
    from web.conftest import serving, shot

    names = [str(2 * k + 1) for k in range(10)]
    log = tmp_path / "sig.jsonl"
    _write(log, names, [_report(s, names, grads=[g / 1.5 for g in SIGMOID_GRADS]) for s in range(1, 201)], end=200)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser, width)
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'ended'")
        bars = page.evaluate("(() => { const c = document.getElementById('watch-bars');"
                             " return { labels: c.written.value_boxes.length, unlabelled: c.unlabelled }; })()")
        note = page.locator("#watch-bars-note")
        assert bars["labels"] + len(bars["unlabelled"]) == 10
        if bars["unlabelled"]:
            assert note.is_visible() and "point at a bar" in note.text_content()
        else:
            assert not note.is_visible()
        # every value with two significant digits at 1280 px; at 420 px the two shortest bars have no room for
        # that (R15: V5's one-digit fallback wrote 2.34e-9 / 1.5 as '2e-9')
        assert bars["labels"] == (10 if width == 1280 else 8)
        shot(page, f"watch-v5-sigmoid-bars-{width}", page.locator("#watch-bars"))
        assert not errors
        context.close()


@pytest.mark.browser
def test_the_step_axis_chosen_is_kept_in_the_address_over_a_reload(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "run.jsonl"
    _write(log, ["a"], [_report(s, ["a"]) for s in range(1, 301)], end=300)  # a short run: linear by default
    ready = "document.getElementById('watch-history').drawn?.x?.at(-1) === 300"
    axis = "document.getElementById('watch-history').stepAxis"
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser)
        page.goto(f"{base}/watch")
        page.wait_for_function(ready)
        assert page.evaluate(axis) == "linear" and page.url == f"{base}/watch"
        page.locator("#watch-step-log").check()
        assert page.url == f"{base}/watch?steps=log"
        page.reload()
        page.wait_for_function(ready)
        assert page.locator("#watch-step-log").is_checked() and page.evaluate(axis) == "log"
        assert page.locator("#watch-step-axis").text_content().startswith(
            "The history charts put the steps on a log axis, as you chose")
        page.locator("#watch-step-log").uncheck()
        assert page.url == f"{base}/watch?steps=linear"
        page.goto(f"{base}/watch?steps=nonsense")  # a value the page does not know: its own choice
        page.wait_for_function(ready)
        assert page.evaluate(axis) == "linear" and not page.locator("#watch-step-log").is_checked()
        assert not errors
        context.close()


@pytest.mark.browser
def test_bars_too_narrow_for_their_values_are_named_with_where_to_read_them(browser, tmp_path):
    from web.conftest import serving, shot

    names = [f"h{k}" for k in range(24)]
    grads = [1e-9 * 2.3 ** k for k in range(24)]
    # a zero is labelled "0" over its stub where there is room near it (before V12 it sat about 55 px up, over
    # the dashed line; since R15 the line stops at a 0, and there is room)
    grads[20] = 0.0
    log = tmp_path / "deep.jsonl"
    _write(log, names, [_report(s, names, grads=grads) for s in range(1, 11)], end=10)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser, 420)
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'ended'")
        unlabelled = page.evaluate("document.getElementById('watch-bars').unlabelled")
        assert unlabelled == [k for k in range(24) if k != 20]
        assert page.locator("#watch-bars-note").text_content() == (
            "The bars of layers 1 to 20 and 22 to 24 are too short or too narrow here to write a value: point at a "
            "bar, or focus "
            "the chart and use the arrow keys, to read it below, and the table lists every layer's ‖∂L/∂W‖.")
        shot(page, "watch-v5-deep-bars-420", page.locator(".grid2.watch-charts"))
        assert not errors
        context.close()


@pytest.mark.browser
def test_a_log_whose_folder_does_not_exist_yet_is_waited_for_and_the_folder_named(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "runs" / "run.jsonl"
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = _page(browser)
        page.goto(f"{base}/watch")
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'waiting'")
        assert page.locator("#watch-run").text_content() == (
            f"Waiting for {log}: neither the file nor the folder {tmp_path / 'runs'} exists yet (Monitor(model, "
            "log=...) creates missing folders). Check the path if you meant a folder that exists.")
        log.parent.mkdir()
        _write(log, ["a"], [_report(1, ["a"])])  # the monitor creates the folder and writes: the page follows
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'running'")
        assert not errors
        context.close()
