"""A learner's name before a rename stays theirs (issue 16, brief C11 item 2): after 'class rename ... Eve Evelyn'
a newcomer cannot join as Eve without Eve's rejoin code, the real Eve rejoins with it, and the teacher gives the
name away only by renaming another learner to it. Both store backends, the store, the CLI and the join API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.errors import ConfigError
from actlab.store import Store, WrongRejoinCode
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def renamed(request, tmp_path):
    """(db, class, Eve's rejoin code): Eve and Dana joined, then the teacher renamed Eve to Evelyn."""
    with database(request.param, tmp_path) as db:
        store = Store(db)
        klass, _ = store.create_class("Physics 2A")
        _, eve_code = store.join(klass.id, "Eve")
        store.join(klass.id, "Dana")
        res = run("class", "rename", "Physics 2A", "Eve", "Evelyn", "--db", db)
        assert res.exit_code == 0 and "Eve is now Evelyn" in res.output, res.output
        yield db, klass, eve_code


def test_a_newcomer_cannot_take_a_former_name(renamed):
    db, klass, _ = renamed
    store = Store(db)
    for typed in ("Eve", "eve", " EVE "):
        with pytest.raises(ConfigError, match="it was the name of a learner your teacher has renamed since") as exc:
            store.join(klass.id, typed)
        assert exc.value.field == "name" and "Evelyn" not in str(exc.value)
    assert sorted(r.name for r in store.learners(klass.id)) == ["Dana", "Evelyn"]


def test_the_real_learner_rejoins_by_the_former_name_with_their_code(renamed):
    db, klass, eve_code = renamed
    store = Store(db)
    learner, code = store.join(klass.id, "Eve", eve_code)
    assert (learner.name, learner.renamed_from, code) == ("Evelyn", "Eve", None)
    with pytest.raises(ConfigError):
        store.join(klass.id, "Eve", "AAAAAAAA")  # another code does not


def test_the_join_api_answers_409_asking_for_the_code_and_lets_the_real_learner_in(renamed):
    db, klass, eve_code = renamed
    c = TestClient(create_app(db_path=db, allow_hosts=("testserver",)))
    res = c.post("/api/class/join", json={"code": klass.code, "name": "Eve"})
    assert res.status_code == 409 and "give the rejoin code" in res.json()["detail"], res.text
    res = c.post("/api/class/join", json={"code": klass.code, "name": "Eve", "rejoin_code": eve_code})
    assert res.status_code == 200 and res.json()["learner"] == "Evelyn", res.text


def test_renaming_another_learner_to_it_gives_it_away_and_says_so(renamed):
    db, klass, eve_code = renamed
    res = run("class", "rename", "Physics 2A", "Dana", "Eve", "--db", db)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "Dana is now Eve in Physics 2A" in out
    assert "Eve was kept for Evelyn, who had it before a rename; it is Eve's now, and Evelyn rejoins as Evelyn." in out
    store = Store(db)
    assert store.former_holder(klass.id, "Eve") is None
    with pytest.raises(WrongRejoinCode):  # Eve now is Dana: Evelyn's code does not open it
        store.join(klass.id, "Eve", eve_code)
    assert store.join(klass.id, "Evelyn", eve_code)[0].name == "Evelyn"


def test_renaming_the_learner_back_says_nothing_more(renamed):
    db, _, _ = renamed
    res = run("class", "rename", "Physics 2A", "Evelyn", "Eve", "--db", db)
    assert res.exit_code == 0 and res.output.strip() == "Evelyn is now Eve in Physics 2A", res.output


def test_a_name_taken_before_names_were_kept_still_lets_its_former_learner_in(renamed):
    """A class where a newcomer took the name before this version: the real learner's code brings them back."""
    db, klass, eve_code = renamed
    store = Store(db)
    store.db.execute("DELETE FROM former_names")
    store.join(klass.id, "Eve")  # the newcomer, as before
    store.db.execute("INSERT INTO former_names (learner_id, class_id, name, name_key, renamed_at) SELECT id, "
                     "class_id, 'Eve', 'eve', 0 FROM learners WHERE name = 'Evelyn'")
    learner, _ = store.join(klass.id, "Eve", eve_code)
    assert (learner.name, learner.renamed_from) == ("Evelyn", "Eve")


def test_the_rename_help_says_the_old_name_stays_theirs():
    res = run("class", "rename", "--help")
    out = " ".join(res.output.replace("│", " ").split())
    assert "The old name stays theirs: nobody else joins as it without their rejoin code, until you rename another " \
           "learner to it, which gives it to that learner." in out, out
