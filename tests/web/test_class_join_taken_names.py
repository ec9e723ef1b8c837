"""A taken display name is not a failed join (issue 16, brief C item 3): a learner who tries name after name in a
class of 30 is answered 409 each time and never locked out, and the address can still rejoin with a rejoin code,
which is held to the limit; wrong class codes still count. Both store backends; every TestClient comes from one
address, as a NAT'd classroom does, and nobody has joined from it before, so the limit applies to it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.routes.classroom import FAILURES_PER_MINUTE
from databases import BACKENDS, database

TAKEN = [f"Learner {i}" for i in range(30)]


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    """(store location, class, the rejoin codes of 30 learners who joined from elsewhere)."""
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, _ = store.create_class("physics 2a")
        codes = {name: store.join(klass.id, name)[1] for name in TAKEN}
        yield location, klass, codes


def client_for(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)))


def join(c: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return c.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def test_trying_taken_names_never_locks_a_learner_out(lab):
    location, klass, _ = lab
    c = client_for(location)
    tries = [join(c, klass.code, name) for name in TAKEN[:2 * FAILURES_PER_MINUTE]]
    assert [r.status_code for r in tries] == [409] * (2 * FAILURES_PER_MINUTE)
    assert "is taken in this class" in tries[-1].json()["detail"]
    assert Store(location).recent_failures("join", "testclient", 60) == []  # nothing counted
    res = join(c, klass.code, "Learner 31")
    assert res.status_code == 200, res.text


def test_a_learner_rejoins_with_their_code_after_classmates_tried_taken_names(lab):
    location, klass, codes = lab
    c = client_for(location)
    for name in TAKEN[:FAILURES_PER_MINUTE + 2]:
        join(c, klass.code, name)
    res = join(c, klass.code, "Learner 0", codes["Learner 0"])
    assert res.status_code == 200 and res.json()["learner"] == "Learner 0", res.text


def test_wrong_class_codes_still_count(lab):
    location, klass, _ = lab
    c = client_for(location)
    wrong = [w * 6 for w in "ABCDEFGHJKMNPQ" if w * 6 != klass.code][:FAILURES_PER_MINUTE]
    assert [join(c, code, "x").status_code for code in wrong] == [404] * FAILURES_PER_MINUTE
    assert join(c, klass.code, "Learner 31").status_code == 429  # nobody here has joined with it yet


def test_wrong_rejoin_codes_still_count(lab):
    location, klass, codes = lab
    c = client_for(location)
    wrong = [w * 6 for w in "ABCDEFGHJKMNPQ" if w * 6 != codes["Learner 0"]][:FAILURES_PER_MINUTE]
    assert [join(c, klass.code, "Learner 0", code).status_code for code in wrong] == [403] * FAILURES_PER_MINUTE
    assert join(c, klass.code, "Learner 0", codes["Learner 0"]).status_code == 429
