"""The learner a cookie names, in the one query the lab's class gate makes for every request (on its event loop):
the learner's row and whether their class is still open, on both backends."""

from __future__ import annotations

import pytest

from actlab.store import LearnerRecord, Store
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with database(request.param, tmp_path) as location:
        yield Store(location)


def test_a_joined_learner_is_found_with_their_class(store):
    klass, _ = store.create_class("optics")
    ana, _ = store.join(klass.id, "Ana")
    assert store.joined_learner(ana.id) == LearnerRecord(ana.id, klass.id, "Ana")
    assert store.joined_learner(ana.id) == store.learner_by_id(ana.id)


def test_an_archived_class_or_a_forgotten_learner_is_not_found(store):
    klass, _ = store.create_class("optics")
    ana, _ = store.join(klass.id, "Ana")
    bob, _ = store.join(klass.id, "Bob")
    store.forget(klass.id, "Bob")
    assert store.joined_learner(bob.id) is None
    store.set_archived(klass.id)
    assert store.joined_learner(ana.id) is None
    store.set_archived(klass.id, False)
    assert store.joined_learner(ana.id) is not None
    assert store.joined_learner(10_000) is None
