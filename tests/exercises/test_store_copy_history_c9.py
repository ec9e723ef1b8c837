"""`actlab class copy` carries the rename history and the forgotten learners' notes (issue 16, brief C9 items 1 and
4): a store moved from SQLite to PostgreSQL still brings a renamed learner back by her old name and rejoin code, and
still tells a forgotten learner's old code what happened. Target on both backends (fixture ``location``)."""

from __future__ import annotations

import pytest

from actlab.classroom import copy_store
from actlab.errors import ConfigError
from actlab.store import Store
from databases import database


def test_a_copied_store_keeps_former_names_and_forgotten_learners(location, tmp_path):
    with database("sqlite", tmp_path / "source") as source_path:
        source = Store(source_path)
        klass, _ = source.create_class("physics 2a")
        _, zoe_code = source.join(klass.id, "Zoë")
        ben, ben_code = source.join(klass.id, "Ben")
        source.rename(klass.id, "Zoë", "Zoë OB")
        source.forget(klass.id, "Ben")
        target = Store(location)
        counts = copy_store(source, target)
        assert counts["former_names"] == 1 and counts["forgotten_learners"] == 1
        moved = target.get_class("physics 2a")
        back, _ = target.join(moved.id, "zoë", zoe_code)
        assert (back.name, back.renamed_from) == ("Zoë OB", "Zoë")
        assert target.forgotten_in(ben.id) == moved.id
        with pytest.raises(ConfigError, match="your teacher removed the learner this rejoin code belonged to"):
            target.join(moved.id, "Ben", ben_code)
        newcomer, _ = target.join(moved.id, "Cy")  # a new learner's id is drawn past the copied ones
        assert newcomer.id > ben.id


def test_a_copied_store_never_gives_a_merged_learners_id_again(location, tmp_path):
    """The id a merged learner's cookie names went to the next learner after a copy (both backends' sequences
    followed the learners table only), so that cookie signed in as them."""
    with database("sqlite", tmp_path / "source") as source_path:
        source = Store(source_path)
        klass, _ = source.create_class("physics 2a")
        source.join(klass.id, "Ana")
        nia2, _ = source.join(klass.id, "Nia2")
        source.merge(klass.id, "Nia2", "Ana")
        target = Store(location)
        copy_store(source, target)
        cy, _ = target.join(target.get_class("physics 2a").id, "Cy")
        assert cy.id > nia2.id and target.merged_into(nia2.id) == "Ana"
        assert [learner.name for learner in target.learners(cy.class_id)] == ["Ana", "Cy"]  # no placeholder left
