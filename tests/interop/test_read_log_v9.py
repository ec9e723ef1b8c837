"""read_log (issue 17, V9 item 2) says what it left out of an odd log, in a form a script can check: the lines it
skipped, per kind, with their line numbers and why; the runs the file holds and which one it returned (another by
run=); a LogWarning in words, or a ValueError with strict=True; and a clear error where nothing could be read. It
still unpacks as (header, reports). Standard library only: no torch needed."""

from __future__ import annotations

import json
import warnings

import pytest

from actlab.monitor_log import LOG_FORMAT, LogRead, LogWarning, read_log

NAMES = ["0"]
HEADER = json.dumps({"format": LOG_FORMAT, "layers": NAMES}) + "\n"


def _report(step: int, loss: float = 1.0) -> str:
    return json.dumps({"step": step, "sampled_steps": step, "layers": [{"name": "0"}], "loss": loss,
                       "reading": {"status": "healthy"}}) + "\n"


def _odd(tmp_path):
    """Header (1), steps 1-3 (2-4), a line of text (5), step 4 (6), step 4 again (7), a CSV row (8), a report whose
    step is a string (9), step 5 (10)."""
    path = tmp_path / "odd.jsonl"
    path.write_text(HEADER + _report(1) + _report(2) + _report(3) + "loss went up here\n" + _report(4) + _report(4)
                    + "1,2,3\n" + json.dumps({"step": "6", "layers": [], "reading": {"status": "x"}}) + "\n"
                    + _report(5))
    return path


def test_the_lines_skipped_are_named_by_kind_with_their_line_numbers(tmp_path):
    with pytest.warns(LogWarning) as caught:
        log = read_log(_odd(tmp_path))
    header, reports = log  # still the pair it always was
    assert header["layers"] == NAMES and [r["step"] for r in reports] == [1, 2, 3, 4, 5]
    assert isinstance(log, LogRead) and not log.ok and log.bad_lines == 4 and log.lines == 10
    assert {k: (v["count"], v["lines"]) for k, v in log.skipped.items()} == {
        "not_json": (2, [5, 8]), "repeat": (1, [7]), "not_a_record": (1, [9])}
    assert log.skipped["not_a_record"]["why"] == 'step is a string ("6"), expected a whole number'
    assert [p["line"] for p in log.problems] == [5, 7, 8, 9]
    said = str(caught[0].message)
    given = str(tmp_path / "odd.jsonl")
    assert said.startswith(f"read_log({given!r}) returns run 1 (5 reports). 4 lines of 10 could not be used: "
                           "2 lines that are not JSON (lines 5, 8; line 5: it is not JSON (it begins 'loss went up "
                           "here'))")
    assert "1 report written twice (line 7; line 7: it repeats the report of step 4, read already" in said
    assert log.warnings == [said.split(". ", 1)[1]]


def test_strict_raises_instead_of_returning_part_of_the_log(tmp_path):
    with pytest.raises(ValueError, match=r"odd.jsonl: 4 lines of 10 could not be used: 2 lines that are not JSON"):
        read_log(_odd(tmp_path), strict=True)


def test_a_sound_log_reads_quietly_and_is_ok(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text(HEADER + _report(1) + _report(2) + json.dumps({"event": "end", "steps_run": 2}) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log = read_log(path, strict=True)
    assert log.ok and log.skipped == {} and log.warnings == [] and log.run == 1 and log.cut is None
    assert [r["ended"] for r in log.runs] == [True]


def test_a_half_written_last_line_is_named_but_not_a_fault(tmp_path):
    path = tmp_path / "live.jsonl"
    path.write_text(HEADER + _report(1) + _report(2)[:20])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log = read_log(path)
    assert log.ok and log.cut == 3 and len(log.reports) == 1


def test_a_log_with_nothing_readable_after_its_header_raises(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(HEADER + "\x00garbage\n" + "{\"step\": 1}\n" + "not json\n")
    with pytest.raises(ValueError) as err:
        read_log(path)
    said = str(err.value)
    assert said.startswith(f"{path} holds no report that could be read: 2 lines that are not JSON (lines 2, 4;")
    assert '1 line of JSON that is no record of the format (header, report or end line) (line 3; line 3: a report ' \
           'needs "layers"' in said


def test_two_runs_return_the_latest_and_run_picks_another(tmp_path):
    path = tmp_path / "concat.jsonl"
    end = json.dumps({"event": "end", "steps_run": 3}) + "\n"
    path.write_text(HEADER + _report(1, 9.0) + _report(2, 9.0) + _report(3, 9.0) + end
                    + HEADER + _report(1, 0.5) + _report(2, 0.5))
    with pytest.warns(LogWarning, match=r"This log holds 2 runs, one after the other: line 6 begins another run's "
                                        r"log \(a header after the end line on line 5\)\. read_log returns the latest, "
                                        r"run 2 \(from line 6\)"):
        latest = read_log(path)
    assert latest.run == 2 and [r["loss"] for r in latest.reports] == [0.5, 0.5]
    assert [(r["run"], r["began"], r["reports"], r["ended"]) for r in latest.runs] == [(1, 1, 3, True),
                                                                                      (2, 6, 2, False)]
    with warnings.catch_warnings():  # run 1 asked for by its number: no warning that the file holds others (W59)
        warnings.simplefilter("error", LogWarning)
        first = read_log(path, run=1)
    assert any(w.startswith("This log holds 2 runs") for w in first.warnings)  # said in the result all the same
    assert first.run == 1 and [r["loss"] for r in first.reports] == [9.0] * 3 and first.header["layers"] == NAMES
    with pytest.raises(ValueError, match=r"has no run 3: it holds runs 1 to 2"):
        read_log(path, run=3)


def test_two_writers_at_once_are_each_readable(tmp_path):
    path = tmp_path / "shared.jsonl"
    order = [("a", 3), ("a", 4), ("b", 1), ("a", 5), ("b", 2), ("a", 6), ("b", 3)]
    path.write_text(HEADER + "".join(_report(s, 1.0 if w == "a" else 2.0) for w, s in order))
    with pytest.warns(LogWarning, match="2 monitors wrote this log at once"):
        b = read_log(path)
    with pytest.warns(LogWarning):
        a = read_log(path, run=1)
    assert [r["step"] for r in a.reports] == [3, 4, 5, 6] and {r["loss"] for r in a.reports} == {1.0}
    assert [r["step"] for r in b.reports] == [1, 2, 3] and {r["loss"] for r in b.reports} == {2.0}
    with pytest.warns(LogWarning):
        assert read_log(path, run=2) == b  # the latest, asked for by its number


def test_a_warning_can_be_made_an_error_by_a_script(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogWarning)
        with pytest.raises(LogWarning):
            read_log(_odd(tmp_path))


def test_two_monitors_sharing_a_log_by_run_id_warn_only_where_no_run_is_named(tmp_path):
    """W67 walkthrough finding 8: a GAN's two monitors on one log, each line carrying its run's id;
    read_log(path, run=1) warned that two monitors wrote the log at once, which the caller naming the run knows."""
    torch = pytest.importorskip("torch")
    from actlab.torch import Monitor

    path = tmp_path / "gan.jsonl"
    torch.manual_seed(0)
    g, d = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)), \
        torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    with Monitor(d, every=1, log=path, name="discriminator") as md, Monitor(g, every=1, log=path,
                                                                             name="generator") as mg:
        for _ in range(4):
            for mon, model in ((md, d), (mg, g)):
                with mon.step() as s:
                    loss = model(torch.randn(16, 2)).square().mean()
                    loss.backward()
                    s.loss = loss
                model.zero_grad()
    with pytest.warns(LogWarning, match="2 monitors wrote this log at once"):
        latest = read_log(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogWarning)
        first = read_log(path, run=1)
    assert any("monitors wrote this log at once" in w for w in first.warnings)  # in the result all the same
    assert [r["step"] for r in first.reports] == [1, 2, 3, 4] and latest.run == 2
