"""An archived class takes no new learners and no answers, from the command line or the browser's join form; its
records stay readable and exportable (issue 16, walkthrough W4, brief C6 item 1). Both store backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.errors import ConfigError
from actlab.store import Store
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def archived(request, tmp_path):
    """(db, class): Ana joined and answered once, then the teacher archived the class."""
    with database(request.param, tmp_path) as db:
        store = Store(db)
        klass, _ = store.create_class("bio 1")
        store.join(klass.id, "Ana")
        store.record_attempt("Ana", "ex2", ["x"], {"status": "incorrect", "feedback": ""}, class_id=klass.id)
        res = run("class", "archive", klass.code, "--db", db)
        assert res.exit_code == 0 and "no new learners or answers" in res.output, res.output
        yield db, klass


def check(db, code, learner, *extra):
    return run("exercise", "check", "2", "--answer", "0.25", "--learner", learner, "--class", code, "--join",
               "--db", db,
               *extra)


def test_a_new_learner_cannot_join_an_archived_class_from_the_cli(archived):
    db, klass = archived
    res = check(db, klass.code, "Zed")
    assert res.exit_code != 0
    assert "archived" in res.output and "no new learners or answers" in res.output
    assert "joined" not in res.output
    store = Store(db)
    assert [r.name for r in store.learners(klass.id)] == ["Ana"]
    assert len(store.graded_attempts(klass.id)) == 1


def test_a_learner_of_an_archived_class_cannot_answer_or_ask_for_hints(archived):
    db, klass = archived
    for extra in ((), ("--hint", "1"), ("--solution",)):
        res = check(db, klass.code, "Ana", *extra)
        assert res.exit_code != 0 and "archived" in res.output, (extra, res.output)
    store = Store(db)
    assert len(store.graded_attempts(klass.id)) == 1 and store.events(klass.id) == []


def test_the_store_refuses_records_into_an_archived_class(archived):
    db, klass = archived
    store = Store(db)
    with pytest.raises(ConfigError, match="archived"):
        store.join(klass.id, "Zed")
    with pytest.raises(ConfigError, match="archived"):
        store.record_attempt("Ana", "ex2", ["x"], {"status": "incorrect", "feedback": ""}, class_id=klass.id)
    with pytest.raises(ConfigError, match="archived"):
        store.record_event("Ana", "ex2", "hint", 1, class_id=klass.id)
    store.record_attempt("Ana", "ex2", ["x"], {"status": "incorrect", "feedback": ""})  # the local lab still records


def test_the_browser_join_form_says_the_class_is_archived(archived):
    db, klass = archived
    c = TestClient(create_app(db_path=db, allow_hosts=("testserver",)))
    res = c.post("/api/class/join", json={"code": klass.code, "name": "Zed"})
    assert res.status_code == 404 and "archived" in res.json()["detail"], res.text
    assert [r.name for r in Store(db).learners(klass.id)] == ["Ana"]


def test_an_archived_class_stays_readable_and_exportable_and_can_reopen(archived):
    db, klass = archived
    res = run("class", "export", klass.code, "--db", db, "--format", "json")
    assert res.exit_code == 0 and "Ana" in res.output, res.output
    res = run("class", "archive", klass.code, "--undo", "--db", db)
    assert res.exit_code == 0, res.output
    assert check(db, klass.code, "Zed").exit_code == 0  # open again: Zed joins and answers
    assert len(Store(db).graded_attempts(klass.id)) == 2
