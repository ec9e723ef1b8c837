"""Class mode through the API: joining, the teacher's token, who may read what, exports, on both backends."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database

EX2_RIGHT = ["1.05e-14", "9.54e-7"]
EX2_SLIP = ["0.2^19", "9.54e-7"]


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    """A class-mode lab on each backend: (location, class record, teacher token)."""
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        yield location, klass, token


def client_for(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)))


def joined(location, code: str, name: str) -> TestClient:
    c = client_for(location)
    res = c.post("/api/class/join", json={"code": code, "name": name})
    assert res.status_code == 200, res.text
    return c


def test_three_learners_answer_and_the_teacher_sees_them_by_learner(lab):
    location, klass, token = lab
    ana, bob, cy = (joined(location, klass.code, n) for n in ("Ana", "Bob", "Cy"))
    for c, answers in ((ana, EX2_SLIP), (ana, EX2_RIGHT), (bob, EX2_SLIP), (bob, EX2_SLIP), (bob, EX2_RIGHT),
                       (cy, EX2_SLIP)):
        assert c.post("/api/exercises/ex2/check", json={"answers": answers, "learner": "learner"}).status_code == 200
    assert cy.post("/api/exercises/ex2/solution", json={"learner": "learner"}).status_code == 200
    teacher = client_for(location)
    teacher.headers["Authorization"] = f"Bearer {token}"
    view = teacher.get("/api/class/teacher/learners").json()
    (ex2,) = [s for s in view["summary"] if s["exercise"] == "ex2"]
    assert (ex2["solved"], ex2["learners"], ex2["attempts"]) == (2, 3, 6) and ex2["solution_learners"] == 1
    assert next(f for f in ex2["common_feedback"] if "19 factors" in f["feedback"])["count"] == 3
    cells = {r["learner"]: r["exercises"]["ex2"] for r in view["rows"]}
    assert [cells[n]["status"] for n in ("Ana", "Bob", "Cy")] == ["correct", "correct", "partly_correct"]
    assert cells["Bob"]["attempts"] == 3 and cells["Cy"]["solution_before_solving"]
    rows = list(csv.DictReader(io.StringIO(teacher.get("/api/class/teacher/export.csv").text)))
    assert [(r["learner"], r["ex2"], r["ex2_solution_seen"]) for r in rows] == [
        ("Ana", "solved", "0"), ("Bob", "solved", "0"), ("Cy", "partly", "1")]  # the teacher page's words
    assert teacher.get("/api/class-summary").json() == view["summary"]


@pytest.mark.parametrize("path", ["/teacher", "/api/class-summary", "/api/class/teacher/learners",
                                  "/api/class/teacher/export.csv", "/api/class/teacher/attempts"])
def test_the_teachers_data_is_401_without_the_token_even_for_a_learner(lab, path):
    location, klass, token = lab
    assert client_for(location).get(path).status_code == 401
    assert joined(location, klass.code, "Ana").get(path).status_code == 401
    assert client_for(location).get(path, headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client_for(location).get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_learner_reads_only_their_own_progress(lab):
    location, klass, _ = lab
    ana, bob = joined(location, klass.code, "Ana"), joined(location, klass.code, "Bob")
    ana.post("/api/exercises/ex5/check", json={"answers": ["0.25"], "learner": "Bob"})  # a name in the body is ignored
    assert bob.get("/api/progress", params={"learner": "Ana"}).json() == []
    (row,) = ana.get("/api/progress", params={"learner": "Bob"}).json()
    assert row["exercise"] == "ex5" and row["best_status"] == "correct"


def test_without_joining_pages_send_to_join_and_apis_and_sockets_refuse(lab):
    location, _, _ = lab
    c = client_for(location)
    res = c.get("/lesson", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/join"
    assert c.post("/api/exercises/ex5/check", json={"answers": ["0.25"], "learner": "x"}).status_code == 401
    assert c.get("/join").status_code == 200 and c.get("/static/css/lab.css").status_code == 200
    with pytest.raises(Exception), c.websocket_connect("/ws/playground"):  # noqa: B017  (refused at the handshake)
        pass


def test_a_taken_name_needs_its_rejoin_code(lab):
    location, klass, _ = lab
    first = client_for(location).post("/api/class/join", json={"code": klass.code, "name": "Ana"}).json()
    c = client_for(location)
    assert c.post("/api/class/join", json={"code": klass.code, "name": "ana"}).status_code == 409
    res = c.post("/api/class/join", json={"code": klass.code, "name": "Ana", "rejoin_code": first["rejoin_code"]})
    assert res.status_code == 200 and res.json()["rejoin_code"] is None and res.json()["learner"] == "Ana"


def test_joining_is_refused_after_ten_failed_tries_from_one_address(lab):
    location, klass, _ = lab
    c = client_for(location)
    codes = [s for s in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE", "FFFFFF", "GGGGGG", "HHHHHH", "JJJJJJ",
                         "KKKKKK") if s != klass.code]
    for code in codes[:10]:
        assert c.post("/api/class/join", json={"code": code, "name": "x"}).status_code == 404
    c.post("/api/class/join", json={"code": "MMMMMM", "name": "x"})  # the tenth failure if a code was skipped
    res = c.post("/api/class/join", json={"code": klass.code, "name": "x"})  # even the right code, for a minute
    assert res.status_code == 429 and "Retry-After" in res.headers


def test_a_class_is_joined_by_its_code_not_its_name(lab):
    location, _, _ = lab
    assert client_for(location).post("/api/class/join", json={"code": "physics 2a", "name": "x"}).status_code == 404


def test_the_join_form_needs_its_csrf_token_and_sets_a_strict_httponly_cookie(lab):
    location, klass, _ = lab
    c = client_for(location)
    c.get("/join")
    refused = c.post("/join", data={"code": klass.code, "name": "Ana"})  # no token in the form
    assert refused.status_code == 403 and "renewed" in refused.text
    csrf = refused.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]  # the renewed form's token
    res = c.post("/join", data={"code": klass.code, "name": "Ana", "csrf": csrf})
    assert res.status_code == 200 and "rejoin code" in res.text
    cookie = next(v for k, v in res.headers.multi_items() if k == "set-cookie" and v.startswith("actlab_learner="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert c.get("/lesson").status_code == 200


def test_the_teacher_logs_in_with_a_form_and_a_rotated_token_logs_them_out(lab):
    location, klass, token = lab
    c = client_for(location)
    csrf = c.get("/teacher/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert c.post("/teacher/login", data={"token": "wrong", "csrf": csrf}).status_code == 401
    csrf = c.cookies["actlab_csrf"]
    res = c.post("/teacher/login", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert res.status_code == 303 and c.get("/teacher").status_code == 200
    Store(location).rotate_token(klass.id)
    assert c.get("/teacher").status_code == 401


def test_an_answer_sent_again_with_its_idempotency_key_is_stored_once(lab):
    location, klass, _ = lab
    ana = joined(location, klass.code, "Ana")
    for _ in range(2):
        res = ana.post("/api/exercises/ex5/check", json={"answers": ["0.25"], "learner": "Ana"},
                       headers={"Idempotency-Key": "k-1"})
        assert res.status_code == 200 and res.json()["status"] == "correct"
    assert len(Store(location).attempts("Ana", class_id=klass.id)) == 1


def test_a_cookie_from_one_worker_is_accepted_by_another_on_the_same_store(lab):
    location, klass, _ = lab
    ana = joined(location, klass.code, "Ana")
    other = client_for(location)  # a second app: another worker, or the lab after a restart
    other.cookies.update(ana.cookies)
    assert other.get("/api/class/me").json() == {"mode": "class", "class": "physics 2a", "learner": "Ana",
                                                 "teacher": False}


def test_a_forgotten_learners_cookie_stops_working(lab):
    location, klass, _ = lab
    ana = joined(location, klass.code, "Ana")
    Store(location).forget(klass.id, "Ana")
    assert ana.get("/api/progress", params={"learner": "Ana"}).status_code == 401


def test_without_a_class_the_lab_stays_the_local_one(tmp_path):
    c = client_for(tmp_path / "p.sqlite3")
    assert c.get("/api/class/me").json()["mode"] == "local"
    assert c.get("/teacher").status_code == 200 and c.get("/lesson").status_code == 200
    assert c.post("/api/class/join", json={"code": "ABCDEF", "name": "x"}).status_code == 404
    assert c.get("/api/class/teacher/learners").status_code == 401


def test_a_joined_learners_attempts_hints_and_solutions_are_recorded_without_a_learner_field(lab):
    """The joined name is the identity: leaving the field out must not let a learner see a solution unrecorded."""
    location, klass, token = lab
    ana = joined(location, klass.code, "Ana")
    assert ana.post("/api/exercises/ex2/solution").status_code == 200
    assert ana.post("/api/exercises/ex2/hint", json={"level": 1}).status_code == 200
    assert ana.post("/api/exercises/ex2/check", json={"answers": EX2_RIGHT}).status_code == 200
    teacher = client_for(location)
    teacher.headers["Authorization"] = f"Bearer {token}"
    cells = {r["learner"]: r["exercises"]["ex2"] for r in teacher.get("/api/class/teacher/learners").json()["rows"]}
    assert cells["Ana"]["status"] == "correct" and cells["Ana"]["attempts"] == 1
    assert cells["Ana"]["solution_before_solving"]
