"""A name with runs of spaces inside is matched as a page shows it (issue 16, brief C2 item 1): joining as
"  Zoë  O'Brien-Łukasz 🙂 " stores and shows "Zoë O'Brien-Łukasz 🙂", and rejoin, a new rejoin code, rename and the
command line find the learner by the name as shown. A store from before (schema 7) is migrated: such names are
rewritten as shown, and two learners that then share a name are reported, not a failed migration. Both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab import _db
from actlab.errors import ConfigError
from actlab.store import SCHEMA_VERSION, Store, migration_statements
from actlab.web.app import create_app
from cli._class_cli import run

TYPED = "  Zo\u00eb  O'Brien-\u0141ukasz \U0001f642 "
SHOWN = "Zo\u00eb O'Brien-\u0141ukasz \U0001f642"


def test_the_name_is_stored_as_shown_and_every_path_matches_it(location):
    store = Store(location)
    klass, _ = store.create_class("physics 2a")
    learner, code = store.join(klass.id, TYPED)
    assert learner.name == SHOWN and [x.name for x in store.learners(klass.id)] == [SHOWN]
    assert store.join(klass.id, SHOWN, code)[0].id == learner.id  # rejoin typed as shown
    assert store.join(klass.id, "zo\u00eb\u00a0o'brien-\u0142ukasz  \U0001f642", code)[0].id == learner.id
    with pytest.raises(ConfigError, match="cannot hold a tab"):
        store.join(klass.id, "Zo\u00eb\tO'Brien")
    with pytest.raises(ConfigError, match="is taken"):
        store.join(klass.id, SHOWN)
    found, new_code = store.new_rejoin_code(klass.id, SHOWN)
    assert found.id == learner.id and store.join(klass.id, SHOWN, new_code)[0].id == learner.id
    store.rename(klass.id, SHOWN, "Zo\u00eb   B")
    assert [x.name for x in store.learners(klass.id)] == ["Zo\u00eb B"]


def test_the_join_api_and_the_cli_use_the_name_as_shown(location):
    klass, _ = Store(location).create_class("physics 2a")
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    res = c.post("/api/class/join", json={"code": klass.code, "name": TYPED})
    assert res.status_code == 200, res.text
    code = res.json()["rejoin_code"]
    again = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    res = again.post("/api/class/join", json={"code": klass.code, "name": SHOWN, "rejoin_code": code})
    assert res.status_code == 200, res.text
    res = run("class", "rename", "physics 2a", SHOWN, "Zoe", "--db", location)
    assert res.exit_code == 0, res.stdout
    assert [x.name for x in Store(location).learners(klass.id)] == ["Zoe"]


def _version_8_store(location) -> int:
    """A store at schema version 8 (before names were stored as shown) holding "Zoë  O'Brien…" with its two spaces
    and an attempt under that name, and a pair "Ana  B" / "Ana B" that becomes one name; returns the class id."""
    db = _db.connect(location)
    assert db.get_version() == 0
    for i in range(8):
        for statement in migration_statements(i, db.dialect):
            db.execute(statement)
    db.set_version(8)
    db.execute("INSERT INTO classes (name, code, token_hash, created_at) VALUES ('physics 2a', 'PHYSIC', 'x', 0)")
    stored = TYPED.strip()
    for name in (stored, "Ana  B", "Ana B"):
        key = name.casefold()
        db.execute("INSERT INTO learners (class_id, name, name_key, name_skeleton, rejoin_hash, created_at) "
                   "VALUES (1, ?, ?, ?, 'x', 0)", (name, key, key))
    db.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, class_id) "
               "VALUES (?, '1', ?, 'correct', '', 0, 1)", (stored, '["relu"]'))
    return 1


def test_the_migration_stores_names_as_shown_and_reports_a_pair_instead_of_failing(location):
    class_id = _version_8_store(location)
    store = Store(location)
    assert store.version == SCHEMA_VERSION
    names = [x.name for x in store.learners(class_id)]
    assert names == [SHOWN, "Ana  B", "Ana B"]  # the pair's earlier one keeps its spelling: it is reported
    assert store.learner(class_id, SHOWN).name == SHOWN
    assert [a["answer"] for a in store.attempts(SHOWN, class_id=class_id)] == [["relu"]]
    assert [(a.name, b.name) for a, b in store.name_collisions(class_id)] == [("Ana B", "Ana  B")]
    assert store.learner(class_id, "Ana B").name == "Ana B"
    assert store.learner(class_id, "Ana  B").name == "Ana  B"  # reached by its stored spelling
    store.rename(class_id, "Ana B", "Ana C")
    assert store.name_collisions(class_id) == []
    assert [x.name for x in store.learners(class_id)] == [SHOWN, "Ana B", "Ana C"]  # now stored as shown
