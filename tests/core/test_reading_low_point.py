"""reading_loss.low_point: where within the run's lowest window the loss was lowest (the checkpoint a run that
learned and lost it is told to go back to). References: the windows the test builds, whose lowest point it knows."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_loss import LOW_SPAN, low_point


def _low(pairs):
    return (pairs[-1][0], 0.0, 0.0, pairs)


def test_a_v_shaped_window_names_its_bottom():
    pairs = [(t, abs(t - 130) * 0.01 + 0.5) for t in range(110, 160)]  # lowest at step 130
    step, words = low_point(_low(pairs))
    assert step == 130 and words == "where the loss was at its lowest (the median of the 9 steps around it, 0.52)"


def test_a_window_still_falling_at_its_end_names_its_end():
    pairs = [(t, 2.0 - 0.01 * t) for t in range(11, 61)]
    step, words = low_point(_low(pairs))
    assert step == 60 and words.endswith("(the median of the 9 steps up to it, 1.44)")


def test_losses_read_now_and_then_are_said_so_and_a_short_window_names_its_end():
    pairs = [(t, abs(t - 500) * 0.001 + 1) for t in range(100, 1001, 50)]  # sampled every 50 steps
    assert "the 9 losses read around it" in low_point(_low(pairs))[1]
    assert low_point(_low([(5, 1.0), (6, 0.5)])) == (6, "where the mean loss was at its lowest")
    assert low_point(_low([(5, 1.0), (6, None), (7, float("nan")), (8, 0.4)])) == (8, "where the mean loss was at "
                                                                                    "its lowest")
    assert low_point(None) is None


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(15, 35), st.floats(0.0, 0.05))
def test_the_step_named_is_near_the_bottom_of_a_noisy_v(seed, bottom, noise):
    rng = random.Random(seed)
    pairs = [(t, abs(t - bottom) * 0.05 + 1 + rng.uniform(-noise, noise)) for t in range(50)]
    step, _ = low_point(_low(pairs))
    # within half a span of the bottom: the noise (at most 0.1 between two steps) is under the slope over 5 steps
    assert abs(step - bottom) <= LOW_SPAN // 2, (step, bottom)


def test_the_rise_after_the_low_point_is_the_last_median_less_the_lowest():
    from actlab.reading_loss import risen_in_low

    v_shape = [(t, abs(t - 20) * 0.1 + 0.5) for t in range(50)]  # down to 0.5 at step 20, then up to 3.4 at 49
    last = sorted(v for _, v in v_shape[-9:])[4]
    assert abs(risen_in_low(_low(v_shape)) - (last - 0.7)) < 1e-9  # the lowest median, around step 20: 0.7
    falling = [(t, 2.0 - 0.01 * t) for t in range(50)]
    assert risen_in_low(_low(falling)) == 0.0  # still falling at its end
    assert risen_in_low(_low(v_shape[:5])) == 0.0 and risen_in_low(None) == 0.0
