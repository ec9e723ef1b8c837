"""An archived class is read-only from the command line as it is on the web (issue 16, brief C11 item 1): every
command that changes the class refuses it, with the store's words, and changes nothing; forget, a new teacher token
and reopening still work (a request to be forgotten and a leaked token do not wait). Both store backends."""

from __future__ import annotations

import json

import pytest

from actlab.errors import ConfigError
from actlab.store import Store
from cli._class_cli import run
from databases import BACKENDS, database

REFUSED = "is archived, so nothing in it can be changed"


@pytest.fixture(params=BACKENDS)
def archived(request, tmp_path):
    """(db, class): Dana and Eve joined and answered, the playground has lr 0.1, one merge is recorded (Eve2 into
    Eve), then the class was archived."""
    with database(request.param, tmp_path) as db:
        store = Store(db)
        klass, _ = store.create_class("Physics 2A")
        for name in ("Dana", "Eve", "Eve2"):
            store.join(klass.id, name)
            store.record_attempt(name, "ex2", ["x"], {"status": "incorrect", "feedback": ""}, class_id=klass.id)
        assert run("class", "playground", "Physics 2A", "--set", "lr=0.1", "--db", db).exit_code == 0
        assert run("class", "merge", "Physics 2A", "Eve2", "Eve", "--yes", "--db", db).exit_code == 0
        assert run("class", "archive", "Physics 2A", "--db", db).exit_code == 0
        yield db, klass


def _state(db, klass) -> tuple:
    store = Store(db)
    return ([r.name for r in store.learners(klass.id)], len(store.graded_attempts(klass.id)),
            store.class_playground(klass.id), store.db.execute("SELECT id, rejoin_hash, session_version FROM "
                                                               "learners ORDER BY id"))


CHANGES = [
    ("playground", "Physics 2A", "--set", "lr=0.3"),
    ("playground", "Physics 2A", "--pin", "lr"),
    ("playground", "Physics 2A", "--clear"),
    ("rename", "Physics 2A", "Dana", "Dana2"),
    ("merge", "Physics 2A", "Dana", "Eve", "--yes"),
    ("merge", "Physics 2A", "Dana", "Eve"),  # refused before the question is asked
    ("unmerge", "Physics 2A", "Eve2"),
    ("rejoin-code", "Physics 2A", "Dana"),
    ("reset", "Physics 2A", "--yes"),
    ("reset", "Physics 2A"),
]


@pytest.mark.parametrize("args", CHANGES, ids=lambda a: " ".join(a[:1] + a[2:]))
def test_every_changing_command_refuses_an_archived_class_and_changes_nothing(archived, args):
    db, klass = archived
    before = _state(db, klass)
    res = run("class", *args, "--db", db)
    assert res.exit_code == 2, res.output
    assert f"class 'Physics 2A' {REFUSED}" in " ".join(res.output.split()), res.output
    assert "->" not in res.output and "?" not in res.output.split(REFUSED)[0]  # no change listed, no question asked
    assert _state(db, klass) == before


def test_the_store_refuses_the_changes_itself(archived):
    db, klass = archived
    store = Store(db)
    for change in (lambda: store.rename(klass.id, "Dana", "Dana2"), lambda: store.merge(klass.id, "Dana", "Eve"),
                   lambda: store.unmerge(klass.id, "Eve2"), lambda: store.new_rejoin_code(klass.id, "Dana"),
                   lambda: store.save_class_playground(klass.id, {"config": {}, "pinned": []}),
                   lambda: store.reset(klass.id)):
        with pytest.raises(ConfigError, match=REFUSED):
            change()


def test_reading_forgetting_a_new_token_and_reopening_still_work(archived):
    db, klass = archived
    res = run("class", "playground", "Physics 2A", "--db", db, "--json")
    assert res.exit_code == 0 and json.loads(res.output)["config"] == {"lr": 0.1}, res.output
    res = run("class", "token", "Physics 2A", "--rotate", "--db", db)
    assert res.exit_code == 0 and "new teacher token" in res.output, res.output
    res = run("class", "forget", "Physics 2A", "Dana", "--yes", "--db", db)
    assert res.exit_code == 0 and "forgot Dana" in res.output, res.output
    assert run("class", "archive", "Physics 2A", "--undo", "--db", db).exit_code == 0
    res = run("class", "rename", "Physics 2A", "Eve", "Evelyn", "--db", db)
    assert res.exit_code == 0 and "Eve is now Evelyn" in res.output, res.output
