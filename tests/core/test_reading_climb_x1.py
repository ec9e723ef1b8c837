"""Two climbs told as the losses show them (issue 17). W28 (second walkthrough, finding 5): 'the loss grew first,
from 1.12 to 2.89e+23 ... between steps 146 and 155', where 1.12 was step 150's loss and step 146's was 1.27: the span
now starts at the low it climbed from. And a blown-up cross-entropy can reach a loss of exactly 0 (a softmax saturated
on the right class) among huge ones: such a window read as no climb at all (found by hypothesis in
test_engine_loss_story_r8). The references are the windows themselves."""

from __future__ import annotations

from actlab.readings import LayerSummary, LossSteps, RunSummary, diagnose


def _nan_after(losses, first_step):
    steps = tuple(range(first_step, first_step + len(losses)))
    end = steps[-1] + 1
    return RunSummary((LayerSummary("relu", 8, 1.0),), 1.0, loss=float("nan"), chance_loss=1.61, epochs=1, steps=end,
                      diverged_at_step=end, last_finite_step=end - 1, recent_losses=tuple(losses),
                      recent_loss_steps=steps, loss_steps=LossSteps.EVERY)


def test_the_climb_is_dated_from_the_low_it_rose_from():
    losses = [1.246, 1.27, 1.227, 1.162, 1.117, 1.144, 186.4, 6.87e6, 8.63e12, 2.89e23]  # steps 146 to 155
    words = diagnose(_nan_after(losses, 146)).words
    # the losses held a level (1.12 to 1.27) to step 151 and jumped: the climb is from step 151's 1.14 (W30)
    assert "the loss grew first, from 1.14 to 2.89e+23" in words, words
    assert "between steps 151 and 155 (each update's batch loss)" in words, words


def test_a_zero_loss_among_huge_ones_still_reads_as_a_climb():
    losses = [10.9, 88.3, 9359.0, 1.7e8, 0.0, 1e30, 1e60, 1e120, 1e200, 6.87e272]  # steps 13 to 22
    words = diagnose(_nan_after(losses, 13)).words
    assert "the loss grew first, from 0 to 6.87e+272" in words and "between steps 17 and 22" in words, words


def test_a_climb_that_began_inside_the_earlier_half_is_dated_from_the_level_before_it():
    # W43 walkthrough: a level of 3.0-3.6 at steps 13-16, then 22.8 at step 17, 13.1 at 18, 11,952 at 19 and on to
    # 3.75e17 at 22, NaN at 23; it read 'from 13.1 ... between steps 18 and 22', the half's 22.8 taken as part of the
    # level and 11,952 as the jump from it
    losses = [3.569, 3.286, 3.055, 3.042, 22.805, 13.139, 11952.2, 1532.4, 4.657e8, 3.747e17]  # steps 13 to 22
    words = diagnose(_nan_after(losses, 13)).words
    assert "the loss grew first, from 3.04 to 3.75e+17" in words and "between steps 16 and 22" in words, words
    from climb_reference import climb_start

    assert climb_start(losses) == 3  # the tests' own statement of the rule agrees: step 16
