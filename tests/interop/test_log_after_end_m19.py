"""Issue 17, M19 item 2: a run whose log has an end line has ended, whatever follows it.

Versions of actlab before R16 let mon.step() run after close(), so their logs can hold reports after the run's end
line. read_log, LogTail (and so `actlab watch` and its page) then read the run as going on: the summary's "ended" went
back to False and the tail's end line to None. Now the run stays ended, its late reports are drawn as its last, and
the warnings say how many follow the end line."""

from __future__ import annotations

import json
import warnings

import pytest

from actlab.monitor_log import LogTail, check_log, crash_of, findings, read_log
from conftest import require_torch
from web._watch_logs import header, lines, report

NAMES = ["fc1", "fc2"]
END = {"event": "end", "steps_run": 3}


def _log(tmp_path, *objs, run_id: str | None = None):
    """A log of ``objs`` (header, reports, end lines), each carrying ``run_id`` where one is given."""
    path = tmp_path / "old.jsonl"
    path.write_text(lines(*[o if run_id is None else {**o, "run": run_id} for o in objs]))
    return path


def _read(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = read_log(path)
    return log, [str(w.message) for w in caught]


@pytest.mark.parametrize("run_id", [None, "a1b2c3"])
def test_reports_after_the_end_line_leave_the_run_ended_and_are_said(tmp_path, run_id):
    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], END,
                *[report(s, NAMES) for s in (4, 5)], run_id=run_id)
    log, said = _read(path)
    # every report is the run's, drawn in order; the run has ended on line 5
    assert [r["step"] for r in log.reports] == [1, 2, 3, 4, 5]
    assert len(log.runs) == 1
    run = log.runs[0]
    assert run["ended"] is True and run["end_line"] == 5 and run["after_end"] == 2 and run["last_step"] == 5
    words = ("The run ended on line 5 (its end line), and 2 reports of it follow that line, up to step 5: an "
             "earlier version of actlab logged steps made after the monitor was closed. The run counts as ended; "
             "those reports are drawn as its last steps.")
    assert log.warnings == [words] and len(said) == 1 and words in said[0]
    # the tail the watch page reads, and the terminal's findings
    tail = LogTail(path)
    tail.poll()
    assert tail.ended == ({**END, "run": run_id} if run_id else END) and tail.total == 5
    assert findings(check_log(path)) == [words]


def test_a_sound_log_says_nothing_of_reports_after_its_end(tmp_path):
    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], END)
    log, said = _read(path)
    assert log.warnings == [] and said == [] and log.runs[0]["after_end"] == 0 and log.runs[0]["end_line"] == 5


def test_one_report_after_the_end_reads_in_the_singular(tmp_path):
    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], END, report(4, NAMES))
    log, _ = _read(path)
    assert log.warnings[0].startswith("The run ended on line 5 (its end line), and 1 report of it follows that line, "
                                      "up to step 4:")
    assert "that report is drawn as its last steps" in log.warnings[0]


def test_a_crash_named_by_the_end_line_stays_named_after_later_reports(tmp_path):
    crash = {"event": "end", "steps_run": 3, "exception": "RuntimeError: CUDA out of memory"}
    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], crash, report(4, NAMES))
    log, _ = _read(path)
    assert log.runs[0]["exception"] == "RuntimeError: CUDA out of memory"
    tail = check_log(path)
    assert crash_of(tail.ended) == "RuntimeError: CUDA out of memory"


def test_a_second_end_line_after_the_late_reports_keeps_the_first(tmp_path):
    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], END, report(4, NAMES),
                {"event": "end", "steps_run": 4})
    log, _ = _read(path)
    assert log.runs[0]["end_line"] == 5 and log.runs[0]["after_end"] == 1 and not log.skipped
    tail = LogTail(path)
    tail.poll()
    assert tail.ended == END


def test_a_header_after_the_late_reports_begins_the_next_run(tmp_path):
    # no run ids (the oldest logs): the second run's steps go on past the first's, so only the end line tells them apart
    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], END, report(4, NAMES),
                header(NAMES), *[report(s, NAMES) for s in (5, 6)])
    log, _ = _read(path)
    assert [r["run"] for r in log.runs] == [1, 2] and log.run == 2
    assert [r["step"] for r in log.reports] == [5, 6]
    first, second = log.runs
    assert first["ended"] and first["after_end"] == 1 and first["last_step"] == 4 and not second["ended"]
    assert second["why"] == "line 7 begins another run's log (a header after the end line on line 5)"
    assert not any("follow that line" in w for w in log.warnings)  # run 2, shown, has no end line
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        earlier = read_log(path, run=1)
    assert [r["step"] for r in earlier.reports] == [1, 2, 3, 4]
    assert any(w.startswith("Run 1 ended on line 5 (its end line), and 1 report of it follows") for w in
               earlier.warnings)


def test_the_watch_api_answers_ended_with_the_words(tmp_path):
    testclient = pytest.importorskip("fastapi.testclient")
    from actlab.web.app import create_app

    path = _log(tmp_path, header(NAMES), *[report(s, NAMES) for s in (1, 2, 3)], END, report(4, NAMES),
                run_id="r1")
    client = testclient.TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=path,
                                              allow_hosts=("testserver",)))
    data = client.get("/api/watch").json()
    assert data["total"] == 4 and data["ended"] == {**END, "run": "r1"}  # the page's 'The run has ended'
    assert len(data["warnings"]) == 1 and "1 report of it follows that line" in data["warnings"][0]
    assert [r["ended"] for r in data["runs"]] == [True]


def test_a_monitor_log_with_a_late_report_appended_reads_ended(tmp_path):
    torch = require_torch()
    from torch.nn import functional as F

    from actlab.torch import Monitor

    path = tmp_path / "run.jsonl"
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    with Monitor(model, every=1, log=path) as mon:
        for _ in range(2):
            with mon.step():
                F.cross_entropy(model(torch.randn(16, 4)), torch.arange(16) % 2).backward()
    written = path.read_text().splitlines()
    last = json.loads(written[-2])
    with path.open("a") as fh:  # what an earlier version wrote for a step made after close()
        fh.write(json.dumps({**last, "step": 3, "sampled_steps": 3}) + "\n")
    tail = LogTail(path)
    tail.poll()
    assert tail.total == 3 and tail.ended == {"event": "end", "steps_run": 2, "run": mon._run_id}
    assert tail.runs.summaries[0]["after_end"] == 1
