"""The PostgreSQL store's connections: a small pool shared by the threads of a process, not one per thread. The
web app runs requests on up to 40 threads, so with one connection per thread a burst of requests opened dozens of
connections (about 50 ms each) and a few workers went past PostgreSQL's max_connections."""

from __future__ import annotations

import secrets
import threading

import pytest

from actlab._db import POOL_SIZE, Postgres
from actlab.store import Store
from databases import postgres_schema, require_postgres


@pytest.fixture
def pg():
    with postgres_schema() as url:
        name = f"actlab_pool_{secrets.token_hex(4)}"
        yield f"{url}&application_name={name}", name


def server_connections(name: str) -> int:
    admin = require_postgres()
    try:
        return admin.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = %s",
                             (name,)).fetchone()[0]
    finally:
        admin.close()


def test_forty_threads_share_a_few_connections(pg):
    url, name = pg
    db = Postgres(url)
    db.execute("CREATE TABLE t (n INTEGER)")
    start, worked, counted = threading.Barrier(40), threading.Barrier(41), threading.Event()
    errors = []

    def one(i: int) -> None:
        try:
            start.wait()
            for j in range(5):
                db.execute("INSERT INTO t (n) VALUES (?)", (i * 10 + j,))
                db.execute("SELECT COUNT(*) FROM t")
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        worked.wait()
        counted.wait(30)  # the threads live on while the server's connections are counted

    threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    worked.wait()
    try:
        open_now = server_connections(name)
    finally:
        counted.set()
        for t in threads:
            t.join()
    assert errors == []
    assert db.execute("SELECT COUNT(*) FROM t")[0][0] == 200
    assert 1 <= open_now <= POOL_SIZE  # was 41: one per thread that had asked, and the first one


def test_a_transaction_keeps_its_connection_and_rolls_back_whole(pg):
    url, _ = pg
    db = Postgres(url)
    db.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.execute("INSERT INTO t (n) VALUES (1)")
            assert db.execute("SELECT COUNT(*) FROM t")[0][0] == 1  # the transaction sees its own row
            raise RuntimeError("stop")
    assert db.execute("SELECT COUNT(*) FROM t")[0][0] == 0
    with db.transaction():
        db.execute("INSERT INTO t (n) VALUES (2)")
        with db.transaction():  # nested: a savepoint on the same connection
            db.execute("INSERT INTO t (n) VALUES (3)")
    assert sorted(r[0] for r in db.execute("SELECT n FROM t")) == [2, 3]


def test_a_transaction_in_one_thread_is_not_seen_by_another_until_it_commits(pg):
    url, _ = pg
    db = Postgres(url)
    db.execute("CREATE TABLE t (n INTEGER)")
    inside, done = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction():
            db.execute("INSERT INTO t (n) VALUES (1)")
            inside.set()
            done.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    assert inside.wait(10)
    assert db.execute("SELECT COUNT(*) FROM t")[0][0] == 0  # another connection, outside the transaction
    done.set()
    t.join()
    assert db.execute("SELECT COUNT(*) FROM t")[0][0] == 1


def test_a_broken_statement_leaves_the_pool_usable(pg):
    url, _ = pg
    store = Store(url)
    for _ in range(POOL_SIZE + 2):
        with pytest.raises(Exception, match="nope"):
            store.db.execute("SELECT * FROM nope")
    klass, _ = store.create_class("after errors")
    assert store.get_class("after errors").id == klass.id
