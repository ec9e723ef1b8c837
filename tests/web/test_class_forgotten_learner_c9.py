"""A forgotten learner is told what happened (issue 16, brief C9 item 4, teacher walkthrough W8). After `actlab
class forget`, the learner's open page got "join the class first (/join) or log in as its teacher", and rejoining
with the old code "nobody named 'Ben' has joined this class". Now the page (API, join page, playground socket) says
the teacher removed their name and answers and that they can join again as a new learner, and so does the old
rejoin code. The store keeps only the forgotten learner's id, class and the salted hash of their random rejoin
code: never their name. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.routes.classroom import FORGOTTEN_NOTE, FORGOTTEN_REASON
from cli._class_cli import run
from databases import BACKENDS, database

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(params=BACKENDS)
def forgotten(request, tmp_path):
    """(location, class, Ben's client, Ben's old rejoin code): Ben joined and answered, then was forgotten."""
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        app = create_app(db_path=location, allow_hosts=("testserver",))
        ben = TestClient(app, base_url="http://testserver")
        code = ben.post("/api/class/join", json={"code": klass.code, "name": "Ben"}).json()["rejoin_code"]
        assert ben.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers=ORIGIN).status_code == 200
        res = run("class", "forget", "physics 2a", "ben", "--yes", "--db", str(location))
        assert res.exit_code == 0, res.output
        yield location, klass, ben, code


def test_the_open_page_of_a_forgotten_learner_is_told_so(forgotten):
    location, klass, ben, _ = forgotten
    for res in (ben.get("/api/progress"), ben.post("/api/exercises/ex5/check", json={"answers": ["0.25"]},
                                                   headers=ORIGIN)):
        assert res.status_code == 401 and res.json()["detail"] == FORGOTTEN_NOTE, res.text
    assert FORGOTTEN_NOTE.startswith("Your teacher removed your name and your answers from this class")
    assert "join the class again as a new learner" in FORGOTTEN_NOTE
    page = ben.get("/join")
    assert page.status_code == 200 and "Your teacher removed your name and your answers" in page.text
    with pytest.raises(WebSocketDisconnect) as closed, ben.websocket_connect("/ws/playground") as ws:
        ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (1008, FORGOTTEN_REASON)
    # nothing with the name is kept
    store = Store(location)
    assert store.learners(klass.id) == [] and store.attempts("Ben", class_id=klass.id) == []
    assert all("Ben" not in str(row) for row in store.db.execute("SELECT * FROM forgotten_learners"))


def test_the_old_rejoin_code_says_so_and_the_name_joins_anew(forgotten):
    location, klass, _, code = forgotten
    fresh = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    res = fresh.post("/api/class/join", json={"code": klass.code, "name": "Ben", "rejoin_code": code})
    assert res.status_code == 422
    assert res.json()["detail"] == ("rejoin_code: your teacher removed the learner this rejoin code belonged to from "
                                    "the class, with their name and answers, so the code no longer works: leave the "
                                    "rejoin code empty to join again as a new learner")
    res = fresh.post("/api/class/join", json={"code": klass.code, "name": "Ben"})
    assert res.status_code == 200 and res.json()["rejoin_code"]
    assert fresh.get("/api/progress").status_code == 200
    assert fresh.post("/api/class/join", json={"code": klass.code, "name": "Ben", "rejoin_code": code}).status_code \
        == 403  # the name is the new Ben's now: the old code is simply not his
