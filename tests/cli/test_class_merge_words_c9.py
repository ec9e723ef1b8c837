"""`actlab class merge` says the stored names and how a merge is undone (issue 16, brief C9 item 7, teacher
walkthrough W8): it echoed the names as typed ("merged chen into zoë ob"). C9 said a merge cannot be undone (the
store did not keep which answers were moved); since C10 item 5 the store records each merge and `actlab class
unmerge` undoes it (tests/cli/test_class_unmerge_c10.py), so the help, the question and the answer say how.
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from actlab.store import Store
from cli._class_cli import class_with, run
from databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_merge_says_the_stored_names_and_how_to_undo_it(backend, tmp_path):
    with class_with(backend, tmp_path, "physics 2a", "Zoë OB") as (db, klass):
        store = Store(db)
        store.join(klass.id, "Chen")
        store.record_attempt("Chen", "ex5", ["0.25"], {"status": "correct", "feedback": ""}, class_id=klass.id)
        asked = run("class", "merge", "physics 2a", "chen", "zoë ob", "--db", str(db))  # answered no (no input)
        question = " ".join(asked.output.split())
        assert ("Move every answer of 'Chen' to 'Zoë OB' in 'physics 2a' and remove 'Chen'? Chen's rejoin code stops "
                "working, and their pages tell them to join as Zoë OB. 'actlab class unmerge' undoes it as long as the "
                "moved answers are not changed since (by a rename, forget or reset).") in question
        assert [r.name for r in Store(db).learners(klass.id)] == ["Zoë OB", "Chen"]
        res = run("class", "merge", "physics 2a", "chen", "zoë ob", "--yes", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert " ".join(res.output.split()) == (
            "merged Chen into Zoë OB in physics 2a: 1 record moved (attempts, hints and solution views); Chen's pages "
            "and rejoin code now tell them to join as Zoë OB. To undo it: actlab class unmerge 'physics 2a' Chen")
        helped = " ".join(run("class", "merge", "--help").output.split())
        assert "`actlab class unmerge NAME SOURCE` undoes it" in helped


def test_merging_older_spellings_of_one_name_says_so(backend, tmp_path):
    with class_with(backend, tmp_path, "physics 2a", "Ana") as (db, klass):
        store = Store(db)
        store.db.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, class_id) "
                         "VALUES ('ANA', 'ex5', ?, 'incorrect', '', 0, ?)", ('["1"]', klass.id))
        res = run("class", "merge", "physics 2a", "ana", "Ana", "--yes", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert " ".join(res.output.split()) == ("merged the rows stored under other spellings of Ana into Ana in "
                                                "physics 2a: 1 record moved (attempts, hints and solution views)")
