"""An archived class stays readable by its teacher (issue 16, brief C2 item 2): the login form takes the token of
an archived class, the teacher's page and the exports answer (cookie or Bearer token), and every write is refused
with a 409 that says the class is archived. A learner of the class sent to /join is told the class is closed.
Both store backends."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def archived(request, tmp_path):
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, token = store.create_class("physics 2a")
        yield location, klass, token


def client(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")


def _csrf(c: TestClient, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(path).text).group(1)


def test_the_teacher_of_an_archived_class_logs_in_reads_and_exports_but_changes_nothing(archived):
    location, klass, token = archived
    learner = client(location)
    assert learner.post("/api/class/join", json={"code": klass.code, "name": "Nia"}).status_code == 200
    Store(location).set_archived(klass.id)

    bearer = client(location)
    bearer.headers["Authorization"] = f"Bearer {token}"
    res = bearer.get("/api/class/teacher/export.csv")
    assert res.status_code == 200 and "Nia" in res.text
    view = bearer.get("/api/class/teacher/learners").json()
    assert view["archived"] is True and [r["learner"] for r in view["rows"]] == ["Nia"]
    assert bearer.get("/api/class/teacher/attempts?format=json").status_code == 200
    for method, path, body in (("put", "/api/class/teacher/playground", {"config": {"lr": 0.1}, "pinned": []}),
                               ("post", "/api/class/teacher/rejoin-code", {"learner": "Nia"})):
        res = getattr(bearer, method)(path, json=body, headers={"Origin": "http://testserver"})
        assert res.status_code == 409, (path, res.text)
        assert "archived" in res.json()["detail"] and "export" in res.json()["detail"]
    assert Store(location).class_playground(klass.id) is None

    browser = client(location)
    res = browser.post("/teacher/login", data={"token": token, "csrf": _csrf(browser, "/teacher/login")},
                       headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/teacher", res.text
    assert browser.get("/teacher").status_code == 200
    assert browser.get("/api/class/teacher/export.csv").status_code == 200
    assert browser.get("/api/class/me").json()["teacher"] is True


def test_a_wrong_token_is_still_refused_and_a_learner_of_the_archived_class_is_told_it_is_closed(archived):
    location, klass, token = archived
    learner = client(location)
    assert learner.post("/api/class/join", json={"code": klass.code, "name": "Nia"}).status_code == 200
    Store(location).set_archived(klass.id)
    other = client(location)
    res = other.post("/teacher/login", data={"token": "not-the-token", "csrf": _csrf(other, "/teacher/login")},
                     headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert res.status_code == 401 and "not the teacher token" in res.text
    assert other.get("/api/class/teacher/export.csv").status_code == 401
    res = learner.get("/lesson", follow_redirects=True)
    assert res.url.path == "/join"
    assert "Your class, physics 2a, is closed" in res.text
    assert "is closed" not in client(location).get("/join").text  # a stranger sees the plain form
    res = learner.post("/api/exercises/1/check", json={"answer": "relu"}, headers={"Origin": "http://testserver"})
    assert res.status_code == 409 and "was archived by its teacher" in res.json()["detail"]  # C7 item 6: not 401
