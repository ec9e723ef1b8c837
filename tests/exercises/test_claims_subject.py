"""Who a claim is about: an activation named after a verb is that verb's object only when the verb is right
before it, not when a verb appears anywhere earlier in the clause."""

from __future__ import annotations

import pytest

from actlab.exercises import bank
from actlab.exercises.claims import _mentions, read_claims

PROPS = {p.key: p.claim for p in bank.GELU_POINTS}


@pytest.mark.parametrize(("clause", "subjects"), [
    # a verb earlier in the clause does not make a later name its object
    ("relu is simple and gelu is smooth", ["relu", "gelu"]),
    ("relu has a kink, gelu has none", ["relu", "gelu"]),
    # a verb right before the name (articles and a few modifiers allowed) does
    ("it outperforms relu", []),
    ("models use gelu", []),
    ("it is replaced by the standard relu", []),
    ("gelu clearly beats plain relu", ["gelu"]),
    # a name that only describes the subject is not one
    ("gelu can be seen as a smooth version of relu", ["gelu"]),
])
def test_a_name_is_an_object_only_right_after_its_verb(clause, subjects):
    assert [s for _, s in _mentions(clause)] == subjects


def test_a_second_activation_after_a_verb_is_the_subject_of_its_own_claim():
    claims = read_claims("ReLU has a kink at zero and GELU is smooth everywhere.", PROPS)
    smooth = [(c.subject, c.holds) for c in claims if c.key == "smooth"]
    # the kink is ReLU's (it lacks smoothness), the smoothness is GELU's
    assert smooth == [("relu", False), ("gelu", True)]
