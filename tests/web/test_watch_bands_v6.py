"""actlab watch (issue 17, V6 item 1): a spike in the thinned middle of a long run stays on the charts. Each kept
point of the thinned stretch carries its band (the lowest and highest loss and gradient of each layer, the most dead,
saturated and dormant units, over the reports it stands for); the page keeps the same bands as the server and shades
them. Tested on 50,000 reports with a 3-step spike at a random place in the middle, and the points kept for 10^5 and
10^6 reports. Logs are written in the format monitor_log reads, without torch."""

from __future__ import annotations

import json
import random

import pytest

from actlab.monitor_log import HEAD_POINTS, LOG_FORMAT, RECENT_POINTS, THINNED_POINTS, LogTail, RunHistory

NAMES = ["block.0.act", "block.1.act"]
REPORTS = 50_000
SPIKE_LOSS, SPIKE_GRAD, SPIKE_DEAD = 75.0, 4.0e3, 15  # against a loss of about 1, gradients of 0.01, 1 dead unit


def _report(step: int, spike: bool = False) -> dict:
    layers = [{"name": n, "activation": "relu", "width": 16, "act_grad_norm": SPIKE_GRAD if spike and k == 1 else
               0.01 * (k + 1), "weight_grad_norm": 0.02, "non_finite": False, "dead": SPIKE_DEAD if spike else 1,
               "saturated": 0, "dormant": 2, "words": ""} for k, n in enumerate(NAMES)]
    return {"step": step, "loss": SPIKE_LOSS if spike else 1.0 + 0.1 / step, "non_finite": False, "layers": layers,
            "reading": {"status": "flowing", "words": f"gradients flow at step {step}"}, "notes": []}


def _spike_at(seed: int) -> int:
    """A step in the thinned middle of a 50,000-report run, drawn at random (its first of three)."""
    return random.Random(seed).randrange(HEAD_POINTS + 10, REPORTS - RECENT_POINTS - 10)


def _history(spike: int) -> RunHistory:
    history = RunHistory()
    for step in range(1, REPORTS + 1):
        history.add(_report(step, spike <= step < spike + 3))
    return history


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_three_step_spike_in_the_thinned_middle_is_in_the_band_of_the_point_before_it(seed):
    spike = _spike_at(seed)
    history = _history(spike)
    points = history.since(0, 10**9)
    assert history.every == 64
    # the kept points alone miss it (the old charts' data), unless a kept step falls on one of the three
    on_a_kept_step = any(p["loss"] == SPIKE_LOSS for p in points)
    assert on_a_kept_step == any(history.kept(s - 1) for s in range(spike, spike + 3))
    banded = [p for p in points if "band" in p]
    assert len(banded) == len(history.thinned) and all(HEAD_POINTS <= p["index"] < history.recent_from
                                                       for p in banded)
    # the bands tile the thinned stretch: each runs from its own step to the step before the next kept one
    for a, b in zip(banded, banded[1:], strict=False):
        assert a["band"]["last"] == b["step"] - 1
    holding = [p for p in banded if p["step"] <= spike <= p["band"]["last"]]
    assert len(holding) == 1
    band = holding[0]["band"]
    assert band["loss"][1] == SPIKE_LOSS and band["loss"][0] < 1.01
    assert band["grads"][1] == [0.02, SPIKE_GRAD] and band["grads"][0] == [0.01, 0.01]
    assert band["dead"] == [SPIKE_DEAD, SPIKE_DEAD] and band["saturated"] == [0, 0] and band["dormant"] == [2, 2]
    others = [p["band"] for p in banded if p is not holding[0]]
    assert max(b["loss"][1] for b in others) < 2 and max(b["dead"][0] for b in others) == 1


@pytest.mark.parametrize("reports", [10**5, 10**6])
def test_the_points_and_bands_kept_stay_bounded_however_long_the_run(reports):
    history = RunHistory()
    small = {"step": 0, "loss": 1.0, "layers": [{"name": "a", "act_grad_norm": 0.1, "width": 4, "dead": 0}],
             "reading": {"status": "flowing"}}
    for step in range(1, reports + 1):
        small["step"] = step
        history.add(small)
    kept = len(history.head) + len(history.thinned) + len(history.recent)
    assert len(history.head) == HEAD_POINTS and len(history.recent) == RECENT_POINTS
    assert THINNED_POINTS // 2 < len(history.thinned) <= THINNED_POINTS
    assert kept <= HEAD_POINTS + THINNED_POINTS + RECENT_POINTS
    assert sorted(history.bands) == [p["index"] for p in history.thinned]  # one band per thinned point, no more
    assert history.every == {10**5: 128, 10**6: 1024}[reports]
    # with every past the head's 256 reports, the first thinned point is still the report just after the head,
    # so the reports between it and the first multiple of every are in a band (they were lost before)
    assert history.thinned[0]["index"] == HEAD_POINTS
    assert history.bands[HEAD_POINTS]["last"] == history.thinned[1]["step"] - 1
    assert history.thinned[-1]["index"] + history.every >= history.recent_from


def test_a_point_that_held_a_nan_widens_no_band_and_a_band_of_nan_steps_only_is_empty():
    history = RunHistory(thinned=8, recent=2, head=2)
    for step in range(1, 41):
        r = _report(step, spike=step == 12)
        if 19 <= step <= 34:
            r.update(non_finite=True, loss=None)
            for layer in r["layers"]:
                layer.update(non_finite=True, act_grad_norm=None, dead=None)
        history.add(r)
    assert [p["step"] for p in history.thinned] == [3, 11, 19, 27, 35]  # every 8th, counted from the head
    bands = {p["step"]: history.bands[p["index"]] for p in history.thinned}
    assert bands[11]["loss"][1] == SPIKE_LOSS and bands[11]["last"] == 18  # the finite spike at step 12
    for step in (19, 27):  # steps 19-26 and 27-34 all held a NaN: their bands hold no number
        assert bands[step]["loss"] is None and bands[step]["grads"] == [None, None]
        assert bands[step]["dead"] == [None, None]
    assert bands[3]["loss"][1] < 2 and bands[35]["loss"][1] < 2 and bands[35]["last"] == 38


# -- the page ------------------------------------------------------------------------------------------------------


def _write(path, spike: int) -> None:
    with path.open("w") as fh:
        fh.write(json.dumps({"format": LOG_FORMAT, "layers": NAMES}) + "\n")
        fh.write("".join(json.dumps(_report(s, spike <= s < spike + 3)) + "\n" for s in range(1, REPORTS + 1)))


LOSS = "document.getElementById('watch-loss')"
SPIKE_PIXELS = """([id, steps, value]) => {
  // the chart's colour at the height of ``value`` over each step (CSS px, as the chart's geometry gives them)
  const c = document.getElementById(id), { px, py } = c.geom, dpr = window.devicePixelRatio || 1;
  const ctx = c.getContext('2d');
  const at = (x, y) => Array.from(ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data);
  return steps.map((s) => at(px(s), py(value)));
}"""


def _blue(rgba) -> bool:  # the loss line's colour (#0072B2), not a grey grid line nor the blank canvas
    return rgba[3] > 40 and rgba[2] - rgba[0] > 30


def _orange(rgba) -> bool:  # the second layer's colour (#E69F00)
    return rgba[3] > 40 and rgba[0] - rgba[2] > 30


@pytest.mark.browser
def test_the_page_shades_the_spike_s_band_names_it_on_the_chart_and_holds_the_server_s_bands(browser, tmp_path):
    from actlab.web.app import create_app
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    spike = _spike_at(7)
    log = tmp_path / "spike.jsonl"
    _write(log, spike)
    tail = LogTail(log)
    while not tail.poll() or tail.unread:
        pass
    server = {p["step"]: p["band"] for p in tail.history.since(0, 10**9) if "band" in p}
    start = max(s for s in server if s <= spike)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{LOSS}.drawn?.x?.at(-1) === {REPORTS} && "
                                           "document.getElementById('watch-run').dataset.state !== 'reading'",
                                           timeout=120_000)
        drawn = page.evaluate(f"({{x: {LOSS}.drawn.x, bands: {LOSS}.drawn.bands[0], legend: {LOSS}.legendNames,"
                              f" drawnBands: {LOSS}.bandsDrawn}})")
        page_bands = {x: b for x, b in zip(drawn["x"], drawn["bands"], strict=True) if b}
        # the page's bands are the server's, though the page took them in pieces as the lab read the log, thinning
        # the points it had on its own
        assert page_bands == {s: [*b["loss"], b["last"]] for s, b in server.items()}
        assert page_bands[start][1] == SPIKE_LOSS and drawn["drawnBands"] == len(server)
        # (the loss chart's own key: its band also holds the steps between two sampled points, Y2)
        assert "band: lowest to highest loss up to the next point" in drawn["legend"]
        # drawn: at the spike's height, the band's top edge is in the line's colour over the spike's stretch, and
        # not over the first stretch of the thinned middle
        first = min(server)
        at_spike, elsewhere = page.evaluate(SPIKE_PIXELS, ["watch-loss", [start, first], SPIKE_LOSS])
        assert _blue(at_spike) and not _blue(elsewhere)
        grads = page.evaluate("document.getElementById('watch-history').drawn.bands[1]")
        assert max(b[1] for b in grads if b) == SPIKE_GRAD
        at_spike, elsewhere = page.evaluate(SPIKE_PIXELS, ["watch-history", [start, first], SPIKE_GRAD])
        assert _orange(at_spike) and not _orange(elsewhere)
        health = page.evaluate("document.getElementById('watch-health').drawn.bands[0]")
        assert max(b[1] for b in health if b) == SPIKE_DEAD / 16
        span = page.locator("#watch-span").text_content()
        assert "the shaded band spans the lowest to highest value of the steps not drawn" in span
        # the keyboard reads the band: the loss chart's point at the spike's stretch
        page.locator("#watch-loss").focus()
        page.keyboard.press("Home")
        for _ in range(drawn["x"].index(start)):
            page.keyboard.press("ArrowRight")
        said = page.locator("#watch-readout").text_content()
        assert said.startswith(f"Step {start:,}: loss ") and (
            f"; from step {start:,} to {server[start]['last']:,} it ranged from " in said) and said.endswith(
            "to 75 (the band)")
        shot(page, "watch-v6-spike-band-1280")
        page.set_viewport_size({"width": 420, "height": 1000})
        page.wait_for_timeout(300)
        shot(page, "watch-v6-spike-band-420")
        assert errors == []
        context.close()
