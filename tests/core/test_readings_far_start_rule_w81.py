"""The not-learning remedy of a loss above chance, by how it got there (W81 walkthrough finding 4): one that began
past twice chance and has not risen from its first is told about the targets' scale and to raise the learning rate,
not to lower it; one that began near chance and rose above it keeps 'steps too large ... lower the learning rate'."""

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_record import RunSummary
from actlab.readings import _learning


def _summary(first: float, loss: float) -> RunSummary:
    return RunSummary((), 1.0, loss=loss, chance_loss=1.0, steps=1200, first_loss=(1, first))


@given(first=st.floats(2.01, 29.0), share=st.floats(0.6, 1.0))
def test_a_far_start_that_never_rose_is_not_told_its_steps_are_too_large(first, share):
    loss = max(first * share, 1.2)
    f = _learning(_summary(first, loss))
    assert f is not None and f.words.startswith("not learning: after 1,200 updates the loss is above chance"), f
    assert "has not risen from it" in f.words and "usually means steps too large" not in f.remedy
    assert "raise the learning rate rather than lower it" in f.remedy


@given(first=st.floats(0.5, 1.9), rise=st.floats(1.2, 20.0))
def test_a_loss_that_rose_above_chance_keeps_the_learning_rate_remedy(first, rise):
    # (more than 10% above its first: one within 10% of a first above chance has not risen, W98 walkthrough finding 6)
    f = _learning(_summary(first, max(rise, 1.11 * first)))
    assert f is not None and f.remedy.startswith("A loss above chance after this many updates usually means steps too "
                                                 "large for the network: lower the learning rate"), f
    assert "has not risen from it" not in f.words
