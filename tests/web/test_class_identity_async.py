"""The learner-cookie read that every class-mode request makes: on PostgreSQL it no longer blocks the event loop
(an asynchronous query of the loop's own connections), and a learner's check still makes one hop to the thread
pool, the check's own (tests/web/test_check_latency.py's rule). Both store backends; the teacher's cookie and a
forgotten learner keep working as before."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from _browser import run_async
from actlab.store import Store
from actlab.web.app import create_app
from web.test_check_latency import _counting
from web.test_class_playground import lab  # noqa: F401  (a fixture: the store on each backend)


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _spy(db) -> list[tuple[str, bool, str]]:
    """Record each statement the store's backend runs: (how, whether it ran on an event loop, its first words)."""
    calls: list[tuple[str, bool, str]] = []
    execute, read_async = db.execute, db.read_async

    def spied(sql, args=()):
        calls.append(("execute", _on_loop(), sql))
        return execute(sql, args)

    async def spied_async(sql, args=()):
        calls.append(("read_async", True, sql))
        return await read_async(sql, args)

    db.execute, db.read_async = spied, spied_async
    return calls


def test_a_learners_check_reads_the_cookie_without_blocking_the_loop_and_makes_one_hop(lab, monkeypatch):  # noqa: F811
    location, klass, _ = lab
    app = create_app(db_path=location, allow_hosts=("testserver",))
    with TestClient(app) as client:
        assert client.post("/api/class/join", json={"code": klass.code, "name": "Ana"}).status_code == 200
        calls = _spy(app.state.store.db)
        hops = _counting(monkeypatch)
        res = client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers={"Idempotency-Key": "a1"})
        assert res.status_code == 200 and res.json()["status"] == "correct"
    assert hops == ["_check"], hops
    assert [c for c in calls if c[0] == "read_async" and "FROM learners" in c[2]], calls  # the cookie's read
    blocking = [c for c in calls if c[0] == "execute" and c[1]]
    if app.state.store.db.dialect == "postgresql":
        assert blocking == [], blocking  # nothing waited for the server on the loop
    else:
        assert all("FROM learners" in c[2] for c in blocking), blocking  # SQLite: the one indexed local read
    assert len(Store(location).attempts("Ana", class_id=klass.id)) == 1  # recorded under the joined name


def test_a_teachers_cookie_is_read_the_same_way_and_a_forgotten_learner_is_refused(lab):  # noqa: F811
    location, klass, token = lab
    app = create_app(db_path=location, allow_hosts=("testserver",))
    with TestClient(app) as teacher, TestClient(create_app(db_path=location, allow_hosts=("testserver",))) as ana:
        csrf = teacher.get("/teacher/login").cookies["actlab_csrf"]
        assert teacher.post("/teacher/login", data={"token": token, "csrf": csrf}, follow_redirects=False
                            ).status_code == 303
        calls = _spy(app.state.store.db)
        assert teacher.get("/api/class/teacher/learners").status_code == 200
        assert [c for c in calls if c[0] == "read_async" and "FROM classes" in c[2]], calls
        assert ana.post("/api/class/join", json={"code": klass.code, "name": "Ana"}).status_code == 200
        assert ana.get("/api/class/me").json()["learner"] == "Ana"
        Store(location).forget(klass.id, "Ana")
        assert ana.get("/api/progress", params={"learner": "Ana"}).status_code == 401


@pytest.mark.parametrize("learner_id", [0, 10_000])
def test_an_unknown_learner_id_finds_no_one(lab, learner_id):  # noqa: F811
    location, _, _ = lab
    assert run_async(Store(location).joined_learner_async(learner_id)) is None  # Playwright may own this thread's loop
