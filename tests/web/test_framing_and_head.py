"""No lab page may be framed (a framed page's own buttons write with the lab's Origin), and pages answer HEAD."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.web.app import create_app

PAGES = ["/lesson", "/playground", "/papers", "/watch", "/docs"]


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))) as c:
        yield c


@pytest.mark.parametrize("path", [*PAGES, "/api/options", "/api/exercises", "/static/js/main.js"])
def test_every_answer_forbids_framing(client, path):
    res = client.get(path)
    assert res.status_code == 200, res.text
    assert res.headers["x-frame-options"] == "DENY"
    assert res.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert res.headers["x-content-type-options"] == "nosniff"  # an API loaded by a foreign <script> is not run


def test_refused_and_failed_answers_forbid_framing_too(client):
    refused = client.post("/api/exercises/ex2/check", json={"answers": []}, headers={"Origin": "http://evil.test"})
    assert refused.status_code == 403 and refused.headers["x-frame-options"] == "DENY"
    assert refused.headers["x-content-type-options"] == "nosniff"
    missing = client.get("/api/jobs/nope")
    assert missing.status_code == 404 and missing.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_head_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
