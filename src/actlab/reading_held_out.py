"""What a script's held-out losses say (a monitor's ``Monitor.held_out``): how old the latest is, whether it rose from
its lowest while the training loss kept falling, and whether the script stopped giving them.

The training loss alone cannot tell learning from memorising. A held-out loss can, in two ways: it never came down
(the network memorises points whose labels say nothing it can carry to new ones), or it came down and went back up
(past its lowest, the network fits its training points at the cost of new ones: the point early stopping keeps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .reading_loss import MOVED_FRACTION, moved_with
from .reading_record import HeldOutLow, RunSummary

HELD_OUT_RISE = 0.1  # a held-out loss this share or more above its lowest has risen from it
HELD_OUT_STREAK = 5  # or so many given after the lowest, each above the one before (_streak)
# the held-out losses are read in windows of this many given in a row, by their median: one validation batch's swing
# (a batch of 32 points can give a loss 30% off its mean, with heavy tails) moves no window's median far
HELD_OUT_WINDOW = 7
# and a rise must pass this many times the typical swing between one given and the next (log scale): the lowest
# window is the lowest of many, and its median is low by chance as well (simulated with a flat held-out loss of 30%
# noise, Gaussian or t(2), over 150 given: a rise read in 0.3-2% of runs; a falling one, in none)
HELD_OUT_SWINGS = 3.5
# wider windows, once so many were given: a median of n losses swings about 1.25 / sqrt(n) as much as one loss, so
# a rise too small for windows of 7 shows in them (W42 walkthrough, finding 1: one validation batch of 32 a time, its
# losses swinging about 30%, a full-set rise of 62% never read). Their rise must pass HELD_OUT_MEDIAN_SWINGS standard
# errors of the difference of two such medians: simulated as above (150 given, 300 runs each), a rise was read in 0-1%
# of flat or falling runs with 5-30% noise, and in 13-38% of runs rising 60% after a low under 30-40% noise
HELD_OUT_WINDOWS = (HELD_OUT_WINDOW, 15, 31)
HELD_OUT_MEDIAN_SWINGS = 5.0
# the latest held-out loss is old where more training steps have passed since it was given than this many times the
# interval between the two given before (or, where one was given, than the steps before it)
HELD_OUT_STALE = 2
# the held-out loss judged as not generalising only where it came down less than this share as far below chance as
# the training loss did (its level, the median of the latest 7 given, lags a training loss still coming down)
HELD_OUT_LAG = 0.5
# a held-out loss whose typical swing from one given to the next is above this share is one validation batch's: its
# single lowest may be a lucky batch, and the step to keep is the middle of its lowest window (keep_step)
# (a validation loss over 2,000 points of an overfitting model swung 8%; one batch of 32 or 8 points, 30% and more)
HELD_OUT_SMOOTH = 0.15
HELD_OUT_KEPT = 64  # the latest held-out losses a monitor passes to a reading
HELD_OUT_GIVEN = 16  # the held-out losses a monitor's report carries of those given since the sampled step before


def _log_median(losses: list[float]) -> float:
    """The log of the losses' median, the median the words give: of an even count, the mean of the two middle ones
    (the median of their logs had been used, whose exp is the two's geometric mean: W84 walkthrough finding 6, 'median
    of 6.32' for held-out losses 5.017 and 7.972, whose median is 6.49)."""
    return float(_logs([float(np.median(losses))])[0])


def _logs(losses) -> np.ndarray:
    """The losses' logs, a loss of 0 read as the smallest float (a held-out loss can be exactly 0)."""
    return np.log(np.maximum(losses, np.finfo(float).tiny))


def lowest_windows(lowest: tuple, given: list[tuple[int, float]]) -> tuple[HeldOutLow | None, ...]:
    """The lowest window so far of each size in HELD_OUT_WINDOWS (``lowest``: those before this loss, or ())."""
    before = tuple(lowest) + (None,) * (len(HELD_OUT_WINDOWS) - len(lowest))
    return tuple(lowest_window(low, given, size) for low, size in zip(before, HELD_OUT_WINDOWS, strict=True))


def lowest_window(lowest: HeldOutLow | None, given: list[tuple[int, float]],
                  size: int = HELD_OUT_WINDOW) -> HeldOutLow | None:
    """The lowest window of ``size`` held-out losses in a row so far: ``lowest``, or the latest window of ``given``
    (the losses since the last stop, oldest first) where its median is lower."""
    if len(given) < size:
        return lowest
    window = given[-size:]
    median = math.exp(_log_median([v for _, v in window]))
    if lowest is not None and median >= lowest.median:
        return lowest
    best = min(window, key=lambda g: g[1])
    return HeldOutLow(median, window[0][0], window[-1][0], best[0], best[1], size, window[len(window) // 2][0])


@dataclass(frozen=True)
class HeldOutRise:
    """The lowest window of held-out losses, the latest window (its median, the steps it spans) and the typical swing
    between one held-out loss and the next, as a factor."""

    lowest: HeldOutLow
    median: float
    first_step: int
    last_step: int
    swing: float
    size: int = HELD_OUT_WINDOW  # how many held-out losses each of the two windows holds
    # where the rise is a streak (_streak): how many given after the lowest, each above the one before; 0: windows
    streak: int = 0


def _swing(losses: list[float]) -> float:
    """The typical swing of one held-out loss, in log: the median absolute step between successive losses, scaled to
    a standard deviation of one loss (for Gaussian noise the median |difference| is 0.6745 * sqrt(2) of them)."""
    return float(np.median(np.abs(np.diff(_logs(losses))))) / (0.6745 * math.sqrt(2))


def _noise(losses: list[float]) -> float:
    """As _swing, with the losses' trend left out: from second differences (of white noise of sd 1, sd sqrt(6))."""
    return float(np.median(np.abs(np.diff(_logs(losses), 2)))) / (0.6745 * math.sqrt(6))


def _since_stop(s: RunSummary) -> list[tuple[int, float]]:
    """The held-out losses given since the last held_out(None), oldest first (empty: none, or stopped last)."""
    stop = next((k for k in range(len(s.held_out) - 1, -1, -1) if s.held_out[k][1] is None), -1)
    return [(step, loss) for step, loss in s.held_out[stop + 1:]]


def held_out_rise(s: RunSummary) -> HeldOutRise | None:
    """The held-out loss rose from its lowest: for a window size of HELD_OUT_WINDOWS, the lowest window's median was
    MOVED_FRACTION below chance (the network had learned something that holds on new points), and the latest window,
    all given after it, has a median HELD_OUT_RISE or more above it and beyond the noise: HELD_OUT_SWINGS typical
    swings of one loss for windows of 7, HELD_OUT_MEDIAN_SWINGS standard errors of two medians' difference for wider
    ones. The smallest window that shows a rise; None where none does, or where the lowest or the chance is not
    known."""
    if s.test_chance_loss is None or s.test_chance_loss <= 0:
        return None
    given = _since_stop(s)
    if len(given) < 2:
        return None
    swing = _swing([v for _, v in given])
    # the latest load (one write of the weights between updates that the loss moved with, RunSummary.weights_written,
    # moved_with): losses given before it are of other weights, and a window holding both is no rise of these (W101
    # walkthrough finding 1: a checkpoint loaded back at step 561 read not_generalising at 616 and 696 from the raised
    # rate's held-out losses before it)
    loaded = max((w[0] for w in s.weights_written if w[2] == 1 and moved_with(w) is not None), default=None)
    for low in (s.held_out_lowest, *s.held_out_wider):
        if low is None or low.median >= (1 - MOVED_FRACTION) * s.test_chance_loss:
            continue
        window = given[-low.size:]
        if len(window) < low.size or window[0][0] <= low.last_step:
            continue
        if loaded is not None and window[0][0] < loaded:
            continue
        # a median of n swings about 1.2533 / sqrt(n) times one loss (Gaussian noise), the difference of two sqrt(2)
        # times that
        noise = HELD_OUT_SWINGS * swing if low.size == HELD_OUT_WINDOW else \
            HELD_OUT_MEDIAN_SWINGS * 1.2533 * swing * math.sqrt(2 / low.size)
        median = _log_median([v for _, v in window])
        if median - math.log(low.median) >= max(math.log1p(HELD_OUT_RISE), noise):
            return HeldOutRise(low, math.exp(median), window[0][0], window[-1][0], math.exp(swing), low.size)
    return _streak(s, given, swing, loaded)


def _streak(s: RunSummary, given: list[tuple[int, float]], swing: float, loaded: int | None) -> HeldOutRise | None:
    """The held-out loss's rise as a streak: HELD_OUT_STREAK or more given after the lowest (itself MOVED_FRACTION
    below chance, given after any load the loss moved with), each above the one before, the latest HELD_OUT_RISE or
    more above the lowest. Noise alone orders k + 1 losses so about 1 time in (k + 1)!: 720 for 5. Held-out losses
    given rarely show a rise long before two windows of 7 can (W102 walkthrough finding 8: given every 100 steps,
    1.007 at step 300, then 1.010, 1.039, 1.047, 1.092, 1.107, 1.166 at 900 read healthy until 1,400)."""
    at = min(range(len(given)), key=lambda k: (given[k][1], k))
    step, best = given[at]
    rising = given[at:]
    count = len(rising) - 1
    if count < HELD_OUT_STREAK or best >= (1 - MOVED_FRACTION) * s.test_chance_loss or not best > 0 \
            or (loaded is not None and step < loaded) or rising[-1][1] < (1 + HELD_OUT_RISE) * best \
            or any(b[1] <= a[1] for a, b in zip(rising, rising[1:], strict=False)):
        return None
    low = HeldOutLow(best, step, step, step, best, 1, step)
    return HeldOutRise(low, rising[-1][1], rising[1][0], rising[-1][0], math.exp(swing), 1, count)


def latest(s: RunSummary) -> tuple[float, int, int] | None:
    """The median of the latest held-out losses given since the last stop (up to HELD_OUT_WINDOW of them), the training
    step the first of them was given after, and how many there are: one validation batch's swing is not the network's
    (a held-out loss of 20 among losses near 0.5 read 'not generalising'). None where none was given (a test loss of
    the lab's, or a stop)."""
    window = _since_stop(s)[-HELD_OUT_WINDOW:]
    if not window:
        return None
    return math.exp(_log_median([v for _, v in window])), window[0][0], len(window)


# the latest held-out losses said to rise (trend): at least this many given, in an order that noise alone gives at
# most TREND_ORDER of the time (few pairs out of order: Kendall's count of inversions), and the latest above the first
# by TREND_RISE and by TREND_SWINGS times the noise of their difference
TREND_GIVEN = 5
TREND_ORDER = 0.01
TREND_RISE = 0.05
TREND_SWINGS = 3.0


def _orders_within(n: int, inversions: int) -> float:
    """The share of the n! orders of n distinct values with at most ``inversions`` pairs out of order (the Mahonian
    numbers' sum over n!): how often noise alone orders n losses so nearly rising."""
    counts = [1]  # orders of 1 value, by inversions
    for k in range(2, n + 1):  # a k-th value put in any of k places adds 0 to k - 1 inversions
        counts = [sum(counts[j - i] for i in range(k) if 0 <= j - i < len(counts)) for j in range(len(counts) + k - 1)]
    return sum(counts[:inversions + 1]) / math.factorial(n)


def trend(s: RunSummary) -> tuple[float, float, int, int] | None:
    """The latest held-out losses (latest()'s window) rising short of a rise that held_out_rise reads: (the first,
    the latest, the steps up, the steps from one to the next) where TREND_GIVEN or more were given, their order has
    so few pairs out of order that noise gives it at most TREND_ORDER of the time (1 of 6, 2 of 7; none of 5), and
    the latest is TREND_RISE above the first and beyond TREND_SWINGS times the noise of that difference (_noise: the
    swing with the trend left out). W108 walkthrough finding 5: 1.101, 1.110, 1.118, 1.138, 1.133, 1.171 read
    'healthy' with their median alone (one pair out of order: 6 of the 720 orders of 6). None otherwise."""
    window = [v for _, v in _since_stop(s)[-HELD_OUT_WINDOW:]]
    if len(window) < TREND_GIVEN or not all(v is not None and math.isfinite(v) and v > 0 for v in window):
        return None
    n = len(window)
    inversions = sum(window[j] <= window[i] for i in range(n) for j in range(i + 1, n))
    rise = math.log(window[-1] / window[0])
    if _orders_within(n, inversions) > TREND_ORDER or \
            rise < max(math.log1p(TREND_RISE), TREND_SWINGS * math.sqrt(2) * _noise(window)):
        return None
    ups = sum(b > a for a, b in zip(window, window[1:], strict=False))
    return window[0], window[-1], ups, n - 1


def held_out_learns(s: RunSummary) -> tuple[float, int, int] | None:
    """Where the held-out losses show learning that the training loss alone does not tell (a weak signal, or small
    batches' noise): the latest window (latest(), HELD_OUT_LEARN_GIVEN losses or more, none old) all below the
    held-out chance, their median HELD_OUT_LEARN_SHARE or more below it and beyond its noise (HELD_OUT_LEARN_SES
    standard errors of a median of so many, from their swing), the training loss below chance too: latest()'s
    figures. None otherwise. W98 walkthrough finding 2: an L1 regression whose best R^2 is 0.2, batches of 16, its
    training mean 6.6% below chance and its held-out losses 10% below, read 'not learning' and was told to check
    that its targets follow its inputs."""
    found = latest(s)
    chance = s.test_chance_loss
    if found is None or chance is None or not chance > 0 or found[2] < HELD_OUT_LEARN_GIVEN or age(s) is not None \
            or s.loss is None or s.chance_loss is None or not s.loss < s.chance_loss:
        return None
    window = [v for _, v in _since_stop(s)[-HELD_OUT_WINDOW:]]
    if max(window) >= chance:
        return None
    noise = HELD_OUT_LEARN_SES * 1.2533 * _swing(window) / math.sqrt(len(window))  # (a median's, in log)
    if math.log(chance / found[0]) <= max(-math.log1p(-HELD_OUT_LEARN_SHARE), noise):
        return None
    return found


HELD_OUT_LEARN_GIVEN = 4  # held_out_learns: at least so many held-out losses in the latest window
HELD_OUT_LEARN_SHARE = MOVED_FRACTION / 2  # their median this share or more below the held-out chance
HELD_OUT_LEARN_SES = 2  # and below it by this many of its standard errors


def still_falling(s: RunSummary) -> tuple[float, float] | None:
    """Where the latest held-out losses (latest()'s window, 4 or more) are still coming down: the median of their later
    half MOVED_FRACTION or more below that of their earlier half, as (earlier median, later median); None otherwise.
    A window that spans the run's first steps holds losses of weights that had not learned yet, and its median sits
    above where the held-out loss is now (W70 walkthrough finding 3: 5.26, 3.87, 3.81, 3.42, 2.94, 2.96 given after
    steps 25 to 150, median 3.61 against a chance of 3.23, read 'the network memorises the training points' of a run
    still learning, its training loss 2.84)."""
    window = [v for _, v in _since_stop(s)[-HELD_OUT_WINDOW:]]
    if len(window) < 4:
        return None
    half = len(window) // 2
    earlier, later = math.exp(_log_median(window[:half])), math.exp(_log_median(window[-half:]))
    if not later <= (1 - MOVED_FRACTION) * earlier:
        return None
    return earlier, later


def age(s: RunSummary) -> int | None:
    """How many training steps before the reading's step the latest held-out loss was given, where that is more than
    HELD_OUT_STALE times the interval it was given at (a script that stopped giving it, or gave one early on); None
    where it is recent, or not known."""
    given = _since_stop(s)
    if not given or s.steps is None:
        return None
    last = given[-1][0]
    interval = last - given[-2][0] if len(given) > 1 else last
    gap = s.steps - last
    return gap if gap > 1 and gap > HELD_OUT_STALE * max(interval, 1) else None


def given_after(s: RunSummary) -> str:
    """'the held-out loss given after training step 590', with its age where it is old."""
    if s.test_loss_step is None:
        return "the test loss"
    when = ("given before the first training step" if s.test_loss_step == 0 else
            f"given after training step {s.test_loss_step:,}")
    old = age(s)
    return (f"the held-out loss {when}" if old is None else
            f"the held-out loss {when} (the latest given, {old:,} training steps before this reading)")


def stopped(s: RunSummary) -> tuple[int, tuple[int, float] | None] | None:
    """Where the latest entry is held_out(None): the training steps done when it was called, and the last loss given
    before it as (step, loss) (None: none was). None where held-out losses are being given, or none ever was."""
    if not s.held_out or s.held_out[-1][1] is not None:
        return None
    before = next(((t, v) for t, v in reversed(s.held_out) if v is not None), None)
    return s.held_out[-1][0], before


def stopped_words(s: RunSummary) -> str:
    """'; no held-out loss is read since held_out(None) after training step 100 (the last one given, after step 100,
    was 1.65 against a chance of 1.1)': a reading that no longer compares one says so. Empty where it does."""
    stop = stopped(s)
    if stop is None:
        return ""
    at, before = stop
    last = "" if before is None or s.chance_loss is None else (
        f" (the last one given, after training step {before[0]:,}, was {before[1]:.3g} against a chance of "
        f"{s.chance_loss:.3g})")
    return f"; no held-out loss is read since held_out(None) after training step {at:,}{last}"


def rise_words(s: RunSummary, found: HeldOutRise) -> str:
    """The held-out loss's rise from its lowest, in words (never of an old one: _generalising judges none)."""
    low, newest = found.lowest, s.held_out[-1]
    best_step, best = lowest_given(s) or (low.best_step, low.best)
    keep = keep_step(s)
    past = keep.step if keep is not None else best_step
    n = found.size
    if found.streak:
        k = found.streak
        return (f"the held-out loss has risen on each of the {k} given since its lowest, {best:.3g} after training "
                f"step {low.best_step:,}, to {found.median:.3g} after training step {found.last_step:,}, "
                f"{percent_above(found.median, low.median)} above it (noise alone puts {k + 1} losses in rising order "
                + (f"about 1 time in {math.factorial(k + 1):,}" if k < 8 else
                   f"less than 1 time in {math.factorial(8):,}")
                + f"): past training step {past:,} the network fits its training points at the cost of new ones")
    return (f"the held-out loss has risen from its lowest: the median of the {n} given after training "
            f"steps {low.first_step:,} to {low.last_step:,} was {low.median:.3g} (the lowest given, {best:.3g}, after "
            f"step {best_step:,}), and of the latest {n} (after steps {found.first_step:,} to "
            f"{found.last_step:,}) is {found.median:.3g}, {percent_above(found.median, low.median)} above it, more "
            f"than the swings from one given to the next explain (typically {_percent(found.swing - 1)}"
            f"{'' if n == HELD_OUT_WINDOW else f', over {n} given'}); the "
            f"latest given, after training step {newest[0]:,}, is {newest[1]:.3g}: past training step "
            f"{past:,} the network fits its training points at the cost of new ones")


@dataclass(frozen=True)
class Keep:
    """The training step whose weights an early-stopping remedy names, and why that one: the lowest held-out loss
    given, or, where one given swings far from the next (one validation batch's), the middle of the lowest window."""

    step: int
    swing: float  # the typical swing from one held-out loss to the next, as a share
    window: HeldOutLow | None  # the lowest window, where the step is its middle


def keep_step(s: RunSummary) -> Keep | None:
    """The step to keep (Keep). W44 walkthrough, finding 1: with a random batch of 8 points as the held-out loss, the
    remedy named 'after training step 774', one lucky batch's (0.0586), where the full validation loss was at its
    lowest after step 42 and 2.5 times that at 774; the step named had moved from 234 to 642 to 774 as luckier
    batches came. None where none was given."""
    single = lowest_given(s)
    if single is None:
        return None
    given = [v for _, v in _since_stop(s)]
    swing = _noise(given) if len(given) >= 4 else 0.0  # one loss's noise, its trend left out
    low = s.held_out_lowest
    if math.expm1(swing) <= HELD_OUT_SMOOTH or low is None or low.mid_step is None:
        return Keep(single[0], math.expm1(swing), None)
    return Keep(low.mid_step, math.expm1(swing), low)


def rise_remedy(keep: Keep | int, fewer: str) -> str:
    """Early stopping first: the weights of the lowest held-out loss (given after the step kept) are the ones to
    keep; where one given swings far from the next, those of the middle of the lowest window, checkpoints saved as
    the losses are given, and more points to give the loss over."""
    if isinstance(keep, int) or keep.window is None:
        step = keep if isinstance(keep, int) else keep.step
        return (f"Keep the weights of the lowest held-out loss (early stopping): save a checkpoint each time the "
                f"held-out loss reaches a new low, and use the one from after training step {step:,}; to train longer "
                f"without losing it, use {fewer} or more data.")
    low = keep.window
    return (f"Keep the weights from where the held-out loss was lowest (early stopping): about training step "
            f"{keep.step:,}, the middle of the {low.size} given after steps {low.first_step:,} to {low.last_step:,}, "
            f"whose median, {low.median:.3g}, is the lowest; one held-out loss swings about {_percent(keep.swing)} "
            "from the next (one small validation batch?), so the single lowest may be a lucky batch's: save "
            "a checkpoint each time you give one, give the loss over more held-out points (the whole validation "
            f"set) to see the lowest truly, and to train longer without losing it, use {fewer} or more data.")


def lowest_given(s: RunSummary) -> tuple[int, float] | None:
    """The lowest held-out loss given, of those a reading holds (HELD_OUT_KEPT; across a held_out(None) pause: W42
    walkthrough, a pause at step 100 made the remedy name a step after it, the lowest, after step 80, forgotten), and
    the step it was given after; the lowest window's own lowest where that one is lower (a long run's may be older
    than those held). None where none was given."""
    low = min(((t, v) for t, v in s.held_out if v is not None), key=lambda g: g[1], default=None)
    window = s.held_out_lowest
    if window is not None and (low is None or window.best < low[1]):
        return window.best_step, window.best
    return low


def percent_above(value: float, base: float) -> str:
    return _percent(value / base - 1)


def _percent(share: float) -> str:
    """A share as a percentage with two figures where it is under 10% (W42 walkthrough: a swing of 0.3% read 'typically
    0%', as if the losses had no noise)."""
    return f"{share:.0%}" if share >= 0.1 else f"{100 * share:.2g}%"


def was_low(s: RunSummary) -> bool:
    """The held-out loss was MOVED_FRACTION below chance at its lowest: the labels carry something to new points."""
    low = lowest_given(s)
    return (low is not None and s.test_chance_loss is not None
            and low[1] < (1 - MOVED_FRACTION) * s.test_chance_loss)
