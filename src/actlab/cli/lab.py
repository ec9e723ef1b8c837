"""`actlab lab`: serve the web lab, on loopback unless the teacher says otherwise."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ..errors import ConfigError
from ..limits import PlaygroundLimits
from ..web.sessions import FRAME_BUDGET, MAX_PER_TAB, MAX_SESSIONS, MAX_SESSIONS_LIMIT
from ._app import app, console, fail


@app.command()
def lab(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default)")] = "127.0.0.1",
    allow_host: Annotated[list[str], typer.Option(
        "--allow-host", help="Another name the lab answers to (repeatable), e.g. the machine's name on the "
                             "school network")] = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow --host to be an address other machines can reach")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser")] = False,
    db: Annotated[str | None, typer.Option(help="Progress database: a file or a postgresql:// URL; the lab "
                                                "serves the classes it holds (actlab class create)")] = None,
    workers: Annotated[int, typer.Option(help="Server processes sharing the address (a class: 2 per core, "
                                              "with a PostgreSQL --db)")] = 1,
    max_layers: Annotated[int, typer.Option(help="Most hidden layers a playground network may have (actlab "
                                                 "train has no such limit)")] = PlaygroundLimits.max_layers,
    max_width: Annotated[int, typer.Option(help="Most neurons per hidden layer in the playground")] =
        PlaygroundLimits.max_width,
    training: Annotated[str | None, typer.Option(
        help="Where playground runs train: process (training processes; the default on 2+ cores) or thread "
             "(the server's own threads)")] = None,
    training_processes: Annotated[int | None, typer.Option(
        help="Training processes (or threads) per server process (default: the cores, at most 8)")] = None,
    max_sessions: Annotated[int, typer.Option(
        help=f"Most playground sessions running at once, counted across all --workers (a page may hold "
             f"{MAX_PER_TAB}); one more is refused with 'The lab is full'. Each session gets up to 64 frames a "
             f"second until the sessions together would pass about {FRAME_BUDGET:.0f} frames a second per "
             "training process on its own core; from there every session's frame rate falls evenly to share "
             "that total (on 2 cores: 10 sessions about 60 frames/s each, 30 about 20, 60 about 10; these are "
             "ceilings, what the cores make is less when learners also answer). The epochs each frame trains "
             "stay the learner's own speed setting")] = MAX_SESSIONS,
    llm_cache: Annotated[str | None, typer.Option(
        "--llm-cache", help="Folder where the lesson's real model keeps its dequantised weights (default: "
                            "$ACTLAB_CACHE, else $XDG_CACHE_HOME/actlab, else ~/.cache/actlab)")] = None,
) -> None:
    """Start the web lab: the lesson, the explorers, the playground and the exercises.

    All the options form one settings record (actlab.web.settings.LabSettings).
    With --workers, each server process reads that record as JSON from the ACTLAB_SETTINGS variable.
    A lab started by hand reads it the same way: uvicorn --factory actlab.web.serve:app_from_env."""
    hard_layers, hard_width = PlaygroundLimits.HARD_MAX_LAYERS, PlaygroundLimits.HARD_MAX_WIDTH
    if not 1 <= max_layers <= hard_layers or not 1 <= max_width <= hard_width:
        fail(f"--max-layers must be 1-{hard_layers} and --max-width 1-{hard_width}")
    if not 1 <= port <= 65535:
        fail(f"--port must be 1-65535; got {port}")
    if not 1 <= workers <= 64:
        fail(f"--workers must be 1-64; got {workers}")
    if not 1 <= max_sessions <= MAX_SESSIONS_LIMIT:
        fail(f"--max-sessions must be 1-{MAX_SESSIONS_LIMIT} (playground sessions running at once in the whole "
             f"lab); got {max_sessions}")
    try:
        import uvicorn

        from ..web.app import create_app, server_config
        from ..web.guard import LOOPBACK_NAMES, WILDCARDS, is_loopback
        from ..web.settings import LabSettings
    except ImportError as exc:
        fail(f"the web lab needs its dependencies: {exc}")
    names = tuple(n.strip() for n in allow_host or () if n.strip())
    bad = [n for n in names if any(c in n for c in "/:@ ") and not n.startswith("[")]
    if bad:
        fail(f"--allow-host takes a host name or address without scheme or port (lab.school.example, "
             f"192.168.1.20); got {bad[0]!r}")
    for line in _look_alikes(db):
        console.print(line)
    if not is_loopback(host) and _holds_a_class(db):
        console.print(f"class mode on {host}:{port}: every page, API and socket needs a joined learner's cookie "
                      "or the teacher's (token); serve it behind TLS for anything but a closed classroom network")
    elif not is_loopback(host):
        if not allow_remote:
            fail(f"--host {host} is not a loopback address, so other machines could reach the lab; create a "
                 "class first (actlab class create NAME --db ...) so that only its learners and teacher get "
                 "in, or add --allow-remote to serve it to anyone anyway")
        console.print(f"[yellow]warning:[/yellow] serving on {host}:{port}. Anyone who can reach this machine "
                      "on that port can read every learner's answers and progress (/api/progress, /teacher), "
                      "record answers under any learner's name and start playground runs. There is no "
                      "login. Stop the lab (Ctrl+C) when the class is over.")
    from ..exercises import exercise_folder

    folder = exercise_folder()  # actlab --exercises-dir DIR lab, or $ACTLAB_EXERCISES_DIR
    try:
        settings = LabSettings(db=db, host=host, port=port, allow_hosts=names, max_layers=max_layers,
                               max_width=max_width, exercises_dir=None if folder is None else str(folder),
                               training=training, training_processes=training_processes, llm_cache=llm_cache,
                               max_sessions=max_sessions)
    except ConfigError as exc:
        fail(f"--{exc.field.replace('_', '-')}: {exc.message}")
    application = create_app(settings)
    answered = [n for n in (*LOOPBACK_NAMES, host, *names) if n not in WILDCARDS]
    shown = host if host not in WILDCARDS else "127.0.0.1"
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
    console.print(f"actlab lab on [bold]{url}[/bold]  (Ctrl+C stops it)")
    console.print(f"answers to the host names: {', '.join(dict.fromkeys(answered))} (add one with --allow-host)")
    if not no_browser:
        open_browser_later(url)
    _one_blas_thread()
    if workers > 1:  # each worker builds its own app from the same settings (web/serve.py)
        from ..web.serve import run_workers

        console.print(f"{workers} workers sharing {application.state.store!r}")
        del application
        run_workers(workers, settings)
        return
    uvicorn.Server(server_config(application, host, port)).run()


def _holds_a_class(db: str | None) -> bool:
    """Whether the store the lab will serve holds a class, which puts the lab in class mode (a store that cannot
    be opened holds none here; opening it for the lab then says why)."""
    from ..store import Store
    from ..web.settings import store_location

    try:
        return bool(Store(store_location(db)).classes())
    except Exception:  # noqa: BLE001  (any failure to open: create_app reports it in its own words)
        return False


def _look_alikes(db: str | None) -> list[str]:
    """A line per pair of learners in the store whose names look the same (cli.classroom.look_alike_lines); none
    for a store that cannot be opened (opening it for the lab then says why)."""
    from ..store import Store
    from ..web.settings import store_location
    from .classroom import look_alike_lines

    try:
        return look_alike_lines(Store(store_location(db)))
    except Exception:  # noqa: BLE001  (any failure to open: create_app reports it in its own words)
        return []


def _one_blas_thread() -> None:
    """Let NumPy's BLAS use one thread in the lab's process.

    The lab runs several computations at once (requests in the thread pool, playground training on the event
    loop), and OpenBLAS threads wait by spinning: on a 2-core machine with other work, a depth-50, width-128
    vanishing-gradient request took 50 s with BLAS's own threads and 2.3 s with one."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up: without it the lab still works
        return
    threadpool_limits(limits=1, user_api="blas")


def open_browser_later(url: str) -> None:
    """Open ``url`` a second after the server starts, where there is a screen (headless, it would only print)."""
    has_screen = sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or
                                                             os.environ.get("WAYLAND_DISPLAY"))
    if has_screen:
        import threading
        import webbrowser

        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
