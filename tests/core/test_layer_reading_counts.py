"""A layer's words read right at every count: one unit, all of them, some of them (W19 saw 'all 1 units ... are
dead' on a one-unit layer)."""

import re

from hypothesis import given
from hypothesis import strategies as st

from actlab.instruments import layer_reading


@st.composite
def counts(draw):
    width = draw(st.integers(1, 300))
    dead = draw(st.integers(0, width))
    saturated = draw(st.integers(dead, width))
    return width, dead, saturated


@given(counts())
def test_no_count_reads_as_a_plural_of_one_or_all_of_one(c):
    width, dead, saturated = c
    words = layer_reading(2, 3, 1.0, dead, saturated, width)
    assert not re.search(r"\b1 units\b|\ball 1\b|\b1 of 1\b", words), words
    # the words still carry each count a learner needs
    if dead == width:
        assert "dead" in words and (str(width) in words if width > 1 else "the only unit" in words)
    elif dead:
        assert f"{dead} of {width} units in layer 2 {'is' if dead == 1 else 'are'} dead" in words
    if saturated > dead and not dead:
        assert ("the only unit saturated" if width == 1 else f"{saturated} of {width} units saturated") in words
    if saturated == dead == 0:
        assert "unit" not in words


def test_a_one_unit_layer_reads_its_one_unit():
    assert layer_reading(1, 2, 1.0, 1, 1, 1) == "the only unit in layer 1 is dead"
    assert layer_reading(1, 2, 1.0, 0, 1, 1, low_word="rarely active") == "the only unit rarely active"
    assert layer_reading(1, 2, 1.0, 8, 8, 8) == "all 8 units in layer 1 are dead"
    assert layer_reading(1, 2, 1.0, 1, 1, 8) == "1 of 8 units in layer 1 is dead"
