"""What a learner's check waits for, besides the checking: hops to the thread pool, and work done on first use.

With 30 learners playing, each hop from the event loop to a worker thread and back waited for a thread and the
GIL (tens to hundreds of ms under load, bench/classroom.py with the lab's own timing); a check made three (its
store dependency, the route, the validation of its answer). The first check in a process also paid for the
checkers' first use and for FastAPI building its route tables: the lab does both before it takes requests."""

from __future__ import annotations

import re

import fastapi.dependencies.utils
import fastapi.routing
import pytest
from fastapi.testclient import TestClient

import actlab.web.routes.exercises as exercise_routes
from actlab.exercises import Exercise, all_exercises
from actlab.store import Store
from actlab.web.app import create_app


@pytest.fixture
def class_lab(tmp_path):
    location = tmp_path / "class.sqlite3"
    klass, _ = Store(location).create_class("latency")
    return location, klass


def _counting(monkeypatch) -> list[str]:
    """Count the calls into the thread pool made by FastAPI (dependencies, plain-def routes, validation of the
    answer) and by the exercise routes themselves."""
    hops: list[str] = []
    for module in (fastapi.routing, fastapi.dependencies.utils, exercise_routes):
        original = module.run_in_threadpool

        async def counted(func, *args, _original=original, **kwargs):
            hops.append(getattr(func, "__name__", repr(func)))
            return await _original(func, *args, **kwargs)

        monkeypatch.setattr(module, "run_in_threadpool", counted)
    return hops


def test_a_learners_check_takes_one_hop_to_the_thread_pool(class_lab, monkeypatch):
    location, klass = class_lab
    with TestClient(create_app(db_path=location, allow_hosts=("testserver",))) as client:
        assert client.post("/api/class/join", json={"code": klass.code, "name": "Ana"}).status_code == 200
        hops = _counting(monkeypatch)
        res = client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers={"Idempotency-Key": "k1"})
        assert res.status_code == 200 and res.json()["status"] == "correct"
        assert hops == ["_check"], hops
        # the one hop still records the attempt, once per key, under the joined learner
        client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers={"Idempotency-Key": "k1"})
    rows = Store(location).db.execute("SELECT learner, attempt_id FROM attempts")
    assert rows == [("Ana", "k1")]


def test_an_unknown_exercise_is_still_a_404_naming_the_valid_ones(class_lab):
    location, klass = class_lab
    with TestClient(create_app(db_path=location, allow_hosts=("testserver",))) as client:
        client.post("/api/class/join", json={"code": klass.code, "name": "Ana"})
        res = client.post("/api/exercises/ex99/check", json={"answers": ["1"]})
    assert res.status_code == 404 and "valid: ex1" in res.json()["detail"]


def test_every_answer_says_how_long_the_lab_took(tmp_path):
    with TestClient(create_app(db_path=tmp_path / "s.sqlite3", allow_hosts=("testserver",))) as client:
        for res in (client.get("/lesson"), client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}),
                    client.get("/api/nothing-here")):
            timing = res.headers["server-timing"]
            assert re.fullmatch(r"app;dur=\d+\.\d", timing), timing


def test_the_lab_grades_every_exercise_once_before_its_first_request(tmp_path, monkeypatch):
    graded: list[str] = []
    original = Exercise.check

    def check(self, *answers):
        graded.append(self.key)
        return original(self, *answers)

    monkeypatch.setattr(Exercise, "check", check)
    app = create_app(db_path=tmp_path / "s.sqlite3", allow_hosts=("testserver",))
    assert graded == []  # building the app does not: a test that never serves it pays nothing
    with TestClient(app):
        assert set(graded) == {e.key for e in all_exercises()}
