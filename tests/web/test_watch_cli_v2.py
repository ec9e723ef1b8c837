"""actlab watch on a file that is not a Monitor log (issue 17, V2 item 4): the terminal says so once, on stderr, with
the same words as the page (the terminal said nothing, the page said it twice); a real log gets no warning."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from actlab.monitor_log import LOG_FORMAT

ENV = os.environ | {"COLUMNS": "400"}  # rich wraps at 80 columns when not on a terminal


def _serve_once(log):
    """Start `actlab watch LOG`, wait until it answers, stop it; (stdout, stderr)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "actlab.cli", "watch", str(log), "--port", str(port),
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/watch", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the watch server did not answer")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    return out, err


def test_a_csv_is_named_on_the_terminal_as_not_a_monitor_log(tmp_path):
    log = tmp_path / "metrics.csv"
    log.write_text("epoch,loss\n1,0.5\n")
    out, err = _serve_once(log)
    assert out.startswith(f"watching {log} on ")
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warned == ["warning: metrics.csv is not a Monitor log: line 1: it is not JSON (it begins 'epoch,loss'); "
                      f'a Monitor log begins with the header {{"format": "{LOG_FORMAT}", "layers": [...]}}. The page '
                      "says so too, and reads the file again if it is written anew."]


def test_a_monitor_log_gets_no_warning(tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(json.dumps({"format": LOG_FORMAT, "layers": ["1"]}) + "\n")
    out, err = _serve_once(log)
    assert out.startswith(f"watching {log} on ") and "warning" not in err
