"""Where a run began (reading_headline._began), from its first losses' mean and their slope, and what a chance_loss
that fits the targets read back adds (W98 walkthrough finding 3). References: the summary's own figures and the
lines' arithmetic."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_headline import FIRST_LOSSES, NOISE_SE, began_at, began_line, chance_fits
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

LAYER = (LayerSummary("relu", 64, 0.5, signal_norm=0.5, label="module '1' (ReLU)", weights="'0.weight'"),)
CHANCE = math.log(10)


def _summary(first: float, early: tuple[int, float, float] | None, slope: tuple[float, float] | None, loss: float,
             guess: tuple[float, int] | None = None) -> RunSummary:
    window = tuple((t, loss + (0.001 if t % 2 else -0.001) * loss) for t in range(1451, 1501))
    return RunSummary(LAYER, 1.0, loss=loss, chance_loss=CHANCE, steps=1500, first_loss=(1, first),
                      first_losses=early, first_losses_slope=slope, judged_losses=window, output_signal_norm=0.5,
                      chance_guess=guess)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.2, 0.85), st.floats(0.01, 0.3), st.floats(0.001, 0.05), st.floats(0.05, 0.8))
def test_first_losses_that_fall_beyond_their_noise_are_no_place_where_the_run_began(share, fall, se, end):
    """A fresh run, its first loss at chance, its first losses falling (their slope more than NOISE_SE standard
    errors under 0) to a mean anywhere under the line: it began at chance, and no word says otherwise."""
    mean = share * CHANCE
    slope = (-fall, min(se, fall / (NOISE_SE + 0.1)))
    s = _summary(CHANCE, (FIRST_LOSSES, mean, 0.05 * mean), slope, end * CHANCE)
    assert began_at(s) is None
    r = diagnose(s)
    assert "began" not in r.words and "trained before" not in r.words, r.words


def test_a_lucky_first_batch_of_a_flat_run_is_not_where_it_began():
    """The first loss under half of chance, the first losses flat with their mean at chance: it began at chance."""
    s = _summary(0.4 * CHANCE, (FIRST_LOSSES, CHANCE, 0.02), (0.001, 0.01), CHANCE)
    assert began_at(s) is None and diagnose(s).status == Status.NOT_LEARNING


def test_a_flat_start_reads_from_its_mean_under_the_low_end_of_its_noise():
    mean, se = 0.491, 0.02
    s = _summary(0.3, (FIRST_LOSSES, mean, se), (0.0, 0.004), 0.434)
    assert began_at(s) == mean
    assert math.isclose(began_line(s), 0.9 * (mean - NOISE_SE * se))
    r = diagnose(s)  # 0.434 is 11.6% under the mean, and not 10% under 0.451
    assert r.status == Status.NOT_LEARNING and "the mean of its first 10 losses, 0.491" in r.words, r.words
    assert diagnose(_summary(0.3, (FIRST_LOSSES, mean, se), (0.0, 0.004), 0.39)).status == Status.HEALTHY


def test_a_chance_that_fits_the_targets_says_the_model_was_trained_before():
    early, slope = (FIRST_LOSSES, 0.32, 0.01), (0.0, 0.002)
    fits = diagnose(_summary(0.24, early, slope, 0.31, guess=(2.25, 192)))
    assert "a constant guess of the 192 read back from the outputs' gradient gets a loss of 2.25" in fits.words
    assert "this one was trained before" in fits.words and fits.remedy.startswith("A model trained before")
    for far in (1.9, 2.8):  # chance_loss more than 10% off the guess: it may be too high, and is checked first
        assert chance_fits(_summary(0.24, early, slope, 0.31, guess=(far, 192))) == ""
        other = diagnose(_summary(0.24, early, slope, 0.31, guess=(far, 192)))
        assert other.remedy.startswith("Check chance_loss"), other.remedy
