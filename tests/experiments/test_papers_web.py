"""The lab's papers page: the stored table over the API, the quick rerun as a job, and the page itself."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.experiments import papers
from actlab.experiments.reproduction import Reproduction, asserted, shown
from actlab.web.app import create_app
from actlab.web.routes import jobs as job_routes


@pytest.fixture
def client(tmp_path):
    app = create_app(db_path=tmp_path / "progress.sqlite3", max_sessions=3, allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c


def test_stored_table_is_served_with_every_claim_name(client):
    r = client.get("/api/papers")
    assert r.status_code == 200
    data = r.json()
    assert data["names"] == papers.names()
    assert data["stored_only"] == ["hendrycks2016"]
    assert [c["name"] for c in data["claims"]] == [c["name"] for c in papers.stored_table()["claims"]]


def test_papers_page_is_served_and_loads_its_module(client):
    r = client.get("/papers")
    assert r.status_code == 200
    assert "/static/js/papers.js" in r.text and "Rerun the quick versions" in r.text
    assert client.get("/static/js/papers.js").status_code == 200


def test_quick_rerun_is_a_job_kind_that_reports_each_claim(monkeypatch):
    def fake(name, quick=False, seeds=None, on_step=None):
        on_step(1, 2, "half")
        return Reproduction(name, "p", "c", [asserted("k", "w", "", 1.0, "c", True), shown("s", "", "", 2.0)],
                            quick, 1, "m")

    monkeypatch.setattr(job_routes.experiments, "reproduce", fake)
    seen = []

    def step(done, total, message=""):
        seen.append((done, total, message))

    result = job_routes.KINDS["reproduce-quick"].run(step)
    assert [c["name"] for c in result["claims"]] == papers.names()
    assert all(c["quick_verdict"] == "reproduced" and c["quick"]["quick"] for c in result["claims"])
    for c in result["claims"]:  # each beside its stored full run: every stored finding is a row, and counts
        assert {f["key"] for f in papers.stored_table()["claims"][papers.names().index(c["name"])]["findings"]} <= {
            r["key"] for r in c["rows"]}
    n = len(papers.names())
    assert seen[0] == (50, 100 * n, f"{papers.names()[0]}: half")  # progress across all claims, in hundredths
    assert job_routes.KINDS["reproduce-quick"].limit == 1  # one quick rerun at a time: it takes a minute or more
