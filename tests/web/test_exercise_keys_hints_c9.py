"""Crafted requests on the exercise API (issue 16, brief C9 item 6, teacher walkthrough W8).

An Idempotency-Key names one answer. Sent twice to /api/exercises/ex6/check with answers "2" then "4", the second
was answered "correct" while the log kept only "2" (the page then read "not yet" after a reload). Now a key sent
again with a different answer (or by another learner, or for another exercise) is refused with 409 and recorded
nowhere; the same answer again gets the same verdict and is stored once.

Hints: a request for hint 3 with no hint seen gets hint 3, and the record says hint 3 was shown (the decision:
record what was shown, which the store already did; the page's Hint button asks in order). This part passes on the
previous code too: it guards the decision. SQLite and PostgreSQL, in a class and in the local lab."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.exercises import get_exercise
from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    """(location, class, Ana's client, Ben's client) in a class."""
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        app = create_app(db_path=location, allow_hosts=("testserver",))
        ana, ben = (TestClient(app, base_url="http://testserver") for _ in range(2))
        for client, name in ((ana, "Ana"), (ben, "Ben")):
            assert client.post("/api/class/join", json={"code": klass.code, "name": name}).status_code == 200
        yield location, klass, ana, ben


def _check(client, exercise: str, answer: str, key: str, learner: str | None = None):
    body = {"answers": [answer], **({"learner": learner} if learner else {})}
    return client.post(f"/api/exercises/{exercise}/check", json=body, headers={**ORIGIN, "Idempotency-Key": key})


def _right_and_wrong(exercise: str) -> tuple[str, str]:
    ex = get_exercise(exercise)
    for wrong, right in (("2", "4"), ("4", "2")):
        if ex.check([right]).to_dict()["status"] == "correct" and ex.check([wrong]).to_dict()["status"] != "correct":
            return wrong, right
    pytest.skip(f"{exercise} takes neither 2 nor 4")


def test_a_key_sent_again_with_another_answer_is_refused(lab):
    location, klass, ana, ben = lab
    wrong, right = _right_and_wrong("ex6")
    first = _check(ana, "ex6", wrong, "k-1")
    assert first.status_code == 200 and first.json()["status"] != "correct"
    again = _check(ana, "ex6", right, "k-1")
    assert again.status_code == 409, again.text
    assert again.json()["detail"].startswith("attempt_id: this Idempotency-Key was sent before with a different "
                                             "answer")
    assert "send each new answer with a new key" in again.json()["detail"]
    same = _check(ana, "ex6", wrong, "k-1")  # a retry: the stored verdict, stored once
    assert same.status_code == 200 and same.json()["status"] == first.json()["status"]
    assert _check(ben, "ex6", wrong, "k-1").status_code == 409  # another learner's reuse records nothing either
    assert _check(ana, "ex7", wrong, "k-1").status_code == 409  # nor another exercise
    store = Store(location)
    assert [a["answer"] for a in store.attempts("Ana", class_id=klass.id)] == [[wrong]]
    assert store.attempts("Ben", class_id=klass.id) == []
    row = next(r for r in ana.get("/api/progress").json() if r["exercise"] == "ex6")
    assert row["best_status"] != "correct"  # what the page shows after a reload matches what it was told


def test_the_local_lab_refuses_a_reused_key_too(tmp_path):
    with database("sqlite", tmp_path) as location:
        client = TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")
        wrong, right = _right_and_wrong("ex6")
        assert _check(client, "ex6", wrong, "k-2", learner="solo").status_code == 200
        assert _check(client, "ex6", right, "k-2", learner="solo").status_code == 409
        assert [a["answer"] for a in Store(location).attempts("solo")] == [[wrong]]


def test_a_later_hint_asked_first_is_given_and_recorded_as_shown(lab):
    location, klass, ana, _ = lab
    ex = get_exercise("ex3")
    assert len(ex.hints) >= 3
    res = ana.post("/api/exercises/ex3/hint", json={"level": 3}, headers=ORIGIN)
    assert res.status_code == 200 and res.json() == {"level": 3, "of": len(ex.hints), "text": ex.hint(3)}
    row = next(r for r in ana.get("/api/progress").json() if r["exercise"] == "ex3")
    assert row["hints_seen"] == 3 and row["hint_text"] == ex.hint(3)  # the reloaded page shows what was shown
    assert [(e["kind"], e["level"]) for e in Store(location).events(klass.id)] == [("hint", 3)]
