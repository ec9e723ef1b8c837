"""A log that is odd (issue 17, W12's items 5, 6, 7): two logs one after the other, two monitors writing one file at
once, a line written twice, an end line naming the exception that stopped the run, and a NaN count that covers
everything read so far. LogTail never draws two runs as one line and says what it left out."""

from __future__ import annotations

import json

from actlab import monitor_log
from actlab.monitor_log import LogTail, check_record
from actlab.run_history import RunHistory
from web._watch_logs import header, lines, report, write_run

NAMES = ["fc1.act", "fc2.act"]


def _read(log, max_bytes=None) -> LogTail:
    tail = LogTail(log)
    tail.poll(max_bytes=max_bytes)
    return tail


def _steps(tail: LogTail) -> list[int]:
    h = tail.history
    return [p["step"] for p in [*h.head, *h.thinned, *h.recent]]


def test_two_logs_one_after_the_other_are_two_runs_and_only_the_latest_is_drawn(tmp_path):
    log = tmp_path / "concat.jsonl"
    write_run(log, NAMES[:1], range(1, 31))  # lines 1-31
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 30}))  # line 32
    write_run(log, NAMES, range(1, 51), mode="a")  # the second log, same place names and more: lines 33-83
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 50}))
    tail = _read(log)
    assert tail.total == 50 and _steps(tail) == list(range(1, 51))  # no step drawn twice, no line back to step 1
    assert tail.header["layers"] == NAMES and tail.ended == {"event": "end", "steps_run": 50}
    assert tail.run == 2 and tail.restarted == ("line 33 begins another run's log (a header after the end line on "
                                                "line 32)")
    [said] = tail.warnings
    assert said.startswith("This log holds 2 runs, one after the other: line 33 begins another run's log")
    # V9: the run before it can be picked (test_watch_runs_v9.py); the words name it
    assert "The charts show the latest, run 2 (from line 33), and no line joins two runs" in said
    assert "(run 1: from line 1, 30 sampled steps)" in said


def test_a_log_with_no_end_line_then_another_log_is_two_runs(tmp_path):
    """The first run was killed (no end line); the second log's header names the same places and more, so only the
    steps going back to 1 after it tell the two apart."""
    log = tmp_path / "concat.jsonl"
    write_run(log, NAMES, range(1, 41))
    write_run(log, [*NAMES, "out.act"], range(1, 11), mode="a")  # header on line 42
    tail = _read(log)
    assert tail.total == 10 and _steps(tail) == list(range(1, 11))
    assert tail.restarted == "line 42 begins another run's log (a header, then step 1 on line 43 after step 40)"
    assert "(run 1: from line 1, 40 sampled steps)" in tail.warnings[0]


def test_three_runs_name_both_earlier_ones(tmp_path):
    log = tmp_path / "three.jsonl"
    for k, n in enumerate((5, 7, 3)):
        write_run(log, NAMES, range(1, n + 1), mode="a" if k else "w")
        with log.open("a") as fh:
            fh.write(lines({"event": "end", "steps_run": n}))
    tail = _read(log)
    assert tail.total == 3
    assert "This log holds 3 runs" in tail.warnings[0]
    assert "(run 1: from line 1, 5 sampled steps; run 2: from line 8, 7 sampled steps)" in tail.warnings[0]


def test_a_header_that_adds_places_mid_run_is_still_one_run(tmp_path):
    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 5))
    write_run(log, [*NAMES, "fc2.act#2"], range(5, 9), mode="a")
    tail = _read(log)
    assert tail.total == 8 and tail.run == 1 and tail.warnings == [] and _steps(tail) == list(range(1, 9))


def test_two_monitors_writing_at_once_are_not_drawn_as_one_run(tmp_path):
    """As W12's two processes did: steps 3, 4 of one, then 1 of the other, then both going on interleaved. V9: each
    monitor's reports are a run of their own (V8 drew steps 3, 4 and nothing after); the latest to begin is shown."""
    log = tmp_path / "shared.jsonl"
    order = [3, 4, 1, 5, 6, 2, 7, 3, 8, 4, 9, 10, 5]
    log.write_text(lines(header(NAMES), *[report(s, NAMES, loss=1.0 + s + (0.5 if k % 3 == 2 else 0))
                                          for k, s in enumerate(order)],
                         {"event": "end", "steps_run": 10}, report(6, NAMES, loss=9.0),
                         {"event": "end", "steps_run": 10}))
    tail = _read(log)
    assert tail.total == 6 and _steps(tail) == [1, 2, 3, 4, 5, 6] and tail.shown == 2
    assert tail.ended is None  # which monitor's end line it is cannot be told
    assert tail.mixed == {"line": 4, "step": 1, "after": 4}
    [said] = tail.warnings
    assert said.startswith("2 monitors wrote this log at once (two processes, or two Monitors given the same log=): "
                           "from line 4 their reports interleave (step 1 right after step 4)")
    assert 'log=f"run{rank}.jsonl"' in said
    with log.open("a") as fh:
        fh.write(lines(report(11, NAMES)))  # the first monitor goes on
    tail.poll()
    assert tail.total == 6 and tail.runs.find(1)["last_step"] == 11


def test_two_monitors_at_the_same_step_are_told_apart_by_their_numbers(tmp_path):
    log = tmp_path / "shared.jsonl"
    log.write_text(lines(header(NAMES), report(1, NAMES, loss=2.0), report(1, NAMES, loss=2.5)))
    tail = _read(log)
    assert tail.total == 1 and tail.shown == 2 and tail.bad_lines == 0  # V9: the second line begins a run of its own


def test_a_line_written_twice_is_drawn_once_and_named(tmp_path):
    log = tmp_path / "dup.jsonl"
    rows = [report(s, NAMES, loss=1.0 / s) for s in (1, 11, 21, 31)]
    log.write_text(lines(header(NAMES), *rows, rows[2], report(41, NAMES, loss=0.02)))
    tail = _read(log)
    assert tail.total == 5 and _steps(tail) == [1, 11, 21, 31, 41] and tail.mixed is None and tail.warnings == []
    assert tail.bad_lines == 1
    assert tail.problems == [{"line": 6, "why": "it repeats the report of step 21, read already (a line written twice "
                                                "is drawn once)"}]


def test_a_log_read_in_pieces_sees_the_second_run_the_same(tmp_path):
    log = tmp_path / "concat.jsonl"
    write_run(log, NAMES, range(1, 301))
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 300}))
    write_run(log, NAMES, range(1, 201), mode="a")
    tail = LogTail(log)
    while tail.poll(max_bytes=10_000) or tail.unread:
        pass
    assert tail.total == 200 and _steps(tail) == list(range(1, 201)) and tail.run == 2
    assert "from line 1, 300 sampled steps" in tail.warnings[0]


# -- item 7: the end line names the exception that stopped the run ------------------------------------------------


def test_an_end_line_with_an_exception_is_a_crash():
    end = {"event": "end", "steps_run": 4, "exception": "RuntimeError: the loss is NaN"}
    assert check_record(end) == ("end", None)
    assert monitor_log.crash_of(end) == "RuntimeError: the loss is NaN"
    assert monitor_log.crash_of({"event": "end", "steps_run": 4}) is None and monitor_log.crash_of(None) is None


def test_an_exception_that_is_not_a_string_is_a_bad_line(tmp_path):
    kind, why = check_record({"event": "end", "steps_run": 4, "exception": 3})
    assert kind is None and why.startswith('its "exception" is a number, expected a string')
    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 3))
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 2, "exception": ["RuntimeError"]}))
    tail = _read(log)
    assert tail.ended is None and tail.bad_lines == 1 and "exception" in tail.problems[0]["why"]


def test_the_end_line_of_a_crashed_run_is_kept_whole(tmp_path):
    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 5))
    with log.open("a") as fh:
        fh.write(json.dumps({"event": "end", "steps_run": 4, "exception": "ValueError: bad batch"}) + "\n")
    assert monitor_log.crash_of(_read(log).ended) == "ValueError: bad batch"


# -- item 6: where the first NaN came, for the whole run read so far ----------------------------------------------


def test_the_first_nan_is_remembered_with_its_place_whatever_comes_after():
    history = RunHistory()
    for s in range(1, 10):
        history.add(report(s, NAMES, non_finite=s in (4, 7)))
    assert history.first_seen == {"step": 4, "previous": 3, "place": "module 'fc1.act'"}
    assert history.non_finite == 2  # every step read so far, not the newest's


def test_the_place_of_a_nan_without_first_non_finite_is_its_layer():
    history = RunHistory()
    bad = report(5, NAMES, non_finite=True)
    bad["first_non_finite"] = None
    history.add(bad)
    assert history.first_seen == {"step": 5, "previous": None, "place": "layer 'fc1.act'"}


# -- the route and the terminal say the same ------------------------------------------------------------------------


def test_the_route_carries_the_warnings_and_the_exception(tmp_path):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    log = tmp_path / "concat.jsonl"
    write_run(log, NAMES, range(1, 4))
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 3}))
    write_run(log, NAMES, range(1, 3), mode="a")
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 2, "exception": "KeyError: 'x'"}))
    data = TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log,
                                 allow_hosts=("testserver",))).get("/api/watch").json()
    assert data["total"] == 2 and [p["step"] for p in data["points"]] == [1, 2]
    assert data["ended"] == {"event": "end", "steps_run": 2, "exception": "KeyError: 'x'"}
    [said] = data["warnings"]
    assert said.startswith("This log holds 2 runs, one after the other: line 6 begins another run's log")


def test_the_terminal_names_two_runs_and_the_crash(tmp_path):
    from web.test_watch_cli_v2 import _serve_once

    log = tmp_path / "concat.jsonl"
    write_run(log, NAMES, range(1, 4))
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 3}))
    write_run(log, NAMES, range(1, 3), mode="a")
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 2, "exception": "KeyError: 'x'"}))
    out, err = _serve_once(log)
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and warned[0].startswith("warning: This log holds 2 runs, one after the other: line 6 ")
    assert "the run stopped with KeyError: 'x', after 2 steps (the log's last line names the exception)" in out


def test_the_terminal_says_nothing_more_for_a_sound_log(tmp_path):
    from web.test_watch_cli_v2 import _serve_once

    log = tmp_path / "run.jsonl"
    write_run(log, NAMES, range(1, 4))
    with log.open("a") as fh:
        fh.write(lines({"event": "end", "steps_run": 3}))
    out, err = _serve_once(log)
    assert "warning" not in err and "stopped" not in out
