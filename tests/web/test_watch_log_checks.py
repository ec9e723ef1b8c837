"""actlab watch reads only Monitor logs: a file that is not one says so (which line, what was expected) instead of
waiting; bad lines are counted and named and never passed on, the good ones kept; a log started again into the
same file (shorter, longer, replaced, or a new header further down) is a new run, counted from 0 again."""

from __future__ import annotations

import json
import os

import pytest
from fastapi.testclient import TestClient

from actlab.monitor_log import LOG_FORMAT, LogTail
from actlab.web.app import create_app
from web._watch_logs import header, lines, report, write_run

NAMES = ["fc1.act", "fc2.act"]


def _client(log) -> TestClient:
    return TestClient(create_app(db_path=log.parent / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))


@pytest.mark.parametrize(("content", "said"), [
    (bytes(range(128, 256)) * 4 + b"\n", "line 1: it is not text"),
    (b'{"format": "actlab-playground", "layers": []}\n',
     'line 1: it names the format "actlab-playground", not "actlab-monitor/1"'),
    (b"[1, 2, 3]\n", "line 1: it is JSON but a list, not an object"),
    (b"epoch,loss\n1,0.5\n", "line 1: it is not JSON (it begins 'epoch,loss')"),
    (b'{"epoch": 1, "loss": 0.5}\n', 'line 1: it is an object with "epoch", "loss"'),
    (b"\x00\x01\x02 no newline yet", "line 1 does not begin a JSON object"),
])
def test_a_file_that_is_not_a_monitor_log_says_so_at_once(tmp_path, content, said):
    log = tmp_path / "run.jsonl"
    log.write_bytes(content)
    data = _client(log).get("/api/watch").json()
    assert data["total"] == 0 and data["points"] == []
    assert said in data["not_log"] and "run.jsonl is not a Monitor log" in data["not_log"]
    assert f'{{"format": "{LOG_FORMAT}"' in data["not_log"]  # what a Monitor log's first line is


def test_a_missing_or_empty_file_waits_and_then_is_read(tmp_path):
    log = tmp_path / "later.jsonl"
    client = _client(log)
    data = client.get("/api/watch").json()
    assert data["exists"] is False and data["not_log"] is None and data["shown_path"] == str(log)
    log.write_text("")
    data = client.get("/api/watch").json()
    assert data["exists"] is True and data["size"] == 0 and data["not_log"] is None
    write_run(log, NAMES, [1, 2])
    data = client.get("/api/watch").json()
    assert data["total"] == 2 and data["not_log"] is None and data["bad_lines"] == 0


def test_bad_lines_are_counted_and_named_and_the_good_reports_kept(tmp_path):
    log = tmp_path / "run.jsonl"
    wrong_layers = report(3, NAMES) | {"layers": "oops"}
    wrong_number = report(4, NAMES)
    wrong_number["layers"][1]["act_grad_norm"] = "abc"
    no_reading = {k: v for k, v in report(5, NAMES).items() if k != "reading"}
    log.write_text(lines(header(NAMES), report(1, NAMES), report(2, NAMES), '{"step": 9, "garb', wrong_layers,
                         wrong_number, no_reading, report(6, NAMES), {"event": "end", "steps_run": "six"},
                         report(7, NAMES)))
    data = _client(log).get("/api/watch").json()
    assert [r["step"] for r in data["points"]] == [1, 2, 6, 7] and data["total"] == 4
    assert data["bad_lines"] == 5 and data["not_log"] is None and data["ended"] is None
    assert [p["line"] for p in data["problems"]] == [4, 5, 6, 7, 9]
    why = [p["why"] for p in data["problems"]]
    assert why[0].startswith("it is not JSON") and why[1] == 'layers is a string ("oops"), expected a list'
    assert why[2] == 'layers[1].act_grad_norm is a string ("abc"), expected a number, null, "inf" or "-inf"'
    assert why[3] == 'a report needs "reading" and this record has none' and "event" in why[4]


def test_every_report_a_monitor_writes_passes_the_check():
    from actlab.monitor_log import check_record

    assert check_record(report(1, NAMES)) == ("report", None)
    assert check_record(report(2, NAMES, None, non_finite=True)) == ("report", None)
    inf = report(3, NAMES, "inf")
    inf["layers"][0]["act_grad_ratio_to_last"] = "-inf"
    assert check_record(inf) == ("report", None)
    assert check_record(header(NAMES)) == ("header", None)
    assert check_record({"event": "end", "steps_run": 7}) == ("end", None)
    assert check_record(report(1, NAMES) | {"step": True})[0] is None  # a bool is not a step number


def _steps(client, since=0):
    return client.get("/api/watch", params={"since": since}).json()


def test_a_rerun_that_writes_more_than_before_is_a_new_run(tmp_path):
    """The second run truncates the log and writes past where the first stopped before the next read (same file,
    same inode): the reader sees its bytes before the read position changed."""
    log = tmp_path / "run.jsonl"
    client = _client(log)
    write_run(log, NAMES, range(1, 4), loss=lambda s: 0.8)
    first = _steps(client)
    assert first["run"] == 1 and first["total"] == 3 and first["restarted"] is None
    inode = os.stat(log).st_ino
    write_run(log, NAMES, range(1, 13), loss=lambda s: 1.5)
    assert os.stat(log).st_ino == inode
    again = _steps(client, first["next"])
    assert again["run"] == 2 and "written again from its start" in again["restarted"]
    assert again["total"] == 12 and again["bad_lines"] == 0
    assert [r["loss"] for r in _steps(client)["points"]] == [1.5] * 12


def test_a_shorter_rerun_and_a_replaced_file_are_new_runs(tmp_path):
    log = tmp_path / "run.jsonl"
    client = _client(log)
    write_run(log, NAMES, range(1, 30))
    assert _steps(client)["total"] == 29
    write_run(log, NAMES, range(1, 3), loss=lambda s: 2.0)
    data = _steps(client, 29)
    assert data["run"] == 2 and "shorter than before" in data["restarted"] and data["total"] == 2
    new = tmp_path / "new.jsonl"
    write_run(new, ["a", "b", "c"], range(1, 40))
    os.replace(new, log)
    data = _steps(client, 2)
    assert data["run"] == 3 and "replaced by a new one" in data["restarted"] and data["total"] == 39
    assert data["header"]["layers"] == ["a", "b", "c"]


def test_a_new_header_naming_other_layers_starts_a_new_run_and_added_places_do_not(tmp_path):
    log = tmp_path / "run.jsonl"
    client = _client(log)
    write_run(log, NAMES, range(1, 5))
    write_run(log, [*NAMES, "fc2.act#2"], range(5, 7), mode="a")  # the same monitor found a place: same run
    write_run(log, [NAMES[0], "mid.act", *NAMES[1:], "fc2.act#2"], [7], mode="a")  # one named in between: same run
    data = _steps(client)
    assert data["run"] == 1 and data["total"] == 7
    write_run(log, ["conv.act"], range(1, 3), mode="a")  # another monitor appended to the file
    data = _steps(client, 7)
    assert data["run"] == 2 and data["total"] == 2
    assert data["restarted"] == "line 11 is a new header naming other layers"


def test_a_deleted_log_waits_for_the_next_one(tmp_path):
    log = tmp_path / "run.jsonl"
    tail = LogTail(log)
    write_run(log, NAMES, range(1, 5))
    tail.poll()
    log.unlink()
    tail.poll()
    assert tail.run == 2 and tail.total == 0 and tail.size is None and tail.restarted == "the file was deleted"


def test_the_route_says_which_reports_it_keeps_of_a_long_run(tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(NAMES), *[json.dumps(report(s, NAMES)) for s in range(1, 2501)]))
    # 2,500 reports: the first 256 all kept, then to report 2,000 every 2nd, the newest 500 all kept
    data = _steps(_client(log))
    assert data["total"] == 2500 and data["head"] == 256 and data["every"] == 2 and data["recent_from"] == 2000
    assert [p["step"] for p in data["points"][:3]] == [1, 2, 3]
    assert [p["step"] for p in data["points"][254:259]] == [255, 256, 257, 259, 261]


@pytest.mark.parametrize("first", [b"[1, 2, 3]\n" * 200, b"\x00\x01 binary, no newline"])
def test_a_file_that_was_not_a_log_is_read_once_a_monitor_writes_it(tmp_path, first):
    log = tmp_path / "run.jsonl"
    log.write_bytes(first)
    client = _client(log)
    assert _steps(client)["not_log"]
    write_run(log, NAMES, [1, 2, 3])  # a Monitor opens the log afresh
    data = _steps(client)
    assert data["not_log"] is None and data["run"] == 2 and [r["step"] for r in data["points"]] == [1, 2, 3]


@pytest.mark.parametrize(("extra", "why"), [
    ({"held_out_given": "0.5"}, 'its held_out_given is a string ("0.5"), expected a list'),
    ({"held_out": 0.5}, "its held_out is a number (0.5), expected a list"),
    ({"reading": "healthy"}, 'its reading is a string ("healthy"), expected an object'),
    ({"reading": {"words": "no status"}}, 'reading has no "status"'),
    ({"reading": {"status": "healthy", "findings": [3]}}, 'reading.findings[0] is not an object with "words"'),
])
def test_an_end_line_whose_held_out_or_reading_is_malformed_is_a_bad_line(tmp_path, extra, why):
    """The end line carries the held-out losses given after the last report and the reading that takes them in (W42
    finding 7): checked as a report's are, and a malformed one is named, the run left going on."""
    from actlab.monitor_log import check_record

    assert check_record({"event": "end", "steps_run": 7} | extra)[1].startswith(why)
    log = tmp_path / "run.jsonl"
    log.write_text(lines(header(NAMES), report(1, NAMES), {"event": "end", "steps_run": 2} | extra))
    data = _client(log).get("/api/watch").json()
    assert data["ended"] is None and data["bad_lines"] == 1 and data["problems"][0]["why"].startswith(why)


def test_an_end_line_carrying_late_held_out_losses_adds_them_to_the_history(tmp_path):
    log = tmp_path / "run.jsonl"
    end = {"event": "end", "steps_run": 30, "held_out_given": [[20, 0.4], [30, 0.6], ["x", 1]], "held_out": [30, 0.6],
           "reading": {"status": "not_generalising", "words": "not generalising: ...", "findings": []}}
    log.write_text(lines(header(NAMES), report(1, NAMES) | {"held_out_given": [[0, 0.9]]}, report(11, NAMES), end))
    data = _client(log).get("/api/watch").json()
    assert data["ended"]["reading"]["status"] == "not_generalising"
    assert data["held_out"] == [[0, 0.9], [20, 0.4], [30, 0.6]]  # the malformed pair left out
