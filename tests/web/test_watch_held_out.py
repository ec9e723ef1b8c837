"""The watch page's loss chart draws the held-out losses a script gives (Monitor.held_out) beside the training loss
(issue 17, W40 walkthrough finding 6: a reading said 'not generalising' from a held-out loss that no chart showed, so
it could not be seen or checked on the page). References: the script's own held-out losses and the steps it gave them
after."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from actlab.run_history import RunHistory, point_of
from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

LOSS = """() => { const c = document.getElementById('watch-loss');
  return { x: c.drawn.x, names: c.drawn.series.map((s) => s.name), y: c.drawn.series.map((s) => s.y),
           xs: c.drawn.series.map((s) => s.x ?? null),
           legend: c.legendNames ?? null, keys: (c.keysDrawn ?? []).map((k) => k.name ?? k.text ?? String(k)) }; }"""


def _overfit(log, steps=600, every_given=20):
    """A 3-class MLP on 300 points with 20% of labels flipped, under Monitor(every=10, log=log), its held-out loss on
    2,000 clean points given every ``every_given`` steps: its own (step, held-out loss)."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn
    from torch.nn import functional as F

    from actlab.torch import Monitor
    from interop._steps import monitored_step

    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    w = torch.randn(10, 3, generator=g)
    x, xv = torch.randn(300, 10, generator=g), torch.randn(2000, 10, generator=g)
    y, yv = (x @ w).argmax(1), (xv @ w).argmax(1)
    flip = torch.rand(300, generator=g) < 0.2
    y[flip] = torch.randint(0, 3, (int(flip.sum()),), generator=g)
    model = nn.Sequential(nn.Linear(10, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 3))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    given = []
    with Monitor(model, every=10, chance_loss=math.log(3), log=log) as mon:
        for t in range(1, steps + 1):
            i = torch.randint(0, 300, (20,), generator=g)
            monitored_step(mon, model, x[i], y[i], opt)
            if t % every_given == 0:
                with torch.no_grad():
                    held = F.cross_entropy(model(xv), yv).item()
                mon.held_out(held)
                given.append((t, held))
    return given


def _latest_before(given, step):
    return next(([t, v] for t, v in reversed(given) if t < step), None)


@pytest.mark.browser
@pytest.mark.parametrize("every_given", [20, 3])
def test_the_held_out_losses_given_are_on_the_loss_chart(browser, tmp_path, every_given):
    log = tmp_path / "overfit.jsonl"
    given = _overfit(log, every_given=every_given)  # (every 3 steps: several between two sampled steps)
    reports = [json.loads(line) for line in log.read_text().splitlines()[1:] if '"step"' in line]
    for r in reports:  # the log carries the held-out loss each reading took in, with the step it was given after
        want = _latest_before(given, r["step"])
        assert (r.get("held_out") == pytest.approx(want, rel=1e-6)) if want else "held_out" not in r, r["step"]
    assert reports[-1]["reading"]["status"] == "not_generalising"  # the premise: the reading is of it
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           f">= {len(reports)}")
        drawn = page.evaluate(LOSS)
        assert drawn["names"] == ["loss", "chance level (chance_loss)", "held-out loss (mon.held_out), every one "
                                  "given"], drawn["names"]  # (the chance level the readings judged against: W84)
        # one dot per held-out loss given, at the step it was given after, at its own value: every one a report took
        # in or passed (W41 walkthrough: only the one each reading took in was drawn, 29 of 75), and the last, given
        # after step 600, past the last sampled step, 591, which the end line carries (W42 finding 7)
        assert given[-1][0] == 600 and reports[-1]["step"] == 591
        held = drawn["names"].index("held-out loss (mon.held_out), every one given")
        assert drawn["xs"][held] == [t for t, _ in given]
        assert drawn["y"][held] == pytest.approx([v for _, v in given], rel=1e-6)
        # on the axis, every chart's alike
        ends = page.evaluate("() => ['watch-loss', 'watch-history', 'watch-health'].map((id) => { "
                             "const g = document.getElementById(id).geom; return [g.px(600), g.r]; })")
        assert all(abs(px - r) < 1 for px, r in ends), ends
        # and the reading shown takes it in, as mon.report() does (the end line's)
        ended = json.loads(log.read_text().splitlines()[-1])
        late = [[t, v] for t, v in given if t >= reports[-1]["step"]]  # given after step 591: none of its line's
        assert ended["held_out_given"] == late and ended["held_out"] == list(given[-1])
        assert "after training step 600" in page.locator("#watch-reading").text_content()
        assert "after training step 600" not in reports[-1]["reading"]["words"]
        want = [(t, v) for t, v in given if t < reports[-1]["step"]]
        # the readout names the held-out loss a sampled step's reading took in, and the step it was given after
        k = drawn["x"].index(next(r["step"] for r in reports if r["step"] > want[-1][0]))
        page.locator("#watch-loss").focus()
        page.keyboard.press("Home")
        for _ in range(k):
            page.keyboard.press("ArrowRight")
        said = page.locator("#watch-readout").text_content()
        t, v = want[-1]
        assert f"; held-out loss {v:.4g}, given after training step {t:,}" in said, said
        # past the last sampled step: the held-out losses given after it, and the steps whose losses the end line
        # carries, reached by the keys (W107 walkthrough finding 9: drawn, and out of the keys' reach) and ringed
        page.keyboard.press("End")
        said = page.locator("#watch-readout").text_content()
        after = [(t, v) for t, v in given if t > reports[-1]["step"]]
        tail = [v for t, v in ended["losses_between"] if t > reports[-1]["step"]]  # the monitor's losses, 592 to 600
        assert len(tail) == 9
        assert said.startswith("After the last sampled step, 591; from step 592 to 600, the steps after it whose "
                               "losses the end line carries, the loss ranged from "
                               f"{min(tail):.4g} to {max(tail):.4g} (the band)"), said
        for t, v in after[-3:]:
            assert f"{v:.4g}, given after training step {t:,}" in said, said
        ringed = page.evaluate("document.getElementById('watch-loss').hoverDrawn")
        assert ringed[1:] == [600, pytest.approx(given[-1][1], rel=1e-6)], ringed
        page.keyboard.press("ArrowLeft")  # and back to the last sampled step
        assert page.locator("#watch-readout").text_content().startswith("Step 591: loss ")
        box = page.locator("#watch-loss").bounding_box()  # the pointer at the axis's right end reads it too
        right = page.evaluate("document.getElementById('watch-loss').geom.r")
        page.mouse.move(box["x"] + right - 1, box["y"] + box["height"] / 2)
        assert page.locator("#watch-readout").text_content().startswith("After the last sampled step, 591")
        shot(page, f"watch-held-out-{every_given}", page.locator("#watch-loss"))
        assert errors == []
        context.close()


def test_a_malformed_held_out_is_left_out_and_a_thinned_run_keeps_it():
    layers = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]

    def held(value):
        return point_of(0, {"step": 10, "loss": 1.0, "non_finite": False, "layers": layers,
                            "held_out": value}).get("held_out")

    assert held([9, 0.5]) == [9, 0.5]
    for bad in ([9, None], [9, "inf"], [9], [True, 0.5], "0.5", [9.5, 0.5], [9, 0.5, 1]):
        assert held(bad) is None, bad
    # 2,000 reports: every kept point, thinned or not, holds the held-out loss in force at its step
    history = RunHistory()
    for n in range(1, 2001):
        history.add({"step": 5 * n, "loss": 1.0, "non_finite": False, "layers": layers,
                     "held_out": [5 * n - 5 * (n % 7) - 1, 0.1 + (n - n % 7) / 1e4] if n > 7 else None})
    assert history.every > 1
    for p in history.head + history.thinned + list(history.recent):
        n = p["step"] // 5
        assert p.get("held_out") == ([5 * n - 5 * (n % 7) - 1, 0.1 + (n - n % 7) / 1e4] if n > 7 else None)


def test_a_report_carries_at_most_16_held_out_losses_with_the_lowest_and_the_latest(tmp_path):
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    given = []
    with Monitor(model, every=50, chance_loss=math.log(2), log=tmp_path / "h.jsonl") as mon:
        for t in range(1, 102):
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x), y)
                loss.backward()
                s.loss = loss
            held = 1.0 + ((t * 37) % 11) / 10 - (0.5 if t == 23 else 0.0)  # the lowest after step 23
            mon.held_out(held)
            given.append((t, held))
    reports = [json.loads(line) for line in (tmp_path / "h.jsonl").read_text().splitlines()[1:] if '"step"' in line]
    second = next(r for r in reports if r["step"] == 51)
    carried = second["held_out_given"]
    between = [(t, v) for t, v in given if 1 <= t < 51]  # given since the sampled step before (step 1)
    lowest = min(between, key=lambda g: g[1])
    assert lowest[0] == 23 and len(carried) == 16 and carried[-1] == list(between[-1]), carried
    assert [23, pytest.approx(lowest[1])] in carried, carried
    assert all(list(p) in [list(b) for b in between] for p in carried)


def test_the_history_keeps_every_held_out_loss_up_to_its_cap_and_the_lowest_past_it():
    from actlab.run_history import HELD_OUT_POINTS

    layers = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]
    history = RunHistory()
    for n in range(1, 1001):  # 5 held-out losses a report: 5,000 in all, past the cap
        given = [[5 * n + k, 1.0 + ((5 * n + k) % 13) / 10 - (1.5 if 5 * n + k == 777 else 0)] for k in range(5)]
        history.add({"step": 5 * n + 5, "loss": 1.0, "non_finite": False, "layers": layers, "held_out_given": given})
    kept = history.held_out
    assert len(kept) <= HELD_OUT_POINTS and [t for t, _ in kept] == sorted(t for t, _ in kept)
    assert min(kept, key=lambda p: p[1])[0] == 777 and kept[-1][0] == 5 * 1000 + 4


def test_each_answer_carries_the_bounds_the_page_keeps_as_the_server_does(tmp_path):
    """The page reads the server's bounds from each answer (it kept copies of the numbers, with nothing to keep
    them equal): the held-out losses a history keeps, the named parts a point holds, and the rates' bounds."""
    from fastapi.testclient import TestClient

    from actlab.run_history import HELD_OUT_POINTS, RATE_POINTS
    from actlab.run_points import PARTS_MOST, RATE_GROUPS_MOST
    from web._watch_logs import header, lines, report

    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(["a"]), report(1, ["a"], 0.5)))
    with TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",))) as client:
        for since in (0, 1):
            limits = client.get("/api/watch", params={"since": since}).json()["limits"]
            # (and the learning-rate changes a history keeps per group, and the groups: the rate chart's, W60)
            assert limits == {"held_out_points": HELD_OUT_POINTS, "parts_most": PARTS_MOST,
                              "rate_points": RATE_POINTS, "rate_groups_most": RATE_GROUPS_MOST}
    js = (Path(__file__).resolve().parents[2] / "src/actlab/web/static/js/watch-points.js").read_text()
    assert not re.search(r"\b(HELD_OUT_POINTS|PARTS_MOST)\s*=", js)  # no copy of either number on the page


@pytest.mark.browser
def test_a_page_following_a_long_run_keeps_its_held_out_losses_bounded_with_the_lowest(browser, tmp_path):
    from web._watch_logs import header, lines, report

    names = ["a"]
    reports = []
    for n in range(1, 401):  # 16 held-out losses a report: 6,400 in all, past the page's 4,096
        r = report(20 * n, names, 0.5)
        r["held_out_given"] = [[20 * n - 20 + k, 1.0 + ((20 * n + k) % 7) / 10 - (0.8 if 20 * n + k == 3003 else 0)]
                               for k in range(1, 17)]
        reports.append(r)
    log = tmp_path / "long.jsonl"
    log.write_text(lines(header(names), reports[0]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length >= 1")
        with log.open("a") as fh:  # the rest arrives while the page follows the run
            fh.write(lines(*reports[1:]))
        page.wait_for_function("document.getElementById('watch-loss').drawn?.x?.length >= 400", timeout=60_000)
        drawn = page.evaluate(LOSS)
        xs, ys = drawn["xs"][1], drawn["y"][1]
        # 6,400 given, at most 4,096 kept: thinned, in order, the lowest (given after step 2,983) and the latest kept
        assert len(xs) <= 4096 and xs == sorted(xs), len(xs)
        assert xs[ys.index(min(ys))] == 2983 and xs[-1] == 20 * 400 - 20 + 16, (xs[ys.index(min(ys))], xs[-1])
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_page_open_as_the_run_ends_takes_in_its_end_line(browser, tmp_path):
    """W107 walkthrough finding 1: a page open while the run ended kept the last sampled step's reading (the held-out
    median 'given after training steps 50 to 350') and a loss chart cut at that step, where mon.report() and the page
    reloaded took in the held-out loss given after it. Here the page reads the log up to its last sampled step, then
    the end line comes alone: the reading shown becomes the end line's, and the held-out loss given after step 600 is
    drawn."""
    run = tmp_path / "run.jsonl"
    given = _overfit(run)
    body = run.read_text().splitlines(keepends=True)
    ended = json.loads(body[-1])
    assert "reading" in ended and given[-1][0] == 600  # the premise: the end line carries a reading of its own
    log = tmp_path / "live.jsonl"
    log.write_text("".join(body[:-1]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-loss').drawn?.x?.length "
                                           ">= 60")
        before = page.locator("#watch-reading").text_content()
        assert "after training step 600" not in before  # the last sampled step's, 591
        with log.open("a") as f:
            f.write(body[-1])
        page.wait_for_function("document.getElementById('watch-reading').textContent.includes("
                               "'after training step 600')", timeout=15_000)
        drawn = page.evaluate(LOSS)
        held = drawn["names"].index("held-out loss (mon.held_out), every one given")
        assert drawn["xs"][held][-1] == 600, drawn["xs"][held][-3:]
        shot(page, "watch-end-line-live", page.locator("#watch-reading"))
        assert errors == []
        context.close()
