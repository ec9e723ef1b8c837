"""The watch page's loss chart draws the losses of the steps between its sampled points (issue 17, W30 walkthrough
finding 7, W32 finding 4): under every=10 a spike of 507 at an unsampled step, which the reading named, was on no
chart, and under every="auto" the chart drew a straight line over it. The monitor holds every step's loss where the
script gives one (s.loss); each report now carries those of the steps since the sampled step before
(losses_between), and the chart shades their range. References: the script's own loss.item() at every step; the
server's history on a long log against the same ranges computed here."""

from __future__ import annotations

import json
import math

import pytest

from actlab.run_history import RunHistory
from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

LOSS = """() => { const c = document.getElementById('watch-loss');
  return { x: c.drawn.x, y: c.drawn.series[0].y, band: c.drawn.bands[0], legend: c.legendNames,
           title: document.getElementById('watch-loss-title').textContent }; }"""


def _run(log, every=10, spike_at=205, steps=300):
    """A ReLU classifier under Monitor(every=...), one update at lr 30 after step spike_at - 1: its own losses."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn
    from torch.nn import functional as F

    from actlab.torch import Monitor

    torch.manual_seed(0)
    x = torch.randn(1024, 20)
    y = (x @ torch.randn(20, 10)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    own = []
    with Monitor(model, every=every, chance_loss=math.log(10), log=log) as mon:
        for step in range(1, steps + 1):
            i = torch.randint(0, 1024, (64,))
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            own.append(loss.item())
            for g in opt.param_groups:
                g["lr"] = 30.0 if step == spike_at - 1 else 0.1
            opt.step()
            opt.zero_grad()
    return own


@pytest.mark.browser
def test_a_spike_between_two_samples_is_on_the_loss_chart(browser, tmp_path):
    log = tmp_path / "spike.jsonl"
    own = _run(log)
    reports = [json.loads(line) for line in log.read_text().splitlines()[1:] if '"step"' in line]
    sampled = [r["step"] for r in reports]
    assert 205 not in sampled and max(own) == own[204]  # the premise: the spike is on an unsampled step
    for r, before in zip(reports[1:], sampled, strict=False):  # the log carries the steps between, as the script saw
        held = r["losses_between"]
        assert [t for t, _ in held] == list(range(before + 1, r["step"]))
        assert [v for _, v in held] == pytest.approx([own[t - 1] for t in range(before + 1, r["step"])], rel=1e-6)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           f">= {len(reports)}")
        drawn = page.evaluate(LOSS)
        assert drawn["title"].endswith("and the band: the lowest to highest loss of the steps between"), drawn["title"]
        k = drawn["x"].index(201)  # the point before the spike: its band runs to step 210, over step 205
        assert drawn["band"][k] == pytest.approx([min(own[200:210]), max(own[200:210]), 210, 202], rel=1e-6)
        assert drawn["band"][k][1] > max(v for v in drawn["y"] if v is not None)  # the spike, above every point
        assert "band: lowest to highest loss up to the next point" in drawn["legend"]
        page.locator("#watch-loss").focus()
        page.keyboard.press("Home")
        for _ in range(k):
            page.keyboard.press("ArrowRight")
        said = page.locator("#watch-readout").text_content()
        assert said.startswith(f"Step 201: loss {own[200]:.4g}") or said.startswith("Step 201: loss"), said
        assert "from step 201 to 210, the steps up to the next sampled one, the loss ranged from" in said, said
        assert "held from" not in said, said  # every step between held
        assert f"to {max(own[200:210]):.4g} (the band)" in said, said
        shot(page, "watch-y2-loss-between", page.locator("#watch-loss"))
        assert errors == []
        context.close()
        # at 420 px the band's key is whole (W44 walkthrough: 'band: the lowest to highest loss of the steps each
        # point …')
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           f">= {len(reports)}", 420)
        keys = page.evaluate("document.getElementById('watch-loss').keysDrawn.map((k) => k.label)")
        assert "band: lowest to highest loss up to the next point" in keys, keys
        shot(page, "watch-y2-loss-between-420", page.locator("#watch-loss"))
        assert errors == []
        context.close()


def test_a_thinned_stretch_takes_in_the_steps_between():
    # 2,000 reports a step apart at every=5: thinned past the first 256 and before the newest 500; each stretch's
    # band holds the losses of the steps up to the next report, which that report carries
    history = RunHistory()
    losses = {t: 1.0 + (50.0 if t % 997 == 0 else 0.01 * (t % 7)) for t in range(1, 10_001)}
    for n in range(1, 2001):
        step = 5 * n
        layers = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]
        history.add({"step": step, "loss": losses[step], "non_finite": False, "layers": layers,
                     "losses_between": [[t, losses[t]] for t in range(step - 4, step)] if n > 1 else []})
    assert history.every > 1
    kept = history.thinned
    for a, b in zip(kept, kept[1:], strict=False):  # each stretch: from its step to the next kept one's, exclusive
        span = [losses[t] for t in range(a["step"], b["step"])]
        assert history.bands[a["index"]]["loss"] == [min(span), max(span)], a["step"]


def test_a_malformed_or_non_finite_losses_between_is_left_out():
    from actlab.run_history import point_of

    layers = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]
    def between(held):
        return point_of(0, {"step": 10, "loss": 1.0, "non_finite": False, "layers": layers,
                            "losses_between": held}).get("between")
    assert between([[8, None], [9, "inf"], [7, 2.5], [6, 0.5]]) == [0.5, 2.5]  # a NaN's null and an inf left out
    assert between([[9, "inf"], [8, None]]) is None  # nothing finite: no band
    assert between("not a list") is None and between([[1], [2, True], {"a": 1}, [3, 4, 5]]) is None


@pytest.mark.browser
def test_a_gap_longer_than_the_losses_held_is_said(browser, tmp_path):
    """every=150: the monitor holds the latest 100 losses, so the band of the point at step 151 is of steps 202 to
    300, not of the 149 steps the readout names; it says from which step they were held."""
    log = tmp_path / "long.jsonl"
    own = _run(log, every=150, spike_at=250, steps=301)
    reports = [json.loads(line) for line in log.read_text().splitlines()[1:] if '"step"' in line]
    assert [r["step"] for r in reports] == [1, 151, 301]
    held = reports[2]["losses_between"]
    assert [t for t, _ in held] == list(range(202, 301))  # the latest 100 held, this sampled step's among them
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length >= 3")
        drawn = page.evaluate(LOSS)
        span = [own[151 - 1], *own[201:300]]  # the point's own loss and the held ones
        assert drawn["band"][1] == pytest.approx([min(span), max(span), 300, 202], rel=1e-6)
        page.locator("#watch-loss").focus()
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        said = page.locator("#watch-readout").text_content()
        assert ("from step 151 to 300, the steps up to the next sampled one (their losses held from step 202 on: the "
                "monitor keeps the latest 100), the loss ranged from") in said, said
        assert errors == []
        context.close()
