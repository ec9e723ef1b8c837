"""A training loss that climbed back after the run had learned, with held-out losses given (W57 walkthrough finding
5: labels replaced at step 401 took the clean held-out loss from 0.24 to 2.15, and no reading said so). The reading
says whether the held-out loss rose with it (the model got worse) or, given after the climb began, stayed near its
lowest (the training batches got harder). References: the scripted losses themselves."""

from __future__ import annotations

from interop._scripted_losses import CHANCE, levels, scripted_run

TRAIN = levels([(0.2, 150), (2.6, 60)], cv=0.1)


def _held(after: float, every: int = 10, last_before: int = 150) -> dict[int, float]:
    """Held-out losses every ``every`` steps: 0.25 up to ``last_before``, ``after`` from then on."""
    return {t: (0.25 if t <= last_before else after) for t in range(every, len(TRAIN) + 1, every)}


def test_a_held_out_loss_that_rose_with_the_training_loss_is_said():
    words = scripted_run(TRAIN, CHANCE, _held(2.4))[-1].reading.words
    assert words.startswith("not learning any more"), words
    assert ("the held-out loss rose with it, to 2.4 (given after training step 210) from 0.25, the median of the 7 "
            "given after training steps") in words, words


def test_a_held_out_loss_that_stayed_low_after_the_climb_points_at_the_training_data():
    words = scripted_run(TRAIN, CHANCE, _held(0.26))[-1].reading.words
    assert ("the held-out loss has not risen with it: 0.26 (given after training step 210), against 0.25, the median"
            in words), words
    assert "as when the training data change (other labels or inputs)" in words


def test_held_out_losses_from_before_the_climb_say_nothing_of_it():
    held = {t: 0.25 for t in range(10, 151, 10)}  # none given after step 150
    words = scripted_run(TRAIN, CHANCE, held)[-1].reading.words
    assert words.startswith("not learning any more") and "held-out loss rose" not in words \
        and "has not risen" not in words, words


def test_the_lowest_held_out_loss_is_named_beside_a_lagging_median():
    """W62 walkthrough finding 3: held-out losses falling from near chance to 0.038 within the first window of 7 read
    'from 0.848, the median of the 7 ..., its lowest', never naming 0.038."""
    falling = [2.2, 2.1, 2.0, 0.85, 0.35, 0.34, 0.04]
    held = {10 * (i + 1): v for i, v in enumerate(falling)} | {t: 2.4 for t in range(80, len(TRAIN) + 1, 10)}
    # ten more given after the climb began: the window of 7 moves on only past the lower median
    words = scripted_run(TRAIN, CHANCE, held)[-1].reading.words
    assert ("from 0.85, the median of the 7 given after training steps 10 to 70, the lowest such median; the lowest "
            "one given, 0.04, after training step 70: the model itself got worse") in words, words


def test_a_held_out_loss_that_rose_and_came_back_is_not_said_to_have_stayed_low():
    """W105 walkthrough finding 12: a loop with no zero_grad() took the held-out loss from 0.67 to 1.73 and back to
    0.756, and the reading said 'the held-out loss has not risen with it ... the training batches got harder', its
    reference a median of 7 that held the rise. Here the held-out loss, given every 20 steps, reads 2.4 after step
    180 and 0.26 after step 200: it rose with the training loss."""
    held = {t: 0.25 for t in range(20, 141, 20)} | {160: 0.25, 180: 2.4, 200: 0.26}
    words = scripted_run(TRAIN, CHANCE, held)[-1].reading.words
    assert "has not risen" not in words and "got harder" not in words, words
    assert ("the held-out loss rose with it, to 2.4 (given after training step 180) from 0.25, the median of the 7 "
            "given after training steps 20 to 140, the lowest such median, and is 0.26 now (given after training step "
            "200): the model itself got worse") in words, words


def test_a_held_out_loss_that_wobbled_a_little_still_points_at_the_training_data():
    """The other side: held-out losses given since the climb that stay within 10% of their lowest median keep the
    'not risen' words."""
    held = {t: 0.25 for t in range(20, 141, 20)} | {160: 0.25, 180: 0.27, 200: 0.26}
    words = scripted_run(TRAIN, CHANCE, held)[-1].reading.words
    assert "the held-out loss has not risen with it: 0.26 (given after training step 200)" in words, words
