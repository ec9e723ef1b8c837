"""actlab watch on a port in use: one error line naming the port and what to do, before anything says the log is
watched (it printed 'watching ... on http://...' and then uvicorn's '[Errno 98] address already in use')."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

ENV = os.environ | {"COLUMNS": "400"}  # rich wraps at 80 columns when not on a terminal


def _watch(tmp_path, port: int, timeout: float = 60):
    return subprocess.run([sys.executable, "-m", "actlab.cli", "watch", str(tmp_path / "run.jsonl"), "--port",
                           str(port), "--no-browser"], capture_output=True, text=True, timeout=timeout, env=ENV)


def _spawn(log) -> tuple[int, subprocess.Popen]:
    """`actlab watch LOG --no-browser` on a free port, started: (the port, the process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return port, subprocess.Popen([sys.executable, "-m", "actlab.cli", "watch", str(log), "--port", str(port),
                                   "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def test_a_port_in_use_is_one_error_line_and_nothing_claims_to_watch(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _watch(tmp_path, port)
    assert done.returncode == 2
    assert done.stdout == ""  # no "watching ... on http://..." line
    err = done.stderr.strip().splitlines()
    assert len(err) == 1, done.stderr
    assert f"port {port} is in use" in err[0] and f"--port {port + 1}" in err[0] and "nothing is watching" in err[0]
    assert "Errno" not in done.stderr and "Traceback" not in done.stderr


def test_a_free_port_serves_the_page_on_the_socket_it_took(tmp_path):
    port, proc = _spawn(tmp_path / "run.jsonl")
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/watch", timeout=2) as res:
                    body = res.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the watch server did not answer")
        assert '"exists":false' in body and "run.jsonl" in body
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert out.startswith(f"watching {tmp_path / 'run.jsonl'} (the file does not exist yet")


def test_a_page_opened_as_soon_as_the_address_is_printed_is_answered_not_refused(tmp_path):
    """W85 walkthrough: the first page load right after 'watching ... on http://...' read ERR_CONNECTION_REFUSED, the
    socket bound but not yet listening while the log was checked and the server started. A connection made the moment
    the line is printed now waits and is answered (one try, no retry). The log holds 20,000 lines, checked before the
    server starts."""
    log = tmp_path / "run.jsonl"
    line = '{"step": %d, "loss": 1.0}\n'
    log.write_text('{"actlab_monitor": 1}\n' + "".join(line % t for t in range(1, 20001)))
    port, proc = _spawn(log)
    try:
        said = proc.stdout.readline()
        assert said.startswith(f"watching {log}"), said
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/watch", timeout=60) as res:  # one try, no retry
            assert res.status == 200
        assert time.monotonic() - started < 60
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
