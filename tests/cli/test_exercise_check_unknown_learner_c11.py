"""'actlab exercise check --class' records only as a learner of the class unless --join is given (issue 16, brief C11
item 5): '--learner nobody' made a learner 'nobody' (stderr: 'nobody joined ...'); now it is refused with the close
names, and --join adds the learner as before. Both store backends."""

from __future__ import annotations

import pytest

from actlab.store import Store
from cli._class_cli import run
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def klass(request, tmp_path):
    """(db, class): Nora and Bob joined Physics 2A."""
    with database(request.param, tmp_path) as db:
        store = Store(db)
        made, _ = store.create_class("Physics 2A")
        for name in ("Nora", "Bob"):
            store.join(made.id, name)
        yield db, made


def check(db, code, learner, *extra):
    return run("exercise", "check", "ex8", "-a", "1", "--learner", learner, "--class", code, "--db", db, *extra)


def _state(db, made):
    store = Store(db)
    return [r.name for r in store.learners(made.id)], len(store.graded_attempts(made.id))


def test_an_unknown_learner_is_refused_with_the_close_names(klass):
    db, made = klass
    res = check(db, made.code, "nobody")
    out = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert "no learner 'nobody' in Physics 2A; its learners: Nora, Bob. To add 'nobody' to the class as a new " \
           "learner, add --join" in out, out
    assert "joined" not in out
    res = check(db, made.code, "Norah")
    assert "did you mean 'Nora'?" in " ".join(res.output.split()), res.output
    for i in range(20):
        Store(db).join(made.id, f"Pupil {i}")
    res = check(db, made.code, "Zaphod")
    out = " ".join(res.output.split())
    assert "no learner 'Zaphod' in Physics 2A; none of its 22 learners has a name close to it" in out, out
    assert _state(db, made) == (["Nora", "Bob", *(f"Pupil {i}" for i in range(20))], 0)


def test_join_adds_the_learner_and_a_known_learner_needs_no_join(klass):
    db, made = klass
    res = check(db, made.code, "nobody", "--join")
    assert res.exit_code in (0, 1) and "nobody joined Physics 2A; rejoin code" in res.stderr, res.output
    res = check(db, made.code, "nora")  # matched as the join form matches names
    assert res.exit_code in (0, 1) and "joined" not in res.output, res.output
    assert _state(db, made) == (["Nora", "Bob", "nobody"], 2)
