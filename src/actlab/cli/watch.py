"""`actlab watch FILE`: show a PyTorch monitor's log in the lab as it is written."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..monitor_log import MAX_READ_BYTES, check_log, crash_of, findings, missing_folder
from ._app import app, console, fail


def _missing_folder(log: Path) -> Path | None:
    """The first folder on the way to ``log`` that does not exist (None: its folder exists). Fails (exit 2) where no
    monitor could create it: a file stands in the way, or the nearest folder that exists cannot be written."""
    first_missing, above = missing_folder(log)
    if first_missing is None and log.parent.is_dir():
        return None
    if not above.is_dir():
        fail(f"LOG: {above} is a file, not a folder, so no monitor can write {log}; give the path of the log itself")
    if not os.access(above, os.W_OK | os.X_OK):
        fail(f"LOG: the folder {first_missing} does not exist, and {above} cannot be written, so no monitor can "
             f"create it and write {log.name}; give the path of a log in a folder you can write")
    return first_missing


def open_at_watch(application) -> None:
    """The lab's root, `/`, leads to /watch, the page this command serves (W19: it led to /lesson, and a reader who
    opened the address the terminal gave without its path met the lesson). A route put first answers `/` before the
    lab's own; it passes through the same middleware (the allowed hosts) as any other."""
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    application.router.routes.insert(0, Route("/", lambda request: RedirectResponse("/watch"), methods=["GET", "HEAD"],
                                              include_in_schema=False))


CHECK_FIRST_BYTES = 64 * 1024 * 1024  # a log up to this size is checked before the lab serves it (about 2 s)


def _say_findings(log: Path, announced: bool = False) -> None:
    """The findings on the terminal; ``announced``: a line said they would follow, so a clean log is said too."""
    checked = check_log(log)
    said = findings(checked)
    for words in said:  # lines skipped (per kind, with line numbers) and the file's runs
        Console(stderr=True).print(f"[yellow]warning:[/yellow] {escape(words)}", soft_wrap=True)
    crash = crash_of(checked.ended)
    if crash:
        console.print(f"the run stopped with {escape(crash)}, after {checked.ended['steps_run']:,} steps "
                      "(the log's last line names the exception)", soft_wrap=True)
    if announced and not said and not crash:
        console.print(f"checked the whole log: {checked.lines:,} lines, one run, nothing skipped; nothing to add",
                      soft_wrap=True)


def check_findings(log: Path) -> threading.Thread | None:
    """Says on the terminal what the whole log holds that a reader must know (log_read.check_log: the lines skipped,
    per kind with line numbers, the runs, a crash), as the file is now, read once in pieces in bounded memory. A log
    up to CHECK_FIRST_BYTES is checked before the lab serves it; a larger one while it serves (reading 348 MB takes
    about 10 s), in a thread that is returned, so the page is not kept waiting."""
    size = log.stat().st_size
    if size <= CHECK_FIRST_BYTES:
        _say_findings(log)
        return None
    console.print(f"checking the whole log ({size / 1e6:,.0f} MB, {MAX_READ_BYTES // 2**20} MB at a time) while "
                  "the lab serves it: what it finds follows here", soft_wrap=True)
    thread = threading.Thread(target=_say_findings, args=(log, True), name="actlab-watch-check", daemon=True)
    thread.start()
    return thread


@app.command()
def watch(
    log: Annotated[Path, typer.Argument(help="The log a Monitor(model, log=...) writes (JSON lines)")],
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8766,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser")] = False,
) -> None:
    """Watch a PyTorch model's gradient flow and unit health live, from the log actlab.torch.Monitor writes."""
    if log.is_dir():
        fail(f"LOG: {log} is a folder; give the file Monitor(model, log=...) writes")
    missing = _missing_folder(log)  # Monitor(model, log=...) creates missing folders: wait for it, if it can
    if not 1 <= port <= 65535:
        fail(f"--port must be 1-65535; got {port}")
    import socket

    import uvicorn

    from ..web.app import create_app, server_config

    # the port is taken before anything says the log is watched: a port in use is one error line, not a "watching"
    # line followed by the server's traceback
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a just-closed lab's port is free
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        taken = "is in use (another lab or program listens on it)" if exc.errno == errno.EADDRINUSE else \
            f"could not be opened ({exc.strerror})"
        fail(f"port {port} {taken}: nothing is watching {log}; start again with another port, such as "
             f"`actlab watch {log} --port {port + 1 if port < 65535 else 8766}`")
    # listening from here on: a page opened as soon as the address is printed waits in the queue while the log is
    # checked and the server starts, where a bound socket not yet listening refused it (W85 walkthrough: the first
    # load, 5-10 s before the server took connections, read ERR_CONNECTION_REFUSED)
    sock.listen(2048)
    application = create_app(watch_log=log, port=port)
    open_at_watch(application)
    url = f"http://127.0.0.1:{port}/watch"
    note = "" if log.exists() else " (the file does not exist yet: the page waits for it)" if missing is None else \
        (f" (the folder {missing} does not exist yet: the page waits for a monitor to create it and write {log.name}"
         "; Monitor(model, log=...) creates missing folders. Check the path if you meant a folder that exists)")
    console.print(f"watching {log}{note} on [bold]{url}[/bold]  (Ctrl+C stops it)", soft_wrap=True)
    tail = application.state.watch
    tail.poll()  # the page's own reader: a file that is not a Monitor log is said here too, not only on the page
    if tail.not_log:
        Console(stderr=True).print(f"[yellow]warning:[/yellow] {escape(tail.not_log)}. The page says so too, and "
                                   "reads the file again if it is written anew.", soft_wrap=True)
    elif log.is_file():
        check_findings(log)
    if not no_browser:
        from .lab import open_browser_later

        open_browser_later(url)
    uvicorn.Server(server_config(application, "127.0.0.1", port)).run(sockets=[sock])
