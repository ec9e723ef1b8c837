"""A run killed outright, read back (issue 17, W72 walkthrough finding 8): a script killed with SIGKILL at training
step 40 of 300 left a log that read_log returned with no warning at all, and `actlab watch` said nothing of it on the
terminal; only runs[...]["ended"] and the page told it. The latest run with no end line, in a file that has not
changed for CUT_QUIET_S seconds, is now said by both; a run still being written, a run that closed its log and an
earlier run of the file are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from conftest import require_torch

torch = require_torch()

from actlab.log_read import unended_words  # noqa: E402
from actlab.log_tail import LogTail  # noqa: E402
from actlab.monitor_log import CUT_QUIET_S, LogWarning, check_log, read_log  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")
SCRIPT = textwrap.dedent("""
    import sys, time
    import torch
    from torch import nn
    import torch.nn.functional as F
    from actlab.torch import Monitor
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    mon = Monitor(model, every=1, log=sys.argv[1])
    for step in range(1, 301):
        with mon.step():
            F.cross_entropy(model(x), y).backward()
        opt.step(); opt.zero_grad()
        if step == 40:
            open(sys.argv[2], "w").close()
            time.sleep(600)
    mon.close()
""")


def _age(path: Path, seconds: float) -> None:
    at = time.time() - seconds
    os.utime(path, (at, at))


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("killed")
    log, flag = folder / "run.jsonl", folder / "at40"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(log), str(flag)], env=env)
    try:
        for _ in range(1200):
            if flag.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert flag.exists(), f"the script did not reach step 40 (exit {proc.poll()})"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return log


def test_a_killed_run_gone_quiet_is_warned_of_by_read_log(killed):
    _age(killed, 200)
    with pytest.warns(LogWarning) as caught:
        header, reports = read = read_log(killed)
    said = " ".join(str(w.message) for w in caught)
    assert ("Run 1 has no end line, and the file has not changed for 3 min since its latest sampled step, training "
            "step 40: unless the run's steps (or its interval between sampled steps) take that long, it stopped "
            "without its monitor closing the log (killed,") in said, said
    assert [r["step"] for r in reports] == list(range(1, 41))  # every report it wrote is read all the same
    assert read.runs[0]["ended"] is False and read.warnings and read.ok


def test_strict_reading_warns_of_it_and_does_not_raise(killed):
    _age(killed, 100)
    with pytest.warns(LogWarning, match="Run 1 has no end line"):
        header, reports = read_log(killed, strict=True)
    assert len(reports) == 40


def test_the_terminal_says_it_as_actlab_watch_starts(killed, capsys):
    from actlab.cli import watch as cli_watch

    _age(killed, 3 * 3600)
    assert cli_watch.check_findings(killed) is None  # a small log: checked before the lab serves it
    out, err = capsys.readouterr()
    assert "warning: Run 1 has no end line, and the file has not changed for 3 h since its latest sampled step, " \
           "training step 40" in " ".join(err.split()), err


def test_a_run_still_being_written_is_not_warned_of(killed):
    _age(killed, CUT_QUIET_S / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogWarning)
        read = read_log(killed)
    assert read.warnings == [] and len(read.reports) == 40


def test_the_words_follow_the_quiet_time_around_the_line(killed):
    tail = check_log(killed)
    mtime = tail.mtime
    assert unended_words(tail, now=mtime + CUT_QUIET_S - 0.5) is None
    assert "has not changed for 30 s" in unended_words(tail, now=mtime + CUT_QUIET_S)
    assert "for 2 min" in unended_words(tail, now=mtime + 125)


def test_a_run_that_closed_its_log_and_an_earlier_run_are_not_warned_of(tmp_path):
    log = tmp_path / "two.jsonl"
    code = textwrap.dedent("""
        import sys, torch
        from torch import nn
        from actlab.torch import Monitor
        torch.set_num_threads(1)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        mon = Monitor(model, every=1, log=sys.argv[1])
        for _ in range(int(sys.argv[2])):
            with mon.step():
                model(torch.randn(16, 4)).pow(2).mean().backward()
        if sys.argv[3] == "close":
            mon.close()
        else:
            import os; os._exit(0)  # leaves no end line, as a kill would
    """)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, "-c", code, str(log), "5", "exit"], env=env, check=True)
    subprocess.run([sys.executable, "-c", code, str(log), "7", "close"], env=env, check=True)
    _age(log, 600)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read = read_log(log)
    assert len(read.runs) == 2 and read.runs[0]["ended"] is False and read.runs[1]["ended"] is True
    assert not any("has no end line" in str(w.message) for w in caught), [str(w.message) for w in caught]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_log(log, run=1)  # run 1 has no end line, but run 2 began after it: the runs' own words say so
    assert not any("has not changed for" in str(w.message) for w in caught)
    assert unended_words(LogTail(log)) is None
