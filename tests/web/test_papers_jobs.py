"""The papers' quick rerun as a job: every request after the last one finished runs again (nothing kept), a request
while one is under way joins it, the runs under way can be listed, and each job carries its own clock."""

from __future__ import annotations

import threading
import time

from actlab.web.jobs import JobRunner, Kind
from actlab.web.routes import jobs as job_routes


def wait_for(predicate, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class Counting:
    def __init__(self):
        self.calls = 0
        self.release = threading.Event()
        self.release.set()

    def __call__(self, step):
        self.calls += 1
        step(0, 1, "working")
        self.release.wait(5)
        return {"call": self.calls}


def test_the_papers_rerun_is_never_kept():
    assert job_routes.KINDS["reproduce-quick"].keep is False
    assert job_routes.KINDS["dying-relu"].keep is True  # a fixed demo may still be kept


def test_a_kind_not_kept_runs_again_when_asked_again():
    work = Counting()
    runner = JobRunner({"rerun": Kind(work, keep=False)})
    first = runner.submit("rerun")
    wait_for(lambda: first.state == "done")
    second = runner.submit("rerun")
    assert second.id != first.id and second.state in ("queued", "running")
    wait_for(lambda: second.state == "done")
    assert work.calls == 2 and second.result == {"call": 2}
    assert runner.describe(second)["kept"] is False


def test_a_kept_kind_says_its_result_is_an_earlier_runs_with_that_runs_times():
    work = Counting()
    runner = JobRunner({"demo": Kind(work)})
    first = runner.submit("demo")
    wait_for(lambda: first.state == "done")
    again = runner.describe(runner.submit("demo"))
    assert work.calls == 1 and again["kept"] is True
    assert again["started_at"] == runner.describe(first)["started_at"]  # the earlier run's time, not now


def test_a_request_while_one_runs_joins_it_and_the_run_is_listed_with_its_own_clock(client):
    work = Counting()
    work.release.clear()
    runner = client.app.state.jobs
    runner.kinds = {**runner.kinds, "reproduce-quick": Kind(work, limit=1, keep=False)}
    try:
        first = client.post("/api/jobs", json={"kind": "reproduce-quick"}).json()
        wait_for(lambda: runner.get(first["id"]).state == "running")
        time.sleep(1.1)
        joined = client.post("/api/jobs", json={"kind": "reproduce-quick", "learner": "another"}).json()
        assert joined["id"] == first["id"] and work.calls == 1
        listed = client.get("/api/jobs/under-way", params={"kind": "reproduce-quick"}).json()["jobs"]
        assert [j["id"] for j in listed] == [first["id"]]
        assert listed[0]["seconds"] >= 1.0 and listed[0]["started_at"].endswith("Z")
        assert listed[0]["finished_at"] is None
    finally:
        work.release.set()
    wait_for(lambda: runner.get(first["id"]).state == "done")
    assert client.get("/api/jobs/under-way", params={"kind": "reproduce-quick"}).json() == {"jobs": []}
    done = client.get(f"/api/jobs/{first['id']}").json()
    assert done["finished_at"] is not None and done["seconds"] >= 1.0


def test_listing_an_unknown_kind_names_the_allowed_ones(client):
    answer = client.get("/api/jobs/under-way", params={"kind": "nope"})
    assert answer.status_code == 422
    assert "kind: unknown job 'nope'" in answer.json()["detail"] and "reproduce-quick" in answer.json()["detail"]
