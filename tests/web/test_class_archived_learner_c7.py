"""An archived class, server side (issue 16, brief C7 item 6). A learner of the class whose page is still open got
"join the class first" on every API call and a bare refusal on the playground socket, though they had joined. Now
every API call answers 409 with what happened (the class was archived by its teacher; answers are kept and the
teacher can still read them; no new answers), and the playground socket is accepted and closed with code 1008 and
that reason. The class's teacher, whose playground socket was refused without a word too, gets 1008 with a reason
that says the class is archived and where to read it (the playground runs nothing for an archived class: it is read
only), while the teacher's reads still answer. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.routes.classroom import ARCHIVED_REASON, ARCHIVED_TEACHER_REASON
from databases import BACKENDS, database

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(params=BACKENDS)
def archived(request, tmp_path):
    """(location, class, token, Nia's client, the teacher's client): Nia joined and answered, then the class was
    archived."""
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        app = create_app(db_path=location, allow_hosts=("testserver",))
        nia = TestClient(app, base_url="http://testserver")
        assert nia.post("/api/class/join", json={"code": klass.code, "name": "Nia"}).status_code == 200
        assert nia.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers=ORIGIN).status_code == 200
        teacher = TestClient(app, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"})
        Store(location).set_archived(klass.id)
        yield location, klass, nia, teacher


def _closed_with(client: TestClient) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws/playground") as ws:
        ws.receive_text()
    return closed.value.code, closed.value.reason


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/progress", None),
    ("post", "/api/exercises/ex5/check", {"answers": ["0.25"]}),
    ("post", "/api/exercises/ex5/hint", {}),
    ("post", "/api/exercises/ex5/solution", {}),
    ("get", "/api/class/playground", None),
])
def test_a_learner_of_an_archived_class_is_told_so_on_every_call(archived, method, path, body):
    location, klass, nia, _ = archived
    res = getattr(nia, method)(path, **({"json": body, "headers": ORIGIN} if method == "post" else {}))
    assert res.status_code == 409, res.text
    detail = res.json()["detail"]
    assert detail.startswith("Your class, physics 2a, was archived by its teacher: your answers are kept")
    assert "join the class first" not in detail
    store = Store(location)
    assert len(store.attempts("Nia", class_id=klass.id)) == 1 and store.events(klass.id) == []  # nothing new


def test_the_playground_socket_of_an_archived_class_is_closed_with_the_reason(archived):
    _, _, nia, teacher = archived
    assert _closed_with(nia) == (1008, ARCHIVED_REASON)
    assert _closed_with(teacher) == (1008, ARCHIVED_TEACHER_REASON)
    assert teacher.get("/api/class/teacher/learners").status_code == 200  # the teacher still reads the class


def test_a_stranger_is_still_told_to_join(archived):
    location, _, _, _ = archived
    stranger = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    res = stranger.get("/api/progress")
    assert res.status_code == 401 and "join the class first" in res.json()["detail"]
    with pytest.raises(WebSocketDisconnect) as closed, stranger.websocket_connect("/ws/playground") as ws:
        ws.receive_text()
    assert closed.value.code == 1008 and not closed.value.reason  # refused before the handshake, as before
