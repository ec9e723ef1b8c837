"""Web lab speed: time to a fully drawn lesson in headless Chromium, first-load payload, and API latency
under 20 concurrent clients (goals: page under 1 s, p95 under 50 ms).

Usage: python bench/web.py [--requests 400]
Starts the lab on a free loopback port in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
from rich.console import Console
from rich.table import Table

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def serve(tmp_db: str) -> tuple[str, subprocess.Popen]:
    """`actlab lab` in its own process, as a learner runs it (the clients here must not share its GIL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "actlab.cli", "lab", "--no-browser", "--port", str(port),
                             "--db", tmp_db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/exercises", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return base, proc


def page_load(base: str, repeats: int = 7) -> tuple[list[float], list[float], int, list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    times, payload, plotly, marks = [], 0, [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for i in range(repeats + 1):
            ctx = browser.new_context()
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(base + "/lesson")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            if i:  # the first visit warms the server's caches (the trained demonstrations)
                times.append(time.perf_counter() - t0)
                plotly.append(page.evaluate("performance.getEntriesByName('plotly-ready')[0].startTime") / 1000)
                marks.append(page.evaluate("performance.getEntriesByName('lesson-ready')[0].startTime") / 1000)
                payload = page.evaluate("performance.getEntriesByType('resource').reduce((a, e) => a + e.transferSize,"
                                        " performance.getEntriesByType('navigation')[0].transferSize)")
            ctx.close()
        # a learner coming back: same browser profile, so Plotly.js comes from the HTTP and code caches
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(base + "/lesson")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        warm = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            page.reload()
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            warm.append(time.perf_counter() - t0)
        ctx.close()
        browser.close()
    return times, warm, payload, plotly, marks


async def latency(base: str, path: str, n: int, clients: int = 20, body: dict | None = None) -> list[float]:
    """n requests from `clients` concurrent connections; each connection's first request (its TCP and
    HTTP set-up) is not timed, so the figures are the server's steady state under load."""
    out: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        async def call():
            r = await (client.post(path, json=body) if body is not None else client.get(path))
            r.raise_for_status()

        async def worker():
            await call()
            for _ in range(n // clients):
                t0 = time.perf_counter()
                await call()
                out.append(time.perf_counter() - t0)
        await asyncio.gather(*(worker() for _ in range(clients)))
    return out


WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("ACTLAB %f %f %f %d\\n", latency:percentile(50) / 1000, latency:percentile(95) / 1000,
                         latency.max / 1000, summary.requests))
end
"""


def wrk_latency(base: str, path: str, body: dict | None, seconds: int = 5) -> tuple[float, float, float, int] | None:
    """p50, p95, max (ms) and request count from wrk (20 connections), or None without wrk.

    wrk is a C load generator (Debian package `wrk`): a Python client on the same 2 cores becomes the
    bottleneck itself and inflates the tail several-fold.
    """
    if shutil.which("wrk") is None:
        return None
    script = WRK_REPORT
    if body is not None:
        script = (f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(body))}\n'
                  'wrk.headers["Content-Type"] = "application/json"\n') + script
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t2", "-c20", f"-d{seconds}s", "-s", f.name, base + path],
                         capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("ACTLAB"))
    p50, p95, mx, n = line.split()[1:]
    return float(p50), float(p95), float(mx), int(n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    args = ap.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base, proc = serve(f"{tmp}/p.sqlite3")
        times, warm, payload, plotly, marks = page_load(base)
        console = Console(width=120)
        console.print(f"lesson fully drawn, new browser profile: median {statistics.median(times):.2f} s over "
                      f"{len(times)} loads; first-load payload {payload / 1e6:.2f} MB (bytes transferred, gzip)")
        console.print(f"  (range {min(times):.2f}-{max(times):.2f} s; the page's own 'lesson-ready' mark: median "
                      f"{statistics.median(marks):.2f} s after navigation start)")
        console.print(f"  Plotly.js ready (downloaded, parsed, run) at median {statistics.median(plotly):.2f} s")
        console.print(f"lesson fully drawn, returning visit (reload, cached assets): median "
                      f"{statistics.median(warm):.2f} s over {len(warm)} loads")
        table = Table(title="API latency, 20 concurrent clients (wrk, 5 s; and a Python httpx client)")
        for col in ("endpoint", "wrk p50 ms", "wrk p95 ms", "wrk max ms", "wrk requests", "httpx p50 ms",
                    "httpx p95 ms"):
            table.add_column(col, justify="right")
        cases = [("/api/activations/gelu/samples?n=401", None), ("/api/activations/silu/samples?beta=2&n=401", None),
                 ("/api/demos/vanishing?activation=tanh&depth=20", None),
                 ("/api/exercises/ex2/check", {"answers": ["0.2^19", "9.54e-7"], "learner": "bench"})]
        for path, body in cases:
            asyncio.run(latency(base, path, 20, body=body))  # fill the server's caches first
            w = wrk_latency(base, path, body)
            lat = sorted(asyncio.run(latency(base, path, args.requests, body=body)))
            p50, p95 = (lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 for q in (0.5, 0.95))
            name = path if body is None else f"POST {path}"
            wcols = [f"{w[0]:.1f}", f"{w[1]:.1f}", f"{w[2]:.1f}", str(w[3])] if w else ["(no wrk)"] + [""] * 3
            table.add_row(name, *wcols, f"{p50:.1f}", f"{p95:.1f}")
        console.print(table)
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
