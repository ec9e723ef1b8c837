"""A log saved with a byte-order mark (an editor's "UTF-8 with BOM", W51 walkthrough finding 11) read 'not a Monitor
log: line 1: it is not JSON (it begins '\\ufeff{"format": ...'. The mark is no part of the record: the log reads as the
same log without it, whole or while its first line is still being written. Reference: the same lines without it."""

from __future__ import annotations

import pytest

from actlab.log_read import LogWarning, check_log, read_log
from actlab.log_tail import LogTail
from web._watch_logs import header, lines, report

BOM = b"\xef\xbb\xbf"


def _log(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_log_with_a_byte_order_mark_reads_as_the_same_log_without_it(tmp_path):
    names = ["a", "b"]
    text = lines(header(names), *(report(t, names, 1.0 / t) for t in range(1, 21)))
    plain = _log(tmp_path, "plain.jsonl", text.encode())
    marked = _log(tmp_path, "marked.jsonl", BOM + text.encode())
    crlf = _log(tmp_path, "crlf.jsonl", BOM + text.replace("\n", "\r\n").encode())
    want = read_log(plain)
    for path in (marked, crlf):
        tail = check_log(path)
        assert tail.not_log is None and tail.bad_lines == 0 and tail.total == 20, (path.name, tail.not_log)
        got = read_log(path)
        assert [r["step"] for r in got.reports] == [r["step"] for r in want.reports]
        assert [r["loss"] for r in got.reports] == [r["loss"] for r in want.reports]


def test_a_first_line_still_being_written_after_a_byte_order_mark_is_waited_for(tmp_path):
    names = ["a"]
    first = lines(header(names)).encode()
    path = _log(tmp_path, "live.jsonl", BOM + first[:20])  # the header's first 20 bytes, no newline yet
    tail = LogTail(path)
    tail.poll()
    assert tail.not_log is None and tail.total == 0
    path.write_bytes(BOM + first + lines(report(1, names, 0.5)).encode())
    tail.poll()
    assert tail.not_log is None and tail.total == 1


def test_a_byte_order_mark_before_text_that_is_no_log_is_still_no_log(tmp_path):
    path = _log(tmp_path, "notes.jsonl", BOM + b"step,loss\n1,0.5\n")
    assert "is not a Monitor log: line 1" in check_log(path).not_log


def test_a_log_appended_to_itself_is_said_to_repeat_its_run(tmp_path):
    """W51 walkthrough, finding 11: `cat run.jsonl >> run.jsonl` read '36 reports no run could take (... its step 4
    goes back ...); 8 reports written twice'. Every line after the run's header comes again repeats the run."""
    names = ["a"]
    head = {**header(names), "run": "c3afdd20"}
    reports = [{**report(t, names, 1.0 / t), "run": "c3afdd20"} for t in range(1, 41)]
    end = {"event": "end", "run": "c3afdd20", "steps_run": 40, "sampled_steps": 40}
    once = lines(head, *reports, end)
    path = _log(tmp_path, "twice.jsonl", (once + once).encode())
    tail = check_log(path)
    assert tail.not_log is None and tail.total == 40 and tail.runs.total == 1
    said = tail.skipped_words()
    assert said.startswith("40 reports written twice (lines 44, 45, 46, 47, 48, ...; line 44: it repeats the run "
                           "whose id is 'c3afdd20': that run's header comes again on line 43, after its end line"), said
    assert "no run could take" not in said
    with pytest.warns(LogWarning, match="40 reports written twice"):
        got = read_log(path)
    assert [r["step"] for r in got.reports] == list(range(1, 41))
