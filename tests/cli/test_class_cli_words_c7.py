"""`actlab class rename` says the names as stored, and a declined confirmation says that nothing changed (issue 16,
brief C7 item 4). rename echoed the names as typed ("ana is now   zoë   b"), while the class shows them normalised
("Ana is now zoë b"); answering no to `class reset` (and to forget and merge) printed nothing at all. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from actlab.cli import app
from actlab.exercises.service import check_and_record
from actlab.store import Store
from databases import BACKENDS

from ._class_cli import class_with, run, runner


@pytest.fixture(params=BACKENDS)
def physics(request, tmp_path):
    """(store location, class) where Ana joined and answered once, and Bob joined."""
    with class_with(request.param, tmp_path, "physics", "Ana") as (db, klass):
        store = Store(db)
        store.join(klass.id, "Bob")
        check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id)
        yield str(db), klass


def test_rename_says_the_names_as_the_class_shows_them(physics):
    db, klass = physics
    res = run("class", "rename", "physics", "ana", "  zo\u00eb   b ", "--db", db)
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "Ana is now zo\u00eb b in physics"
    assert [r.name for r in Store(db).learners(klass.id)] == ["zo\u00eb b", "Bob"]


@pytest.mark.parametrize("args, said", [
    (("reset", "physics"), "nothing was reset: every answer, hint and solution view in physics is kept"),
    (("forget", "physics", "Ana"), "nothing was deleted: Ana and their answers stay in physics"),
    (("merge", "physics", "Bob", "Ana"), "nothing was merged: Bob and Ana stay two learners in physics"),
])
def test_answering_no_says_nothing_changed(physics, args, said):
    db, klass = physics
    res = runner.invoke(app, ["class", *args, "--db", db], input="n\n", env={"COLUMNS": "200"})
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == said, res.output
    store = Store(db)
    assert len(store.attempts("Ana", class_id=klass.id)) == 1 and len(store.learners(klass.id)) == 2
