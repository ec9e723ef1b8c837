"""`actlab class merge` says the stored names and that a merge cannot be undone (issue 16, brief C9 item 7, teacher
walkthrough W8): it echoed the names as typed ("merged chen into zoë ob") and its question did not say that the
merge is for good. There is no undo: the store does not keep which answers were moved, so it cannot split them
again exactly; the help and the question say so. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from actlab.store import Store
from cli._class_cli import class_with, run
from databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_merge_says_the_stored_names_and_that_it_cannot_be_undone(backend, tmp_path):
    with class_with(backend, tmp_path, "physics 2a", "Zoë OB") as (db, klass):
        store = Store(db)
        store.join(klass.id, "Chen")
        store.record_attempt("Chen", "ex5", ["0.25"], {"status": "correct", "feedback": ""}, class_id=klass.id)
        asked = run("class", "merge", "physics 2a", "chen", "zoë ob", "--db", str(db))  # answered no (no input)
        question = " ".join(asked.output.split())
        assert ("Move every answer of 'Chen' to 'Zoë OB' in 'physics 2a' and remove 'Chen'? This cannot be undone: "
                "afterwards the moved answers cannot be told apart from Zoë OB's own. Chen's rejoin code stops "
                "working, and their pages tell them to join as Zoë OB.") in question
        assert [r.name for r in Store(db).learners(klass.id)] == ["Zoë OB", "Chen"]
        res = run("class", "merge", "physics 2a", "chen", "zoë ob", "--yes", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert " ".join(res.output.split()) == (
            "merged Chen into Zoë OB in physics 2a: 1 record moved (attempts, hints and solution views). This cannot "
            "be undone; Chen's pages and rejoin code now tell them to join as Zoë OB.")
        assert "cannot be undone" in " ".join(run("class", "merge", "--help").output.split())


def test_merging_older_spellings_of_one_name_says_so(backend, tmp_path):
    with class_with(backend, tmp_path, "physics 2a", "Ana") as (db, klass):
        store = Store(db)
        store.db.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, class_id) "
                         "VALUES ('ANA', 'ex5', ?, 'incorrect', '', 0, ?)", ('["1"]', klass.id))
        res = run("class", "merge", "physics 2a", "ana", "Ana", "--yes", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert " ".join(res.output.split()) == ("merged the rows stored under other spellings of Ana into Ana in "
                                                "physics 2a: 1 record moved (attempts, hints and solution views)")
