"""The two databases the store runs on: an SQLite file (stdlib sqlite3) or PostgreSQL (psycopg 3, optional).

Both answer the same small interface, so the store writes each statement once:

- ``execute(sql, args)`` runs one statement with ``?`` placeholders and returns its rows. Outside a transaction
  every statement commits by itself (autocommit), so a row is durable when execute returns.
- ``transaction()`` is a context manager for statements that must commit together; on SQLite it takes the
  write lock at once (BEGIN IMMEDIATE), on PostgreSQL it is a plain transaction.
- ``lock(name)`` (inside a transaction) serialises one kind of write between processes until the transaction ends:
  LOCKS names them (migrations and the shared caps; class creation, whose name check and insert must not interleave).
- ``await read_async(sql, args)`` runs one read from a coroutine without holding up its event loop: the web app's
  per-request identity check (a cookie's learner), which must neither block the loop nor cost a thread hop.
- ``dialect`` ("sqlite" or "postgresql") picks the few words of DDL that differ (see store.MIGRATIONS).
- ``unique_violation`` is the exception a statement that breaks a unique index raises.

A location is a file path or a ``postgresql://`` URL; psycopg is imported only for the latter.
SQLite keeps one connection per thread; PostgreSQL a small pool (Postgres).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ConfigError

URL_SCHEMES = ("postgresql://", "postgres://")
# lock(name)'s PostgreSQL advisory lock numbers (any fixed numbers; SQLite has one write lock for everything)
LOCKS = {"schema": 7426, "classes": 7427}
ASYNC_POOL_SIZE = 4  # asynchronous connections per event loop (read_async): one worker's identity checks at once


def is_url(location: str | Path) -> bool:
    return str(location).startswith(URL_SCHEMES)


def redact(location: str | Path) -> str:
    """A location fit to print: a URL's password replaced by ***."""
    text = str(location)
    if not is_url(text) or "@" not in text:
        return text
    scheme, rest = text.split("://", 1)
    userinfo, host = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in userinfo else text


try:
    import fcntl
except ImportError:  # not on this platform: writers in other processes meet SQLite's busy timeout
    fcntl = None

WRITER_SUFFIX = "-writer"  # the file beside the database that writers of every process lock in turn


class _WriteLock:
    """The turn of one database file's writers: a re-entrant lock for this process's threads, and for the first
    entry of a thread an exclusive flock on a file beside the database (WRITER_SUFFIX), which other processes on
    the file (the lab's other workers, a CLI command) take too. Both wake a waiting writer as soon as the holder
    lets go. Without the flock, a writer in another worker found SQLite's file locked and slept in its busy handler
    on a fixed schedule (tries at 0, 1, 3, 8, 18, 33, 53, 78, 103 ... ms, then every 100 ms): behind another
    process's 260 ms transaction it went 69 ms after the commit (tests/exercises/test_db_writers_l.py). The flock
    goes with its process (a killed worker leaves no lock behind) and its file is closed with the last SQLite
    object on the database; where it cannot be had (no fcntl, a folder this process may not write), writers of
    other processes fall back on the busy timeout."""

    def __init__(self, path: Path):
        self._threads = threading.RLock()
        self._depth = 0  # entries of the thread that holds _threads (only that thread reads or writes it)
        self._fd: int | None = None
        if fcntl is not None and str(path) != ":memory:":
            try:
                self._fd = os.open(f"{path}{WRITER_SUFFIX}", os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                self._fd = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._depth == 0 and self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise
        self._depth += 1

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def __del__(self) -> None:
        if self._fd is not None:  # nobody holds the lock: no SQLite object on the file is left
            os.close(self._fd)
            self._fd = None


# weak: a lock lives as long as a SQLite object on its file (a test suite opens thousands of files; each lock
# keeps a file descriptor)
_WRITE_LOCKS: weakref.WeakValueDictionary[str, _WriteLock] = weakref.WeakValueDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: Path) -> _WriteLock:
    """The one lock this process's writers to ``path`` take (every Store on the same file shares it)."""
    key = str(path) if str(path) == ":memory:" else str(path.resolve())
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(key)
        if lock is None:
            lock = _WRITE_LOCKS[key] = _WriteLock(Path(key))
        return lock


class SQLite:
    """One connection per thread. Writers take turns on a lock of their own (_WriteLock: the process's threads,
    and through a locked file beside the database every process's) before they ask SQLite for its write lock:
    SQLite makes a writer that finds the file locked sleep and try again (after 1, 2, 5, 10 ... then 100 ms at a
    time), however soon the holder finishes, so 30 threads writing at the same moment (a class starting its
    playground sessions while answering) waited tens to hundreds of ms for a sub-millisecond insert, and so did
    a worker's check behind another worker's; on the lock a waiting writer wakes as soon as the writer before it
    commits. Reads need neither (WAL)."""

    dialect = "sqlite"
    unique_violation = sqlite3.IntegrityError

    def __init__(self, path: Path):
        if path.is_dir():
            raise ConfigError("db", f"{path} is a folder; give a database file (it is created if missing)")
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._writing = _write_lock(path)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def execute(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        if sql.lstrip()[:6].upper() == "SELECT":
            return self._conn().execute(sql, args).fetchall()
        with self._writing:  # re-entrant: inside transaction() this thread holds it already
            return self._conn().execute(sql, args).fetchall()

    async def read_async(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        # a read of a local file by its index (a few microseconds, no lock: WAL readers do not wait for writers)
        # is cheaper in place than a hop to a worker thread and back
        return self.execute(sql, args)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        conn = self._conn()
        with self._writing:
            conn.execute("BEGIN IMMEDIATE")  # the write lock now, so two writers never deadlock upgrading a read lock
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def lock(self, name: str = "schema") -> None:
        pass  # BEGIN IMMEDIATE already holds the database's one write lock

    def after_explicit_ids(self, table: str) -> None:
        pass  # AUTOINCREMENT follows the largest id inserted, explicit or not

    def get_version(self) -> int:
        return self.execute("PRAGMA user_version")[0][0]

    def set_version(self, version: int) -> None:
        self.execute(f"PRAGMA user_version = {int(version)}")


POOL_SIZE = 8  # PostgreSQL connections one process keeps at most (see Postgres)


class Postgres:
    """PostgreSQL through a small pool of connections: a statement borrows one for its own length, a transaction
    for the transaction's (its thread's statements use that one until it ends). Connections are not one per
    thread, because the web app runs requests on up to 40 threads: a new thread then paid for a new connection
    (about 50 ms, most of it the server's login), and with a few workers their threads outnumbered PostgreSQL's
    max_connections (100 by default). A thread that finds every connection busy waits for one."""

    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        try:
            import psycopg
        except ImportError:
            raise ConfigError("db", "a postgresql:// URL needs psycopg 3: pip install 'actlab[postgres]'") from None
        self._psycopg = psycopg
        self.unique_violation = psycopg.errors.UniqueViolation
        self.url = url
        self._idle: list = []  # connections not in use, the most recently used last
        self._idle_lock = threading.Lock()
        self._free = threading.BoundedSemaphore(pool_size)
        self._local = threading.local()  # .conn: the connection this thread's open transaction holds
        # read_async's connections, per event loop (an asynchronous connection belongs to the loop that opened it)
        self._async_pools: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        with self._borrowed():  # fail here, naming the database, rather than at the first attempt
            pass

    def _open(self):
        try:
            return self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except self._psycopg.OperationalError as exc:
            raise ConfigError("db", f"cannot connect to {redact(self.url)}: {str(exc).strip()}") from None

    @contextmanager
    def _borrowed(self):
        held = getattr(self._local, "conn", None)
        if held is not None:  # inside this thread's transaction: its connection
            yield held
            return
        self._free.acquire()
        conn = None
        try:
            with self._idle_lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = self._open()
            yield conn
        finally:
            if conn is not None and not conn.closed and not conn.broken and \
                    conn.info.transaction_status == self._psycopg.pq.TransactionStatus.IDLE:
                with self._idle_lock:
                    self._idle.append(conn)
            elif conn is not None:
                conn.close()  # broken, or left inside a transaction: a fresh one replaces it
            self._free.release()

    def execute(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        with self._borrowed() as conn:
            cur = conn.execute(sql.replace("?", "%s"), tuple(args))  # no statement has a literal '?'
            return cur.fetchall() if cur.description is not None else []

    async def read_async(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        """One read over an asynchronous connection of the running event loop: the loop serves other requests
        while the server answers (a blocking call held every request of the worker for the round trip; a thread
        hop costs tens to hundreds of ms under load). Each loop keeps up to ASYNC_POOL_SIZE such connections."""
        loop = asyncio.get_running_loop()
        pool = self._async_pools.get(loop)
        if pool is None:
            pool = self._async_pools[loop] = ([], asyncio.Semaphore(ASYNC_POOL_SIZE))
        idle, free = pool
        async with free:
            conn = idle.pop() if idle else None
            if conn is None or conn.closed:
                try:
                    conn = await self._psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=10)
                except self._psycopg.OperationalError as exc:
                    raise ConfigError("db", f"cannot connect to {redact(self.url)}: {str(exc).strip()}") from None
            try:
                cur = await conn.execute(sql.replace("?", "%s"), tuple(args))
                rows = await cur.fetchall() if cur.description is not None else []
            except BaseException:
                await conn.close()  # a failed or cancelled read may leave it mid-statement: not reused
                raise
            idle.append(conn)
            return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._borrowed() as conn:
            outer = getattr(self._local, "conn", None)
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield
            finally:
                self._local.conn = outer

    def lock(self, name: str = "schema") -> None:
        """Wait for, then hold until the transaction ends, the advisory lock LOCKS[name]."""
        self.execute("SELECT pg_advisory_xact_lock(?)", (LOCKS[name],))

    def after_explicit_ids(self, table: str) -> None:
        """Move the id sequence past rows inserted with their own ids (a copied store)."""
        self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"GREATEST((SELECT MAX(id) FROM {table}), 1))")

    def get_version(self) -> int:
        self.execute("CREATE TABLE IF NOT EXISTS actlab_schema (version INTEGER NOT NULL)")
        rows = self.execute("SELECT version FROM actlab_schema")
        return rows[0][0] if rows else 0

    def set_version(self, version: int) -> None:
        self.execute("DELETE FROM actlab_schema")
        self.execute("INSERT INTO actlab_schema (version) VALUES (?)", (int(version),))


def connect(location: str | Path) -> SQLite | Postgres:
    """The backend for a file path or a postgresql:// URL."""
    if is_url(location):
        return Postgres(str(location))
    if "://" in str(location):
        raise ConfigError("db", f"{redact(location)}: give a file path or a postgresql:// URL")
    return SQLite(Path(location))
