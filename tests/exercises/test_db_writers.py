"""SQLite writers in one process take turns on a lock of their own instead of SQLite's busy handler.

SQLite makes a writer that finds the file locked sleep and retry on a fixed schedule (tries at 0, 1, 3, 8, 18, 33,
53, 78, 103, 128, 178 and 228 ms, then every 100 ms), so a writer queued behind a transaction that ends at 260 ms
tried again only at 328 ms: 68 ms after the file was free. Behind the process's own lock it goes as soon as the
transaction commits. (In the lab, 30 learners' first checks waited so behind the session counts of their playground
sockets.)"""

from __future__ import annotations

import sqlite3
import threading
import time

from actlab._db import SQLite
from actlab.store import Store

HOLD = 0.26  # seconds the first writer keeps its transaction open: just past SQLite's try at 228 ms


def test_a_waiting_writer_goes_as_soon_as_the_transaction_before_it_commits(tmp_path):
    path = tmp_path / "s.sqlite3"
    db = SQLite(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (n INTEGER)")
    began, committed, wrote = threading.Event(), [], []

    def long_transaction() -> None:
        with db.transaction():
            db.execute("INSERT INTO t (n) VALUES (1)")
            began.set()
            time.sleep(HOLD)
            committed.append(time.perf_counter())

    def writer() -> None:
        began.wait()
        db.execute("INSERT INTO t (n) VALUES (2)")  # another thread: its own connection
        wrote.append(time.perf_counter())

    threads = [threading.Thread(target=long_transaction), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    late = wrote[0] - committed[0]
    assert late < 0.04, f"the second writer finished {1000 * late:.0f} ms after the first committed"
    assert [r[0] for r in db.execute("SELECT n FROM t ORDER BY rowid")] == [1, 2]


def test_every_store_on_one_file_shares_the_lock(tmp_path):
    """Two Store objects in one process (the lab and a test, or the bench beside its lab) are two sets of
    connections on one file: they queue on the same lock, so neither sleeps in SQLite's busy handler."""
    a, b = Store(tmp_path / "s.sqlite3"), Store(tmp_path / "." / "s.sqlite3")
    assert a.db._writing is b.db._writing
    assert Store(tmp_path / "other.sqlite3").db._writing is not a.db._writing


def test_thirty_threads_writing_at_once_lose_nothing(tmp_path):
    """Attempts from 30 threads, each with a retried idempotency key, inside and outside transactions: every one
    stored once, and no thread raised 'database is locked'."""
    store = Store(tmp_path / "s.sqlite3")
    errors: list[BaseException] = []
    start = threading.Barrier(30)

    def learner(i: int) -> None:
        start.wait()
        try:
            for k in range(10):
                verdict = {"status": "correct", "feedback": "", "parts": []}
                for _ in range(2):  # the retry after a lost answer: stored once
                    store.record_attempt(f"l{i}", "ex5", ["0.25"], verdict, attempt_id=f"{i}-{k}")
                store.acquire_play_session(f"{i}-{k}", None, 1000, 3, 60)
        except (sqlite3.Error, OSError) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.db.execute("SELECT COUNT(*), COUNT(DISTINCT attempt_id) FROM attempts")[0] == (300, 300)
    assert store.play_sessions(60) == 300
