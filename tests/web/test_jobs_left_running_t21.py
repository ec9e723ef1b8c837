"""A job an earlier test left running in the lab the browser tests share does not queue the next test's job (t21).

A full CI run failed test_a_page_reloaded_mid_run_shows_the_run_and_counts_from_its_start: its faked papers run had
not started 90 s after the click. That lab runs one job at a time, and until now each test got the runner the tests
before it had used. Reproduced at load 9: the dead-unit demo's job ran 128 s, its test gave up at 60 s, and the next
papers test's job waited 34 s behind it. Now each test gets a runner of its own (conftest.fresh_jobs), and the one
before it is shut down, its running job told to stop at its next step. The references: the jobs' own states."""

from __future__ import annotations

import threading

from actlab.web.jobs import JobRunner, Kind
from conftest import fresh_jobs
from web.test_slots import soon


def _held(release: threading.Event, started: threading.Event):
    """A job that steps until it is released (or cancelled, which its step raises)."""

    def run(step):
        started.set()
        while not release.wait(0.02):
            step(0, 1, "held")
        return {"released": True}

    return run


def test_a_running_job_stops_at_its_next_step_when_its_runner_shuts_down():
    release, started = threading.Event(), threading.Event()
    runner = JobRunner({"held": Kind(_held(release, started))})
    job = runner.submit("held")
    assert started.wait(10)
    runner.shutdown()
    try:
        assert soon(lambda: job.state != "running", 10), job.state  # it kept running: the one worker stayed taken
        assert job.state == "cancelled" and job.message == "cancelled while it ran"
    finally:
        release.set()


def test_a_job_an_earlier_test_left_running_does_not_queue_the_next_tests(_live_lab, monkeypatch):
    _, app = _live_lab
    release, started = threading.Event(), threading.Event()
    monkeypatch.setitem(app.state.jobs.kinds, "held", Kind(_held(release, started)))
    monkeypatch.setitem(app.state.jobs.kinds, "quick", Kind(lambda step: {"ran": True}))
    try:
        left = app.state.jobs.submit("held")  # an earlier test's job, left running when that test ended
        assert started.wait(10)
        fresh_jobs(app)  # what live_server does before each test
        job = app.state.jobs.submit("quick")
        assert soon(lambda: job.state == "done", 10), job.state  # queued behind the held job, it never started
        assert job.result == {"ran": True}
        assert soon(lambda: left.state == "cancelled", 10), left.state  # and the held one let the CPU go
    finally:
        release.set()
