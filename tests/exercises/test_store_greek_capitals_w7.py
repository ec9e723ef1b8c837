"""A Greek capital drawn like a Latin capital is a look-alike even where its small letter is not (walkthrough W7:
with "Zoe" in the class, "Ζoe" with a Greek capital Zeta joined, and the teacher saw two rows reading "Zoe"). The
skeleton is taken as the name is shown, before case folding. Both store backends."""

from __future__ import annotations

import pytest

from actlab.errors import ConfigError
from actlab.store import Store, name_skeleton

# (a Latin name, the same name drawn with a Greek capital) — each pair reads the same on screen
PAIRS = [("Zoe", "\u0396oe"), ("Hal", "\u0397al"), ("Mia", "\u039cia"), ("Ned", "\u039ded"), ("Yann", "\u03a5ann")]


@pytest.mark.parametrize(("latin", "greek"), PAIRS)
def test_the_skeletons_of_a_greek_capital_and_its_latin_twin_match(latin, greek):
    assert greek != latin and greek.casefold() != latin.casefold()
    assert name_skeleton(greek) == name_skeleton(latin)


@pytest.mark.parametrize(("latin", "greek"), PAIRS)
def test_a_greek_capital_look_alike_is_refused_in_either_order(location, latin, greek):
    store = Store(location)
    klass, _ = store.create_class("bio 7")
    for first, second in ((latin, greek), (greek, latin)):
        other, _ = store.create_class(f"bio 7 {first}")
        store.join(other.id, first)
        with pytest.raises(ConfigError, match="looks the same"):
            store.join(other.id, second)
        assert [r.name for r in store.learners(other.id)] == [first]


def test_greek_names_that_look_like_no_one_else_still_join(location):
    store = Store(location)
    klass, _ = store.create_class("bio 7")
    for name in ("Ζωή", "Νίκος", "Ηλίας", "Zoe"):
        store.join(klass.id, name)
    assert sorted(r.name for r in store.learners(klass.id)) == sorted(["Ζωή", "Νίκος", "Ηλίας", "Zoe"])
