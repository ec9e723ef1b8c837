"""Frames per second and examples per second delivered to a real headless Chromium by the playground.

Usage: python bench/playground.py [--secs 10] [--reference PLAYGROUND_CHECKOUT]

For the reference's default network (circle, 4-2 tanh, batch 10, 250 training points) and its 6 x 8
network, at 1 epoch per frame (like the reference) and with the speed control at several epochs per
frame, every neuron's heatmap and the 100 x 100 output redrawn each frame. With --reference, also runs
../shared/tools/tf_playground_speed.py on a checkout of tensorflow/playground so both are side by side;
it stops with a message when that script or the checkout is missing or the measurement fails. Without
--reference no reference figures are printed: none are typed in.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from rich.console import Console
from rich.table import Table

from actlab.web.app import create_app, server_config

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CONFIGS = {"default 4-2": "", "6 x 8": "&layers=8,8,8,8,8,8", "8 x 32": "&layers=" + ",".join(["32"] * 8)}
EXAMPLES_PER_EPOCH = 250
REFERENCE_TOOL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "tf_playground_speed.py"
BEYOND_REFERENCE = {"8 x 32"}  # the reference cannot build it (its cap is 6 x 8)


def serve(db: str) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(server_config(create_app(db_path=db), port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def measure(browser, base: str, query: str, speed: int, secs: float) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 950})
    page = ctx.new_page()
    page.goto(f"{base}/playground?speed={speed}{query}")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)  # warm-up
    read = ("() => ({f: window.__actlab.frames, r: window.__actlab.received, ms: window.__actlab.renderMs,"
            " t: performance.now(), e: Number(document.getElementById('epoch').textContent.replace(/,/g, ''))})")
    a = page.evaluate(read)
    time.sleep(secs)
    b = page.evaluate(read)
    ctx.close()
    dt = (b["t"] - a["t"]) / 1000
    frames = max(b["f"] - a["f"], 1)
    return {"fps": (b["f"] - a["f"]) / dt, "received_per_s": (b["r"] - a["r"]) / dt,
            "render_ms": (b["ms"] - a["ms"]) / frames, "epochs_per_s": (b["e"] - a["e"]) / dt,
            "examples_per_s": (b["e"] - a["e"]) / dt * EXAMPLES_PER_EPOCH}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--secs", type=float, default=8)
    ap.add_argument("--speeds", type=int, nargs="+", default=[1, 10, 25])
    ap.add_argument("--reference", type=Path, default=None)
    args = ap.parse_args()
    if args.reference is not None:  # fail before measuring anything, not after with made-up numbers
        if not REFERENCE_TOOL.is_file():
            ap.error(f"--reference needs the reference-measuring script {REFERENCE_TOOL}, which is missing")
        if not args.reference.is_dir():
            ap.error(f"--reference {args.reference}: no such directory (a checkout of tensorflow/playground)")
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base, server = serve(f"{tmp}/p.sqlite3")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, query in CONFIGS.items():
                for speed in args.speeds:
                    r = measure(browser, base, query, speed, args.secs)
                    r.update(network=name, speed=speed)
                    print(json.dumps(r), flush=True)
                    rows.append(r)
            browser.close()
        server.should_exit = True
    ref: dict[str, tuple[float, float]] = {}  # measured here, beside actlab, or not at all
    if args.reference:
        cmd = [sys.executable, str(REFERENCE_TOOL), str(args.reference), "--secs", str(args.secs), "--repeats", "2"]
        out = subprocess.run(cmd, capture_output=True, text=True)
        print(out.stdout[-2000:], out.stderr[-2000:])
        if out.returncode != 0:
            sys.exit(f"the reference measurement failed (exit code {out.returncode}); no reference figures")
        for line in out.stdout.splitlines():
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                continue
            key = "default 4-2" if d.get("config") == "default" else "6 x 8"
            ref[key] = (d["fps"], d["examples_per_s"])  # the last repeat measured here
    table = Table(title="playground delivered to headless Chromium (every heatmap redrawn each frame)")
    for col in ("network", "epochs per frame", "frames/s drawn", "frames/s received", "ms to draw one",
                "examples/s", "reference frames/s", "reference examples/s", "examples/s ratio"):
        table.add_column(col, justify="right")
    for r in rows:
        mine = [r["network"], str(r["speed"]), f"{r['fps']:.1f}", f"{r['received_per_s']:.1f}",
                f"{r['render_ms']:.1f}", f"{r['examples_per_s']:,.0f}"]
        if r["network"] in BEYOND_REFERENCE:
            table.add_row(*mine, "-", "-", "beyond the reference's cap")
            continue
        if r["network"] not in ref:
            table.add_row(*mine, "-", "-", "reference not run (--reference)" if not args.reference else
                          "reference gave no figure")
            continue
        fps_ref, ex_ref = ref[r["network"]]
        table.add_row(*mine, f"{fps_ref:.0f}", f"{ex_ref:,.0f}", f"{r['examples_per_s'] / ex_ref:.1f}x")
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
