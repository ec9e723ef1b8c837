"""A learner's name is matched the same way everywhere, ignoring case (store.name_key): `exercise check --learner
ana --class CODE` records under the "Ana" who joined in the browser, and `class forget` and `class merge` find that
learner, with every row stored under another spelling of the name (issue 16, walkthrough W4 item 5). Both store
backends."""

from __future__ import annotations

import pytest

from actlab.classroom import export_table, learner_rows
from actlab.store import Store, name_key
from cli._class_cli import class_with, run
from databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def joined(request, tmp_path):
    """(db, class) where "Ana" joined (as the browser's join form does)."""
    with class_with(request.param, tmp_path, "physics 2a", "Ana") as found:
        yield found


def check(db, code, learner, answer="0.25"):
    return run("exercise", "check", "1", "--answer", answer, "--learner", learner, "--class", code, "--join",
               "--db", db)


def test_name_key_is_the_one_rule():
    assert name_key(" Ana ") == name_key("ana") == name_key("ANA") == "ana"


def test_the_cli_records_under_the_learner_who_joined(joined):
    db, klass = joined
    for spelling in ("ana", "ANA"):
        res = check(db, klass.code, spelling)
        assert res.exit_code == 0, res.output
        assert "joined" not in res.output  # nobody new joined
    store = Store(db)
    assert [r.name for r in store.learners(klass.id)] == ["Ana"]
    assert {a["learner"] for a in store.graded_attempts(klass.id)} == {"Ana"}
    rows = learner_rows(store, klass.id)
    assert [r.learner for r in rows] == ["Ana"] and rows[0].cells["ex1"].attempts == 2
    assert [line[0] for line in export_table(store, klass.id)[1]] == ["Ana"]


def _stray(db, klass):
    """Rows the earlier command line stored under other spellings of Ana's name."""
    store = Store(db)
    verdict = {"status": "correct", "feedback": "", "parts": []}
    store.record_attempt("Ana", "ex1", ["0.25"], verdict, class_id=klass.id)
    store.record_attempt("ana", "ex1", ["0.25"], verdict, class_id=klass.id)
    store.record_event("ANA", "ex2", "hint", 1, class_id=klass.id)
    return store


def test_rows_under_another_spelling_count_for_the_learner(joined):
    db, klass = joined
    store = _stray(db, klass)
    rows = learner_rows(store, klass.id)
    assert [r.learner for r in rows] == ["Ana"]
    assert rows[0].cells["ex1"].attempts == 2 and rows[0].cells["ex2"].hints == 1
    summary = {r["exercise"]: r for r in store.class_summary(klass.id)}
    assert summary["ex1"]["learners"] == 1 and summary["ex1"]["attempts"] == 2  # one learner, not "Ana" and "ana"
    assert summary["ex2"]["hint_learners"] == 1


def test_merge_folds_the_other_spellings_into_the_joined_name(joined):
    db, klass = joined
    _stray(db, klass)
    res = run("class", "merge", klass.code, "ana", "Ana", "--db", db)
    assert res.exit_code == 0, res.output
    assert "2 records moved" in res.output
    store = Store(db)
    assert len(store.attempts("Ana", class_id=klass.id)) == 2
    stored = store.db.execute("SELECT learner FROM attempts UNION SELECT learner FROM events")
    assert {r[0] for r in stored} == {"Ana"}  # the rows themselves, not only the figures
    again = run("class", "merge", klass.code, "ana", "Ana", "--db", db)
    assert again.exit_code != 0 and "are one learner, 'Ana'" in again.output and "nothing to merge" in again.output


def test_forget_finds_the_learner_and_every_spelling(joined):
    db, klass = joined
    store = _stray(db, klass)
    store.join(klass.id, "Bea")
    store.record_attempt("Bea", "ex1", ["1"], {"status": "incorrect", "feedback": "", "parts": []}, class_id=klass.id)
    res = run("class", "forget", klass.code, "ana", "--db", db, "--yes")
    assert res.exit_code == 0, res.output
    assert "forgot Ana in physics 2a: 2 attempts and 1 hint or solution view deleted" in res.output
    assert [r.name for r in store.learners(klass.id)] == ["Bea"]
    assert {a["learner"] for a in store.graded_attempts(klass.id)} == {"Bea"}
    missing = run("class", "forget", klass.code, "Cy", "--db", db, "--yes")
    assert missing.exit_code != 0 and "no learner named 'Cy' in physics 2a; its learners: Bea" in missing.output
