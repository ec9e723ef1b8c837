"""A merge can be undone (issue 16, brief C10 item 5; walkthrough W8 found it could not: the store kept no record of
which rows a merge moved). Store.merge records the rows it moved, each with the name it had, and the learner it
removed; `actlab class unmerge NAME SOURCE` puts exactly that back (the rows' names, the learner's id, rejoin code
and session, so their browser is let in again) and refuses, changing nothing, when a moved row has changed since or
the name is taken again. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from actlab.classroom import copy_store
from actlab.errors import ConfigError
from actlab.store import Store
from cli._class_cli import run
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def merged(request, tmp_path):
    """(location, store, class, Chen's rejoin code, the tables before the merge): Chen (who also has a row stored
    under the older spelling 'CHEN', a hint and a solution view) merged into Ana."""
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, _ = store.create_class("physics 2a")
        store.join(klass.id, "Ana")
        _, code = store.join(klass.id, "Chen")
        for who, answer in (("Ana", "0.3"), ("Chen", "0.25"), ("CHEN", "0.2"), ("Chen", "0.1")):
            store.record_attempt(who, "ex5", [answer], {"status": "incorrect", "feedback": ""}, class_id=klass.id)
        store.record_event("Chen", "ex5", "hint", 1, class_id=klass.id)
        store.record_event("Chen", "ex5", "solution", class_id=klass.id)
        before = _tables(store, klass.id)
        assert store.merge(klass.id, "Chen", "Ana") == 5
        yield location, store, klass, code, before


def _tables(store: Store, class_id: int) -> dict:
    return {"attempts": store.db.execute("SELECT id, learner, class_number FROM attempts WHERE class_id = ? "
                                         "ORDER BY id", (class_id,)),
            "events": store.db.execute("SELECT id, learner, kind FROM events WHERE class_id = ? ORDER BY id",
                                       (class_id,)),
            "learners": store.db.execute("SELECT id, name, name_key, name_skeleton, rejoin_hash, created_at, "
                                         "session_version FROM learners WHERE class_id = ? ORDER BY id", (class_id,))}


def test_unmerge_puts_back_exactly_what_the_merge_moved(merged):
    location, store, klass, code, before = merged
    chen_id = before["learners"][1][0]
    assert store.merged_into(chen_id) == "Ana"
    store.record_attempt("Ana", "ex5", ["0.25"], {"status": "correct", "feedback": ""}, class_id=klass.id)  # after
    res = run("class", "unmerge", "physics 2a", "chen", "--db", str(location))
    assert res.exit_code == 0, res.output
    assert " ".join(res.output.split()) == (
        "undid the merge of Chen into Ana in physics 2a: 5 records moved back (attempts, hints and solution views). "
        "Chen is a learner again: their rejoin code works, and a browser that had joined as them is let in again.")
    after = _tables(store, klass.id)
    assert after["learners"] == before["learners"]  # the same id, key, rejoin code, session: their cookie works
    assert after["events"] == before["events"]
    assert after["attempts"][:-1] == before["attempts"]  # every row's name as before ('CHEN' too), numbers kept
    assert after["attempts"][-1][1:] == ("Ana", 5)  # Ana's answer after the merge stays hers
    assert store.merged_into(chen_id) is None
    assert store.joined_learner(chen_id).name == "Chen"
    back, new_code = store.join(klass.id, "Chen", code)  # the rejoin code shown at joining works again
    assert back.id == chen_id and new_code is None
    with pytest.raises(ConfigError, match="no merge of 'Chen' is recorded in this class"):
        store.unmerge(klass.id, "Chen")  # undone once


def test_unmerge_refuses_when_moved_rows_changed_and_changes_nothing(merged):
    _, store, klass, _, _ = merged
    store.rename(klass.id, "Ana", "Anna")
    now = _tables(store, klass.id)
    with pytest.raises(ConfigError) as refused:
        store.unmerge(klass.id, "Chen")
    assert str(refused.value) == (
        "learner: 5 of the 5 records the merge of 'Chen' into 'Ana' moved have changed since: 5 under another name "
        "(a rename or another merge). Undoing it would not put back what was moved, so nothing was changed")
    assert _tables(store, klass.id) == now
    store.reset(klass.id)
    with pytest.raises(ConfigError, match=r"5 of the 5 records .* 5 deleted \(a forget or a reset\)\. Undoing"):
        store.unmerge(klass.id, "Chen")


def test_unmerge_refuses_a_name_taken_again(merged):
    location, store, klass, _, _ = merged
    store.join(klass.id, "chen")  # someone joined under the name since
    now = _tables(store, klass.id)
    res = run("class", "unmerge", "physics 2a", "Chen", "--db", str(location))
    assert res.exit_code == 2
    assert ("'chen' has joined this class since 'Chen' was merged into 'Ana', and two learners cannot share a name: "
            "rename 'chen' first (actlab class rename), then undo the merge; nothing was changed") in \
        " ".join(res.output.split())
    assert _tables(store, klass.id) == now
    store.rename(klass.id, "chen", "Chen B")
    assert store.unmerge(klass.id, "Chen") == ("Chen", "Ana", 5)


def test_forgetting_the_learner_merged_into_drops_the_record_with_its_names(merged):
    _, store, klass, _, _ = merged
    store.forget(klass.id, "Ana")
    assert store.db.execute("SELECT COUNT(*) FROM merges")[0][0] == 0
    with pytest.raises(ConfigError, match="no merge of 'Chen' is recorded"):
        store.unmerge(klass.id, "Chen")


def test_a_copied_store_keeps_its_merges(merged, tmp_path):
    _, store, klass, _, before = merged
    with database("sqlite", tmp_path / "copy") as target_location:
        target = Store(target_location)
        copy_store(store, target)
        assert target.unmerge(klass.id, "Chen") == ("Chen", "Ana", 5)
        assert _tables(target, klass.id) == before


def test_merging_older_spellings_of_one_name_is_undone_too(tmp_path):
    with database("sqlite", tmp_path) as location:
        store = Store(location)
        klass, _ = store.create_class("physics 2a")
        store.join(klass.id, "Ana")
        store.record_attempt("ANA", "ex5", ["1"], {"status": "incorrect", "feedback": ""}, class_id=klass.id)
        assert store.merge(klass.id, "ana", "Ana") == 1
        assert store.db.execute("SELECT learner FROM attempts") == [("Ana",)]
        assert store.unmerge(klass.id, "Ana") == ("Ana", "Ana", 1)
        assert store.db.execute("SELECT learner FROM attempts") == [("ANA",)]


def test_unmerge_without_a_recorded_merge_says_so(tmp_path):
    with database("sqlite", tmp_path) as location:
        Store(location).create_class("physics 2a")
        res = run("class", "unmerge", "physics 2a", "Chen", "--db", str(location))
    assert res.exit_code == 2
    assert ("no merge of 'Chen' is recorded in this class, so there is nothing to undo (merges made before actlab "
            "recorded them cannot be undone)") in " ".join(res.output.split())
