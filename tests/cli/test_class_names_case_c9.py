"""Class names are told apart as learners' names are (issue 16, brief C9 item 2, teacher walkthrough W8). With
"physics 2a" in the store, `actlab class create "Physics 2A"` made a second class; `class export "Physics 2A"` then
exported the new empty one and `progress --class "PHYSICS 2A"` found neither. Now create refuses the near-duplicate,
every lookup matches the name ignoring case and spacing, and a store that already holds two such classes (made
before) is asked which one by its code: no lookup picks one silently, and opening the store merges or renames
nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from actlab.errors import ConfigError
from actlab.store import Store, hash_token
from cli._class_cli import class_with, run
from databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_a_class_name_differing_only_in_case_is_refused_and_found(backend, tmp_path):
    with class_with(backend, tmp_path, "physics 2a", "Ana") as (db, klass):
        res = run("class", "create", "Physics  2A", "--db", str(db))
        assert res.exit_code != 0
        assert ("a class named 'physics 2a' exists already (class names are told apart ignoring case and spacing, "
                "as learners' names are); choose another name") in res.output
        assert [c.name for c in Store(db).classes()] == ["physics 2a"]
        res = run("class", "create", "physics 2a", "--db", str(db))
        assert "a class named 'physics 2a' exists already; choose another name" in res.output
        res = run("progress", "--class", "PHYSICS 2A", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert "Ana" in res.output
        res = run("class", "export", "Physics 2A", "--db", str(db))
        assert res.exit_code == 0 and "Ana" in res.output, res.output


def test_two_such_classes_from_before_are_asked_for_by_code(backend, tmp_path):
    with class_with(backend, tmp_path, "physics 2a", "Ana") as (db, first):
        store = Store(db)
        # what the previous create allowed: a second class whose name differs only in case
        store.db.execute("INSERT INTO classes (name, code, token_hash, created_at) VALUES (?, ?, ?, ?)",
                         ("Physics 2A", "QQQ222", hash_token("t"), time.time()))
        store = Store(db)  # opened again: nothing merged or renamed
        assert [(c.name, c.code) for c in store.classes()] == [("physics 2a", first.code), ("Physics 2A", "QQQ222")]
        for typed in ("Physics 2A", "physics 2a", "PHYSICS 2A"):
            with pytest.raises(ConfigError, match="2 classes have the name"):
                store.find_class(typed)
            for command in (("class", "export", typed), ("progress", "--class", typed)):
                res = run(*command, "--db", str(db))
                assert res.exit_code != 0, res.output
                assert (f"2 classes have the name {typed!r} when case and spacing are ignored: 'physics 2a' (code "
                        f"{first.code}) and 'Physics 2A' (code QQQ222); give the join code of the one you mean "
                        "instead of its name") in " ".join(res.output.split())
        assert store.find_class("qqq-222").name == "Physics 2A"
        res = run("class", "export", first.code, "--db", str(db))
        assert res.exit_code == 0 and "Ana" in res.output
