"""actlab watch (issue 17, V4): the start of a long run, and unit health over time.

The server keeps the first 256 sampled steps whole however long the run; the history charts put the steps on a log
axis by default once the last step is 1,000 times the first (a checkbox switches it), so the first 200 steps of a
200,000-step run take a visible share of the width; and a fourth chart draws each layer's dead (or saturated, or
dormant) units over the run, read from the log's own counts, with the same readout as the other charts."""

from __future__ import annotations

import json
import math

import pytest
from fastapi.testclient import TestClient

from actlab.monitor_log import HEAD_POINTS, RECENT_POINTS, RunHistory
from actlab.web.app import create_app
from web._watch_page import open_watch

NAMES = ["body.0.act", "body.1.act"]
LONG = 200_000
# every step of the first 1,000, then every 100th: a long run whose start a monitor sampled closely (2,990 reports)
SPARSE = [*range(1, 1_001), *range(1_100, LONG + 1, 100)]
NAN_STEPS = {150, 151}  # two steps early in the run that held a NaN: no unit counted there
WIDTH = 16


def _dead(step: int) -> int:
    """Layer 2's dead units in the synthetic log: none, then one more every 20 steps from step 100, all 16 by 420."""
    return min(max((step - 100) // 20, 0), WIDTH)


def _report(step: int) -> dict:
    bad = step in NAN_STEPS
    layers = [{"name": n, "activation": "relu", "width": WIDTH, "act_grad_norm": None if bad else 0.5 ** k / step,
               "weight_grad_norm": None if bad else 1.0 / step, "non_finite": bad,
               "dead": None if bad else (_dead(step) if k else 0), "saturated": None if bad else 1,
               "dormant": None if bad else (_dead(step) + 1 if k else 2), "words": ""}
              for k, n in enumerate(NAMES)]
    return {"step": step, "loss": None if bad else 2.0 / step, "non_finite": bad, "layers": layers,
            "first_non_finite": {"step": 150, "place": "module 'body.0.act'"} if step >= 150 else None,
            "reading": {"status": "flowing", "words": f"gradients flow at step {step}"}, "notes": []}


def _write(path, steps) -> None:
    with path.open("w") as fh:
        fh.write(json.dumps({"format": "actlab-monitor/1", "layers": NAMES}) + "\n")
        fh.write("".join(json.dumps(_report(s)) + "\n" for s in steps))


def _client(log) -> TestClient:
    return TestClient(create_app(db_path=log.parent / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))


def _held(client) -> tuple[list[dict], dict]:
    """The points a page holds once it has read the whole log (watch.js take(): the server's rule for dropping)."""
    held, since = [], 0
    while True:
        data = client.get("/api/watch", params={"since": since}).json()
        last = held[-1]["index"] if held else -1
        held += [p for p in data["points"] if p["index"] > last]
        held = [p for p in held if p["index"] < data["head"] or p["index"] >= data["recent_from"]
                or p["index"] % data["every"] == 0]
        since = data["next"]
        if since >= data["total"] and not data["unread"]:
            return held, data


# -- the server keeps the start ----------------------------------------------------------------------------------


def test_a_200000_report_history_keeps_its_first_256_reports_every_one():
    history = RunHistory()
    for step in range(1, LONG + 1):
        history.add(_report(step))
    assert [p["index"] for p in history.head] == list(range(HEAD_POINTS))
    assert [p["step"] for p in history.head[:200]] == list(range(1, 201))
    # between the start and the newest 500, every k-th report from 256 on: k is still 256 (779 points)
    assert history.every == 256 and [p["index"] for p in history.thinned] == list(range(256, LONG - RECENT_POINTS, 256))
    assert len(history.head) + len(history.thinned) + len(history.recent) == 256 + 779 + 500
    assert all(history.kept(k) for k in range(HEAD_POINTS)) and not history.kept(257)


def test_a_point_carries_each_layers_unit_counts_as_the_log_holds_them():
    point = RunHistory()
    point.add(_report(300))
    point.add(_report(150))
    ok, bad = point.recent
    assert ok["dead"] == [0, 10] and ok["saturated"] == [1, 1] and ok["dormant"] == [2, 11]
    assert ok["units"] == [WIDTH, WIDTH]
    # a step that held a NaN counts no unit: the log's nulls stay nulls, never zeros
    assert bad["dead"] == [None, None] and bad["saturated"] == [None, None] and bad["non_finite"]


def test_a_page_reading_a_long_sparse_log_holds_every_one_of_its_first_200_steps(tmp_path):
    log = tmp_path / "sparse.jsonl"
    _write(log, SPARSE)
    held, data = _held(_client(log))
    assert data["total"] == len(SPARSE) == 2_990 and data["head"] == HEAD_POINTS
    steps = [p["step"] for p in held]
    assert steps[:256] == list(range(1, 257))  # the previous server kept every 4th of them (50 of the first 200)
    assert steps[-500:] == SPARSE[-500:] and steps[-1] == LONG
    by_step = {p["step"]: p for p in held}
    assert [by_step[s]["dead"][1] for s in (100, 120, 140, 200)] == [0, 1, 2, 5]


# -- the page ------------------------------------------------------------------------------------------------------

READY = "document.getElementById('watch-history').drawn?.x?.at(-1) === {last}"
GEOM = """(id) => { const c = document.getElementById(id), g = c.geom;
  return { share: (g.px(200) - g.px(1)) / (g.r - g.l), axis: c.stepAxis, x: c.drawn.x,
           series: c.drawn.series.map((s) => s.y), ticks: c.stepTicks }; }"""


def _open(browser, base, width, last):
    return open_watch(browser, base, READY.format(last=last), width, timeout=120_000)


@pytest.mark.browser
def test_on_a_long_run_the_first_200_steps_take_a_visible_share_of_each_history_chart(browser, tmp_path):
    from web.conftest import serving, shot

    log = tmp_path / "sparse.jsonl"
    _write(log, SPARSE)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        for width in (1280, 420):
            context, page, errors = _open(browser, base, width, LONG)
            for chart in ("watch-history", "watch-health", "watch-loss"):
                drawn = page.evaluate(GEOM, chart)
                # log10(200) / log10(200,000) = 43% of the width (on the linear axis 0.1%: about one pixel)
                assert drawn["axis"] == "log" and drawn["share"] == pytest.approx(math.log10(200) / math.log10(LONG))
                assert drawn["x"][:200] == list(range(1, 201)), chart  # and every one of those steps is drawn
                assert drawn["ticks"] == [10, 100, 1_000, 10_000, 100_000]
            assert page.locator("#watch-step-log").is_checked()
            assert page.locator("#watch-step-axis").text_content() == (
                "The history charts put the steps on a log axis, since the last step is 200,000 times the first (steps "
                "1 to 200,000): each tenfold stretch of steps (1 to 10, 10 to 100, …) gets the same width, so the "
                "start of the run is not squeezed into a few pixels.")
            assert page.locator("#watch-span").text_content().startswith(
                "The charts show the whole run: every sampled step up to step 256, then every 4th sampled step up to "
                "step ")
            shot(page, f"watch-v4-long-start-{width}")
            shot(page, f"watch-v4-long-start-charts-{width}", page.locator(".grid2.watch-charts"))
            if width == 420:
                context.close()
                continue
            # the learner switches to an even axis: the start shrinks to a pixel or so, and the page says so
            page.locator("#watch-step-log").uncheck()
            drawn = page.evaluate(GEOM, "watch-loss")
            # the even axis labels round steps between its ends (V8), where the log axis marks decades
            assert drawn["axis"] == "linear" and drawn["share"] < 0.002 and drawn["ticks"] == [50_000, 100_000, 150_000]
            assert page.locator("#watch-step-axis").text_content() == (
                "The history charts put the steps on an even (linear) axis, as you chose.")
            page.locator("#watch-step-log").check()
            assert page.evaluate(GEOM, "watch-history")["axis"] == "log"
            assert errors == []
            context.close()


@pytest.mark.browser
def test_a_short_run_keeps_an_even_step_axis_and_says_why(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "short.jsonl"
    _write(log, range(1, 301))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base, 1280, 300)
        assert page.evaluate(GEOM, "watch-history")["axis"] == "linear"
        assert not page.locator("#watch-step-log").is_checked()
        assert page.locator("#watch-step-axis").text_content() == (
            "The history charts put the steps on an even (linear) axis, since the last step is 300 times the first "
            "(steps 1 to 300); past 1,000 times, the page switches to a log axis.")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_the_health_chart_draws_the_logs_counts_and_reads_a_step_that_held_a_nan(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "short.jsonl"
    _write(log, range(1, 501))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base, 1280, 500)
        drawn = page.evaluate(GEOM, "watch-health")
        expected = [None if s in NAN_STEPS else _dead(s) / WIDTH for s in range(1, 501)]
        assert drawn["series"] == [[None if s in NAN_STEPS else 0 for s in range(1, 501)], expected]
        page.locator("#watch-health").focus()
        page.keyboard.press("Home")
        for _ in range(149):  # to step 150, which held a NaN
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        assert page.locator("#watch-readout").text_content() == (
            "Step 150, layer 2 ('body.1.act'): this step held a NaN or an inf, so no unit was counted (not drawn) "
            "(2 of 2 layers)")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.locator("#watch-readout").text_content() == (
            "Step 152, layer 2 ('body.1.act'): 2 of 16 units dead (13%); 1 saturated or rarely active, 3 dormant "
            "(2 of 2 layers)")
        page.locator("#watch-health-measure").select_option("dormant")  # the same step, now read as dormant
        assert page.locator("#watch-readout").text_content() == (
            "Step 152, layer 2 ('body.1.act'): 3 of 16 units dormant (19%); 2 dead, 1 saturated or rarely active "
            "(2 of 2 layers)")
        assert page.evaluate(GEOM, "watch-health")["series"][0][0] == 2 / WIDTH
        assert page.evaluate("document.getElementById('watch-health').tickLabels") == ["0%", "50%", "100%"]
        assert errors == []
        context.close()


BREAK_AT = 300  # the step whose batch first meets layer 2's bias of -1,000: every unit of its ReLU is off


def _broken_run_log(tmp_path):
    """A real Monitor's log of Linear-ReLU-Linear-ReLU-Linear trained 400 steps, whose second Linear's bias is set
    to -1,000 before step 301: its ReLU's 16 units die there, and the first layer's stay alive."""
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    log = tmp_path / "broken.jsonl"
    with Monitor(model, every=1, log=log) as mon:
        for i in range(400):
            if i == BREAK_AT:
                with torch.no_grad():
                    model[2].bias.fill_(-1e3)
            x = torch.randn(32, 4)
            with mon.step() as s:
                s.loss = (model(x) - x[:, :1]).pow(2).mean()
                s.loss.backward()
            opt.step()
            opt.zero_grad()
    reports = [json.loads(line) for line in log.read_text().splitlines() if '"reading"' in line]
    return log, reports


def _status_words(reports: list[dict], k: int) -> str:
    """The readout's words for the reading's status at report ``k``, told from the log's own statuses (W47: the
    readout names the status where the run's reading changed at all)."""
    # (a dead layer's status whose finding names dying layers is said 'dying layer', as its headline says)
    # (and a starting one whose headline says 'unsettled', 'unsettled', W107)
    said = ["dying_layer" if r["reading"]["status"] == "dead_layer" and r["reading"].get("evidence", {})
            .get("dying_layers") else "unsettled" if r["reading"]["status"] == "starting" and
            r["reading"]["words"].startswith("unsettled") else r["reading"]["status"] for r in reports]
    if len(set(said)) == 1:
        return ""
    words = [s.replace("_", " ") for s in said]
    if k > 0 and said[k] != said[k - 1]:
        return f"; the reading changed here from {words[k - 1]} to {words[k]}"
    since = k
    while since > 0 and said[since - 1] == said[k]:
        since -= 1
    return f"; the reading here: {words[k]}" + (f" (since step {reports[since]['step']:,})" if since else "")


@pytest.mark.browser
def test_units_killed_at_a_known_step_by_a_real_monitor_show_in_the_health_chart(browser, tmp_path):
    from web.conftest import serving, shot

    log, reports = _broken_run_log(tmp_path)
    dead = [[layer["dead"] for layer in r["layers"]] for r in reports]
    died = next(r["step"] for r, d in zip(reports, dead, strict=True) if d[1] == WIDTH)
    # the monitor calls a unit dead once it gave no gradient on every batch it counts: after the break, not before
    assert all(d[1] < WIDTH for d in dead[:BREAK_AT]) and BREAK_AT < died <= BREAK_AT + 10
    assert all(d[1] == WIDTH for d in dead[died - 1:]) and all(d[0] < WIDTH for d in dead)
    held, _ = _held(_client(log))
    assert [p["dead"] for p in held] == dead and [p["units"] for p in held] == [[WIDTH, WIDTH]] * 400
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base, 1280, 400)
        drawn = page.evaluate(GEOM, "watch-health")
        # the log's own counts, none drawn where the monitor did not count yet: a window under 5 sampled batches
        # (V20: the warm-up's 0s were drawn as 0% dead)
        warm = [r["layers"][0]["window"] < 5 for r in reports]
        assert warm == [True] * 4 + [False] * 396
        # the dead share holds the units gone silent too (on before, off on the latest sampled batches: Y2)
        stopped = [[layer["dead"] + layer.get("silent", 0) for layer in r["layers"]] for r in reports]
        assert drawn["series"] == [[None if w else d[k] / WIDTH for d, w in zip(stopped, warm, strict=True)]
                                   for k in (0, 1)]
        page.locator("#watch-health").focus()
        page.keyboard.press("Home")
        for _ in range(died - 1):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        r = reports[died - 1]["layers"][1]
        assert page.locator("#watch-readout").text_content() == (
            f"Step {died}, layer 2 ('3 (ReLU)'): 16 of 16 units dead (100%); {r['saturated']} saturated or rarely "
            f"active, {r['dormant']} dormant (2 of 2 layers){_status_words(reports, died - 1)}")
        page.keyboard.press("ArrowLeft")
        before = stopped[died - 2][1]
        assert page.locator("#watch-readout").text_content().startswith(
            f"Step {died - 1}, layer 2 ('3 (ReLU)'): {before} of 16 units dead")
        # the pointer over the right end of the chart names the last step of the dead layer
        box = page.locator("#watch-health").bounding_box()
        right, top = page.evaluate("(({ r, py }) => [r, py(1)])(document.getElementById('watch-health').geom)")
        page.mouse.move(box["x"] + right, box["y"] + top)
        said = page.locator("#watch-readout").text_content()
        assert said.startswith("Step 400, layer 2 ('3 (ReLU)'): 16 of 16 units dead")
        # an nn.Sequential's layers are named by bare indices: the page adds the class ('1: 1' read as a count, W11)
        assert page.evaluate("document.getElementById('watch-bars').names") == ["1 (ReLU)", "3 (ReLU)"]
        label = page.locator("#watch-health").get_attribute("aria-label")
        assert page.locator("#watch-health").get_attribute("role") == "img" and "dead" in label
        shot(page, "watch-v4-dead-units-1280")
        assert errors == []
        context.close()


def test_a_layer_whose_width_the_log_does_not_give_has_no_share_drawn():
    report = _report(300)
    report["layers"][1]["width"] = None
    report["layers"][0]["dead"] = True  # not a count: JSON true is no number of units
    history = RunHistory()
    history.add(report)
    point = history.recent[0]
    assert point["units"] == [WIDTH, None] and point["dead"] == [None, 10]


@pytest.mark.browser
def test_a_run_counted_from_step_0_on_a_log_axis_and_a_layer_without_a_width(browser, tmp_path):
    from web.conftest import serving
    from web.test_accessibility import _axe_failures

    log = tmp_path / "zero.jsonl"
    reports = []
    for s in [0, *range(1, 5_001, 5)]:
        r = _report(max(s, 1))
        r["step"] = s
        r["layers"][1]["width"] = None  # the log gives no width: no share can be drawn for layer 2
        reports.append(r)
    with log.open("w") as fh:
        fh.write(json.dumps({"format": "actlab-monitor/1", "layers": NAMES}) + "\n")
        fh.write("".join(json.dumps(r) + "\n" for r in reports))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _open(browser, base, 420, 4_996)
        drawn = page.evaluate("""(() => { const c = document.getElementById('watch-health'), g = c.geom;
            return { axis: c.stepAxis, at0: g.px(0), l: g.l, series: c.drawn.series.map((s) => s.y) }; })()""")
        # step 0 has no logarithm: the axis counts from step 0 + 1, so step 0 sits at the left edge, not at -infinity
        assert drawn["axis"] == "log" and drawn["at0"] == drawn["l"]
        assert all(v is None for v in drawn["series"][1]) and drawn["series"][0][0] == 0
        assert page.locator("#watch-step-axis").text_content().startswith(
            "The history charts put the steps on a log axis, since the last step is 4,997 times the first (steps 0 "
            "to 4,996)")
        page.locator("#watch-health").focus()
        page.keyboard.press("Home")
        page.keyboard.press("ArrowUp")
        assert page.locator("#watch-readout").text_content() == (
            "Step 0, layer 2 ('body.1.act'): the log counts no units here (2 of 2 layers)")
        assert _axe_failures(page) == []  # the checkbox, the select and the fourth chart included
        assert errors == []
        context.close()
