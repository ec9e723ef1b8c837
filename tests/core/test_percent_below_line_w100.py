"""W100 walkthrough finding 6: a weak signal's healthy reading said 'the loss is 10% below chance ... the training loss
is short of the 10% below chance the reading takes as learning', of 0.627 against 0.693 (9.5%). A share under the
learning line is never rounded up to it. Reference: the share itself, 1 - loss / chance."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_record import percent_below


@given(st.floats(1e-6, 1e6), st.floats(0.0, 0.2))
def test_a_share_is_said_on_its_own_side_of_the_learning_line(chance, share):
    loss = chance * (1 - share)
    below = 1 - loss / chance
    said = percent_below(loss, chance)
    if said.startswith("just under"):
        assert below < 0.1 and said == "just under 10%"
        return
    value = float(said.removesuffix("%")) / 100
    if 0.1 - below > 1e-9:  # under the line beyond round-off: said under it
        assert value < 0.1, (loss, chance, said)
    elif below >= 0.1:
        assert value >= 0.1, (loss, chance, said)
    assert abs(value - below) <= 0.0051 or value < below < 0.1, (below, said)


def test_the_walkthroughs_figures():
    assert percent_below(0.627, 0.693) == "9.5%"
    assert percent_below(0.621, 0.693) == "10%"
    assert percent_below(0.9, 1.0) == "10%"  # at the line, 1 - 0.9 being 0.0999... in floats
