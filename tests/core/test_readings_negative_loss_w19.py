"""Issue 17, W19 finding 1: a loss that goes to 0 or below is not judged by ratios.

The loss rules call a run risen, blown up or fallen back by multiples of a loss (RISING_FACTOR, DIVERGING_LOSS). A
Gaussian negative log-likelihood falling from 0.4 to -2.13 read 'diverging: the loss has grown to -2.13' (its limit,
1e3 times the lowest loss, was -2,130), and a GAN generator's -D(G(z)) moving from -0.1766 to -0.1760 read 'diverging:
the loss has grown to -0.176'. The references here are the windows' own order: a window that never rises is not
blowing up, whatever its sign."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def _summary(losses, chance=None) -> RunSummary:
    return RunSummary((LayerSummary("tanh", 64, 1.0), LayerSummary("tanh", 64, 1.0)), 1.0, loss=losses[-1],
                      chance_loss=chance, steps=10 * len(losses), recent_losses=tuple(losses),
                      recent_loss_steps=tuple(range(1, 10 * len(losses) + 1, 10)))


def test_w19_gaussian_nll_falling_below_zero_is_not_diverging():
    # the W19 run's sampled losses (every=10), from 0.4 down through 0 to -2.13
    losses = [0.41, 0.12, -0.37, -0.9, -1.4, -1.8, -2.03, -2.1, -2.07, -2.13]
    r = diagnose(_summary(losses))
    assert r.status is not Status.DIVERGED, r.words
    assert "diverging" not in r.words and "grown" not in r.words


def test_w19_gan_generator_loss_near_minus_0_18_is_not_diverging():
    r = diagnose(_summary([-0.1766, -0.1760]))
    assert r.status is not Status.DIVERGED, r.words
    assert "grown" not in r.words


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=10),
       st.one_of(st.none(), st.floats(0.01, 10)))
def test_a_window_that_never_rises_never_reads_diverging(steps, chance):
    """Any non-increasing window holding a loss at or below 0, with or without a chance loss: never diverging."""
    losses = sorted(steps, reverse=True)
    if losses[-1] > 0:
        losses[-1] = -abs(losses[-1]) - 1.0
    r = diagnose(_summary(losses, chance))
    assert r.status is not Status.DIVERGED, (losses, chance, r.words)


def test_a_positive_loss_blowing_up_without_a_chance_loss_still_reads_diverging():
    """The rule the guard must keep: a positive loss 1e3 times its lowest and climbing reads diverging."""
    r = diagnose(_summary([0.5, 0.45, 0.4, 30.0, 900.0, 4.1e3]))
    assert r.status is Status.DIVERGED, r.words


def test_a_loss_that_crosses_zero_and_then_blows_up_past_chance_reads_diverging():
    """With a chance loss the limit is chance's multiple, which a negative low does not move."""
    r = diagnose(_summary([0.3, -0.5, -0.2, 40.0, 5e3], chance=0.69))
    assert r.status is Status.DIVERGED, r.words
