"""A hint view is recorded once per hint shown (issue 16, brief C11 item 9), checked first: pressing Hint after the last
hint showed the last one again and stored another event, so reset counted 3 views where the learner saw 2 hints.
Now a hint level already recorded for the learner on the exercise is not recorded again. Both store backends, the
store and the lab's hint route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from actlab.exercises import get_exercise
from actlab.exercises.service import hint_and_record
from actlab.store import Store
from actlab.web.app import create_app


def test_pressing_hint_past_the_last_records_no_new_view(location):
    store = Store(location)
    klass, _ = store.create_class("physics 2a")
    store.join(klass.id, "Ana")
    store.join(klass.id, "Ben")
    n = len(get_exercise("ex5").hints)
    for level in (*range(1, n + 1), n + 1, n + 2, 1):  # every hint, two presses past the last, the first again
        hint_and_record(store, "Ana", "ex5", level, class_id=klass.id)
    hint_and_record(store, "Ben", "ex5", 1, class_id=klass.id)  # another learner's view counts
    hint_and_record(store, "Ana", "ex2", 1, class_id=klass.id)  # and another exercise's
    hint_and_record(store, "Ana", "ex5", 1)  # the local lab is apart from the class
    levels = sorted((e["learner"], e["exercise"], e["level"]) for e in store.events(klass.id))
    assert levels == [("Ana", "ex2", 1), *(("Ana", "ex5", k) for k in range(1, n + 1)), ("Ben", "ex5", 1)]
    assert store.reset(klass.id) == {"attempts": 0, "events": n + 2}
    assert len(store.events(None)) == 1


def test_the_hint_route_records_each_hint_once(tmp_path):
    db = tmp_path / "p.sqlite3"
    c = TestClient(create_app(db_path=db, allow_hosts=("testserver",)))
    n = len(get_exercise("ex5").hints)
    for level in (*range(1, n + 1), n + 1, n + 1):
        res = c.post("/api/exercises/ex5/hint", json={"level": level, "learner": "ana"})
        assert res.status_code == 200 and res.json()["level"] == min(level, n), res.text
    assert [e["level"] for e in Store(db).events(None)] == list(range(1, n + 1))
