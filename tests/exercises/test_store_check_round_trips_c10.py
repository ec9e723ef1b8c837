"""A learner's check in class mode costs PostgreSQL three round trips (issue 16, brief C10 item 1): the gate's read of
the cookie's learner; one statement that checks the class is open and the attempt id is new and draws the class's
next number, committed without waiting for the disk; and the attempt's insert. It cost six (the learner, the class
again, BEGIN, the counter, the insert, COMMIT) and seven for a retry (ROLLBACK, then the stored row); a retry now
costs two. (One statement for the number and the attempt, two round trips, held the class's counter row through
the commit's wait for the disk, so a class's checks went one disk flush after another: Store._insert_attempt_pg.)
The guarantees stay: a number is never given twice, a retry stores nothing and draws no number, another answer
under a used id is refused, an archived class takes no answer. Both backends."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from actlab.classroom import attempt_log
from actlab.exercises.service import check_and_record
from actlab.store import AttemptIdReused, ClassArchived, Store
from actlab.web.app import create_app


def _counting(db) -> list[str]:
    """Every statement ``db`` sends from now on (a transaction counts as its BEGIN and its end)."""
    sent: list[str] = []
    execute, read_async, transaction = db.execute, db.read_async, db.transaction

    def counted_execute(sql, args=()):
        sent.append(sql.split()[0])
        return execute(sql, args)

    async def counted_read(sql, args=()):
        sent.append("async " + sql.split()[0])
        return await read_async(sql, args)

    @contextmanager
    def counted_transaction():
        sent.append("BEGIN")
        with transaction():
            yield
        sent.append("COMMIT")

    db.execute, db.read_async, db.transaction = counted_execute, counted_read, counted_transaction
    return sent


def test_a_check_in_a_class_costs_postgresql_three_round_trips_and_a_retry_two(location):
    klass, _ = Store(location).create_class("physics 2a")
    with TestClient(create_app(db_path=location, allow_hosts=("testserver",))) as client:
        assert client.post("/api/class/join", json={"code": klass.code, "name": "Ana"}).status_code == 200
        sent = _counting(client.app.state.store.db)
        res = client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers={"Idempotency-Key": "k1"})
        assert res.status_code == 200 and res.json()["status"] == "correct"
        first = list(sent)
        sent.clear()
        again = client.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}, headers={"Idempotency-Key": "k1"})
        assert again.status_code == 200
        retry = list(sent)
        sent.clear()
        other = client.post("/api/exercises/ex5/check", json={"answers": ["0.3"]}, headers={"Idempotency-Key": "k1"})
        assert other.status_code == 409 and "different answer" in other.json()["detail"]
        reuse = list(sent)
    if location.startswith("postgresql"):
        # the identity read, the number, the attempt (was: SELECT classes, BEGIN, INSERT, INSERT, COMMIT after it)
        assert first == ["async SELECT", "WITH", "INSERT"], first
        assert retry == ["async SELECT", "WITH"], retry
        assert reuse == ["async SELECT", "WITH"], reuse
    else:  # SQLite keeps its transaction (a local file: no round trips), the class read inside it (its read_async
        # calls its execute, so the identity read is counted twice here)
        assert first == ["async SELECT", "SELECT", "BEGIN", "SELECT", "INSERT", "INSERT", "COMMIT"], first
    rows = Store(location).db.execute("SELECT learner, answer, attempt_id, class_number FROM attempts")
    assert rows == [("Ana", '["0.25"]', "k1", 1)]


def test_one_new_attempt_id_sent_at_once_from_many_threads_is_stored_once(location):
    """Eight requests carrying one new attempt id at the same moment (a client's retries racing the first): one row,
    every caller gets its id, and no number is given twice. (On PostgreSQL a racer that lost may have drawn a number
    that is then skipped; a retry after the first was stored draws none.)"""
    store = Store(location)
    klass, _ = store.create_class("physics 2a")
    store.join(klass.id, "Ana")
    start, ids, errors = threading.Barrier(8), [], []

    def send():
        mine = Store(location)
        start.wait()
        try:
            ids.append(mine.record_attempt("Ana", "ex5", ["0.25"], {"status": "correct", "feedback": ""},
                                           class_id=klass.id, attempt_id="same-key"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(ids) == 8 and len(set(ids)) == 1, (errors, ids)
    assert store.db.execute("SELECT COUNT(*) FROM attempts")[0][0] == 1
    check_and_record(store, "Ana", "ex5", ["0.3"], class_id=klass.id)
    first, second = [a["id"] for a in attempt_log(store, klass.id)]
    assert second > first
    drawn = store.db.execute("SELECT last_number FROM attempt_numbers WHERE class_key = ?", (klass.id,))[0][0]
    assert drawn == second  # the next answer goes on past every number drawn, used or skipped


def test_answers_from_many_threads_at_once_get_numbers_one_each(location):
    """Twelve threads (as a class's learners, through one store's pool) answer 10 times each at once: 120 numbers,
    1 to 120, each given once."""
    store = Store(location)
    klass, _ = store.create_class("physics 2a")
    start = threading.Barrier(12)

    def answer(k):
        start.wait()
        for i in range(10):
            check_and_record(store, f"L{k}", "ex5", [str(i)], class_id=klass.id, attempt_id=f"{k}-{i}")

    threads = [threading.Thread(target=answer, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(a["id"] for a in attempt_log(store, klass.id)) == list(range(1, 121))


def test_an_archived_class_refuses_the_answer_and_draws_no_number(location):
    store = Store(location)
    klass, _ = store.create_class("physics 2a")
    check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id)
    store.set_archived(klass.id)
    with pytest.raises(ClassArchived, match="class 'physics 2a' is archived: it takes no new learners or answers"):
        check_and_record(store, "Ana", "ex5", ["0.3"], class_id=klass.id, attempt_id="late")
    store.set_archived(klass.id, False)
    check_and_record(store, "Ana", "ex5", ["0.3"], class_id=klass.id, attempt_id="late")
    assert [(a["id"], a["answer"]) for a in attempt_log(store, klass.id)] == [(1, ["0.25"]), (2, ["0.3"])]


def test_the_local_lab_records_and_refuses_a_reused_id_as_a_class_does(location):
    store = Store(location)
    first = store.record_attempt("Ana", "ex5", ["0.25"], {"status": "correct", "feedback": ""}, attempt_id="a1")
    assert store.record_attempt("Ana", "ex5", ["0.25"], {"status": "correct", "feedback": ""},
                                attempt_id="a1") == first
    with pytest.raises(AttemptIdReused, match="sent before with a different answer"):
        store.record_attempt("Ana", "ex5", ["0.3"], {"status": "incorrect", "feedback": ""}, attempt_id="a1")
    with pytest.raises(AttemptIdReused):  # the same answer from another class is another attempt's id too
        store.record_attempt("Ana", "ex5", ["0.25"], {"status": "correct", "feedback": ""}, attempt_id="a1",
                             class_id=store.create_class("c")[0].id)
    store.record_attempt("Ana", "ex5", ["0.3"], {"status": "incorrect", "feedback": ""})
    assert [a["id"] for a in attempt_log(store, None)] == [1, 2]
