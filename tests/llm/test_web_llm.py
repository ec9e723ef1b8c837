"""Section 4's panel over HTTP: the shipped figures with no model loaded, and a learner's sentence as a job."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from actlab.llm import measure  # noqa: E402
from actlab.web.app import create_app  # noqa: E402


@pytest.fixture
def client(tmp_path):
    app = create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c


def finished(client, job: dict, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job


def test_figures_are_served_without_loading_a_model(client, monkeypatch):
    monkeypatch.setattr(measure, "HELD", measure._Held())
    res = client.get("/api/llm/figures")
    assert res.status_code == 200
    assert len(res.json()["smollm2"]["layers"]) == 30
    assert measure.HELD.name is None


def test_a_learners_sentence_runs_as_a_job(client, tiny_as_smollm2):
    started = client.post("/api/jobs", json={"kind": "llm-sentence", "text": "the cat in the hat"})
    assert started.status_code == 202
    job = finished(client, started.json())
    assert job["state"] == "done", job
    result = job["result"]
    assert [layer["layer"] for layer in result["layers"]] == ["0", "1"]
    assert set(result["histogram"]["layers"]) == {"0", "1"} and result["perplexity"] > 1


def test_a_sentence_over_64_tokens_fails_with_the_limit(client, tiny_as_smollm2):
    job = finished(client, client.post("/api/jobs", json={"kind": "llm-sentence", "text": "the " * 70}).json())
    assert job["state"] == "failed" and "64" in job["status"]


def test_the_sentence_job_needs_a_text(client):
    res = client.post("/api/jobs", json={"kind": "llm-sentence"})
    assert res.status_code == 422 and "text" in res.text


def test_other_jobs_take_no_text(client):
    res = client.post("/api/jobs", json={"kind": "dying-relu", "text": "hello"})
    assert res.status_code == 422 and "takes no text" in res.text


def test_a_text_over_1000_characters_is_refused_before_it_queues(client):
    res = client.post("/api/jobs", json={"kind": "llm-sentence", "text": "a" * 1001})
    assert res.status_code == 422
