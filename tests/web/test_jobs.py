"""Long work as jobs: a bounded queue with positions, limits per kind and per learner, progress, cancel, one cache."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from actlab.web.app import create_app
from actlab.web.jobs import Busy, JobRunner, Kind


class Gate:
    """A job function that reports steps and waits for the test to let it finish."""

    def __init__(self, steps: int = 3):
        self.steps = steps
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls = 0

    def __call__(self, step, **params):
        self.calls += 1
        self.started.set()
        for i in range(self.steps):
            step(i, self.steps, f"step {i + 1}")
            self.release.wait(5)
        step(self.steps, self.steps, "finishing")
        return {"answer": 42, **params}


def wait_for(predicate, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def gate():
    g = Gate()
    yield g
    g.release.set()


def test_queued_jobs_know_their_place_and_the_one_past_the_queue_is_told_busy(gate):
    runner = JobRunner({"slow": Kind(gate)}, max_queued=3, per_owner=10)
    first = runner.submit("slow", n=0)
    wait_for(gate.started.is_set)
    queued = [runner.submit("slow", n=i) for i in range(1, 4)]
    assert [runner.describe(j)["status"] for j in queued] == ["queued, position 1", "queued, position 2",
                                                               "queued, position 3"]
    with pytest.raises(Busy) as busy:
        runner.submit("slow", n=99)
    assert busy.value.status == 503 and busy.value.message.startswith("busy: 3 jobs are already waiting")
    assert runner.describe(first)["status"].startswith("running: ")
    gate.release.set()
    wait_for(lambda: all(j.state == "done" for j in queued))
    assert runner.describe(queued[-1])["result"] == {"answer": 42, "n": 3}


def test_each_learner_and_each_kind_has_a_limit(gate):
    runner = JobRunner({"slow": Kind(gate, limit=3)}, per_owner=2)
    runner.submit("slow", owner="ana", n=1)
    runner.submit("slow", owner="ana", n=2)
    with pytest.raises(Busy) as mine:
        runner.submit("slow", owner="ana", n=3)
    assert mine.value.status == 429
    runner.submit("slow", owner="ben", n=4)
    with pytest.raises(Busy) as kind:
        runner.submit("slow", owner="cy", n=5)
    assert kind.value.status == 503 and "3 slow jobs" in kind.value.message


def test_the_same_work_is_one_job_and_its_result_is_kept(gate):
    runner = JobRunner({"slow": Kind(gate)})
    a, b = runner.submit("slow", owner="ana"), runner.submit("slow", owner="ben")
    assert a is b
    gate.release.set()
    wait_for(lambda: a.state == "done")
    again = runner.submit("slow")
    assert again.state == "done" and again.result == {"answer": 42} and gate.calls == 1


def test_a_queued_job_is_cancelled_at_once_and_a_running_one_at_its_next_step(gate):
    runner = JobRunner({"slow": Kind(gate)}, per_owner=10)
    running = runner.submit("slow", n=1)
    wait_for(gate.started.is_set)
    waiting = runner.submit("slow", n=2)
    assert runner.cancel(waiting.id).state == "cancelled"
    runner.cancel(running.id)
    assert runner.describe(running)["status"] == "cancelling"
    gate.release.set()
    wait_for(lambda: running.state == "cancelled")
    assert gate.calls == 1  # the cancelled queued job never ran


def test_a_failing_job_says_so_without_python_internals():
    def broken(step):
        step(0, 1)
        return {}["missing"]

    runner = JobRunner({"broken": Kind(broken)})
    job = runner.submit("broken")
    wait_for(lambda: not job.active)
    assert runner.describe(job)["status"] == "failed: an error inside the job (KeyError)"


def test_the_api_answers_at_once_while_the_job_runs(tmp_path, gate):
    runner = JobRunner({"dying-relu": Kind(gate)})
    app = create_app(db_path=tmp_path / "p.sqlite3", job_runner=runner, allow_hosts=("testserver",))
    with TestClient(app) as client:
        started = client.post("/api/jobs", json={"kind": "dying-relu"})
        assert started.status_code == 202
        job_id = started.json()["id"]
        wait_for(gate.started.is_set)
        progress = client.get(f"/api/jobs/{job_id}").json()
        assert progress["state"] == "running" and progress["total"] == 3
        gate.release.set()
        wait_for(lambda: client.get(f"/api/jobs/{job_id}").json()["state"] == "done")
        assert client.get(f"/api/jobs/{job_id}").json()["result"] == {"answer": 42}
        assert client.get("/api/jobs/nope").status_code == 404
        assert client.post("/api/jobs/nope/cancel").status_code == 404
        assert client.post("/api/jobs", json={"kind": "mine"}).status_code == 422


def test_the_dead_unit_demo_is_a_job_with_six_steps():
    from actlab.web.routes.jobs import KINDS

    seen = []

    def step(done, total, message=""):
        seen.append((done, total))
        raise RuntimeError("stop after the first step")  # the test only needs to see the first report

    with pytest.raises(RuntimeError):
        KINDS["dying-relu"].run(step)
    assert seen == [(0, 6)]


def test_with_the_lab_defaults_the_31st_request_is_told_busy(gate):
    runner = JobRunner({"slow": Kind(gate)})  # the lab's own limits
    jobs = [runner.submit("slow", owner=f"learner{i}", n=i) for i in range(30)]
    wait_for(gate.started.is_set)
    assert runner.describe(jobs[-1])["status"] == "queued, position 29"
    with pytest.raises(Busy) as busy:
        runner.submit("slow", owner="learner30", n=30)
    assert busy.value.status == 503 and busy.value.message.startswith("busy:")
