"""A new rejoin code signs out every device that joined as the learner (issue 16, brief C7 item 5). A learner whose
code leaked stayed exposed: whoever had rejoined with the old code kept working as them after the teacher made a
new one. Now a learner's cookie carries a session version kept in the store; a new code (the teacher's API, or
`actlab class rejoin-code`) moves it on, so every worker refuses the old cookies at once, after a restart too, and
the learner's pages are told why. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.deps import LEARNER_COOKIE, sign
from cli._class_cli import run
from databases import BACKENDS, database

SIGNED_OUT = "Your teacher gave you a new rejoin code, so this browser was signed out"


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        yield location, klass, token


def _app(location):
    return create_app(db_path=location, allow_hosts=("testserver",))


def _join(client: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return client.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def _signed_out(client: TestClient) -> None:
    for res in (client.get("/api/progress"),
                client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]})):
        assert res.status_code == 401, res.text
        assert res.json()["detail"].startswith(SIGNED_OUT) and "Ana" in res.json()["detail"]
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws/playground") as ws:
        ws.receive_text()
    assert closed.value.code == 1008
    assert closed.value.reason == "Your teacher gave you a new rejoin code: join again at /join with it."
    page = client.get("/join")
    assert page.status_code == 200 and SIGNED_OUT in page.text


def test_a_new_rejoin_code_signs_out_both_devices_even_after_a_restart(lab):
    location, klass, token = lab
    app = _app(location)
    ana, other = TestClient(app), TestClient(app)  # Ana's laptop, and someone who saw her code
    first = _join(ana, klass.code, "Ana").json()["rejoin_code"]
    assert _join(other, klass.code, "ana", first).status_code == 200
    for device in (ana, other):
        assert device.get("/api/progress").status_code == 200
    teacher = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    res = teacher.post("/api/class/teacher/rejoin-code", json={"learner": "Ana"})
    assert res.status_code == 200, res.text
    second = res.json()["rejoin_code"]
    for device in (ana, other):
        _signed_out(device)
    # the lab restarted (a new app on the same store): the old cookies stay refused
    restarted = _app(location)
    ana, other = (TestClient(restarted, cookies={LEARNER_COOKIE: d.cookies[LEARNER_COOKIE]}) for d in (ana, other))
    _signed_out(ana)
    _signed_out(other)
    assert _join(other, klass.code, "Ana", first).status_code == 403  # the old code opens nothing
    assert _join(ana, klass.code, "Ana", second).status_code == 200
    assert ana.get("/api/progress").status_code == 200  # Ana is back, with the new code
    assert ana.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}).status_code == 200
    _signed_out(other)


def test_the_command_line_code_signs_out_too_and_an_older_cookie_still_works_until_then(lab):
    location, klass, _ = lab
    app = _app(location)
    ana = TestClient(app)
    assert _join(ana, klass.code, "Ana").status_code == 200
    # a cookie made before cookies carried a version ("l.ID.CLASS.mac") reads as the first version
    learner = Store(location).learner(klass.id, "Ana")
    older = TestClient(app, cookies={LEARNER_COOKIE: sign(app.state.signing_key, "l", learner.id, str(klass.id))})
    assert older.get("/api/progress").status_code == 200
    res = run("class", "rejoin-code", "physics 2a", "Ana", "--db", str(location))
    assert res.exit_code == 0 and "is signed out" in res.stdout, res.output
    _signed_out(ana)
    _signed_out(older)


def test_someone_elses_new_code_leaves_a_learner_in(lab):
    location, klass, token = lab
    app = _app(location)
    ana, bob = TestClient(app), TestClient(app)
    assert _join(ana, klass.code, "Ana").status_code == 200
    assert _join(bob, klass.code, "Bob").status_code == 200
    teacher = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert teacher.post("/api/class/teacher/rejoin-code", json={"learner": "Bob"}).status_code == 200
    assert ana.get("/api/progress").status_code == 200
    assert bob.get("/api/progress").status_code == 401
