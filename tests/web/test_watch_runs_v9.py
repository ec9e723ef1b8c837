"""Several runs in one log, told apart and each readable (issue 17, V9 items 1, 3 and 4): the reader numbers the runs
of a file (appended one after the other, or two monitors writing at once), shows the latest and serves an earlier one
through /api/watch?run=N; a "run" field on the lines, where the writer puts one, tells two monitors apart exactly;
`actlab watch` says what it found in the whole file, not in its first 4 MB; monitor_log is split by idea and keeps
its names. Logs written in the format monitor_log reads, without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import actlab
from actlab import monitor_log
from actlab.monitor_log import MAX_READ_BYTES, MAX_WRITERS, LogTail, check_log, findings
from actlab.web.app import create_app
from web._watch_logs import header, lines, report, write_run

NAMES = ["fc1.act", "fc2.act"]


def _client(tmp_path, log) -> TestClient:
    return TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))


def _all(client: TestClient, **params) -> dict:
    """The answers for one run until the page would have every point: the last answer, with every point's step."""
    steps, since = [], 0
    while True:
        data = client.get("/api/watch", params={"since": since, **params}).json()
        steps += [p["step"] for p in data["points"]]
        since = data["next"]
        if data["next"] >= data["total"] and not data["unread"]:
            return {**data, "steps": steps}


def _concat(log: Path, sizes=(30, 50)) -> None:
    for k, n in enumerate(sizes):
        write_run(log, NAMES[: 1 + k % 2], range(1, n + 1), loss=lambda s, k=k: float(k + 1), mode="a" if k else "w")
        with log.open("a") as fh:
            fh.write(lines({"event": "end", "steps_run": n}))


def _interleaved(log: Path, ids: bool = False) -> None:
    """Two monitors at once: A at steps 3-11 (loss 10 + step), B at 1-6 (loss 1 / step), as W12's processes wrote."""
    order = "A3 A4 B1 A5 A6 B2 A7 B3 A8 B4 A9 A10 B5 A11 B6".split()
    rows = []
    for w in order:
        s = int(w[1:])
        row = report(s, NAMES, loss=10.0 + s if w[0] == "A" else 1.0 / s)
        rows.append({**row, "run": w[0]} if ids else row)
    log.write_text(lines(header(NAMES), *rows))


# -- item 1: each run on its own --------------------------------------------------------------------------------------


def test_the_route_lists_the_runs_and_serves_an_earlier_one(tmp_path):
    log = tmp_path / "concat.jsonl"
    _concat(log)
    client = _client(tmp_path, log)
    latest = _all(client)
    assert latest["steps"] == list(range(1, 51)) and latest["shown"] == latest["latest_run"] == 2
    assert [(r["run"], r["began"], r["reports"], r["ended"]) for r in latest["runs"]] == [(1, 1, 30, True),
                                                                                         (2, 33, 50, True)]
    first = _all(client, run=1)
    assert first["steps"] == list(range(1, 31)) and first["shown"] == 1 and first["total"] == 30
    assert first["header"]["layers"] == NAMES[:1] and first["ended"] == {"event": "end", "steps_run": 30}
    assert {p["loss"] for p in client.get("/api/watch", params={"run": 1}).json()["points"]} == {1.0}
    assert "The charts show run 1 (from line 1)" in first["warnings"][0]  # the page says which run it shows
    again = _all(client, run=2)  # the latest asked for by its number: the lab's own reader
    assert again["steps"] == list(range(1, 51))


def test_a_run_the_log_does_not_hold_is_answered_with_the_latest(tmp_path):
    log = tmp_path / "concat.jsonl"
    _concat(log)
    data = _all(_client(tmp_path, log), run=9)
    assert data["unknown_run"] == 9 and data["shown"] == 2 and data["steps"] == list(range(1, 51))


def test_two_monitors_at_once_are_two_runs_each_whole(tmp_path):
    log = tmp_path / "shared.jsonl"
    _interleaved(log)
    client = _client(tmp_path, log)
    b = _all(client)
    assert b["steps"] == [1, 2, 3, 4, 5, 6] and b["shown"] == 2
    assert [p["loss"] for p in b["points"]] == [1.0 / s for s in range(1, 7)]
    a = _all(client, run=1)
    assert a["steps"] == list(range(3, 12)) and [p["loss"] for p in a["points"]] == [10.0 + s for s in range(3, 12)]
    assert [r["alongside"] for r in b["runs"]] == [True, True] and b["mixed"] == {"line": 4, "step": 1, "after": 4}
    assert a["bad_lines"] == 0  # every report of the file is in one run or the other


def test_a_picked_run_written_at_the_same_time_as_the_latest_goes_on_growing(tmp_path):
    """Both monitors keep writing: the page following run 1 gets run 1's new steps, the one following the latest
    gets run 2's, and neither is started again (``run`` stays, so neither page clears its charts)."""
    log = tmp_path / "shared.jsonl"
    _interleaved(log)
    client = _client(tmp_path, log)
    a, b = _all(client, run=1), _all(client)
    with log.open("a") as fh:
        fh.write(lines(report(12, NAMES, loss=22.0), report(7, NAMES, loss=1.0 / 7), report(13, NAMES, loss=23.0)))
    a2 = client.get("/api/watch", params={"since": a["next"], "run": 1}).json()
    b2 = client.get("/api/watch", params={"since": b["next"]}).json()
    assert [(p["step"], p["loss"]) for p in a2["points"]] == [(12, 22.0), (13, 23.0)] and a2["run"] == a["run"]
    assert [(p["step"], p["loss"]) for p in b2["points"]] == [(7, 1.0 / 7)] and b2["run"] == b["run"]


def test_a_run_id_on_each_line_tells_two_monitors_at_the_same_step_apart(tmp_path):
    """Lockstep monitors whose lines come in either order at a step: without an id only the order of the lines can
    tell them apart, and the swapped pair would be read crosswise; the "run" field reads them exactly."""
    log = tmp_path / "ids.jsonl"
    rows = [{**header(NAMES), "run": "a"}, {**header(NAMES), "run": "b"}]
    for s in range(1, 9):
        pair = [{**report(s, NAMES, loss=100.0 + s), "run": "a"}, {**report(s, NAMES, loss=float(s)), "run": "b"}]
        rows += pair if s % 3 else pair[::-1]  # every third step, b's line comes first
    rows.append({"event": "end", "steps_run": 8, "run": "a"})
    log.write_text(lines(*rows))
    tail = LogTail(log)
    tail.poll()
    assert tail.shown == 2 and [p["loss"] for p in tail.history.recent] == [float(s) for s in range(1, 9)]
    assert tail.ended is None  # a's end line is a's, not b's
    first = LogTail(log, pick=1, start=tail.runs.find(1)["from"])
    first.poll()
    assert [p["loss"] for p in first.history.recent] == [100.0 + s for s in range(1, 9)]
    assert first.ended == {"event": "end", "steps_run": 8, "run": "a"}
    assert "Told apart by the run id on each line" in tail.warnings[0]


def test_the_end_line_carries_the_writers_run_id_where_it_has_one():
    assert monitor_log.end_line(3) == '{"event": "end", "steps_run": 3}\n'  # as before, for a writer with no id
    assert monitor_log.end_line(3, run="a1b2") == '{"event": "end", "steps_run": 3, "run": "a1b2"}\n'


def test_a_log_read_in_pieces_finds_the_same_runs(tmp_path):
    log = tmp_path / "shared.jsonl"
    _interleaved(log)
    whole = LogTail(log)
    whole.poll(max_bytes=None)
    pieces = LogTail(log)
    while pieces.poll(max_bytes=700) or pieces.unread:
        pass
    assert pieces.runs.listed() == whole.runs.listed()
    assert list(pieces.history.recent) == list(whole.history.recent)


def test_a_tail_of_an_earlier_run_stops_reading_where_the_next_run_begins(tmp_path):
    """Picking run 1 of a log whose second run is long reads run 1's stretch, not the whole file."""
    log = tmp_path / "concat.jsonl"
    _concat(log, sizes=(20, 3000))
    tail = LogTail(log)
    while tail.poll(max_bytes=100_000) or tail.unread:
        pass
    first = LogTail(log, pick=1, start=tail.runs.find(1)["from"])
    while first.poll(max_bytes=100_000) or first.unread:
        pass
    assert first.total == 20 and first.done and first._offset < log.stat().st_size / 10


def test_steps_going_back_again_and_again_keep_at_most_eight_runs_apart(tmp_path):
    """A hostile log: 2,000 reports whose steps go back every other line with no header. At most MAX_WRITERS runs
    are told apart at once; the reports that fit none are counted and said, never drawn into a run."""
    log = tmp_path / "saw.jsonl"
    rows = [report(1000 - (k % 2) * k // 2 - (k // 2) % 7, NAMES) for k in range(2000)]
    log.write_text(lines(header(NAMES), *rows))
    tail = LogTail(log)
    tail.poll(max_bytes=None)
    assert len(tail.runs.writers) <= MAX_WRITERS and tail.runs.total <= MAX_WRITERS
    kept = sum(s["reports"] for s in tail.runs.listed())
    assert kept + tail.runs.left_out + tail.skipped.get("repeat", {}).get("count", 0) == 2000
    assert tail.runs.left_out and any("fit none of the 8 runs" in w for w in tail.warnings)
    steps = [p["step"] for p in tail.history.recent]
    assert steps == sorted(set(steps))  # the run shown only goes up


def test_a_header_naming_other_places_begins_a_run_even_where_steps_go_on(tmp_path):
    """A second script of another model appended with no end line between, whose steps happen to go on: its header
    leaves out the places the first run's header named, so it is another run, and each is read alone."""
    log = tmp_path / "two-models.jsonl"
    write_run(log, NAMES, range(1, 6))
    write_run(log, ["enc.0.act", "enc.1.act"], range(6, 9), mode="a")  # header on line 7
    tail = LogTail(log)
    tail.poll()
    assert [(s["run"], s["began"], s["first_step"], s["last_step"]) for s in tail.runs.listed()] == [
        (1, 1, 1, 5), (2, 7, 6, 8)]
    assert tail.runs.find(2)["why"] == "line 7 is a new header naming other layers"
    assert tail.header["layers"] == ["enc.0.act", "enc.1.act"] and tail.total == 3
    first = LogTail(log, pick=1, start=tail.runs.find(1)["from"])
    first.poll()
    assert first.total == 5 and first.header["layers"] == NAMES and first.done


# -- item 3: the terminal's findings cover the whole file -------------------------------------------------------------


def test_findings_name_a_bad_line_past_the_first_4_mb(tmp_path):
    log = tmp_path / "big.jsonl"
    write_run(log, NAMES, range(1, 1))  # the header
    with log.open("a") as fh:
        n = 1
        while log.stat().st_size < MAX_READ_BYTES + 200_000:
            fh.write(lines(*[report(s, NAMES) for s in range(n, n + 500)]))
            fh.flush()
            n += 500
        fh.write("{not json\n")
        fh.write(lines(report(n, NAMES)))
    bad_line = n + 1  # the header, the n - 1 reports, then the bad line
    checked = check_log(log)
    assert checked.skipped == {"not_json": {"count": 1, "lines": [bad_line], "why": "it is not JSON (it begins "
                                                                                     "'{not json')"}}
    [said] = findings(checked)
    assert said.startswith(f"1 line of {bad_line + 1:,} could not be used: 1 line that is not JSON (line {bad_line:,};")
    from web.test_watch_cli_v2 import _serve_once

    out, err = _serve_once(log)
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warned == [f"warning: {said}"]
    assert "checking the whole log" not in out  # under CHECK_FIRST_BYTES: checked before the lab serves


def test_findings_of_a_log_too_big_to_check_first_come_from_a_thread(tmp_path, monkeypatch, capsys):
    from actlab.cli import watch as cli_watch

    log = tmp_path / "big.jsonl"
    write_run(log, NAMES, range(1, 201))
    with log.open("a") as fh:
        fh.write("{not json\n" + lines({"event": "end", "steps_run": 200, "exception": "KeyError: 'x'"}))
    monkeypatch.setattr(cli_watch, "CHECK_FIRST_BYTES", 1000)
    thread = cli_watch.check_findings(log)
    assert thread is not None
    thread.join(timeout=60)
    out, err = capsys.readouterr()
    assert "checking the whole log (0 MB, 4 MB at a time) while the lab serves it" in out
    assert "1 line that is not JSON (line 202;" in err
    assert "the run stopped with KeyError: 'x', after 200 steps" in out


_MEASURE = """
import json, sys, time
from actlab.monitor_log import check_log


def status(key):  # kB, from /proc/self/status
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key))


open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from what is held now
before = status("VmRSS:")
began = time.process_time()
checked = check_log(sys.argv[1])
spent = time.process_time() - began
print(json.dumps({"skipped": checked.skipped, "total": checked.total, "bad": checked.bad_lines, "spent": spent,
                  "grown": (status("VmHWM:") - before) * 1024}))
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="measures the peak memory as Linux keeps it")
def test_findings_of_a_huge_malformed_log_count_per_kind_in_bounded_memory_and_time(tmp_path):
    """24 MB of short lines of every bad kind (1.9 million lines) around one report: each kind counted and its first
    5 lines named, in a fresh interpreter whose peak memory grows by a few pieces of MAX_READ_BYTES, not by the file
    (reading it whole and splitting it into lines, as the reader once did, grows it by over 100 MB)."""
    log = tmp_path / "huge.jsonl"
    good = lines(report(1, NAMES)).encode()
    kinds = [b"\xff\xfe not text\n", b"not json at all\n", b'{"step": "one"}\n', b"[1, 2, 3]\n"]
    block = b"".join(kinds) * 50
    with log.open("wb") as fh:
        fh.write(lines(header(NAMES)).encode())
        while fh.tell() < 24 * 2**20:
            fh.write(block)
        fh.write(good)
    blocks = (log.stat().st_size - len(good) - len(lines(header(NAMES)))) // len(block)
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(log)], capture_output=True, text=True, check=True)
    measured = json.loads(out.stdout)
    counts = {k: v["count"] for k, v in measured["skipped"].items()}
    assert counts == {"not_text": 50 * blocks, "not_json": 50 * blocks, "not_a_record": 100 * blocks}
    assert measured["skipped"]["not_text"]["lines"] == [2, 6, 10, 14, 18]
    assert measured["total"] == 1 and measured["bad"] == 200 * blocks
    assert measured["grown"] < 6 * MAX_READ_BYTES, measured  # 24 MB; about 10 MB here
    assert measured["spent"] < 90, measured  # about 7 s of CPU here, unloaded


# -- item 4: monitor_log in parts, its names kept ---------------------------------------------------------------------


def test_the_log_modules_are_one_idea_each_under_400_lines():
    src = Path(actlab.__file__).parent
    for name in ("monitor_log", "log_format", "log_runs", "log_tail", "log_read", "run_history", "run_changes"):
        n = len((src / f"{name}.py").read_text().splitlines())
        assert n < 400, (name, n)


@pytest.mark.parametrize("name", ["LOG_FORMAT", "LogTail", "RunHistory", "check_record", "check_report", "crash_of",
                                  "end_line", "missing_folder", "point_of", "read_log", "strict", "HEAD_POINTS",
                                  "RECENT_POINTS", "THINNED_POINTS", "MAX_SPANS", "MAX_READ_BYTES"])
def test_the_public_names_stay_importable_from_monitor_log(name):
    assert getattr(monitor_log, name) is not None
