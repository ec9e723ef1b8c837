"""actlab watch's terminal lines (issue 17, V10 item 12, W14): the start-up line is not broken mid-phrase at 80
columns ('(Ctrl+C \\nstops it)'), and a log too big to check first, once checked, says it found nothing rather than
leaving 'what it finds follows here' unanswered."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from web._watch_logs import lines, write_run

NAMES = ["fc1.act", "fc2.act"]


def test_the_start_up_line_is_one_line_on_an_80_column_terminal(tmp_path):
    folder = tmp_path / "a_rather_long_folder_name_for_the_runs_of_today"
    folder.mkdir()
    log = folder / "run.jsonl"
    write_run(log, NAMES, range(1, 4))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "actlab.cli", "watch", str(log), "--port", str(port),
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/watch", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    first = out.splitlines()[0]
    assert first == f"watching {log} on http://127.0.0.1:{port}/watch  (Ctrl+C stops it)"
    assert len(first) > 80  # long enough that rich's 80-column wrap broke it before


def test_a_clean_log_checked_while_served_says_the_check_found_nothing(tmp_path, monkeypatch, capsys):
    from actlab.cli import watch as cli_watch

    log = tmp_path / "big.jsonl"
    write_run(log, NAMES, range(1, 201))
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 200}))
    monkeypatch.setattr(cli_watch, "CHECK_FIRST_BYTES", 1000)
    thread = cli_watch.check_findings(log)
    assert thread is not None
    thread.join(timeout=60)
    out, err = capsys.readouterr()
    assert "what it finds follows here" in out
    assert "checked the whole log: 202 lines, one run, nothing skipped; nothing to add" in out and err == ""


def test_a_small_clean_log_checked_first_adds_no_line(tmp_path, capsys):
    from actlab.cli import watch as cli_watch

    log = tmp_path / "small.jsonl"
    write_run(log, NAMES, range(1, 11))
    assert cli_watch.check_findings(log) is None
    out, err = capsys.readouterr()
    assert out == "" and err == ""
