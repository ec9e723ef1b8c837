"""A learner who lost their rejoin code gets a new one from the teacher: `actlab class rejoin-code CLASS NAME` (store
access) or the teacher's API (the token). The new code is shown once and rejoins; the old one stops working; a
learner's cookie cannot ask for one (issue 16, brief C item 2). Both store backends."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store, WrongRejoinCode
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    """(store location, class, teacher token, Ana's rejoin code)."""
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, token = store.create_class("physics 2a")
        _, code = store.join(klass.id, "Ana")
        store.join(klass.id, "Bob")
        yield location, klass, token, code


def client_for(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)))


def rejoin(c: TestClient, klass, name: str, code: str):
    return c.post("/api/class/join", json={"code": klass.code, "name": name, "rejoin_code": code})


def test_the_command_prints_a_new_code_once_and_the_old_one_stops_working(lab):
    location, klass, _, old = lab
    res = run("class", "rejoin-code", "physics 2a", "ana", "--db", location)  # the name in any case
    assert res.exit_code == 0, res.output
    new = res.stdout.split("new rejoin code for Ana in physics 2a: ")[1].split()[0]
    assert len(new) == 6 and new != old
    assert "shown only now" in res.stdout and "old code no longer works" in res.stdout and klass.code in res.stdout
    store = Store(location)
    with pytest.raises(WrongRejoinCode):
        store.join(klass.id, "Ana", old)
    learner, again = store.join(klass.id, "Ana", new.lower())  # typed as a learner types it
    assert learner.name == "Ana" and again is None
    assert [r.name for r in store.learners(klass.id)] == ["Ana", "Bob"]  # nobody added or lost


def test_the_command_answers_json(lab):
    location, klass, _, _ = lab
    res = run("class", "rejoin-code", klass.code, "Bob", "--db", location, "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["class"] == "physics 2a" and body["learner"] == "Bob"
    assert Store(location).join(klass.id, "Bob", body["rejoin_code"])[0].name == "Bob"


def test_the_command_names_the_learners_when_the_name_is_unknown(lab):
    location, klass, _, old = lab
    res = run("class", "rejoin-code", "physics 2a", "Zed", "--db", location)
    assert res.exit_code == 2 and "no learner named 'Zed' in physics 2a; its learners: Ana, Bob" in res.stderr
    assert Store(location).join(klass.id, "Ana", old)[0].name == "Ana"  # nothing changed


def test_the_teacher_gets_a_new_code_from_the_api_and_it_rejoins(lab):
    location, klass, token, old = lab
    teacher = client_for(location)
    res = teacher.post("/api/class/teacher/rejoin-code", json={"learner": "ANA"},
                       headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["learner"] == "Ana" and body["rejoin_code"] != old
    assert rejoin(client_for(location), klass, "Ana", old).status_code == 403
    res = rejoin(client_for(location), klass, "Ana", body["rejoin_code"])
    assert res.status_code == 200 and res.json()["learner"] == "Ana"


def test_an_unknown_name_is_404_with_words(lab):
    location, _, token, _ = lab
    res = client_for(location).post("/api/class/teacher/rejoin-code", json={"learner": "Zed"},
                                    headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 404 and "nobody named 'Zed' has joined this class" in res.json()["detail"]


def test_a_learner_or_a_stranger_cannot_reissue_a_code(lab):
    location, klass, _, old = lab
    stranger = client_for(location)
    assert stranger.post("/api/class/teacher/rejoin-code", json={"learner": "Ana"}).status_code == 401
    bob = client_for(location)
    assert bob.post("/api/class/join", json={"code": klass.code, "name": "Cleo"}).status_code == 200
    assert bob.post("/api/class/teacher/rejoin-code", json={"learner": "Ana"}).status_code == 401
    assert bob.post("/api/class/teacher/rejoin-code", json={"learner": "Ana"},
                    headers={"Authorization": "Bearer not-the-token"}).status_code == 401
    assert rejoin(client_for(location), klass, "Ana", old).status_code == 200  # Ana's code is untouched
