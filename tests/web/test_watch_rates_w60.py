"""The watch page draws the learning rate the monitor read at every optimiser step, per parameter group (W60
walkthrough finding 13: the readings named a rate's rise as the likeliest cause of a loss's, and no chart drew the
rate). The log carries the changes read since the line before (the last ones on the end line); the reference is the
script's own record of each group's rate at each step."""

from __future__ import annotations

import json
import math

import pytest

from actlab.run_history import RunHistory
from actlab.run_points import rates_of
from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

RATE = """() => { const c = document.getElementById('watch-rate');
  return { names: c.drawn.series.map((s) => s.name), xs: c.drawn.series.map((s) => s.x),
           ys: c.drawn.series.map((s) => s.y),
           hidden: document.getElementById('watch-rate-figure').hidden, x_end: c.drawn.xEnd ?? null,
           said: document.getElementById('watch-rate-said').textContent }; }"""


def _run(log, steps=300):
    """Two parameter groups under SGD, the first stepped down by StepLR every 50 steps, the second raised by hand at
    step 200; every=10. Returns each group's rate at each training step, as the script read it before opt.step()."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor
    from interop._steps import monitored_step

    torch.manual_seed(0)
    x, y = torch.randn(256, 6), torch.randint(0, 3, (256,))
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.1},
                           {"params": [*model[2].parameters(), *model[4].parameters()], "lr": 0.01}])
    sched = torch.optim.lr_scheduler.StepLR(opt, 50, 0.5)
    rates = {}
    with Monitor(model, every=10, chance_loss=math.log(3), log=log) as mon:
        for t in range(1, steps + 1):
            if t == 200:
                opt.param_groups[1]["lr"] = 0.5
            if t == 295:  # after the last sampled step (291): the end line carries it
                opt.param_groups[0]["lr"] = 0.2
            rates[t] = (opt.param_groups[0]["lr"], opt.param_groups[1]["lr"])
            i = torch.randint(0, 256, (32,))
            monitored_step(mon, model, x[i], y[i], opt)
            sched.step()
    return rates


def _changes(rates, k):
    out, last = [], None
    for t, pair in sorted(rates.items()):
        if pair[k] != last:
            out.append([t, pair[k]])
            last = pair[k]
    return out


def test_the_log_carries_every_change_once_and_the_history_keeps_them(tmp_path):
    log = tmp_path / "rates.jsonl"
    rates = _run(log)
    lines = [json.loads(line) for line in log.read_text().splitlines()[1:]]
    carried = {}
    for line in lines:
        for name, changes in (line.get("rates") or {}).items():
            carried.setdefault(name, []).extend(changes)
    assert carried == {"'0.weight'": _changes(rates, 0), "'2.weight'": _changes(rates, 1)}
    history = RunHistory()
    for line in lines:
        if "step" in line:
            history.add(line)
        else:
            history.take_end(line)
    assert history.rates == carried
    assert rates_of({"g": [[1, 0.1], [2, float("nan")], ["3", 0.2], [4, -1.0], [5, 0.3]], "h": "junk"}) == \
        {"g": [[1, 0.1], [5, 0.3]]}  # a log written by other means: numbers only


@pytest.mark.browser
def test_the_page_draws_each_group_s_rate_and_says_it(browser, tmp_path):
    log = tmp_path / "rates.jsonl"
    rates = _run(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "!document.getElementById('watch-rate-figure').hidden")
        drawn = page.evaluate(RATE)
        shot(page, "watch-rates")
        assert not errors, errors
        context.close()
    assert drawn["names"] == ["group holding '0.weight'", "group holding '2.weight'"]
    for k in (0, 1):  # the line holds each change's rate from its step to the next change's
        xs, ys = drawn["xs"][k], drawn["ys"][k]
        for t, v in _changes(rates, k):
            assert any(x == t and y == pytest.approx(v) for x, y in zip(xs, ys, strict=True)), (k, t, v)
        assert ys[-1] == pytest.approx(rates[300][k]) and xs[-1] >= 291
    # the axis reaches the last change read (the end line's, past the last sampled step, 291: W61), and past it the
    # run's last step, 300, whose loss the end line carries too (W74 finding 12)
    assert 295 in drawn["xs"][0] and drawn["x_end"] == 300 and drawn["xs"][0][-1] == 300  # (held to the end)
    assert "The learning rate of the group holding '2.weight' was 0.01 at step 1, 0.5 at its highest (step 200)" in \
        drawn["said"], drawn["said"]
    # (6 changes after the first: W61 found the first counted as a change)
    assert "The learning rate of the group holding '0.weight' was 0.1 at step 1, 0.2 at its highest (step 295), and " \
        "0.2 from step 295 (6 changes read after the first)." in drawn["said"], drawn["said"]
    assert len(_changes(rates, 0)) - 1 == 6


def test_a_line_carries_at_most_its_cap_of_changes_evenly_thinned(tmp_path):
    """A rate changed on every step, sampled every 100: each line carries RATE_LINE_MOST changes at most, the first
    and the last of its span among them."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.interop._monitor_cut import RATE_LINE_MOST
    from actlab.torch import Monitor
    from interop._steps import monitored_step

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    log = tmp_path / "thin.jsonl"
    with Monitor(model, every=100, log=log) as mon:
        for t in range(1, 302):
            opt.param_groups[0]["lr"] = 0.001 * t
            monitored_step(mon, model, x, y, opt)
    lines = [json.loads(line) for line in log.read_text().splitlines()[1:]]
    spans = [(line["step"], line["rates"]["'0.weight'"]) for line in lines if "rates" in line and "step" in line]
    assert [s for s, _ in spans] == [101, 201, 301]
    for step, changes in spans:
        assert len(changes) == RATE_LINE_MOST and changes[-1][0] == step - 1
        assert changes[0][0] == (1 if step == 101 else step - 100)
        assert all(v == pytest.approx(0.001 * t) for t, v in changes)


@pytest.mark.browser
def test_the_rate_chart_reads_out_by_keyboard_and_pointer(browser, tmp_path):
    """W61 finding 3, W62 finding 5: the rate chart could be neither focused nor pointed at; its values were in the
    sentence under it only. Tab reaches it, the arrow keys walk the changes read (up and down the groups), the
    pointer picks the nearest change, and the readout gives each group's rate in use there, against the script's."""
    log = tmp_path / "rates.jsonl"
    rates = _run(log)
    steps = sorted({t for k in (0, 1) for t, _ in _changes(rates, k)})
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "!document.getElementById('watch-rate-figure').hidden")
        page.focus("#watch-rate")
        assert page.evaluate("document.activeElement.id") == "watch-rate"
        read = lambda: page.inner_text("#watch-readout")  # noqa: E731
        said = {}
        said["end"] = read()  # focus: the last change read
        page.keyboard.press("Home")
        said["home"] = read()
        page.keyboard.press("ArrowRight")
        said["next"] = read()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        said["fourth"] = read()
        ring = page.evaluate("() => { const c = document.getElementById('watch-rate'); return c.geom ? "
                             "[c.geom.px(200), c.getBoundingClientRect().left, c.getBoundingClientRect().top, "
                             "c.getBoundingClientRect().height] : null; }")
        page.mouse.move(ring[1] + ring[0] + 1, ring[2] + ring[3] / 2)
        said["pointer"] = read()
        # the ring: on the group that changed at the step read ('2.weight', raised by hand at step 200)
        ringed = page.evaluate("() => document.getElementById('watch-rate').hoverDrawn ?? null")
        shot(page, "watch-rate-readout")
        assert not errors, errors
        context.close()

    def words(t):  # each group's rate in use at step t, as the script set it
        def one(k):
            changes = _changes(rates, k)
            i = max(j for j, (s, _) in enumerate(changes) if s <= t)
            s, v = changes[i]
            how = (f"since step {s:,}" if s != t else f"changed at this step from {changes[i - 1][1]:.3g}" if i
                   else "the first read")
            return f"{v:.3g} ({how})"
        return (f"Step {t:,}: learning rate group holding '0.weight': {one(0)}; group holding '2.weight': {one(1)} "
                f"(change {steps.index(t) + 1} of {len(steps)} read)")

    assert said["end"].startswith(words(steps[-1])), said["end"]
    assert said["home"].startswith(words(steps[0])), said["home"]
    assert said["next"].startswith(words(steps[1])), said["next"]
    assert said["fourth"].startswith(words(steps[4])), said["fourth"]
    assert said["pointer"].startswith(words(200)), said["pointer"]
    assert "'2.weight': 0.5 (changed at this step from 0.00125)" in said["pointer"]  # the raise by hand, after StepLR
    assert ringed == [1, 200, pytest.approx(0.5)], ringed


@pytest.mark.browser
def test_the_rate_chart_s_axis_reaches_back_to_the_first_rate_read_and_the_loss_chart_rings_its_point(browser,
                                                                                                      tmp_path):
    """W63 walkthrough findings 5 and 7: under every="auto" the rate is read from step 1 while the first sampled step
    comes later, and the rate chart's axis began at the first sampled step; the loss chart named a point in the
    readout with no ring on it."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor
    from interop._steps import monitored_step

    torch.manual_seed(0)
    x, y = torch.randn(256, 6), torch.randint(0, 3, (256,))
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    log = tmp_path / "auto.jsonl"
    with Monitor(model, every="auto", chance_loss=math.log(3), log=log) as mon:
        for _ in range(40):
            i = torch.randint(0, 256, (32,))
            monitored_step(mon, model, x[i], y[i], opt)
    first_sampled = json.loads(log.read_text().splitlines()[1])["step"]
    assert first_sampled > 1  # the premise: auto timed its first steps unsampled
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "!document.getElementById('watch-rate-figure').hidden")
        drawn = page.evaluate("() => { const c = document.getElementById('watch-rate'); return [c.drawn.x[0], "
                              "c.drawn.series[0].x[0], c.geom.px(1) >= 0]; }")
        page.focus("#watch-loss")
        page.keyboard.press("End")  # past the last sampled step: the steps after it, which the end line carries
        after = page.evaluate("document.getElementById('watch-loss').hoverDrawn")  # (no held-out loss to ring there)
        page.keyboard.press("ArrowLeft")  # the last sampled step
        ring = page.evaluate("document.getElementById('watch-loss').hoverDrawn")
        last = page.evaluate("() => { const d = document.getElementById('watch-loss').drawn; "
                             "return [d.x.at(-1), d.series[0].y.at(-1)]; }")
        assert not errors, errors
        context.close()
    assert drawn == [1, 1, True], drawn
    assert ring == [0, last[0], pytest.approx(last[1])], (ring, last)
    assert after is None


@pytest.mark.browser
def test_a_run_whose_every_sampled_step_held_a_nan_says_so_on_its_charts(browser, tmp_path):
    """W63 walkthrough finding 1: every target the pad token made the loss NaN on every step; the loss chart said 'No
    loss logged: set s.loss = loss inside mon.step()' (s.loss was set on every step), the unit-health chart 'No unit
    counted yet', and the red marks' key 'NaN or inf in some layers' over layers that stayed finite."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn
    from torch.nn import functional as F

    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(6, 16), nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 6))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    log = tmp_path / "allpad.jsonl"
    with Monitor(model, every=1, chance_loss=math.log(6), log=log) as mon:
        for _ in range(12):
            x = torch.randint(1, 6, (8, 12))
            with mon.step() as s:
                loss = F.cross_entropy(model(x).reshape(-1, 6), torch.zeros(96, dtype=torch.long), ignore_index=0)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                                          "=== 12")
        notes = page.evaluate("() => ['watch-loss', 'watch-health', 'watch-history'].map((id) => "
                              "[document.getElementById(id).emptyNote ?? null, "
                              "document.getElementById(id).legendNames ?? []])")
        shot(page, "watch-w63-all-nan")
        assert not errors, errors
        context.close()
    said = "Every sampled step held a NaN or an inf (red marks)"
    assert notes[0][0] == said and notes[1][0] == said, notes
    assert not any("in some layers" in n for _, names in notes for n in names), notes


@pytest.mark.browser
def test_groups_of_one_schedule_are_one_line_named_by_all_of_them_and_said_once(browser, tmp_path):
    """W84 walkthrough finding 11: AdamW's decayed and undecayed groups under one schedule drew two lines one over the
    other, and the sentence under the chart said the same thing twice. A third group with a rate of its own keeps its
    line. Reference: the script's own rates."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor
    from interop._steps import monitored_step

    torch.manual_seed(0)
    x, y = torch.randn(256, 6), torch.randint(0, 3, (256,))
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.1, "weight_decay": 1e-4},
                           {"params": model[2].parameters(), "lr": 0.1},
                           {"params": model[4].parameters(), "lr": 0.02}])
    sched = torch.optim.lr_scheduler.StepLR(opt, 40, 0.5)
    log = tmp_path / "same.jsonl"
    seen = []
    with Monitor(model, every=10, chance_loss=math.log(3), log=log) as mon:
        for _ in range(120):
            seen.append(tuple(g["lr"] for g in opt.param_groups))
            i = torch.randint(0, 256, (32,))
            monitored_step(mon, model, x[i], y[i], opt)
            sched.step()
    assert all(a == b for a, b, _ in seen) and len({a for a, _, _ in seen}) == 3  # the premise: one schedule, 3 rates
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "!document.getElementById('watch-rate-figure').hidden")
        drawn = page.evaluate(RATE)
        page.focus("#watch-rate")
        readout = page.inner_text("#watch-readout")
        shot(page, "watch-rates-one-schedule", page.locator("#watch-rate-figure"))
        assert not errors, errors
        context.close()
    assert drawn["names"] == ["groups holding '0.weight' and '2.weight'", "group holding '4.weight'"], drawn["names"]
    assert drawn["said"].count("The learning rate of the") == 2, drawn["said"]
    assert (f"The learning rate of the groups holding '0.weight' and '2.weight' was {seen[0][0]:.3g} at step 1, its "
            f"highest, and {seen[-1][0]:.3g} from step 81 (2 changes read after the first).") in drawn["said"]
    expected = (f"Step 81: learning rate groups holding '0.weight' and '2.weight': {seen[-1][0]:.3g} (changed at "
                f"this step from {seen[79][0]:.3g}); group holding '4.weight': {seen[-1][2]:.3g} (changed at this "
                f"step from {seen[79][2]:.3g}) (change 3 of 3 read)")
    assert readout.startswith(expected), readout
