"""Bounded cost: the largest body, message or parameter set each endpoint accepts, measured as a ratio in this process.

No absolute times: each measurement is compared with the size of what was sent, or with a unit of the same work
timed here, so the tests hold on a fast laptop and on a loaded 2-core runner alike.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import tracemalloc

import httpx
import numpy as np
import pytest

from actlab.datasets import MAX_CSV_BYTES, MAX_CSV_ROWS
from actlab.web.app import MAX_BODY_BYTES, create_app
from actlab.web.routes.demos import DEAD_PROBABILITY_BUDGET
from web.conftest import run_async

CHUNK = 64 * 1024


def _run_chunked(app, path: str, content_type: bytes, head: bytes, filler: bytes) -> tuple[int, int]:
    """POST an endless chunked body straight to the ASGI app; (status, bytes the app pulled before answering)."""
    pulled, status = 0, []
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000), "headers": [(b"host", b"127.0.0.1"), (b"content-type", content_type),
                                                        (b"transfer-encoding", b"chunked")]}

    async def receive():
        nonlocal pulled
        body = head if pulled == 0 else filler
        pulled += len(body)
        return {"type": "http.request", "body": body, "more_body": True}  # never ends

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    run_async(app(scope, receive, send))
    return status[0], pulled


@pytest.mark.parametrize(("path", "content_type", "head"), [
    ("/api/exercises/ex1/check", b"application/json", b'{"answers": ["'),
    ("/api/playground/csv", b"multipart/form-data; boundary=b",
     b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n'),
])
def test_a_chunked_body_is_cut_off_at_the_limit(tmp_path, path, content_type, head):
    app = create_app(db_path=tmp_path / "p.sqlite3")
    status, pulled = _run_chunked(app, path, content_type, head, b"0,0,0\n" * (CHUNK // 6))
    assert status == 413
    assert pulled / MAX_BODY_BYTES <= 1 + CHUNK / MAX_BODY_BYTES  # read up to the limit and one chunk, no more


def _max_loop_stall(app, request) -> tuple[float, float]:
    """(longest gap between ticks of a 1 ms ticker, whole request time) while the request runs in the same loop."""
    async def main():
        gaps, done = [], asyncio.Event()

        async def ticker():
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            tick = asyncio.create_task(ticker())
            started = time.perf_counter()
            response = await request(client)
            elapsed = time.perf_counter() - started
            done.set()
            await tick
        return response, max(gaps), elapsed

    return run_async(main())


_WIDE_ROW = ",".join(["0.12345"] * 12)  # 50,000 rows of 12 features and a label: just under 5 MB
CSV_BODIES = {
    "largest accepted": ("x" + ",x".join(map(str, range(12))) + ",label\n" +
                         "".join(f"{_WIDE_ROW},{'ab'[i % 2]}\n" for i in range(MAX_CSV_ROWS))).encode(),
    "800,000 rows": b"x1,x2,label\n" + b"0,1,a\n1,0,b\n" * (8 * MAX_CSV_ROWS),
}


@pytest.mark.parametrize("which", list(CSV_BODIES))
def test_a_large_csv_is_parsed_off_the_event_loop(tmp_path, which):
    app = create_app(db_path=tmp_path / "p.sqlite3")
    body = CSV_BODIES[which]
    assert len(body) <= MAX_CSV_BYTES

    ratios = []
    for _ in range(3):  # the best of three: on a busy machine the OS alone can pause the process for a while
        response, stall, elapsed = _max_loop_stall(
            app, lambda c: c.post("/api/playground/csv", files={"file": ("big.csv", body, "text/csv")}))
        assert response.status_code == (200 if which == "largest accepted" else 422)
        ratios.append(stall / elapsed)
    assert min(ratios) < 0.5  # others were served while the file was read (on the loop: 0.9; here 0.05-0.25)


def test_the_row_limit_applies_while_reading():
    from actlab.datasets import load_csv

    def timed(n):  # the best of three CPU times: the machine is shared, and a slow moment is not the code
        text = "0,0,0\n" * n  # made before the clock starts
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            with pytest.raises(ValueError, match="more than 50,000 rows"):
                load_csv(text)
            best = min(best, time.process_time() - started)
        return best

    timed(MAX_CSV_ROWS + 2)  # warm up
    assert timed(16 * MAX_CSV_ROWS) / timed(MAX_CSV_ROWS + 2) < 4  # 16 times the rows, not 16 times the work


def test_a_config_with_repeated_features_is_refused_before_it_costs_anything(client):
    message = json.dumps({"type": "init", "config": {"features": ["x1"] * 8000}})
    tracemalloc.start()
    try:
        with client.websocket_connect("/ws/playground") as ws:
            ws.send_text(message)
            reply = ws.receive_json()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reply["type"] == "error" and reply["field"] == "features" and "at most once" in reply["message"]
    assert len(reply["message"]) < 300  # quotes the list cut short
    assert peak / len(message) < 40  # was 8000 feature columns over a 100 x 100 grid: 6.4e5 times the message


@pytest.mark.parametrize(("field", "value"), [("n_points", 10**9), ("batch_size", 0), ("layers", [4] * 8000),
                                              ("activations", ["relu"] * 8000), ("features", ["x1", "x1"]),
                                              ("seed", 2**40), ("features", [["x1"]]), ("dataset", ["circle"])])
def test_every_size_in_a_run_config_is_capped_by_name(client, field, value):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {field: value}}))
        reply = ws.receive_json()
    assert reply["type"] == "error" and reply["field"] == field and "unhashable" not in reply["message"]


def _draw_normals(n: int) -> float:
    started = time.perf_counter()
    np.random.default_rng(0).normal(size=n)
    return time.perf_counter() - started


@pytest.mark.parametrize(("width", "depth"), [(64, 1), (12, 100), (1, 200), (4, 10)])
def test_the_dead_probability_count_stays_within_its_budget(client, width, depth):
    unit = min(_draw_normals(DEAD_PROBABILITY_BUDGET) for _ in range(2))  # the same kind of work, timed here
    elapsed = math.inf
    for _ in range(2):  # the best of two, as the unit is: one pause of a shared machine is not the request's cost
        started = time.perf_counter()
        r = client.get("/api/demos/dead-probability", params={"width": width, "depth": depth})
        elapsed = min(elapsed, time.perf_counter() - started)
        assert r.status_code == 200 and 100 <= r.json()["trials"] <= 5000
    assert elapsed / unit < 3  # the 257 s request of the issue was about 700 of these units


@pytest.mark.parametrize(("params", "needle"), [({"width": 64, "depth": 200}, "depth:"),
                                                ({"width": 64, "depth": 20, "trials": 20_000}, "trials: at most")])
def test_a_too_costly_dead_probability_is_a_422_naming_the_parameter(client, params, needle):
    r = client.get("/api/demos/dead-probability", params=params)
    assert r.status_code == 422 and r.json()["detail"].startswith(needle) and "15,000,000" in r.json()["detail"]


def test_the_dead_probability_cap_is_in_the_published_description(client):
    op = client.get("/openapi.json").json()["paths"]["/api/demos/dead-probability"]["get"]
    assert "15,000,000" in op["description"] and "422" in op["responses"]


def test_an_epoch_of_more_than_the_update_limit_is_refused_by_name(client):
    from actlab.playground import MAX_STEPS_PER_EPOCH

    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 20_000, "batch_size": 1}}))
        reply = ws.receive_json()
    assert reply["type"] == "error" and reply["field"] == "batch_size"
    assert f"the limit is {MAX_STEPS_PER_EPOCH:,}" in reply["message"] and "at least 5" in reply["message"]


def test_a_frame_on_a_big_data_set_trains_fewer_epochs(client):
    import struct

    from actlab.web.routes.playground import MAX_UPDATES_PER_FRAME

    def header(blob):
        (n,) = struct.unpack("<I", blob[:4])
        return json.loads(blob[4:4 + n])

    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 20_000, "batch_size": 5, "layers": [2]}}))
        assert ws.receive_json()["type"] == "ready"
        ws.receive_bytes()
        ws.send_text(json.dumps({"type": "set", "epochs_per_frame": 50}))
        ws.send_text(json.dumps({"type": "play"}))
        first = header(ws.receive_bytes())
        ws.send_text(json.dumps({"type": "pause"}))
    assert first["epoch"] == MAX_UPDATES_PER_FRAME // 2_000  # 10,000 training points in batches of 5


def test_a_big_run_does_not_stall_other_clients(live_server):
    """Start and play a wide network on 20,000 points while another client keeps asking for a tiny document: its
    slowest answer is a small part of the time the big run's first frame took."""
    import concurrent.futures

    import websockets

    big = {"n_points": 20_000, "batch_size": 5, "layers": [32] * 3}
    url = live_server.replace("http", "ws") + "/ws/playground"

    async def run_big() -> float:
        async with websockets.connect(url, max_size=None) as ws:
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "init", "config": big}))
            assert json.loads(await ws.recv())["type"] == "ready"
            await ws.recv()
            await ws.send(json.dumps({"type": "set", "epochs_per_frame": 1}))
            await ws.send(json.dumps({"type": "play"}))
            await ws.recv()  # one epoch of 2,000 updates, evaluated on 10,000 points
            return time.perf_counter() - started

    async def main():
        done, waits = asyncio.Event(), []

        async def probe():
            async with httpx.AsyncClient(base_url=live_server, timeout=60) as client:
                while not done.is_set():
                    t = time.perf_counter()
                    await client.get("/api/playground/limits")
                    waits.append(time.perf_counter() - t)
                    await asyncio.sleep(0.005)

        task = asyncio.create_task(probe())
        took = await run_big()
        done.set()
        await task
        return max(waits), took

    # a second try only when the first fails: on a shared machine one stall can be another test's; a stall the code
    # causes comes back every time
    ratios = []
    for _ in range(2):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # its own loop: Playwright may hold one in this thread
            worst, took = pool.submit(asyncio.run, main()).result()
        ratios.append(worst / took)
        if ratios[-1] < 0.25:
            break
    assert min(ratios) < 0.25, ratios  # with the first slice on the loop at a small network's estimate: 0.45 (5 s)
