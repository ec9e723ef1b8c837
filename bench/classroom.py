"""A class under load: N simulated learners join, answer exercises and (optionally) each run a playground session.

Usage: python bench/classroom.py [--learners 30] [--workers 1] [--db sqlite|postgresql://...] [--seconds 20]
                                 [--playground] [--kill] [--cpus 0,1]

Starts `actlab lab --workers W` on a free loopback port against a fresh store with one class. Each learner joins
with the code, then answers in a loop (a checked answer, then a pause of 0.5-1.5 s, as a person at a keyboard);
every answer carries an Idempotency-Key, and an answer that got no 2xx is sent again with the same key until it is
acknowledged. With --playground each learner also keeps one playground socket training the default network, and
looks at the class's pins as often as the class playground page does (GET /api/class/playground).
With --kill one worker is killed with SIGKILL halfway through (uvicorn's supervisor starts a new one).

Beside the learners a probe times plain requests, ten a second, alternating a page (/lesson) and a small API
(/api/class/me), as a learner who opens a page while the class plays would see them. Each learner has an HTTP client
of its own, and the playground sockets run in a second process, so that the generator's own queues do not pass for
the lab's latency; the lab's own time per check (its Server-Timing header) and the generator's event-loop lag are
reported beside the learners' figures, and with --trace every check's httpcore steps are written to a file.

Reports: attempts acknowledged per second, p50/p95/max latency of a check and of the probe's page/API requests,
frames per second per learner, the lab's resident memory and CPU time (all its processes, training processes
included), the load generator's own CPU, the machine's load average before and after, attempts lost
(acknowledged with a 2xx but missing from the store afterwards), and the sockets closed early by close code with
the lab's message (1013: refused by the session cap). --cpus runs the lab on those cores only (taskset),
to stand for a small machine while the load generator runs elsewhere. Loopback only, bounded by --seconds.

The load generator stands for 30 browsers on 30 other machines, so its own delays are not the lab's. On a machine
shared with other work its event loop stalled for up to 1.5 s at a time (loadgen_lag max; Linux gives each session
an equal share of the CPU, whatever the nice values inside it), and the checks out at that moment were timed that
much slower. So the generator moves into a session of its own and raises that session's CPU weight
(--loadgen-priority, the autogroup's nice value, -10 by default, needs root; the lab keeps its own session at the
default weight): measured at load 7-10, the generator's lag went from p95 22-33 ms, max 365-1464 ms to p95 6.5 ms,
max 41 ms. The report says what it got (loadgen_autogroup_nice, null when it could not: not root, or started as a
process-group leader from an interactive shell, where Ctrl+C would no longer reach it). It uses about 0.2 of a core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from itertools import pairwise

import httpx
import websockets

ANSWERS = [("ex5", ["0.25"]), ("ex5", ["0.3"]), ("ex2", ["0.2^19", "9.54e-7"]), ("ex2", ["1.05e-14", "9.54e-7"]),
           ("ex1", ["1", "0", "0"]), ("ex3", ["GELU is smooth and has a gradient for negative inputs."])]


# Every client here speaks plain HTTP to the loopback. httpx builds a TLS context for each client it makes unless
# told not to, loading the CA bundle on the event loop (60 ms a client on a quiet machine): 30 learners' clients
# made at the start held the load generator's loop for seconds, which the old figures counted as the lab's
# "first-second" latency.
PLAIN = {"verify": False}


def _page_pin_check_seconds() -> float:
    """How often a class's playground page looks at the class's pins: PIN_CHECK_MS in the page's class-pins module."""
    import re
    from importlib import resources

    script = (resources.files("actlab") / "web" / "static" / "js" / "class-pins.js").read_text(encoding="utf-8")
    found = re.search(r"const PIN_CHECK_MS = (\d+);", script)
    if found is None:
        raise SystemExit("bench/classroom.py: no 'const PIN_CHECK_MS = <ms>;' in js/class-pins.js; the page's pins "
                         "poll moved, so this benchmark cannot simulate it: update _page_pin_check_seconds")
    return int(found.group(1)) / 1000


PIN_CHECK_S = _page_pin_check_seconds()


def raise_own_priority(nice: int) -> int | None:
    """Move this process (and the players' process it will start) into a session of its own and give that session
    the CPU weight of `nice` (see the module's docstring); the nice value set, or None when it could not be set."""
    if nice == 0:
        return None
    if os.getsid(0) != os.getpid():
        if os.getpgid(0) == os.getpid():  # a group leader (an interactive shell's job): setsid is refused
            return None
        os.setsid()
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:  # not root, or no autogroups here
        return None
    return nice


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_files(pgid: int, name: str):
    """The text of /proc/PID/NAME for every live process in the group (the lab, its workers, its training
    processes); a process that ends meanwhile is skipped."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            with open(f"/proc/{pid}/{name}") as f:
                yield f.read()
        except (OSError, ProcessLookupError):
            continue


def group_rss_mb(pgid: int) -> float:
    total = 0
    for text in _group_files(pgid, "status"):
        total += next((int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in the group (the lab, its workers, its training processes)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for text in _group_files(pgid, "stat"):
        fields = text.rsplit(")", 1)[1].split()
        if len(fields) > 12:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (all its threads), without its children."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def quantiles(values: list[float]) -> dict:
    """p50, p95 and max in milliseconds."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = statistics.quantiles(ordered, n=20)[18] if len(ordered) >= 20 else ordered[-1]
    return {"n": len(ordered), "p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * p95, 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def server_seconds(response: httpx.Response) -> float | None:
    """The lab's own time for a request, from its Server-Timing header (app;dur=MS): from the request reaching
    the app to the answer's first byte, without the network or the client's own delays."""
    for part in response.headers.get("server-timing", "").split(","):
        name, _, rest = part.strip().partition(";")
        if name == "app" and rest.startswith("dur="):
            return float(rest[4:]) / 1000
    return None


def _closes(closed: list[dict]) -> dict:
    out: dict = {}
    for c in closed:
        entry = out.setdefault(str(c["code"]), {"n": 0, "message": c["message"]})
        entry["n"] += 1
    return out


def _by_second(samples: list[tuple[float, float]], start: float, wall: float) -> list[float | None]:
    """p95 in ms of the requests sent in each second of the run (None: none sent then)."""
    out = []
    for second in range(int(wall)):
        durations = [d for t, d in samples if start + second <= t - d < start + second + 1]
        out.append(quantiles(durations).get("p95_ms"))
    return out


async def probe(base: str, cookie: str, until: float, out: list) -> None:
    """Plain requests, ten a second: a page and a small API in turn."""
    async with httpx.AsyncClient(timeout=10, **PLAIN) as client:
        i = 0
        while time.monotonic() < until:
            path = "/lesson" if i % 2 == 0 else "/api/class/me"
            t = time.perf_counter()
            try:
                r = await client.get(base + path, headers={"Cookie": cookie})
                if r.status_code == 200:
                    out.append((time.monotonic(), time.perf_counter() - t))
            except httpx.TransportError:
                pass
            i += 1
            await asyncio.sleep(0.1)


def workers_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    kids = [int(p) for p in out]
    for k in list(kids):  # `actlab lab` -> uvicorn's supervisor is the same process; workers are its children
        kids += [int(p) for p in subprocess.run(["pgrep", "-P", str(k)], capture_output=True, text=True).stdout.split()]
    return [k for k in kids if "spawn_main" in open(f"/proc/{k}/cmdline").read()]


class Learner:
    def __init__(self, base: str, code: str, i: int, stats: dict):
        self.base, self.code, self.name, self.stats = base, code, f"learner{i:03d}", stats
        self.cookie = ""

    async def join(self, client: httpx.AsyncClient) -> None:
        for _ in range(50):
            try:
                r = await client.post(self.base + "/api/class/join", json={"code": self.code, "name": self.name})
                if r.status_code == 200:
                    self.cookie = f"actlab_learner={r.cookies['actlab_learner']}"
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} could not join")

    async def answer(self, until: float) -> None:
        # a client of the learner's own, as each learner has a browser of their own: with one client shared by the
        # class, a check waited in its connection pool for up to 4 s before it was sent (httpcore's trace), which
        # the lab's own timing never saw
        async with httpx.AsyncClient(timeout=10, **PLAIN) as client:
            await self._answer(client, until)

    async def _answer(self, client: httpx.AsyncClient, until: float) -> None:
        rng = random.Random(self.name)
        while time.monotonic() < until:
            ex, answers = rng.choice(ANSWERS)
            key = str(uuid.uuid4())
            while time.monotonic() < until + 10:  # an unacknowledged answer is retried with its key
                t = time.perf_counter()
                steps: dict[str, float] = {}

                async def step(name: str, info: dict, steps=steps, t=t) -> None:  # httpcore's trace
                    steps.setdefault(name, round(1000 * (time.perf_counter() - t), 1))

                try:
                    r = await client.post(f"{self.base}/api/exercises/{ex}/check",
                                          json={"answers": answers, "learner": self.name},
                                          headers={"Idempotency-Key": key, "Cookie": self.cookie}, timeout=10,
                                          extensions={"trace": step} if self.stats["trace"] is not None else {})
                except httpx.TransportError:
                    self.stats["retries"] += 1
                    await asyncio.sleep(0.2)
                    continue
                if 200 <= r.status_code < 300:
                    self.stats["latency"].append((time.monotonic(), time.perf_counter() - t))
                    self.stats["server"].append((time.monotonic() - (time.perf_counter() - t), server_seconds(r)))
                    if self.stats["trace"] is not None:
                        took = server_seconds(r)
                        self.stats["trace"].append({"key": key, "sent": time.time() - (time.perf_counter() - t),
                                                    "sent_mono": time.monotonic() - (time.perf_counter() - t),
                                                    "ms": round(1000 * (time.perf_counter() - t), 1),
                                                    "server_ms": None if took is None else round(1000 * took, 1),
                                                    "steps": steps})
                    self.stats["acked"].add(key)
                    break
                self.stats["retries"] += 1
                self.stats["errors"][r.status_code] = self.stats["errors"].get(r.status_code, 0) + 1
                await asyncio.sleep(0.2)
            await asyncio.sleep(rng.uniform(0.5, 1.5))

    async def watch_pins(self, until: float) -> None:
        """The page's look at the class's pins every PIN_CHECK_S seconds, timed (the first at a random phase, as
        pages opened at different moments)."""
        rng = random.Random(self.name + "pins")
        async with httpx.AsyncClient(timeout=10, **PLAIN) as client:
            await asyncio.sleep(rng.uniform(0, PIN_CHECK_S))
            while time.monotonic() < until:
                t = time.perf_counter()
                try:
                    r = await client.get(self.base + "/api/class/playground", headers={"Cookie": self.cookie})
                    if r.status_code == 200:
                        self.stats["pins"].append((time.monotonic(), time.perf_counter() - t))
                    else:
                        self.stats["pins_errors"][r.status_code] = self.stats["pins_errors"].get(r.status_code, 0) + 1
                except httpx.TransportError:
                    self.stats["pins_errors"]["transport"] = self.stats["pins_errors"].get("transport", 0) + 1
                await asyncio.sleep(PIN_CHECK_S)

    async def play(self, until: float) -> None:
        await asyncio.gather(self._play(until), self.watch_pins(until))

    async def _play(self, until: float) -> None:
        frames, refused, code = 0, None, 0
        try:
            # as the page does: a tab token, which also starts the lab's training processes
            async with httpx.AsyncClient(timeout=30, **PLAIN) as client:
                r = await client.post(self.base + "/api/playground/tab",
                                      headers={"Cookie": self.cookie, "Origin": self.base})
            url = self.base.replace("http", "ws") + "/ws/playground?tab=" + r.json()["tab"]
            async with websockets.connect(url, max_size=2**22, additional_headers={
                    "Cookie": self.cookie, "Origin": self.base}) as ws:
                try:
                    await ws.send(json.dumps({"type": "init", "config": {}}))
                    await ws.send(json.dumps({"type": "play"}))
                except websockets.ConnectionClosed:
                    pass  # refused (the lab is full): what it said before closing is still to be read below
                while time.monotonic() < until:
                    msg = await asyncio.wait_for(ws.recv(), timeout=max(0.1, until - time.monotonic()))
                    if isinstance(msg, bytes):
                        frames += 1
                    elif json.loads(msg).get("type") == "error":
                        refused = json.loads(msg).get("message")  # what the page shows the learner
        except TimeoutError:
            pass  # the run ended while waiting for a frame
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None  # None: closed without a close frame
            self.stats["ws_closed"].append({"code": code, "message": refused, "frames": frames})
        except OSError as exc:
            self.stats["ws_closed"].append({"code": None, "message": f"{type(exc).__name__}: {exc}", "frames": frames})
        self.stats["frames"].append(frames)
        if code != 1013:  # the session cap refused this one
            self.stats["playing_frames"].append(frames)


async def loop_lag(until: float, out: list) -> None:
    """The load generator's own delay: how late a 10 ms sleep wakes up on its event loop. Every latency the
    learners measure includes it, so a check that looks slow may be the generator being slow to see the answer."""
    while time.monotonic() < until:
        t = time.perf_counter()
        await asyncio.sleep(0.01)
        out.append((time.monotonic(), time.perf_counter() - t - 0.01))


def players_main(base: str, code: str, cookies: list[str], until: float, out) -> None:
    """The playground sockets, in a process of their own: the learners' answers and the probe are timed on an event
    loop that does not also receive every frame (in a class each learner has a browser of their own; one loop
    receiving 30 frame streams delayed the timing of the checks it also sent). Sends back the frames, the closes
    and its own CPU seconds."""
    stats = {"frames": [], "playing_frames": [], "ws_closed": [], "pins": [], "pins_errors": {}}
    players = []
    for i, cookie in enumerate(cookies):
        player = Learner(base, code, i, stats)
        player.cookie = cookie
        players.append(player)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)

    async def main() -> None:
        await asyncio.gather(*(p.play(until) for p in players))

    asyncio.run(main())
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out.send({**stats, "cpu_s": cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime})
    out.close()


async def run(args, base: str, code: str, proc: subprocess.Popen) -> dict:
    stats = {"latency": [], "acked": set(), "retries": 0, "errors": {}, "frames": [], "ws_closed": [], "rss": [],
             "probe": [], "cpu_trace": [], "gen_lag": [], "playing_frames": [], "server": [], "pins": [],
             "pins_errors": {},
             "trace": [] if args.trace else None}
    learners = [Learner(base, code, i, stats) for i in range(args.learners)]
    limits = httpx.Limits(max_connections=args.learners + 10)
    async with httpx.AsyncClient(limits=limits, timeout=10, **PLAIN) as client:
        for chunk in range(0, len(learners), 10):
            await asyncio.gather(*(x.join(client) for x in learners[chunk:chunk + 10]))
        if args.playground:  # a page has loaded: the lab starts its training processes, before the clock starts
            await client.post(base + "/api/playground/tab", headers={"Cookie": learners[0].cookie, "Origin": base})
            await asyncio.sleep(args.warm)
        start = time.monotonic()
        stats["start"] = start
        until = start + args.seconds
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        lab_cpu0 = group_cpu_seconds(proc.pid)
        tasks = [x.answer(until) for x in learners]
        tasks.append(probe(base, learners[0].cookie, until, stats["probe"]))
        tasks.append(loop_lag(until, stats["gen_lag"]))
        players = None
        if args.playground:
            import multiprocessing

            ctx = multiprocessing.get_context("spawn")
            mine, theirs = ctx.Pipe(duplex=False)
            players = ctx.Process(target=players_main, args=(base, code, [x.cookie for x in learners], until, theirs))
            players.start()

        async def watch():
            killed = False
            while time.monotonic() < until:
                stats["rss"].append(group_rss_mb(proc.pid))
                stats["cpu_trace"].append((process_cpu_seconds(proc.pid), group_cpu_seconds(proc.pid)))
                if args.kill and not killed and time.monotonic() > start + args.seconds / 2:
                    victims = workers_of(proc.pid)
                    if victims:
                        os.kill(victims[0], signal.SIGKILL)
                        stats["killed"] = victims[0]
                        killed = True
                await asyncio.sleep(1)

        await asyncio.gather(*tasks, watch())
        wall = time.monotonic() - start
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        stats["lab_cpu"] = group_cpu_seconds(proc.pid) - lab_cpu0
        players_cpu = 0.0
        if players is not None:
            played = await asyncio.to_thread(mine.recv)
            await asyncio.to_thread(players.join, 30)
            for key in ("frames", "playing_frames", "ws_closed", "pins"):
                stats[key] += played[key]
            stats["pins_errors"] = played["pins_errors"]
            players_cpu = played["cpu_s"]
    stats["wall"] = wall
    stats["gen_cpu"] = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) / wall
    stats["players_cpu"] = players_cpu / wall
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", default="sqlite", help="sqlite (a fresh temporary file) or an empty postgresql:// URL")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--playground", action="store_true")
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds left out of the steady-state figures")
    parser.add_argument("--warm", type=float, default=3.0, help="seconds for the training processes to start")
    parser.add_argument("--cpus", default=None, help="run the lab on these cores only, e.g. 0,1 (taskset)")
    parser.add_argument("--loadgen-priority", type=int, default=-10,
                        help="the generator's session's nice value, -20..19 (root; 0 leaves it as started)")
    parser.add_argument("--trace", default=None, help="write every acknowledged check (its key, when it was sent, "
                                                      "its latency, the lab's own time for it, httpcore's steps and "
                                                      "the generator's worst loop lag while it was out) to this "
                                                      "file, one JSON object a line")
    args = parser.parse_args()
    if not -20 <= args.loadgen_priority <= 19:
        parser.error(f"--loadgen-priority must be -20..19; got {args.loadgen_priority}")
    boosted = raise_own_priority(args.loadgen_priority)

    from actlab.store import Store

    db = os.path.join(tempfile.mkdtemp(), "bench.sqlite3") if args.db == "sqlite" else args.db
    store = Store(db)
    klass, _ = store.create_class(f"bench {uuid.uuid4().hex[:6]}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pinned = ["taskset", "-c", args.cpus] if args.cpus else []
    load_before = os.getloadavg()
    proc = subprocess.Popen([*pinned, sys.executable, "-m", "actlab.cli", "lab", "--workers", str(args.workers),
                             "--db", db, "--port", str(port), "--no-browser"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/join", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            sys.exit("the lab did not start in 180 s")
        time.sleep(2 if args.workers > 1 else 0)  # let every worker finish starting
        stats = asyncio.run(run(args, base, klass.code, proc))
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    playing = stats["playing_frames"]
    stored = {r[0] for r in store.db.execute("SELECT attempt_id FROM attempts WHERE class_id = ?", (klass.id,))}
    report = {
        "learners": args.learners, "workers": args.workers, "db": "sqlite" if args.db == "sqlite" else "postgresql",
        "playground": args.playground, "lab_cpus": args.cpus or "all", "seconds": round(stats["wall"], 1),
        "attempts_acked": len(stats["acked"]), "attempts_per_s": round(len(stats["acked"]) / stats["wall"], 1),
        # steady state: requests sent after the first --settle seconds (the first checks meet cold caches, and with
        # --playground every learner's run starting at once); then every request, the start included
        "check": quantiles([d for t, d in stats["latency"] if t - d >= stats["start"] + args.settle]),
        "page_api": quantiles([d for t, d in stats["probe"] if t - d >= stats["start"] + args.settle]),
        "check_all": quantiles([d for _, d in stats["latency"]]),
        # the same checks as the lab timed them itself (steady state): the rest of "check" is the network, uvicorn's
        # reading of the request before the app sees it, and the load generator's own delays (loadgen_lag)
        "check_server": quantiles([d for sent, d in stats["server"] if d is not None and
                                   sent >= stats["start"] + args.settle]),
        "page_api_all": quantiles([d for _, d in stats["probe"]]),
        # with --playground: each page's look at the class's pins every PIN_CHECK_S seconds (steady state), and
        # the looks that got no 200
        "pins_poll": quantiles([d for t, d in stats["pins"] if t - d >= stats["start"] + args.settle]),
        "pins_polls": len(stats["pins"]), "pins_poll_errors": stats["pins_errors"],
        # the check's p95 per second from the start: where a spike sits, and how long it lasts
        "check_p95_ms_by_second": _by_second(stats["latency"], stats["start"], stats["wall"]),
        # CPU cores used in each second: the lab's first process (its event loop and threads; with --workers 1,
        # the whole web side), and everything else it started (training processes, other workers)
        "lab_process_cores_by_second": [round(b[0] - a[0], 2) for a, b in pairwise(stats["cpu_trace"])],
        "other_processes_cores_by_second": [round((b[1] - b[0]) - (a[1] - a[0]), 2)
                                            for a, b in pairwise(stats["cpu_trace"])],
        "retries": stats["retries"], "errors": stats["errors"],
        "frames_per_s_per_learner": (round(statistics.mean(stats["frames"]) / stats["wall"], 1)
                                     if stats["frames"] else None),
        "sockets_closed_early": len(stats["ws_closed"]),
        # why: the close code (1013: the lab's session cap, 1000 idle, None: no close frame, a dropped connection),
        # how many, and the message the learner's page was sent before the close
        "closed_by_code": _closes(stats["ws_closed"]),
        # frames a second of the learners whose socket kept its session (a refused one gets none)
        "frames_per_s_per_playing_learner": (round(statistics.mean(playing) / stats["wall"], 1) if playing else None),
        "lab_rss_mb_max": round(max(stats["rss"]), 0) if stats["rss"] else None,
        "loadgen_cpu_cores": round(stats["gen_cpu"], 2),  # the learners' answers and the probe
        "players_cpu_cores": round(stats["players_cpu"], 2),  # the playground sockets' process
        # how late the generator's own event loop ran (10 ms sleeps): a floor under every latency above
        "loadgen_lag": quantiles([d for _, d in stats["gen_lag"]]),
        "lab_cpu_s": round(stats["lab_cpu"], 1), "lab_cpu_cores": round(stats["lab_cpu"] / stats["wall"], 2),
        "load_avg_before": [round(v, 2) for v in load_before], "load_avg_after": [round(v, 2) for v in os.getloadavg()],
        "killed_worker": stats.get("killed"), "lost": len(stats["acked"] - stored),
        "loadgen_autogroup_nice": boosted,
    }
    if args.trace:
        lags = sorted(stats["gen_lag"])  # (when the 10 ms sleep ended, how late), for each check's own window
        with open(args.trace, "w") as f:
            for row in stats["trace"]:
                begin = row.pop("sent_mono")
                end = begin + row["ms"] / 1000
                row["loadgen_lag_max_ms"] = round(1000 * max((d for w, d in lags if begin <= w <= end + 0.01),
                                                             default=0.0), 1)
                f.write(json.dumps(row) + "\n")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
