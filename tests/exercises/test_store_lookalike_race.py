"""Look-alike names are refused by the database, not only by a check before the insert (issue 16, brief C item 4):
two joins racing past the check with "Ana" and "Аna" (a Cyrillic А) leave one learner, because (class, how the
name looks) is a unique key. The migration that adds the key fills it for existing learners, refreshes keys made
by an older rule, and reports the look-alike pairs old data holds instead of failing. Both store backends."""

from __future__ import annotations

import itertools
import json
import threading

import pytest

from actlab import _db
from actlab.errors import ConfigError
from actlab.store import SCHEMA_VERSION, Store, migration_statements
from cli._class_cli import run

LATIN, CYRILLIC, GREEK = "Ana", "\u0410na", "\u0391na"  # all drawn "Ana"


def _race(location, monkeypatch, names):
    """Join ``names`` at once from two stores (two workers), each join past the look-alike check before either
    inserts; returns what each join did (a learner's name, or the refusal's words)."""
    klass, _ = Store(location).create_class("physics 2a")
    stores = [Store(location) for _ in names]
    check = Store._check_looks_apart
    together = threading.Barrier(len(names), timeout=10)
    first_calls = itertools.count()

    def checked_then_wait(self, *args, **kwargs):
        check(self, *args, **kwargs)
        if next(first_calls) < len(names):  # the joins' own checks: both pass before either inserts
            together.wait()

    monkeypatch.setattr(Store, "_check_looks_apart", checked_then_wait)
    results = {}

    def join(store, name):
        try:
            results[name] = store.join(klass.id, name)[0].name
        except ConfigError as exc:
            results[name] = str(exc)

    threads = [threading.Thread(target=join, args=(s, n)) for s, n in zip(stores, names, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return klass, results


def test_two_racing_joins_with_look_alike_names_leave_one_learner(location, monkeypatch):
    klass, results = _race(location, monkeypatch, [LATIN, CYRILLIC])
    assert [r.name for r in Store(location).learners(klass.id)] in ([LATIN], [CYRILLIC])
    joined = [n for n, r in results.items() if r == n]
    refused = [r for n, r in results.items() if r != n]
    assert len(joined) == 1 and len(refused) == 1, results
    assert f"looks the same as {joined[0]!r}" in refused[0]


def test_two_racing_joins_with_one_name_in_two_cases_leave_one_learner(location, monkeypatch):
    klass, results = _race(location, monkeypatch, ["Ana", "ANA"])
    assert len(Store(location).learners(klass.id)) == 1
    assert sum("is taken in this class" in r for r in results.values()) == 1, results


def _version_6_store(location) -> int:
    """A store as actlab left it at schema version 6, with learners joined before look-alikes were refused and
    before keys were NFKC-normalised; returns the class's id."""
    db = _db.connect(location)
    assert db.get_version() == 0  # (PostgreSQL: makes its version table)
    for i in range(6):
        for statement in migration_statements(i, db.dialect):
            db.execute(statement)
    db.set_version(6)
    for name in ("physics 2a", "chemistry 1"):
        db.execute("INSERT INTO classes (name, code, token_hash, created_at) VALUES (?, ?, 'x', 0)",
                   (name, name[:6].upper().replace(" ", "X")))
    rows = [(1, LATIN, "ana"), (1, CYRILLIC, CYRILLIC.casefold()), (1, "\uff22\uff2f\uff22", "\uff42\uff4f\uff42"),
            (2, CYRILLIC, CYRILLIC.casefold())]  # a full-width BOB kept its old key (case-folded only)
    for class_id, name, key in rows:
        db.execute("INSERT INTO learners (class_id, name, name_key, rejoin_hash, created_at) VALUES (?, ?, ?, 'x', 0)",
                   (class_id, name, key))
    return 1


def test_the_migration_fills_the_key_and_reports_look_alikes_instead_of_failing(location):
    class_id = _version_6_store(location)
    store = Store(location)
    assert store.version == SCHEMA_VERSION
    assert [(a.name, b.name) for a, b in store.name_collisions()] == [(LATIN, CYRILLIC)]  # chemistry's is alone
    assert store.learner(class_id, "bob").name == "\uff22\uff2f\uff22"  # its key follows today's rule
    assert store.learner(class_id, CYRILLIC).name == CYRILLIC  # each of the pair by the name the teacher sees
    with pytest.raises(ConfigError, match="looks the same"):
        store.join(class_id, GREEK)


def test_the_unique_key_holds_after_the_migration(location):
    class_id = _version_6_store(location)
    store = Store(location)
    with pytest.raises(Exception, match="(?i)unique constraint"):  # the database's own error, named per backend
        store.db.execute("INSERT INTO learners (class_id, name, name_key, name_skeleton, rejoin_hash, created_at) "
                         "VALUES (?, ?, ?, ?, 'x', 0)", (class_id, "Ana ", "ana ", "ana"))


def test_renaming_one_of_a_pair_resolves_it(location):
    class_id = _version_6_store(location)
    store = Store(location)
    store.rename(class_id, CYRILLIC, "Anya")
    assert store.name_collisions() == []
    with pytest.raises(ConfigError, match="looks the same"):
        store.join(class_id, CYRILLIC)  # Ana holds the key: a new look-alike is still refused


def test_forgetting_the_first_of_a_pair_gives_the_other_the_key(location, monkeypatch):
    class_id = _version_6_store(location)
    store = Store(location)
    store.forget(class_id, LATIN)
    assert store.name_collisions() == []
    with pytest.raises(ConfigError, match=f"looks the same as {CYRILLIC!r}"):
        store.join(class_id, GREEK)


def test_class_list_names_the_pair_and_how_to_resolve_it(location):
    _version_6_store(location)
    res = run("class", "list", "--db", location)
    text = " ".join(res.stdout.split())
    assert res.exit_code == 0, res.output
    assert f"look-alike names in physics 2a: {LATIN!r} and {CYRILLIC!r} look the same" in text
    assert f"actlab class rename 'physics 2a' {CYRILLIC!r} NEW" in text
    rows = json.loads(run("class", "list", "--db", location, "--json").stdout)
    assert [r["look_alikes"] for r in rows] == [[[LATIN, CYRILLIC]], []]


def test_the_lab_names_the_pair_when_it_starts(location, monkeypatch):
    import uvicorn

    _version_6_store(location)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)  # started, not served
    monkeypatch.setattr("actlab.cli.lab._one_blas_thread", lambda: None)  # process-wide: not in the test process
    res = run("lab", "--no-browser", "--db", location)
    assert res.exit_code == 0, res.output
    assert f"{LATIN!r} and {CYRILLIC!r} look the same" in " ".join(res.stdout.split())
