"""The worst single requests one can construct against the lab: the server's memory and the stall other clients see.

Usage: python bench/hostile.py
Starts `actlab lab` in its own process on a free loopback port. For each hostile request, a probe client asks for
a tiny JSON document every 5 ms; the stall is the probe's slowest answer minus its usual one, and the memory is the
server's resident size at its highest during the request minus before it (read from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time

import httpx
import websockets
from rich.console import Console
from rich.table import Table

sys.path.insert(0, os.path.dirname(__file__))
from web import serve  # noqa: E402


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Watch:
    """Samples the server's memory and a probe request's latency while a hostile request runs."""

    def __init__(self, base: str, pid: int):
        self.base, self.pid = base, pid

    def __enter__(self):
        self.stop = threading.Event()
        self.rss0, self.rss, self.lat = rss_mb(self.pid), [], []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        with httpx.Client(base_url=self.base, timeout=60) as c:
            while not self.stop.is_set():
                t = time.perf_counter()
                c.get("/api/playground/limits")
                self.lat.append(time.perf_counter() - t)
                self.rss.append(rss_mb(self.pid))
                time.sleep(0.005)

    def __exit__(self, *exc):
        time.sleep(0.05)
        self.stop.set()
        self.thread.join()


def chunked_flood(base):
    def body():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(200 * 16):  # 200 MB in 64 kB chunks
            yield b"0,0,0\n" * 10_000
    r = httpx.post(base + "/api/playground/csv", content=body(), timeout=120,
                   headers={"content-type": "multipart/form-data; boundary=b"})
    return f"{r.status_code}"


def csv_rows(base):
    data = b"x1,x2,label\n" + b"0,1,a\n1,0,b\n" * 400_000
    r = httpx.post(base + "/api/playground/csv", files={"file": ("big.csv", data, "text/csv")}, timeout=120)
    return f"{r.status_code} ({len(data) / 1e6:.1f} MB, 800,000 rows)"


def csv_wide(base):
    row = ",".join(["0.5"] * 63) + ",a\n"
    rows = (5 * 1024 * 1024 - 100) // len(row)
    data = (",".join(f"c{i}" for i in range(64)) + "\n" + row * rows).encode()
    r = httpx.post(base + "/api/playground/csv", files={"file": ("wide.csv", data, "text/csv")}, timeout=120)
    return f"{r.status_code} ({rows:,} rows x 64 columns)"


def get(path, **params):
    def run(base):
        r = httpx.get(base + path, params=params, timeout=120)
        return f"{r.status_code}"
    return run


def long_answers(base):
    r = httpx.post(base + "/api/exercises/ex3/check", json={"answers": ["GELU is smooth " * 700] * 10}, timeout=120)
    return f"{r.status_code}"


def ws(messages, frames=0):
    def run(base):
        async def go():
            async with websockets.connect(base.replace("http", "ws") + "/ws/playground", origin=base,
                                          max_size=None) as sock:
                replies = []
                for m in messages:
                    await sock.send(m)
                    replies.append(await sock.recv())
                for _ in range(frames):
                    replies.append(await sock.recv())
                first = replies[0]
                return json.loads(first).get("type", "?") if isinstance(first, str) else "frame"
        return asyncio.run(go())
    return run


BIG = json.dumps({"type": "init", "config": {"n_points": 20_000, "layers": [32] * 8, "features":
                  ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"], "batch_size": 5}})
CASES = [
    ("200 MB chunked upload", chunked_flood),
    ("CSV of 800,000 rows (4.8 MB)", csv_rows),
    ("CSV of 64 columns (5 MB)", csv_wide),
    ("dead-probability N=12 L=100", get("/api/demos/dead-probability", width=12, depth=100)),
    ("dead-probability N=64 L=3", get("/api/demos/dead-probability", width=64, depth=3)),
    ("vanishing depth 50 width 128", get("/api/demos/vanishing", depth=50, width=128, activation="gelu")),
    ("vanishing depth 50 width 32", get("/api/demos/vanishing", depth=50, width=32, activation="silu")),
    ("samples n=4001", get("/api/activations/gelu/samples", n=4001, x_min=-1e6, x_max=1e6)),
    ("ex3 check, 10 x 10,500 characters", long_answers),
    ("init 8 x 32, 20,000 points, batch 5", ws([BIG], frames=1)),
    ("...then play at 50 epochs a frame, 2 frames", ws([BIG, json.dumps({"type": "set", "epochs_per_frame": 50}),
                                                        json.dumps({"type": "play"})], frames=3)),
    ("init with features x 8,000", ws([json.dumps({"type": "init", "config": {"features": ["x1"] * 8000}})])),
    ("nested JSON, 50,000 deep", ws(["[" * 50_000 + "]" * 50_000])),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", metavar="TEXT", help="run only the cases whose name contains TEXT")
    args = ap.parse_args()
    cases = [c for c in CASES if args.only is None or args.only in c[0]]
    if not cases:
        ap.error(f"--only {args.only!r} matches no case; the cases: " + "; ".join(name for name, _ in CASES))
    tmp = tempfile.mkdtemp()
    base, proc = serve(os.path.join(tmp, "p.sqlite3"))
    try:
        with Watch(base, proc.pid) as idle:
            time.sleep(1.0)
        usual = statistics.median(idle.lat)
        table = Table(title=f"hostile requests (probe usually {usual * 1e3:.1f} ms)")
        for col in ("request", "answer", "server memory +MB", "worst probe stall ms", "request s"):
            table.add_column(col, justify="right")
        for name, run in cases:
            with Watch(base, proc.pid) as w:
                t = time.perf_counter()
                try:
                    answer = run(base)
                except Exception as exc:  # a case that fails is a finding, not the end of the run
                    answer = f"failed: {type(exc).__name__}"
                took = time.perf_counter() - t
            print(name, answer, f"{took:.2f} s", flush=True)
            stall = f"{(max(w.lat) - usual) * 1e3:.0f}" if w.lat else "no answer"
            table.add_row(name, str(answer), f"{max(w.rss, default=w.rss0) - w.rss0:.0f}", stall, f"{took:.2f}")
        Console().print(table)
    finally:
        proc.kill()
        proc.wait(10)


if __name__ == "__main__":
    main()
