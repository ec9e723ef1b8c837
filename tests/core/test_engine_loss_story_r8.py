"""Issue 17 (R8): the NumPy engine tells how a failure came about, from its own losses.

The engine keeps its newest minibatch losses and frame losses (the step of each) and the lowest full-set loss a frame
was judged at, and hands them to the reading (Trainer.frame_at): a diverged frame is told the batches', any other the
frames'. The references here are the losses the test reads itself: what Trainer.step() returned at each update, and
each frame's train_loss, not what the reading kept.
"""

from __future__ import annotations

import math
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_loss import CLIMB_LOSSES, DIVERGING_LOSS, MOVED_FRACTION, RISING_FACTOR
from actlab.session import RunConfig, build_trainer
from actlab.training import RECENT_LOSSES, StopRule
from climb_reference import climb_start


def blow_up(lr: float = 3.0, seed: int = 1, optimizer: str = "sgd"):
    """A linear network under cross-entropy at a high learning rate: NaN within its first epoch (step 11 of 25 at
    lr 3). Returns the trainer and the loss each update returned, by step."""
    t = build_trainer(RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=lr, seed=seed,
                                optimizer=optimizer))
    losses = {}
    while not t.diverged and t.step_count < 500:
        k = t.step_count + 1  # the step this update is counted as (step() counts it before it returns)
        losses[k] = t.step()
    return t, losses


def own_climb(pairs, chance):
    """The test's own reading of the finite losses before a NaN: rose (R10: the later half's median and the last loss
    over RISING_FACTOR times the earlier half's median, the last above chance), or stayed past DIVERGING_LOSS x chance
    throughout."""
    values = [v for _, v in pairs]
    half = len(values) // 2
    before, after = statistics.median(values[:half]), statistics.median(values[half:])
    rose = (after > RISING_FACTOR * before and values[-1] > RISING_FACTOR * before
            and values[-1] > (1 + MOVED_FRACTION) * chance)
    return rose or min(values) > DIVERGING_LOSS * chance


def test_a_blow_up_in_the_first_epoch_says_the_loss_grew_first_with_the_engine_s_own_losses():
    t, losses = blow_up()
    d = t.diverged_at_step
    assert d is not None and d < t.updates_per_epoch  # no frame came before the NaN
    assert not math.isfinite(losses[d])
    before = [(k, losses[k]) for k in range(max(1, d - RECENT_LOSSES), d)]  # the last finite ones, step by step
    assert all(math.isfinite(v) for _, v in before)
    f = t.frame()
    words = f.diagnosis.words
    assert words.startswith(f"diverged at step {d}: the loss became NaN or infinite")
    (_, _), (b, last) = before[0], before[-1]
    # dated from where it began, looked for in every loss since step 1 (the engine keeps CLIMB_LOSSES more)
    whole = [(k, losses[k]) for k in range(max(1, d - RECENT_LOSSES - CLIMB_LOSSES), d)]
    a, first = whole[climb_start([v for _, v in whole], RECENT_LOSSES)]
    assert f"the loss grew first, from {first:.3g} to {last:.3g}" in words, words
    # R10: the engine saw every update, and these are their batches' losses, not samples
    assert f"between steps {a} and {b} (each update's batch loss)" in words and "sampled" not in words, words
    assert "lower the learning rate" in f.diagnosis.remedy.lower() and "clip" not in f.diagnosis.remedy  # no setting
    assert "first seen" not in words  # every update is seen: the step is the first NaN, not a sample of it


def test_the_summary_keeps_the_output_signal_norm_and_names_no_false_last_finite_step():
    # RunSummary's positional order gained last_finite_step after diverged_at_step; the engine's summary passed the
    # output's signal norm there: a diverged run read 'the last finite sample was step 0.045', and no signal ratio
    t = build_trainer(RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=3.0,
                                optimizer="momentum", dataset="xor"))
    f = next(iter(t.run(StopRule(max_epochs=1))))
    s = f.reading.summary(f.train_loss, t.chance_loss, f.epoch, f.step)
    assert s.output_signal_norm == f.reading.last_signal_norm and s.last_finite_step is None
    assert f.status == "diverged"
    assert f.diagnosis.words.startswith(f"diverged at step {f.diverged_at_step}:"), f.diagnosis.words
    assert "sample was step" not in f.diagnosis.words


@settings(max_examples=25, deadline=None)
@given(lr=st.floats(1.0, 30.0), seed=st.integers(0, 50), optimizer=st.sampled_from(["sgd", "momentum"]))
def test_a_nan_is_told_as_the_end_of_a_climb_exactly_when_the_engine_s_losses_climbed(lr, seed, optimizer):
    t, losses = blow_up(lr, seed, optimizer)
    if not t.diverged:
        return
    d = t.diverged_at_step
    pairs = [(k, losses[k]) for k in range(max(1, d - RECENT_LOSSES), d)]
    words = t.frame().diagnosis.words
    assert words.startswith(f"diverged at step {d}:")
    if len(pairs) < 2:  # a NaN at the first or second update: no history to tell
        assert "grew first" not in words and "did not climb" not in words
        return
    climbed = own_climb(pairs, t.chance_loss)
    assert ("the loss grew first" in words or "already above" in words) == climbed, (pairs, words)
    if climbed:  # from where it began where it rose, looked for in the CLIMB_LOSSES before too; else from the first
        whole = [(k, losses[k]) for k in range(max(1, d - RECENT_LOSSES - CLIMB_LOSSES), d)]
        start = climb_start([v for _, v in whole], RECENT_LOSSES) if "grew first" in words else len(whole) - len(pairs)
        assert f"between steps {whole[start][0]} and {pairs[-1][0]} (each update's batch loss)" in words, words


def learned_then_raised(lr_after: float = 30.0):
    """A tanh network that learns the circle (cross-entropy, lr 0.3, 40 epochs), then has its learning rate raised as
    the playground lets a learner do mid-run. Returns the trainer, the frames after the raise (the last one before
    it first), the loss each update returned by step, and the lowest frame loss before the raise with its step."""
    t = build_trainer(RunConfig(layers=(8, 8), activations=("tanh",), loss="cross-entropy", lr=0.3))
    frames = list(t.run(StopRule(max_epochs=40)))
    low = min(frames, key=lambda f: f.train_loss)
    assert low.train_loss < 0.1 * t.chance_loss and frames[-1].diagnosis.words.startswith("healthy")
    t.set_lr(lr_after)
    after, losses = [frames[-1]], {}
    for _ in range(8):
        for _ in range(t.updates_per_epoch):
            k = t.step_count + 1
            losses[k] = t.step()
        after.append(t.frame())
    return t, after, losses, (low.step, low.train_loss)


def test_a_run_that_learned_and_is_thrown_above_chance_reads_not_learning_any_more_when_its_losses_say_so():
    t, after, losses, (low_step, low) = learned_then_raised()
    chance = t.chance_loss
    told = 0
    for before, f in zip(after[:-1], after[1:], strict=True):
        assert f.status == "finite" and all(math.isfinite(losses[k]) for k in losses if k <= f.step)
        # the two newest losses the reading is given: the frame before's and its own (full-set losses); or (W15)
        # its own alone back at chance or above it, the judged low having been below chance
        high = (min(before.train_loss, f.train_loss) > RISING_FACTOR * chance
                or (low < (1 - MOVED_FRACTION) * chance and f.train_loss >= (1 - MOVED_FRACTION) * chance))
        words = f.diagnosis.words
        assert ("not learning any more" in words) == high, (f.step, before.train_loss, f.train_loss, words)
        if high:
            told += 1
            # R10: the engine's judged loss is a frame's training loss, at a step it saw (no sample)
            assert (f"the training loss had come down to {low:.3g} at step {low_step:,}, "
                    f"{100 * (1 - low / chance):.0f}% below chance") in words, words
            assert f"the loss has risen to {f.train_loss:.3g} at step {f.step:,}" in words, words
            assert "sampled" not in words, words
            assert "starting" not in words and not words.startswith("healthy")
    assert told >= 6, [f.diagnosis.words[:80] for f in after]


def test_set_lr_keeps_the_history_and_a_new_trainer_starts_without_one():
    t, after, losses, (low_step, low) = learned_then_raised()
    assert t.lowest_judged == (low_step, low)
    kept = t.recent_losses()
    assert kept == tuple((k, losses[k]) for k in range(t.step_count - RECENT_LOSSES - CLIMB_LOSSES + 1,
                                                        t.step_count + 1))
    fresh = build_trainer(RunConfig(layers=(8, 8), activations=("tanh",), loss="cross-entropy", lr=30.0))
    assert fresh.recent_losses() == () and fresh.lowest_judged is None
    first = fresh.frame()
    assert "not learning any more" not in first.diagnosis.words and fresh.lowest_judged == (0, first.train_loss)


def test_an_evaluation_spread_over_frames_reads_the_losses_of_its_own_step():
    # the playground evaluates a big network on a copy while training goes on: its reading is of the copy's step
    from actlab.playground.evaluation import Evaluation

    t, after, losses, _ = learned_then_raised()
    ev = Evaluation(t)  # a snapshot at this step
    at = t.step_count
    for _ in range(25):
        k = t.step_count + 1
        losses[k] = t.step()
    f = ev.run()
    assert f.step == at and t.step_count == at + 25 and after[-1].step == at
    assert f.train_loss == after[-1].train_loss  # the same weights: made again at its step, it replaces the frame
    assert min(after[-2].train_loss, f.train_loss) > RISING_FACTOR * t.chance_loss  # lr 30 keeps it far above
    assert f"the loss has risen to {f.train_loss:.3g} at step {at:,}," in f.diagnosis.words
    assert t.frame_losses[-1] == (at, f.train_loss) and len({s for s, _ in t.frame_losses}) == len(t.frame_losses)
