"""A line longer than MAX_LINE_BYTES is skipped unread, and reading a log holding one stays within bounded memory
(W50 walkthrough: one 300 MB line of garbage took the watch server to 1.2 GB, each 4 MB piece copied onto the
unfinished line before it, and its reading took over 15 s). References: the lines the test wrote, and Python's own
count of the memory allocated while the log is read (tracemalloc's peak)."""

from __future__ import annotations

import json
import tracemalloc

from actlab.log_read import check_log
from actlab.log_tail import MAX_LINE_BYTES, LogTail
from actlab.monitor_log import LOG_FORMAT

LAYERS = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]


def _report(step: int) -> str:
    return json.dumps({"step": step, "loss": 1.0, "layers": LAYERS,
                       "reading": {"status": "flowing", "words": "gradients flow"}}) + "\n"


def _write(path, long_bytes: int, first: bool = False, valid_json: bool = False):
    long = (json.dumps({"pad": "x" * (long_bytes - 12)}) if valid_json else "x" * long_bytes) + "\n"
    with path.open("w") as fh:
        if first:
            fh.write(long)
        fh.write(json.dumps({"format": LOG_FORMAT, "layers": ["act"]}) + "\n")
        for s in range(1, 6):
            fh.write(_report(s))
        if not first:
            fh.write(long)
        for s in range(6, 11):
            fh.write(_report(s))


def test_a_line_past_the_limit_is_skipped_and_named_and_the_reports_after_it_are_read(tmp_path):
    log = tmp_path / "run.jsonl"
    size = 3 * MAX_LINE_BYTES  # 48 MB of garbage on line 7
    _write(log, size)
    tracemalloc.start()
    tail = check_log(log)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert tail.total == 10 and tail.lines == 12
    assert tail.skipped["too_long"]["count"] == 1 and tail.skipped["too_long"]["lines"] == [7]
    assert f"it is {size + 1 - 1:,} bytes long" in tail.skipped["too_long"]["why"]
    # one 4 MB piece and one line of at most 16 MB held at once, with their copies: well under the line's 48 MB
    assert peak < 2 * MAX_LINE_BYTES + 3 * 4 * 1024 * 1024, peak


def test_a_long_line_of_valid_json_is_skipped_too(tmp_path):
    log = tmp_path / "run.jsonl"
    _write(log, MAX_LINE_BYTES + 10, valid_json=True)
    tail = check_log(log)
    assert tail.total == 10 and tail.skipped["too_long"]["lines"] == [7]


def test_a_line_just_under_the_limit_is_read_as_any_other(tmp_path):
    log = tmp_path / "run.jsonl"
    _write(log, MAX_LINE_BYTES - 100)
    tail = check_log(log)
    assert "too_long" not in tail.skipped and tail.skipped["not_json"]["lines"] == [7]


def test_a_file_whose_first_line_is_too_long_is_no_log(tmp_path):
    log = tmp_path / "run.jsonl"
    _write(log, MAX_LINE_BYTES + 10, first=True, valid_json=True)  # (a first line not beginning '{' is no log at once)
    tail = LogTail(log)
    while True:
        tail.poll()
        if not tail.unread or tail.not_log:
            break
    assert tail.not_log and "line 1: it is" in tail.not_log and "bytes long" in tail.not_log, tail.not_log


def test_a_long_line_written_in_pieces_as_the_log_grows_is_skipped_once_it_ends(tmp_path):
    log = tmp_path / "run.jsonl"
    _write(log, 0)  # header, 5 reports, an empty line, 5 reports
    tail = LogTail(log)
    tail.poll()
    with log.open("a") as fh:
        for _ in range(5):  # a line written 5 MB at a time, polled as it grows
            fh.write("y" * (5 * 1024 * 1024))
            fh.flush()
            tail.poll()
        fh.write("y\n")
        fh.write(_report(11))
    while tail.unread:
        tail.poll()
    tail.poll()
    assert tail.total == 11 and tail.skipped["too_long"]["lines"] == [13]
