"""The attempt log's numbers are stored with each attempt (issue 16, brief C7 item 2): `actlab class forget` removing
a learner leaves every other attempt's number as it was, so a teacher's note "see attempt 5" stays true, and a
number is never given twice (it numbered the rows as listed, so every later attempt moved up by the forgotten
learner's count). The log on the API, the CSV, and `actlab class export --log` show the same numbers. SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from actlab.classroom import attempt_log, copy_store
from actlab.exercises.service import check_and_record
from actlab.store import Store, migration_statements
from actlab.web.app import create_app
from cli._class_cli import run
from databases import database

ORDER = ("Ana", "Bob", "Ana", "Cy", "Bob", "Cy")  # who answered, in turn: attempts 1 to 6


def _answered(location):
    store = Store(location)
    klass, token = store.create_class("physics 2a")
    other, _ = store.create_class("chemistry 1")
    check_and_record(store, "Omar", "ex5", ["0.5"], class_id=other.id)  # another class's answer: not in the numbering
    for name in dict.fromkeys(ORDER):
        store.join(klass.id, name)
    for name in ORDER:
        check_and_record(store, name, "ex5", ["0.5"], class_id=klass.id)
    return store, klass, token


def _numbers(store, klass) -> list[tuple[int, str]]:
    return [(a["id"], a["learner"]) for a in attempt_log(store, klass.id)]


def test_forgetting_a_learner_leaves_the_others_numbers(location):
    store, klass, token = _answered(location)
    assert _numbers(store, klass) == [(1, "Ana"), (2, "Bob"), (3, "Ana"), (4, "Cy"), (5, "Bob"), (6, "Cy")]
    assert run("class", "forget", "physics 2a", "Bob", "--db", str(location), "--yes").exit_code == 0
    after = [(1, "Ana"), (3, "Ana"), (4, "Cy"), (6, "Cy")]  # the previous code renumbered them 1, 2, 3, 4
    assert _numbers(store, klass) == after
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    teacher.headers["Authorization"] = f"Bearer {token}"
    assert [(a["id"], a["learner"]) for a in teacher.get("/api/class/teacher/attempts").json()] == after
    sheet = csv.DictReader(io.StringIO(teacher.get("/api/class/teacher/attempts?format=csv").text))
    assert [(int(r["id"]), r["learner"]) for r in sheet] == after
    cli = json.loads(run("class", "export", "physics 2a", "--log", "--format", "json", "--db", str(location)).stdout)
    assert [(a["id"], a["learner"]) for a in cli] == after


def test_a_number_is_never_given_twice(location):
    store, klass, _ = _answered(location)
    store.forget(klass.id, "Cy")  # Cy had the last attempt, 6
    check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id)
    assert _numbers(store, klass)[-1] == (7, "Ana")  # not 6 again
    store.reset(klass.id)  # a new term: the numbers go on, so an old note never names a new attempt
    check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id)
    assert _numbers(store, klass) == [(8, "Ana")]


def test_merging_keeps_the_numbers_and_a_retry_takes_none(location):
    store, klass, _ = _answered(location)
    store.merge(klass.id, "Cy", "Ana")
    assert _numbers(store, klass) == [(1, "Ana"), (2, "Bob"), (3, "Ana"), (4, "Ana"), (5, "Bob"), (6, "Ana")]
    for _ in range(2):  # an answer sent again with its id is stored once, and draws no number
        check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id, attempt_id="retry-1")
    check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id)
    assert [n for n, _ in _numbers(store, klass)][-2:] == [7, 8]


def test_a_copied_store_goes_on_numbering(location, tmp_path):
    with database("sqlite", tmp_path / "source") as source_path:
        source, klass, _ = _answered(source_path)
        source.forget(klass.id, "Cy")
        target = Store(location)
        copy_store(source, target)
        moved = target.get_class("physics 2a")
        check_and_record(target, "Ana", "ex5", ["0.25"], class_id=moved.id)
        assert [n for n, _ in _numbers(target, moved)] == [1, 2, 3, 5, 7]


def test_attempts_stored_before_are_numbered_as_the_log_listed_them(tmp_path):
    """A store of schema version 10 (attempt numbers not yet stored) migrates: each class's attempts numbered 1, 2,
    3 in the order given, and the next one goes on from there."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for i in range(10):
        for statement in migration_statements(i, "sqlite"):
            conn.execute(statement)
    conn.execute("INSERT INTO classes (name, code, token_hash, created_at) VALUES ('a', 'AAAAAA', 'x', 0)")
    conn.execute("INSERT INTO classes (name, code, token_hash, created_at) VALUES ('b', 'BBBBBB', 'y', 0)")
    for class_id in (1, 2, 1, None, 1):
        conn.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, class_id) "
                     "VALUES ('Ana', 'ex5', '[\"0.5\"]', 'incorrect', '', 0, ?)", (class_id,))
    conn.execute("PRAGMA user_version = 10")
    conn.commit()
    conn.close()
    store = Store(path)
    assert [a["id"] for a in attempt_log(store, 1)] == [1, 2, 3]
    assert [a["id"] for a in attempt_log(store, 2)] == [1]
    assert [a["id"] for a in attempt_log(store, None)] == [1]
    check_and_record(store, "Ana", "ex5", ["0.25"], class_id=1)
    assert [a["id"] for a in attempt_log(store, 1)] == [1, 2, 3, 4]


def _writer(location: str, learner: str, n: int) -> None:
    store = Store(location)
    klass = store.get_class("physics 2a")
    for i in range(n):
        check_and_record(store, learner, "ex5", [str(i)], class_id=klass.id)


def test_processes_answering_at_once_never_share_a_number(location):
    """Four processes (as four workers) answer into one class at once: 80 attempts numbered 1 to 80, each once."""
    import multiprocessing as mp

    Store(location).create_class("physics 2a")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(location), f"learner{k}", 20)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    store = Store(location)
    assert sorted(a["id"] for a in attempt_log(store, store.get_class("physics 2a").id)) == list(range(1, 81))
