"""The watch page after walkthrough W19: the quiet warning follows the run's own pace (a log written with controlled
timestamps: the page times the lines it sees arrive, and a run that really stopped is still said to have), the
dead count's warm-up is shown as such (against a real Monitor's log, whose reports say how many sampled batches each
count covers), and the line charts' keys tell a ResNet's layers apart. Chromium."""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser
RUN = "document.getElementById('watch-run')"
SOURCE = "document.getElementById('watch-source').textContent"


def _app(tmp_path, log):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)


def _slow(step: int) -> dict:
    """A report of a run sampled every 50th step (W19's slow2.py)."""
    return {**report(step, ["0"]), "every": 50, "sampled_steps": 1 + step // 50}


def _touch(log, at: float) -> None:
    os.utime(log, (at, at))


def _state(page):
    return page.evaluate(f"[{RUN}.dataset.state, {RUN}.textContent]")


def _pace(text: str) -> float:
    """The seconds a step takes, as the page's sentence says it timed them."""
    return float(re.search(r"at up to ([0-9.]+) s a step as the page timed it", text).group(1))


def test_a_slow_run_between_two_lines_is_going_on_and_a_stopped_one_is_said_at_its_pace(browser, tmp_path):
    # W19: every=50 at 0.8 s a step writes a line every 40 s; the page said "may have stopped" at 36 s (fixed 30 s).
    # Here 8 s a step (a line every 400 s), so that the page's timing, to a few hundred ms, is within 5%
    log = tmp_path / "slow.jsonl"
    start = time.time()
    log.write_text(lines(header(["0"])))
    _touch(log, start - 100.0)  # the monitor wrote its header 100 s ago
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'waiting'")
        page.wait_for_timeout(1200)  # the page has seen the header alone: its anchor, step 0
        with log.open("a") as fh:
            fh.write(lines(_slow(1)))
        _touch(log, start - 92.0)  # step 1's line came 8 s after the header
        page.wait_for_function(f"{SOURCE}.includes('1 sampled step')")
        page.wait_for_timeout(1200)
        # no end line, the latest line 92 s old: going on as far as the log tells, not more (W64 walkthrough finding
        # 8: a run killed outright read 'The run is going on' for its first 30 s)
        state, text = _state(page)
        assert state == "running" and text.startswith("No end line in the log, and no new line for 9"), text
        _touch(log, time.time() - 36)  # no new line for 36 s: well within 3 x 400 s
        page.wait_for_function(f"{RUN}.textContent.includes('no new line for 3')")
        state, text = _state(page)
        assert state == "running", text
        assert 7.6 <= _pace(text) <= 8.4, text
        assert text.startswith("No end line in the log, and no new line for 3"), text
        assert "which is within this run's pace: its lines have come about 6 min" in text
        assert "(a line every 50th step, at up to " in text and re.search("may have stopped after (19|20) min", text)
        shot(page, "watch-v20-slow-going-on")
        _touch(log, time.time() - 1300)  # the run really stopped: 1,300 s > 3 x 400 s
        page.wait_for_function(f"{RUN}.dataset.state === 'quiet'")
        state, text = _state(page)
        assert text.startswith("No new line in the log for 21 min 4"), text
        assert ", over 3 times the 6 min" in text
        assert "between this run's lines (a line every 50th step, at up to " in text
        assert "as the page timed it): the run may have stopped (a script that ends normally" in text
        shot(page, "watch-v20-slow-stopped")
        assert errors == []
        context.close()


def test_a_run_the_page_has_not_timed_says_how_slow_a_step_would_have_to_be(browser, tmp_path):
    # opened on a log already written: no line seen arriving, so no pace; 36 s with a line every 50th step
    log = tmp_path / "backlog.jsonl"
    log.write_text(lines(header(["0"]), _slow(1)))
    _touch(log, time.time() - 36)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'quiet'")
        state, text = _state(page)
        idle = int(re.match(r"No new line in the log for (\d+) s: ", text).group(1))
        assert 36 <= idle <= 60, text
        over = float(re.search(r"the run may have stopped unless a step takes over ([0-9.]+) s: the monitor writes "
                               "a line every 50th step, and the page has not yet seen a line arrive to time the steps",
                               text).group(1))
        assert abs(over - idle / 50) <= 0.011, text  # the idle seconds over the 50 steps a line stands for
        assert errors == []
        context.close()


def test_a_fresh_line_with_no_end_line_says_only_what_the_log_tells(browser, tmp_path):
    # W64 walkthrough finding 8: a log whose script was killed read 'The run is going on: the page follows the log.'
    # for its first 30 s; the page cannot know that, and says what it can
    log = tmp_path / "fresh.jsonl"
    log.write_text(lines(header(["0"]), report(1, ["0"])))
    _touch(log, time.time() - 5)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'running'")
        state, text = _state(page)
        m = re.match(r"No end line in the log yet, and its latest line came ([\d.]+) s ago: the run is going on, as "
                     r"far as the log tells \(a script killed outright writes no end line: the page says the log has "
                     r"gone quiet after 30 s without a line\)\. The page follows the log\.$", text)
        assert m and 5 <= float(m[1]) <= 25, text
        assert errors == []
        context.close()


def test_a_fast_run_that_stopped_is_still_said_after_the_least_wait(browser, tmp_path):
    # a line every step at 2 s: three times its pace is 6 s, so the least wait, 30 s, decides
    log = tmp_path / "fast.jsonl"
    start = time.time()
    log.write_text(lines(header(["0"]), report(1, ["0"])))
    _touch(log, start - 100.0)
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('1 sampled step')")
        page.wait_for_timeout(1200)
        with log.open("a") as fh:
            fh.write(lines(report(2, ["0"])))
        _touch(log, start - 98.0)
        page.wait_for_function(f"{RUN}.dataset.state === 'quiet' && {RUN}.textContent.includes('as the page timed')")
        state, text = _state(page)
        # about 98 s; the pace, about 2 s, in two figures (W26 finding 6)
        assert re.match(r"No new line in the log for (9\d|1\d\d) s, over 3 times the (1\.[89]|2|2\.[0-2]) s between "
                        r"this run's lines", text), text
        assert "(a line every step, at up to " in text and 1.8 <= _pace(text) <= 2.2, text
        assert errors == []
        context.close()


def _dead_from_the_start(tmp_path, steps: int = 8):
    """A real Monitor's log of a ReLU layer whose 12 units are dead from initialisation (W19's live.py)."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 1)).double()
    with torch.no_grad():
        model[0].bias.fill_(-1e3)
    log = tmp_path / "dead.jsonl"
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(steps):
            x = torch.randn(16, 4, dtype=torch.float64)
            with mon.step() as s:
                s.loss = ((model(x) - x[:, :1]) ** 2).mean()
                s.loss.backward()
    reports = [json.loads(line) for line in log.read_text().splitlines()]
    return log, [r for r in reports if "step" in r]


def test_the_steps_before_the_monitor_counts_dead_units_are_shown_as_its_warm_up(browser, tmp_path):
    log, reports = _dead_from_the_start(tmp_path)
    # the reference: the log itself, whose reports count dead units once their window covers 5 sampled batches
    counted = [r["layers"][0]["window"] >= 5 for r in reports]
    assert counted == [False] * 4 + [True] * 4
    assert [r["layers"][0]["dead"] for r in reports] == [0] * 4 + [12] * 4  # 0 in the warm-up: not a measurement
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('8 sampled steps')")
        page.select_option("#watch-health-measure", "dead")
        page.wait_for_function("document.getElementById('watch-health').drawn.series[0].y.length === 8")
        drawn = page.evaluate("(() => { const c = document.getElementById('watch-health');"
                              " return {y: c.drawn.series[0].y, warm: c.warmDrawn, keys: c.legendNames}; })()")
        assert drawn["y"] == [None] * 4 + [1.0] * 4  # no 0% drawn before the count begins
        assert drawn["warm"] is not None
        assert "dead counted from the 5th sampled batch" in drawn["keys"]
        page.locator("#watch-health").focus()
        page.keyboard.press("Home")
        said = page.locator("#watch-readout").text_content()
        assert said.startswith("Step 1, layer 1 ('1 (ReLU)'): dead units not counted yet: this is the monitor's "
                               "1st sampled batch, and it calls a unit dead only after 5 (not drawn)"), said
        page.keyboard.press("End")
        assert "12 of 12 units dead (100%)" in page.locator("#watch-readout").text_content()
        page.locator("#watch-health").screenshot(path=str(tmp_path / "health.png"))
        shot(page, "watch-v20-dead-warm-up")
        # the other measures are counted from the first batch: no warm-up there
        page.select_option("#watch-health-measure", "saturated")
        page.wait_for_function("document.getElementById('watch-health').warmDrawn === null")
        assert page.evaluate("document.getElementById('watch-health').drawn.series[0].y[0]") == 1.0
        assert errors == []
        context.close()
        # at 420 px the warm-up's key is drawn whole (W27 walkthrough: '... counts from its 5th s...' was cut there)
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('8 sampled steps')", width=420)
        page.select_option("#watch-health-measure", "dead")
        page.wait_for_function("document.getElementById('watch-health').warmDrawn !== null")
        labels = page.evaluate("document.getElementById('watch-health').keysDrawn.map((k) => k.label)")
        assert "dead counted from the 5th sampled batch" in labels, labels
        assert errors == []
        context.close()


def test_the_table_says_the_dead_count_has_not_begun_in_the_warm_up(browser, tmp_path):
    log, reports = _dead_from_the_start(tmp_path, steps=3)
    assert [r["layers"][0]["window"] for r in reports] == [1, 2, 3]  # the reference: the monitor's own window
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelector('#watch-table td[data-label=dead]')")
        cell = page.locator("#watch-table td[data-label=dead]").first.text_content()
        assert cell == "not counted yet (batch 3 of 5)"  # the log's 0 is not shown as 0 dead
        assert errors == []
        context.close()
    later = tmp_path / "later"
    later.mkdir()
    log, _ = _dead_from_the_start(later, steps=6)  # past the warm-up: the count itself
    with serving(_app(later, log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelector('#watch-table td[data-label=dead]')")
        assert page.locator("#watch-table td[data-label=dead]").first.text_content() == "12"
        assert errors == []
        context.close()


def test_the_warm_up_counts_batches_as_the_monitor_does_a_nan_step_adds_none(browser, tmp_path):
    # step 3 held a NaN: the monitor's window does not advance on it, so its 5th batch is step 6
    names = ["0"]

    def rep(step, window, dead, nan=False):
        r = report(step, names, non_finite=nan)
        r["layers"][0].update(activation="relu", module_type="ReLU", window=window, dead=dead)
        return r
    rows = [rep(1, 1, 0), rep(2, 2, 0), rep(3, 2, None, nan=True), rep(4, 3, 0), rep(5, 4, 0), rep(6, 5, 32),
            rep(7, 6, 32)]
    log = tmp_path / "nan.jsonl"
    log.write_text(lines(header(names), *rows))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('7 sampled steps')")
        page.select_option("#watch-health-measure", "dead")
        page.wait_for_function("document.getElementById('watch-health').warmDrawn !== null")
        y = page.evaluate("document.getElementById('watch-health').drawn.series[0].y")
        assert y == [None, None, None, None, None, 1.0, 1.0]
        assert errors == []
        context.close()


RESNET = ["stem:relu", "blocks.0.c1>batch_norm:relu", "blocks.0.c2>add:relu", "blocks.1.c1>batch_norm:relu",
          "blocks.1.c2>add:relu", "blocks.2.c1>batch_norm:relu", "blocks.2.c2>add:relu"]


@pytest.mark.parametrize("width", [1280, 800])
def test_a_resnets_keys_tell_its_layers_apart(browser, tmp_path, width):
    # W19: three keys read "…tch_norm:relu" (the same), and lost their numbers
    log = tmp_path / "resnet.jsonl"
    log.write_text(lines(header(RESNET), *[report(s, RESNET) for s in range(1, 6)]))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('5 sampled steps')", width)
        labels = [k["label"] for k in page.evaluate("document.getElementById('watch-history').keysDrawn")][:7]
        assert len(set(labels)) == 7, labels
        assert [label.split(": ")[0] for label in labels] == [str(k) for k in range(1, 8)]  # every number kept
        for k, name in enumerate(RESNET[1:], start=2):  # each keeps its block and its conv
            block, conv = name.split(".")[1], name.split(".")[2][:2]
            assert f"{block}.{conv}" in labels[k - 1], labels
        page.locator("#watch-history").screenshot(path=str(tmp_path / "keys.png"))
        shot(page, f"watch-v20-resnet-keys-{width}")
        assert errors == []
        context.close()


# names from W19's logs, each set as one model's layers; at a narrow key every set stays told apart
REAL_NAMES = [
    RESNET,
    ["enc.layers.0.linear1:gelu", "enc.layers.1.linear1:gelu", "ffn.gate:silu"],
    ["blocks.0.fc1:gelu", "blocks.1.fc1:gelu", "blocks.2.fc1:gelu"],
    ["r1", "c2>batch_norm:relu"],
    ["act", "act#2", "act#3"],
    [f"encoder.layers.{k}.feed_forward.activation" for k in range(7)],
    ["model.layers.0.mlp.act_fn", "model.layers.1.mlp.act_fn", "model.layers.1.self_attn>softmax"],
]


def test_short_names_stay_distinct_for_real_layer_names(browser, tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(["x"]), report(1, ["x"])))
    with serving(_app(tmp_path, log)) as base:
        context, page, errors = open_watch(browser, base, f"{SOURCE}.includes('1 sampled step')")
        got = page.evaluate(
            "(sets) => import('/static/js/watch-charts.js').then((m) => sets.map((names) => m.distinctNames(names,"
            " (s, k) => `${k + 1}: ${s}`.length <= 14)))", REAL_NAMES)
        for names, short in zip(REAL_NAMES, got, strict=True):
            assert len(set(short)) == len(set(names)), (names, short)
        assert got[0] == ["stem…", "…0.c1…", "…0.c2>add…", "…1.c1…", "…1.c2>add…", "…2.c1…", "…2.c2>add…"]
        assert errors == []
        context.close()


def test_the_root_of_actlab_watch_leads_to_the_watch_page(tmp_path):
    from fastapi.testclient import TestClient

    from actlab.cli.watch import open_at_watch

    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(["x"]), report(1, ["x"])))
    application = _app(tmp_path, log)
    open_at_watch(application)
    with TestClient(application, base_url="http://127.0.0.1") as client:
        for method in ("GET", "HEAD"):
            answer = client.request(method, "/", follow_redirects=False)
            assert answer.status_code == 307 and answer.headers["location"] == "/watch", method
        assert client.get("/").url.path == "/watch"
        assert client.get("/lesson").status_code == 200  # the lesson is still there, one link away
        # a host the lab does not allow is refused at `/` too, as at every other address
        assert client.get("/", headers={"host": "evil.example"}, follow_redirects=False).status_code != 307
    plain = _app(tmp_path, log)  # `actlab lab`'s root is unchanged
    with TestClient(plain, base_url="http://127.0.0.1") as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/lesson"


def test_the_pages_warm_up_length_is_the_monitors():
    # watch-points.js cannot import Python: its DEAD_EVIDENCE is a copy, held equal here
    from conftest import require_torch

    require_torch()
    from pathlib import Path

    import actlab
    from actlab.interop._monitor_base import DEAD_EVIDENCE
    js = (Path(actlab.__file__).parent / "web" / "static" / "js" / "watch-points.js").read_text()
    copy = re.search(r"export const DEAD_EVIDENCE = (\d+);", js)
    assert copy and int(copy.group(1)) == DEAD_EVIDENCE
