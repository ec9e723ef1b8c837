"""actlab watch on a long run (issue 17, V3): the charts cover the whole run at any length, in bounded memory and
bounded bytes per answer. The server keeps every k-th report before the newest 500 (k doubles when more than 1,000
would be kept) and every one after, plus each stretch of NaN steps; the page holds the same points. Tested on a log
of 200,000 sampled steps, a page opened again mid-run, a log written anew by a second run, and garbage lines.
Logs are written in the format monitor_log reads (two layers, the fields the page draws), without torch."""

from __future__ import annotations

import json
import math
import sys

import pytest
from fastapi.testclient import TestClient

from actlab.monitor_log import HEAD_POINTS, LOG_FORMAT, RECENT_POINTS, THINNED_POINTS, LogTail, RunHistory
from actlab.web.app import create_app
from actlab.web.routes.watch import MAX_POINT_BYTES

NAMES = ["encoder.0.act", "encoder.1.act"]
LONG = 200_000
NAN_FROM, NAN_TO = 1_001, 1_100  # steps that hold a NaN in the long log: early, long since thinned


def _report(step: int, non_finite: bool = False) -> dict:
    layers = [{"name": n, "activation": "relu", "width": 16, "act_grad_norm": None if non_finite else 0.5 ** k / step,
               "weight_grad_norm": None if non_finite else 1.0 / step, "non_finite": non_finite, "dead": 0,
               "words": ""} for k, n in enumerate(NAMES)]
    return {"step": step, "loss": None if non_finite else 2.0 / step, "non_finite": non_finite, "layers": layers,
            "first_non_finite": {"step": NAN_FROM, "place": "module 'encoder.0.act'"} if step >= NAN_FROM else None,
            "reading": {"status": "flowing", "words": f"gradients flow at step {step}"}, "notes": []}


def _write(path, steps, mode="w") -> None:
    with path.open(mode) as fh:
        if mode == "w":
            fh.write(json.dumps({"format": LOG_FORMAT, "layers": NAMES}) + "\n")
        fh.write("".join(json.dumps(_report(s, NAN_FROM <= s <= NAN_TO)) + "\n" for s in steps))


@pytest.fixture(scope="module")
def long_log(tmp_path_factory):
    """200,000 sampled steps (about 60 MB), written once for the module; tests that change a log copy it."""
    path = tmp_path_factory.mktemp("long") / "long.jsonl"
    _write(path, range(1, LONG + 1))
    return path


def _client(log) -> TestClient:
    return TestClient(create_app(db_path=log.parent / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))


def _read_all(client, since=0):
    """Every answer from ``since`` until the lab has read the whole file and sent every point it keeps."""
    answers = []
    while True:
        res = client.get("/api/watch", params={"since": since})
        assert res.status_code == 200
        answers.append((len(res.content), res.json()))
        data = answers[-1][1]
        since = data["next"]
        if since >= data["total"] and not data["unread"]:
            return answers


def _mirror(held: list[dict], data: dict) -> list[dict]:
    """What the page holds after an answer (watch.js take()): the new points, less those the server dropped."""
    last = held[-1]["index"] if held else -1
    held = held + [p for p in data["points"] if p["index"] > last]
    return [p for p in held if p["index"] < data["head"] or p["index"] >= data["recent_from"]
            or p["index"] % data["every"] == 0]


# -- the server's summary ----------------------------------------------------------------------------------------


def test_a_run_history_keeps_the_first_step_every_kth_before_the_newest_500_and_every_one_after():
    history = RunHistory()
    for step in range(1, LONG + 1):
        history.add(_report(step))
    older = LONG - RECENT_POINTS - HEAD_POINTS  # 199,244 reports between the first 256 and the newest 500
    assert history.every == 256  # the smallest power of two that keeps at most 1,000 of them (779; 128 keeps 1,557)
    assert math.ceil(older / history.every) <= THINNED_POINTS < math.ceil(older / (history.every // 2))
    assert [p["index"] for p in history.head] == list(range(HEAD_POINTS))  # V4: the start, every report
    assert [p["index"] for p in history.thinned] == list(range(HEAD_POINTS, LONG - RECENT_POINTS, 256))
    assert [p["index"] for p in history.recent] == list(range(LONG - RECENT_POINTS, LONG))
    assert history.head[0]["step"] == 1 and history.recent[-1]["step"] == LONG
    # a point is the step's own numbers, as the log holds them
    assert history.thinned[2] == {"index": 768, "step": 769, "loss": 2.0 / 769, "non_finite": False,
                                  "grads": [1.0 / 769, 0.5 / 769], "dead": [0, 0], "saturated": [None, None],
                                  "dormant": [None, None], "units": [16, 16]}


def test_stretches_of_nan_steps_are_kept_however_thinned_and_merged_past_64():
    history = RunHistory()
    nan_steps = set(range(1_001, 1_101)) | {5_000 + 100 * k for k in range(100)} | {LONG}
    for step in range(1, LONG + 1):
        history.add(_report(step, step in nan_steps))
    assert history.non_finite == len(nan_steps) == 201
    assert history.spans[0] == [1_001, 1_100, 100]  # a stretch of 100 steps is one span
    assert len(history.spans) == 64 and sum(s[2] for s in history.spans) == 201  # 102 stretches, merged to 64
    assert history.spans[-1] == [LONG, LONG, 1]
    steps = sorted(nan_steps)
    covered = [any(a <= s <= b for a, b, _ in history.spans) for s in steps]
    assert all(covered)  # every NaN step lies in a span, although the thinned points left most of them out
    assert sum(p["non_finite"] for p in history.thinned) < 10


def _deep_size(obj, seen=None) -> int:
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)) or type(obj).__name__ == "deque":
        size += sum(_deep_size(v, seen) for v in obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):  # the tail's RunHistory, not its Path
        size += _deep_size(vars(obj), seen)
    return size


def test_the_lab_holds_a_bounded_summary_of_a_200000_step_log(long_log, tmp_path):
    """The memory bound: at most 1,756 points (each about 750 bytes and 64 more per layer: V4 added the units'
    counts), the newest report and the newest finite one whole, 64 spans and 5 named bad lines:
    1,756 x (750 + 64 x 2) + 2 reports' size here, and since V6 a band for each of at most 1,000 thinned points (the
    range of the reports it stands for, about 1,400 bytes and 128 more per layer).
    The old reader kept the newest 2,000 reports whole (5.7 MB of this log's small reports, more for a deep model's)
    and showed nothing older."""
    tail = LogTail(long_log)
    sizes = {}
    while tail.unread or not tail.total:
        tail.poll()
        if tail.total >= 20_000 and 20_000 not in sizes:
            sizes[20_000] = _deep_size(vars(tail))
    sizes[LONG] = _deep_size(vars(tail))
    report = _deep_size(tail.reports[-1])
    bound = 1_756 * (750 + 64 * len(NAMES)) + THINNED_POINTS * (1_400 + 128 * len(NAMES)) + 2 * report + 20_000
    assert tail.total == LONG and sizes[LONG] <= bound, (sizes, bound)
    assert sizes[20_000] <= bound  # at a tenth of the run the same bound holds (1,358 points then, 1,535 now)
    held = len(tail.history.head) + len(tail.history.thinned) + len(tail.history.recent)
    assert held <= HEAD_POINTS + THINNED_POINTS + RECENT_POINTS


def test_every_answer_is_bounded_and_a_page_gets_the_whole_run_from_its_first_step(long_log):
    """The per-answer bound: at most 200,000 bytes of points, plus the header, the newest report and the newest
    finite one (only in an answer that reaches the newest point), 64 spans and 5 named bad lines."""
    answers = _read_all(_client(long_log))
    held: list[dict] = []
    header = len(json.dumps({"format": LOG_FORMAT, "layers": NAMES}))
    report = len(json.dumps(_report(LONG)))
    for size, data in answers:
        assert len(json.dumps(data["points"], separators=(",", ":"))) <= MAX_POINT_BYTES
        assert size <= MAX_POINT_BYTES + header + 2 * report + 64 * 30 + 2_000, size
        held = _mirror(held, data)
    last = answers[-1][1]
    # the newest report goes only with an answer that reaches the newest point read so far
    assert all(d["next"] == d["total"] for _, d in answers if d["latest"]) and last["latest"]["step"] == LONG
    steps = [p["step"] for p in held]
    assert steps[:256] == list(range(1, 257)) and steps[-1] == LONG and len(steps) == 256 + 779 + 500
    assert last["every"] == 256 and last["recent_from"] == LONG - 500
    assert last["spans"] == [[NAN_FROM, NAN_TO, 100]] and last["non_finite"] == 100
    assert max(size for size, _ in answers) < 300_000 and len(answers) < 40


def test_a_page_opened_again_mid_run_holds_what_a_page_that_followed_the_run_holds(long_log, tmp_path):
    log = tmp_path / "growing.jsonl"
    with long_log.open("rb") as src, log.open("wb") as dst:
        for _ in range(1 + 50_000):  # the header and the first 50,000 reports
            dst.write(src.readline())
        rest = src.read()
    client = _client(log)
    followed: list[dict] = []
    for _, data in _read_all(client):
        followed = _mirror(followed, data)
    since = data["next"]
    with log.open("ab") as fh:  # the run goes on to step 200,000 in four pieces, the page following
        for k in range(4):
            piece = rest[k * len(rest) // 4:(k + 1) * len(rest) // 4]
            fh.write(piece)
            fh.flush()
            for _, data in _read_all(client, since):
                followed = _mirror(followed, data)
            since = data["next"]
    reopened: list[dict] = []
    for _, data in _read_all(client):  # a page opened now starts from report 0
        reopened = _mirror(reopened, data)
    assert [p["step"] for p in followed] == [p["step"] for p in reopened]
    assert reopened[0]["step"] == 1 and reopened[-1]["step"] == LONG and len(reopened) == 1_535


def test_a_second_run_written_into_a_long_log_starts_the_history_again(tmp_path):
    log = tmp_path / "rerun.jsonl"
    _write(log, range(1, 20_001))
    client = _client(log)
    first = _read_all(client)[-1][1]
    assert first["every"] == 32 and first["run"] == 1
    _write(log, range(10, 310, 10))  # the second run: 30 steps into the same path
    data = _read_all(client, first["next"])[-1][1]  # the page asks on from where it was
    assert data["run"] == 2 and "written again from its start" in data["restarted"]
    answers = _read_all(client)  # and, seeing a new run, from its start
    assert answers[-1][1]["every"] == 1 and answers[-1][1]["spans"] == [] and answers[-1][1]["total"] == 30
    assert [p["step"] for _, d in answers for p in d["points"]] == list(range(10, 310, 10))


def test_garbage_lines_in_a_long_log_are_counted_and_a_nan_or_1e999_still_answers_strict_json(tmp_path):
    log = tmp_path / "garbage.jsonl"
    _write(log, range(1, 3_001))
    nan_loss = json.dumps(_report(3_001) | {"loss": math.nan})  # Python's json writes NaN, a Monitor never does
    huge = _report(3_002)
    huge["layers"][0]["act_grad_norm"], huge["loss"] = 12345.5, 23456.5
    huge = json.dumps(huge).replace("12345.5", "1e999").replace("23456.5", "1e999")  # too large for a double: inf
    with log.open("a") as fh:
        fh.write('{"step": 3000.5, "garb\n' + "\x00\x01 not text\n" + nan_loss + "\n" + huge + "\n")
        fh.write("".join(json.dumps(_report(s)) + "\n" for s in range(3_003, 3_010)))
    answers = _read_all(_client(log))  # every answer is strict JSON
    data = answers[-1][1]
    assert data["total"] == 3_009 and data["bad_lines"] == 2 and [p["line"] for p in data["problems"]] == [3002, 3003]
    points = {p["step"]: p for _, d in answers for p in d["points"]}
    assert points[3_001]["loss"] is None and points[3_002]["grads"][0] is None  # no number to draw
    assert points[3_002]["loss"] == "inf"  # the log's own spelling: the page marks it in red
    assert points[3_009]["loss"] == pytest.approx(2 / 3_009) and data["latest"]["step"] == 3_009


# -- the page ------------------------------------------------------------------------------------------------------

SOURCE = "document.getElementById('watch-source').textContent"
X = "document.getElementById('watch-history').drawn?.x"


def _page(browser, base, width, ready, timeout=180_000):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/watch")
    page.wait_for_function(ready, timeout=timeout)
    return context, page, errors


def _drawn(page) -> dict:
    return page.evaluate("""(() => { const h = document.getElementById('watch-history').drawn,
        l = document.getElementById('watch-loss').drawn;
        return { x: h.x, series: h.series.map((s) => s.y), marks: h.marks, loss: l.series[0].y }; })()""")


@pytest.mark.browser
def test_a_200000_step_run_is_drawn_whole_live_and_on_a_page_opened_again_mid_run(browser, long_log, tmp_path):
    from web.conftest import serving, shot

    log = tmp_path / "growing.jsonl"
    with long_log.open("rb") as src, log.open("wb") as dst:
        for _ in range(1 + 50_000):
            dst.write(src.readline())
        rest = src.read()
    pieces = [rest[k * len(rest) // 4:(k + 1) * len(rest) // 4] for k in range(4)]
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        followed, page, errors = _page(browser, base, 1280, f"{SOURCE}.includes('50,000 sampled steps')")
        for k, piece in enumerate(pieces):
            with log.open("ab") as fh:
                fh.write(piece)
            if k == 1:  # mid-run, a second page (a reload, another window) starts from the run's first step
                reopened, page2, errors2 = _page(browser, base, 420, f"{X}?.[0] === 1")
        done = f"{SOURCE}.includes('200,000 sampled steps') && {X}?.at(-1) === {LONG}"
        page.wait_for_function(done, timeout=180_000)
        page2.wait_for_function(done, timeout=180_000)
        a, b = _drawn(page), _drawn(page2)
        assert a == b  # the page that followed and the page opened mid-run hold the same points
        assert a["x"][:256] == list(range(1, 257)) and len(a["x"]) == 256 + 779 + 500
        assert a["x"][256] == 257 and a["x"][1034] == 199_425 and a["x"][1035] == 199_501
        assert a["series"][0][0] == 1.0 and a["loss"][0] == 2.0  # step 1's own numbers
        assert a["marks"] == [[NAN_FROM, NAN_TO]]  # the NaN stretch at steps 1,001-1,100 is marked, though thinned
        span = page.locator("#watch-span").text_content()
        assert span == ("The charts show the whole run: every sampled step up to step 256, then every 256th sampled"
                        " step up to step 199,425, then every sampled step from step 199,501 to 200,000 (1,535 of the"
                        " 200,000 sampled steps). Between two drawn steps of the thinned middle, the shaded band"
                        " spans the lowest to highest value of the steps not drawn, so a spike there still shows; a"
                        " step that held a NaN or an inf is marked in red.")
        assert page2.locator("#watch-span").text_content() == span
        assert page.locator("#watch-nan").text_content() == (
            "A NaN or an inf first appeared at step 1,001, first at module 'encoder.0.act'; 100 of the 200,000 "
            "sampled steps held one (red marks).")
        page.locator("#watch-history").focus()
        page.keyboard.press("Home")
        assert page.locator("#watch-readout").text_content() == (
            "Step 1, layer 1 ('encoder.0.act'): ‖∂L/∂a‖ 1 (1 of 2 layers)")  # the first 256 steps are all drawn
        for _ in range(256):
            page.keyboard.press("ArrowRight")
        assert page.locator("#watch-readout").text_content() == (
            "Step 257, layer 1 ('encoder.0.act'): ‖∂L/∂a‖ 0.00389 (1 of 2 layers); here the charts draw every 256th "
            "sampled step; from step 257 to 512 it ranged from 0.00195 to 0.00389 (the band)")
        page.keyboard.press("End")
        assert page.locator("#watch-readout").text_content().startswith("Step 200,000, layer 1 ('encoder.0.act')")
        assert not page.locator("#watch-readout").text_content().endswith("sampled step")
        shot(page, "watch-v3-long-run-1280")
        shot(page2, "watch-v3-long-run-420")
        assert errors == [] and errors2 == []
        followed.close()
        reopened.close()


@pytest.mark.browser
def test_a_long_run_with_a_garbage_line_then_a_new_run_into_the_same_file(browser, tmp_path):
    from web.conftest import serving

    log = tmp_path / "run.jsonl"
    _write(log, range(1, 5_001))
    with log.open("a") as fh:
        fh.write('{"step": 5001, "layers": [oops\n')
    _write(log, range(5_001, 20_001), mode="a")
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _page(browser, base, 1280, f"{SOURCE}.includes('20,000 sampled steps') && "
                                                           f"{X}?.at(-1) === 20000")
        assert page.locator("#watch-bad").text_content().startswith("1 line was skipped, since it is not a record of a"
                                                                     " Monitor log (line 5,002: it is not JSON")
        x = _drawn(page)["x"]
        # the first 256 whole, the 19,244 after them thinned to every 32nd, the newest 500 whole
        assert x[:256] == list(range(1, 257)) and len(x) == 256 + 602 + 500
        assert "every 32nd sampled step" in page.locator("#watch-span").text_content()
        _write(log, range(10, 310, 10))  # a new run into the same path: 30 steps
        page.wait_for_function("!document.getElementById('watch-restart').hidden", timeout=30_000)
        page.wait_for_function(f"{SOURCE}.includes('30 sampled steps') && {X}?.length === 30")
        assert _drawn(page)["x"] == list(range(10, 310, 10))
        assert page.locator("#watch-span").is_hidden() and page.locator("#watch-bad").is_hidden()
        assert page.locator("#watch-nan").is_hidden()
        assert errors == []
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [420, 1280])
def test_the_layer_table_fits_the_window_without_scrolling_sideways(browser, tmp_path, width):
    from web._watch_logs import header, lines, report
    from web.conftest import serving, shot
    from web.test_accessibility import _axe_failures

    names = ["encoder.layers.0.linear1.activation", "encoder.layers.1.linear1.activation", "head.act"]
    reports = [report(s, names, 1.0 / s) for s in range(1, 30)]
    for r in reports:
        r["layers"][1]["words"] = ("dying: 40% of units gave no gradient on the last 10 sampled batches; lower the "
                                   "learning rate or use leaky_relu")
        r["layers"][0].update(low_word="rarely active", saturated=3)
    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(names), *reports))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = _page(browser, base, width, "document.querySelector('#watch-table table') !== null")
        got = page.evaluate("""(() => { const w = document.getElementById('watch-table');
            return { scroll: w.scrollWidth, client: w.clientWidth, page: document.documentElement.scrollWidth,
                     stacked: w.classList.contains('stacked') }; })()""")
        assert got["scroll"] <= got["client"] and got["page"] <= width, got
        assert got["stacked"] is (width == 420)  # at 1280 the columns fit side by side
        cells = page.locator("#watch-table tbody tr").nth(1).locator("td")
        if width == 420:  # each value beside its column's name, on one line: no number broken
            value = cells.nth(3)  # ‖∂L/∂a‖
            assert value.get_attribute("data-label") == "‖∂L/∂a‖" and value.bounding_box()["height"] < 30
            reading = cells.nth(12).bounding_box()
            table = page.locator("#watch-table").bounding_box()
            assert reading["x"] + reading["width"] <= table["x"] + table["width"] + 1
        shot(page, f"watch-v3-table-{width}", page.locator("#watch-table"))
        assert _axe_failures(page) == []  # no serious or critical WCAG violation, stacked or not
        assert errors == []
        context.close()


def test_two_pages_asking_at_once_while_the_log_grows_read_it_once_and_whole(tmp_path):
    """Two pages (two windows, a reload) poll the same lab at once; each answer reads the file under the tail's lock.
    Without it two threads read from the same offset, and a history being extended was iterated ('deque mutated
    during iteration', a 500)."""
    import threading

    log = tmp_path / "run.jsonl"
    _write(log, range(1, 2))
    client = _client(log)
    failures: list = []
    steps: dict[int, list[int]] = {0: [], 1: []}

    def page(k: int) -> None:
        since = 0
        for _ in range(400):
            res = client.get("/api/watch", params={"since": since})
            if res.status_code != 200:
                failures.append(res.status_code)
                return
            data = res.json()
            steps[k] += [p["step"] for p in data["points"]]
            since = data["next"]

    threads = [threading.Thread(target=page, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for first in range(2, 6_002, 200):  # the run goes on while both pages ask
        _write(log, range(first, first + 200), mode="a")
    for t in threads:
        t.join()
    data = client.get("/api/watch", params={"since": 0}).json()
    assert failures == [] and data["bad_lines"] == 0 and data["total"] == 6_001
    for k in (0, 1):  # each page got each step at most once, in order
        assert steps[k] == sorted(set(steps[k])) and steps[k][0] == 1, k


def test_a_real_monitors_2000_step_log_is_drawn_from_its_first_step_with_its_nan_stretch(tmp_path):
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    log = tmp_path / "real.jsonl"
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with Monitor(model, every=1, log=log) as mon:
        for i in range(2_000):
            x = torch.randn(16, 4)
            if 100 <= i < 110:  # ten batches holding a NaN: steps 101-110
                x[0, 0] = math.nan
            with mon.step() as s:
                s.loss = (model(x) - x[:, :1]).pow(2).mean()
                s.loss.backward()
            if torch.isfinite(s.loss):
                opt.step()
            opt.zero_grad()
    written = [json.loads(line) for line in log.read_text().splitlines()]
    reports = [r for r in written if "reading" in r]
    held: list[dict] = []
    for _, data in _read_all(_client(log)):
        held = _mirror(held, data)
    assert data["total"] == 2_000 and data["bad_lines"] == 0
    assert data["ended"] == {"event": "end", "steps_run": 2_000, "run": mon._run_id}  # the run id: M12
    assert data["every"] == 2 and data["recent_from"] == 1_500 and data["spans"] == [[101, 110, 10]]
    assert [p["step"] for p in held] == [r["step"] for r in reports[:256] + reports[256:1_500:2] + reports[1_500:]]
    first = held[0]
    assert first["step"] == 1 and first["grads"] == [layer["act_grad_norm"] for layer in reports[0]["layers"]]
    assert first["loss"] == reports[0]["loss"]
    assert all(p["grads"] == [None, None] for p in held if 101 <= p["step"] <= 110)  # NaN steps: nothing to draw
