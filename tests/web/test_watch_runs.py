"""actlab watch on the runs a walkthrough found drawn wrong: a run with NaN steps, a dead layer (zero bars on a log
axis), and a run that ended; over the API and in the browser, from logs a real Monitor wrote."""

from __future__ import annotations

import json
import math
import os
import time

import pytest
from fastapi.testclient import TestClient

from actlab.monitor_log import LOG_FORMAT
from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot


def _client(log) -> TestClient:
    return TestClient(create_app(db_path=log.parent / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))


def test_the_route_says_when_the_run_ended_and_how_long_the_log_has_been_quiet(tmp_path):
    log = tmp_path / "run.jsonl"
    report = {"step": 1, "layers": [], "reading": {"status": "flowing"}}
    log.write_text(json.dumps({"format": LOG_FORMAT, "layers": []}) + "\n" + json.dumps(report) + "\n")
    old = time.time() - 120
    os.utime(log, (old, old))
    client = _client(log)
    data = client.get("/api/watch").json()
    assert data["ended"] is None and 119 <= data["idle_s"] <= 200
    with log.open("a") as fh:
        fh.write(json.dumps({"event": "end", "steps_run": 7}) + "\n")
    data = client.get("/api/watch", params={"since": 1}).json()
    assert data["ended"] == {"event": "end", "steps_run": 7} and data["idle_s"] < 60 and data["total"] == 1


def _torch_run(tmp_path, name, *, nan_steps=(), dead_bias=False, steps=10, close=True):
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    if dead_bias:
        with torch.no_grad():
            model[2].bias.fill_(-1e3)  # the second layer is dead: its weight's gradient is exactly 0
    log = tmp_path / name
    mon = Monitor(model, every=1, log=log)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for i in range(steps):
        x = torch.randn(32, 4, dtype=torch.float64)
        if i in nan_steps:
            x[3, 1] = math.nan
        with mon.step() as s:
            s.loss = ((model(x) - x[:, :1] * x[:, 1:2]) ** 2).mean()
            s.loss.backward()
        if torch.isfinite(s.loss):
            opt.step()
        opt.zero_grad()
    if close:
        mon.close()
    return log, mon


def _open(browser, base):
    return open_watch(browser, base, "document.body.dataset.ready === 'true' && document.getElementById("
                      "'watch-table').rows !== undefined || document.querySelector('#watch-table table')")


@pytest.mark.browser
def test_nan_steps_are_marked_the_finite_ones_drawn_and_the_first_nan_named(browser, tmp_path):
    nan_steps = (0, 1, 2, 3, 9)  # reports are numbered from 1: steps 1-4 and 10 hold a NaN
    log, mon = _torch_run(tmp_path, "nan.jsonl", nan_steps=nan_steps, steps=10)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base)
        page.wait_for_function("document.getElementById('watch-history').drawn?.x.length === 10")
        history = page.evaluate("(() => { const d = document.getElementById('watch-history').drawn;"
                                " return {marks: d.marks, series: d.series.map((s) => s.y)}; })()")
        assert history["marks"] == [[1, 4], [10, 10]]  # stretches of steps: [first, last]
        for y in history["series"]:  # steps 5-9 are drawn with the numbers the log holds; NaN steps are gaps
            assert [v is not None for v in y] == [False] * 4 + [True] * 5 + [False]
        logged = [r for r in (json.loads(line) for line in log.read_text().splitlines()) if "layers" in r
                  and "reading" in r]
        assert history["series"][0][4] == pytest.approx(logged[4]["layers"][0]["act_grad_norm"], rel=1e-12)
        loss = page.evaluate("document.getElementById('watch-loss').drawn.series[0].y")
        assert [v is not None for v in loss] == [False] * 4 + [True] * 5 + [False]
        assert page.evaluate("document.getElementById('watch-loss').legendNames") == ["loss", "NaN or inf"]
        nan = page.locator("#watch-nan")
        assert nan.is_visible() and "first appeared at step 1, first at module '1'" in nan.text_content()
        # the latest step holds a NaN: the bars are the latest finite step's, and say so
        bars = page.evaluate("document.getElementById('watch-bars').drawn.bars")
        assert bars == pytest.approx([logged[8]["layers"][k]["weight_grad_norm"] for k in range(2)], rel=1e-12)
        cells = page.locator("#watch-table tbody tr").nth(0).locator("td").all_text_contents()
        head = page.locator("#watch-table thead th").all_text_contents()
        assert [cells[head.index(h)] for h in ("dead", "saturated / rarely active", "dormant")] == ["—", "—", "—"]
        assert "no unit is counted" in cells[head.index("reading")]
        assert page.locator("#watch-reading").get_attribute("data-status") == "diverged"
        shot(page, "watch-nan-run")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_dead_layers_zero_bar_is_drawn_and_the_end_of_the_run_is_said(browser, tmp_path):
    log, mon = _torch_run(tmp_path, "dead.jsonl", dead_bias=True, steps=6)
    assert mon.report().layers[1].weight_grad_norm == 0 and mon.report().layers[1].act_grad_norm > 0
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base)
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'ended'")
        assert "The run has ended" in page.locator("#watch-run").text_content()
        assert "after training step 6" in page.locator("#watch-run").text_content()
        page.wait_for_function("document.getElementById('watch-bars').zeroBars !== undefined")
        assert 1 in page.evaluate("document.getElementById('watch-bars').zeroBars")
        # the zero bar's stub is on the canvas: blue pixels at the foot of the second slot
        blue = page.evaluate("""(() => {
            const c = document.getElementById('watch-bars'), ctx = c.getContext('2d');
            const dpr = window.devicePixelRatio || 1, w = c.width, h = c.height;
            const left = 48 * dpr, slot = (w - 58 * dpr) / 2, x0 = Math.round(left + slot * 1.25);
            const row = ctx.getImageData(x0, Math.round(h - 37 * dpr), Math.round(slot * 0.5), 6 * dpr).data;
            let n = 0;
            for (let i = 0; i < row.length; i += 4) if (row[i] < 40 && row[i + 2] > 150) n++;
            return n; })()""")
        assert blue > 0
        assert page.locator("#watch-nan").is_hidden()
        shot(page, "watch-dead-layer-ended")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_quiet_log_without_an_end_line_is_said_to_have_stopped(browser, tmp_path):
    log, mon = _torch_run(tmp_path, "quiet.jsonl", steps=3, close=False)
    mon._closer.detach()  # a killed script writes no end line
    old = time.time() - 90
    os.utime(log, (old, old))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base)
        page.wait_for_function("document.getElementById('watch-run').dataset.state === 'quiet'")
        assert "the run may have stopped" in page.locator("#watch-run").text_content()
        assert errors == []
        context.close()
