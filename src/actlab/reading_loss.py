"""The loss against chance: the thresholds the readings judge a loss by, and the findings of a run that blows up.

A run blows up in one of two ways: a NaN or an inf ("diverged"), or a finite loss far above chance and still rising
(DIVERGING_LOSS, "diverging"). The recent losses tell how it came to that, and the words say it: a loss that
climbed before it became NaN (steps too large: the learning rate), or one that went to NaN straight from an ordinary
value (look at the data and the loss first), or a finite loss whose gradient is NaN (an operation with an infinite
slope). A run that had learned and whose loss then climbs far above chance is no longer "healthy" or "starting"
(unlearned). The words say which steps the losses were taken at (RunSummary.loss_steps): a monitor's sampled steps,
where a step is named only if it was sampled and what happened between two samples is said as the two sampled steps
around it, never as a step nobody saw; or the engine's, which sees every update: each update's batch loss before a
NaN, else the whole training set's loss at each frame (every epoch for `actlab train`)."""

from __future__ import annotations

import bisect
import functools
import math
import statistics
from dataclasses import dataclass

import numpy as np
from scipy.special import chdtri, gammaln, ndtr, stdtrit
from scipy.stats import binom

from .reading_record import (
    LEARNING_LINE,
    Finding,
    Lever,
    LossSteps,
    RunSummary,
    Status,
    names_in_order,
    percent_below,
    said_low,
    sci,
    times,
)
from .reading_remedies import RATE_RAISED, can_offer, rate_restored, switch_lowered, uses_he, uses_xavier

MOVED_FRACTION = LEARNING_LINE  # learning means the loss is at least 10% below chance; "above chance": 10% above it
UNSCALED_INPUT_RMS = 100.0  # inputs whose root mean square is above this saturate or blow up the first layer
# A run begins near chance. A loss above DIVERGING_LOSS x chance that is still rising is blowing up: W12's tanh MLP
# under SGD at lr 0.3 went 10.9, 6.7, 8.7, 19, 30, 734, 1.3e4 (chance 10.2) and on to 7e13 by step 16; a ReLU
# classifier at lr 50 went 1.6, 36, 2.1e4, 1e9 (chance 1.61). Healthy runs that wobble stay within a few times chance.
# Still rising: the latest of the recent losses is above the first of them; a loss that stayed above the limit over all
# of them counts too (a run blown up to a plateau). Where no losses are kept (a backend that keeps none, or the
# engine's first frame), a loss this far above chance after at least one update has risen, unless the inputs are
# unscaled (such a run begins far above chance). Without a chance loss, a latest loss DIVERGING_LOSS times the
# smallest recent one, and above the first, is the same evidence.
DIVERGING_LOSS = 1e3
# A loss past BLOW_UP_LOSS x chance after one at or below it is a blow-up, whether or not it goes on to DIVERGING_LOSS:
# the monitor recalls its peak and judges learning on the steps since (W31 walkthrough: lr 40 on one update took a
# 4-class run from 1.02 to 129, 93 times chance, and the loss fell back over 50 steps, while the mean of 50 that held
# it read 'starting: the loss is 4.6 times chance, above where a run begins' for 50 steps and nothing named the
# spike). No batch of a run near chance comes there by its noise: one sample's squared error from the mean is past 30
# times the variance with probability 4e-8 (a chi-squared of one degree of freedom), and a cross-entropy 30 times
# chance is every sample of the batch confidently wrong. A run that starts above the line has not blown up
BLOW_UP_LOSS = 30.0
# the losses since a blow-up's peak whose median says whether the run is still on the plateau it was thrown onto
PLATEAU_LOSSES = 10
DIVERGING_HOLD = 4.0  # a divergence read holds while the latest loss stays within this factor under DIVERGING_LOSS
# Recent losses whose later half's median, and latest loss, are more than this many times the earlier half's median
# are climbing (rising()): a starting run above chance says so and names the learning rate before the loss reaches
# DIVERGING_LOSS, and a NaN after it is said as the end of that climb. A steady climb by a factor of 4 or more over
# the window reads rising for any window of 2 to 10 losses (about RISING_FACTOR ** 2: the halves' medians lie about
# half the window apart)
RISING_FACTOR = 2.0
# a loss whose recent median is this many times the run's first, and RISING_FACTOR times chance, has climbed from
# its start (climbed_from_first)
CLIMBED_FROM_FIRST = 1.5
# recent losses that reach both SWING_FACTOR times their median and below its 1 / SWING_FACTOR have no level they
# stayed around: they swung between their lowest and highest (trend())
SWING_FACTOR = 10.0
# a run that had learned and whose judged mean has since come back more than this share of the way from its low to
# chance, beyond its batches' noise, is losing what it learned (unlearned()), though the mean is still MOVED_FRACTION
# below chance
HALF_WAY = 0.5
# a batch loss this many times chance after a run had learned is a jump no batch noise makes (log-normal losses with a
# CV of 2: about 1 batch in 100,000; squared errors of one example: far fewer), though one such batch widens the
# judged mean's noise bounds too far for the mean's rise to be told (unlearned())
JUMP_FACTOR = 100.0
# the climbs and trends of the loss look at this many latest losses (a monitor's latest sampled steps' finite ones, or
# its latest training steps' where every step gave one), and a climb late in the judged window is told from them
LOSS_BATCHES = 10
# a loss held one a step is a jump (spike()) where it is above chance, under BLOW_UP_LOSS x chance (past it, a
# blow-up), over SPIKE_FACTOR times the highest of the up to CLIMB_LOSSES losses held before it (LOSS_BATCHES at
# least), more than SPIKE_SPREADS standard deviations above their logs' mean, and the next SPIKE_AFTER steps' losses
# still above that highest (the weights it left, not one unusual batch). Batch losses with a heavy tail make a loss
# twice the highest of 50 on their own (log-normal losses with a CV of 1: 2.3 in 1,000 steps, so a window of 50 held
# one on 11% of steps); with the log-scale test and the steps after, no window of log-normal losses at CVs 0.3 to 3
# held one, and a batch-1 classifier's confidently wrong examples one in 800 windows of 50 where measured
# (test_monitor_spike_named_y3). W32 walkthrough: lr 5 on one update took a 10-class run from 0.834 to 10.4 (4.5
# times chance), and nothing said so
SPIKE_FACTOR = RISING_FACTOR
SPIKE_SPREADS = 6.0
SPIKE_AFTER = 2
# how many losses before the recent window a face keeps for dating a climb (RunSummary.earlier_losses, climb()): a
# learning rate raised tenfold or more takes a float32 loss from its level to inf in 10 to 30 updates, and the recent
# window's 10 saw only its end ('the loss grew first, from 1.3e+18', the loss having been 0.956 ten steps earlier)
CLIMB_LOSSES = 50


# A monitor judges the mean of its last few batch losses, and a mean of a few batches is noisy: on pure-noise MSE
# targets (W21 s19: batch 16, chance 1) the mean of 10 batches spread with a standard deviation of about 0.11, so
# "10% below chance" was one standard deviation and 39 of 300 sampled steps read healthy, and the lowest of those
# means over the run, a minimum over many windows, read as a low the run had "lost". A claim about a mean of batches is
# made only where the batches' own spread supports it: its upper bound at NOISE_QUANTILE (noise_bound) is below chance
# for "below chance"; the current mean's lower bound is above the low's upper bound for "risen from it".
# Batch losses are positive, skewed and spread in proportion to their level (a cross-entropy's or an MSE's). No one
# bound suits every shape, so the upper bound is the lower of two, each at NOISE_QUANTILE (by Bonferroni, a mean at
# chance is read below it at most 2 x (1 - NOISE_QUANTILE) of the time where both are exact; the Student t one is not
# for skewed losses: measured 0.4-1.05% of chance-level windows of 10 or 50 losses up to a CV of 1, 2.3% of windows
# of 50 log-normal losses at a CV of 2, docs/monitor.md; at half that each,
# a falling MSE-like loss read 'starting' for 13 steps after its level was half of chance where one bound alone read
# it healthy):
# - the log scale, as the mean of a log-normal: the generalised pivotal bound of Krishnamoorthy & Mathew (2003) for
#   exp(mu + sigma^2 / 2), exact for log-normal losses. Alone, at 0.995, it read a falling MSE-like loss 'starting' for
#   20 steps after its level was half of chance: one batch at 0.17 of its window's mean widened the log scale's spread.
#   Each loss counts as at least LOG_FLOOR x the window's mean on that scale (raising a loss never lowers the bound of
#   a mean; an easy batch of a trained classifier, 1e-4 beside 0.5, would widen it without limit);
# - the linear scale: mean + Student t x standard error, the error taken at chance's level (scaled by chance / mean)
#   where the mean is below chance: losses spread in proportion to their level, so a mean that is low by chance has a
#   small spread too, and its own would understate the noise (the t test on the window's own spread read 1.2% of
#   chance-level windows of batch-16 MSE losses below chance, 8% of batch 1's; scaled, 0.3% and 0.08%). Alone, it read
#   0.6-1.1% of log-normal chance-level windows below chance, and a classifier whose loss had fallen from 2.30 to 1.0
#   with a heavy right tail read 'starting' for 400 steps (L25).
# Losses that are not all above 0 (a Gaussian NLL) have neither a log scale nor a level to scale to: mean + t x standard
# error at NOISE_QUANTILE. The lower bound, which a claim that the loss rose from its low rests on, is mean - t x
# standard error at NOISE_QUANTILE on every scale (the log scale's lower bound of skewed losses is the narrower, and
# 'not learning any more' read 1.8% of log-normal batch-1 chance-level steps with it, 0.7% with this one).
# An engine's judged loss (the whole training set's) is exact: no margin.
NOISE_QUANTILE = 0.995
# the loss of the best constant guess under the commonest losses, as every face's words give chance_loss's examples
# (W94 walkthrough: the hint named a squared error and a cross-entropy, never the L1 loss the run used)
CHANCE_EXAMPLES = ("ln C for C balanced classes with cross-entropy, the targets' variance with a mean squared error, "
                   "their mean absolute deviation from their median with an L1 loss, the margin with a triplet or "
                   "other margin loss, which an output the same for every input meets exactly")
FEW_BATCHES = 4  # fewer batch losses than this are said to be too few, whatever their spread (within_noise)
LOG_FLOOR = 0.1
_U_NODES = 96  # the nodes in log U^2 the pivot's distribution is summed over (_quantile)
_BISECTIONS = 42  # asinh(q / s) from a bracket about 110 wide to 1e-10


@functools.cache
def t_quantile(df: int, level: float = NOISE_QUANTILE) -> float:
    """Student's t quantile at ``level`` with ``df`` degrees of freedom."""
    return float(stdtrit(df, level))


# the log-scale spreads s the pivot's quantile is tabled at, per window size (_pivot); a window spread wider (each
# loss is within a factor 1 / LOG_FLOOR below the mean and n above it, so s stays under about 4 for n <= 50) is
# computed directly (0.4 ms)
_SPREADS = tuple(np.geomspace(1e-3, 8.0, 61).tolist())


def _quantile(n: int, spreads: np.ndarray) -> np.ndarray:
    """The pivot's NOISE_QUANTILE quantile, less the logs' mean, for n log-normal losses whose logs have standard
    deviation ``spreads``. The generalised pivot of log(mean) is ybar + s a + s^2 b, a = -Z sqrt((n - 1) / (n U^2))
    and b = (n - 1) / (2 U^2), Z standard normal and U^2 chi-square with n - 1 degrees of freedom: given U^2 = u it
    is normal, so its distribution is the normal's averaged over U^2, and the quantile is found by bisection."""
    df = n - 1
    # the trapezoid rule in log U^2 (its density there is smooth and falls off fast at both ends), from U^2's 1e-14
    # quantile to its 1 - 1e-14 one, the weights made to sum to 1
    t = np.linspace(np.log(chdtri(df, 1 - 1e-14)), np.log(chdtri(df, 1e-14)), _U_NODES)
    weights = np.exp(df / 2 * t - np.exp(t) / 2 - df / 2 * math.log(2) - gammaln(df / 2))
    weights /= weights.sum()
    u = np.exp(t)
    s = np.asarray(spreads, dtype=float)[:, None]
    centre, scale = s * s * df / (2 * u), s * np.sqrt(df / (n * u))
    # bisection on x = asinh(q / s) (q's bracket reaches 1e28 s^2 for n = 2, x's about 70 wide)
    safe = np.where(s > 0, s, 1.0)
    lo = np.full(len(spreads), -40.0)
    hi = np.arcsinh((centre.max(axis=1) + 40 * scale.max(axis=1)) / safe[:, 0])
    for _ in range(_BISECTIONS):
        x = (lo + hi) / 2
        q = np.sinh(x)[:, None] * safe
        below = (ndtr((q - centre) / np.where(scale > 0, scale, 1)) * weights).sum(axis=1) < NOISE_QUANTILE
        lo, hi = np.where(below, x, lo), np.where(below, hi, x)
    return np.where(s[:, 0] > 0, np.sinh((lo + hi) / 2) * safe[:, 0], 0.0)


@functools.cache
def _pivot(n: int) -> list[float]:
    """_quantile() / s at _SPREADS, a list to interpolate in (nearly linear in s: the pivot is s a + s^2 b): made once
    per window size, about 8 ms (0.39 s for n = 2 to 50, measured)."""
    return (_quantile(n, np.array(_SPREADS)) / np.array(_SPREADS)).tolist()


def _log_margin(n: int, s: float) -> float:
    """The pivot's quantile less the logs' mean at spread s, from its table (bisect: 2 us a call, where the sum and
    its bisection take 0.4 ms). Below the table's first spread the quantile over s, a + s b, is a line through its
    first two entries (losses nearly equal, as on a plateau or the same batch again: computed directly, they cost
    0.6 ms of every sampled step of the benchmark's MLP, a tenth of its step), within 5e-5 of the direct value from 3
    losses on; 2 losses' pivot bends there (2% off on the line), and is computed directly."""
    if not s < _SPREADS[-1] or (n < 3 and s < _SPREADS[0]):
        return float(_quantile(n, np.array([s]))[0])
    if s <= 0:
        return 0.0
    table = _pivot(n)
    i = max(bisect.bisect_right(_SPREADS, s), 1)
    s0, s1 = _SPREADS[i - 1], _SPREADS[i]
    return s * (table[i - 1] + (table[i] - table[i - 1]) * (s - s0) / (s1 - s0))


def log_bound(values: tuple[float, ...]) -> float:
    """The upper bound at NOISE_QUANTILE of the mean of log-normal losses ``values`` (all above 0, two or more)."""
    n = len(values)
    mean = math.fsum(values) / n
    floor = LOG_FLOOR * mean
    logs = [math.log(max(v, floor)) for v in values]
    ybar = math.fsum(logs) / n
    s = math.sqrt(math.fsum((y - ybar) ** 2 for y in logs) / (n - 1))
    if s == 0:  # every loss the same, or floored: the mean (exp(log(x)) may differ from x in its last digit)
        return mean
    return math.exp(min(ybar + _log_margin(n, s), 709.0))  # two losses far apart: up to 1.3e4 s^2 above


@functools.lru_cache(maxsize=64)  # one reading asks for the same window's bound several times
def _bound(values: tuple[float, ...], chance: float | None, upper: bool) -> float:
    if min(values) == max(values):  # a loss that never moved (lr 0): itself, where fsum / n may be 1 ulp below it
        return values[0]
    n = len(values)
    mean = math.fsum(values) / n
    se = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1) / n)
    if not upper or not on_ratio_scale(values):
        margin = t_quantile(n - 1) * se
        return mean + margin if upper else mean - margin
    if chance is not None and 0 < mean < chance:
        se *= chance / mean
    return min(log_bound(values), mean + t_quantile(n - 1) * se)


def noise_bound(values: list[float], chance: float | None = None, upper: bool = True) -> float:
    """The upper bound (the lower of the log scale's and the linear scale's, each at NOISE_QUANTILE) or the lower
    bound (at NOISE_QUANTILE) of the mean loss that batch losses ``values`` were drawn around, ``chance`` being the
    loss of the best constant guess (see NOISE_QUANTILE). Fewer than two losses have no spread
    to measure: +-inf, nothing can be claimed."""
    if len(values) < 2:
        return math.inf if upper else -math.inf
    return _bound(tuple(values), chance, upper)


def median_lower(values: list[float]) -> float:
    """A lower bound of the median that batch losses ``values`` were drawn around, at NOISE_QUANTILE and whatever
    their distribution: the k-th smallest, k the (1 - NOISE_QUANTILE) quantile of Binomial(n, 1/2) (fewer than k of n
    draws fall below the median with at most that chance). -inf where n is too small for any. One wild batch moves
    it by one place where it moves a mean's bound by its whole size (W30: one batch at 16.2, 15 times chance, widened
    the noise bound of a mean of 50 so far that a rise from a low of 0.344 could not be told)."""
    k = int(binom.ppf(1 - NOISE_QUANTILE, len(values), 0.5))
    return sorted(values)[k - 1] if k >= 1 else -math.inf


def judged_window(s: RunSummary) -> list[float] | None:
    """The batch losses whose mean is the judged loss (a monitor's latest training steps' losses, s.judged_losses,
    their finite ones; a summary without them: its recent sampled losses, s.loss_batches of them), or None where the
    judged loss is no mean of batches (the engine's whole training set's loss: exact)."""
    if s.judged_losses is not None:
        return [v for _, v in s.judged_losses if v is not None and math.isfinite(v)]
    if s.loss_steps != LossSteps.SAMPLED or s.recent_losses is None or s.loss_batches is None:
        return None
    return [v for _, v in recent(s)]


def _steps_in_words(steps: list[int]) -> str:
    named = [f"{t:,}" for t in steps[:4]] + ([f"{len(steps) - 4:,} more"] if len(steps) > 4 else [])
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def judged_over(s: RunSummary) -> str:
    """What the judged mean is over, in words: "the last 10 training steps' batches"; where some of those steps' losses
    were NaN or infinite (unsampled steps: a sampled one's would be the judged loss), "the 8 finite losses of the last
    10 training steps' batches (training steps 43 and 47 had a NaN or infinite loss)"; where the script gave a loss
    on some steps only, the steps the batches span. A summary without judged_losses: "the last 10 sampled losses"."""
    window = s.judged_losses
    if window is None:
        n = s.loss_batches or 0
        return f"the last {n} {loss_noun(s, n)}" if n > 1 else f"the last {loss_noun(s)}"
    steps = [t for t, _ in window]
    bad = [t for t, v in window if v is None or not math.isfinite(v)]
    n = len(window)
    if s.blown_up is not None and s.judged_since is not None and steps[0] == s.judged_since + 1 \
            and steps[-1] - steps[0] == n - 1:
        # the monitor judges a run that blew up on the steps since the peak, or since the last loss still past
        # BLOW_UP_LOSS x chance after it (its losses before are left out)
        since = (f"since training step {s.blown_up[0]:,}'s blow-up" if steps[0] == s.blown_up[0] + 1 else
                 f"since the loss came back from training step {s.blown_up[0]:,}'s blow-up (from step {steps[0]:,})")
        batches = f"the {n} training steps' batches {since}" if n > 1 else f"the one training step's batch {since}"
    elif steps[-1] - steps[0] == n - 1:
        batches = f"the last {n} training steps' batches" if n > 1 else "the last training step's batch"
    else:
        batches = f"the last {n} batches given a loss (training steps {steps[0]:,} to {steps[-1]:,})"
    if not bad:
        return batches
    kept = n - len(bad)
    # 'training step', not 'unsampled step': a sampled step's NaN stays in the window of the sampled steps after it
    # (W28: 'unsampled step 161' at step 171, where every=10 had sampled 161)
    steps = f"training step{'' if len(bad) == 1 else 's'} {_steps_in_words(bad)}"
    return (f"the {kept} finite loss{'' if kept == 1 else 'es'} of {batches} ({steps} had a NaN or infinite loss, or "
            "none that is one number)")


def clearly_below(s: RunSummary) -> bool:
    """Whether the judged loss is below chance beyond its batches' noise (always, where it is exact)."""
    window, chance = judged_window(s), chance_of(s)
    return window is None or chance is None or noise_bound(window, chance) < chance


def within_noise(s: RunSummary) -> str:
    """Where the judged loss is MOVED_FRACTION below chance but not clearly_below(), in words: ", but its N batches
    spread too widely to tell it from chance (...)"; else ""."""
    window, chance = judged_window(s), chance_of(s)
    if (window is None or chance is None or s.loss is None or not math.isfinite(s.loss)
            or s.loss >= (1 - MOVED_FRACTION) * chance or clearly_below(s)):
        return ""
    if len(window) < 2:
        return ", but that is one batch's loss, which says nothing yet of learning"
    if len(window) < FEW_BATCHES:  # (W46 walkthrough: 'could be as high as 1.92' of two batches at 0.150 and 0.156
        # read as a wrong figure: with so few, the t quantile alone is 9.9 to 64)
        return (f", but {judged_over(s)} are too few to tell that from chance: with {len(window)}, the mean they were "
                f"drawn around could be as high as {noise_bound(window, chance):.3g}")
    # their range and, where few, their count: a bound near chance over losses all far below it reads as a wrong
    # figure without them (W83 walkthrough finding 7: a resumed run's 4 losses, 0.00267 to 0.00967, 'could be as high
    # as 2.91'; the spread, 3.6 times from least to most, taken to chance's level and t(3) at 99.5%, allows it)
    few = f"with only {len(window)} of them, " if len(window) < 10 else ""
    return (f", but {judged_over(s)}, from {min(window):.3g} to {max(window):.3g}, spread too widely to tell that "
            f"from chance ({few}the mean they were drawn around could be as high as {noise_bound(window, chance):.3g})")


LOW_NOISE = 5.0  # standard errors of a median that a window's end may sit above its lowest median by noise
LOW_SPAN = 9  # steps whose median places the lowest point of the run's lowest window (a checkpoint to go back to)


def lower_low(low: tuple | None, step: int, values: list[float], chance: float | None,
              window: tuple | list = ()) -> tuple | None:
    """The judged window to keep as the run's low: (step, mean, upper noise bound, window) of the one whose upper
    bound is the lowest so far. The bound, not the mean: the lowest of many noisy means is biased low (a minimum over
    windows), and a claim that the run had come down, and then rose from there, is one its noise supports.
    ``window``: its (step, loss) pairs, kept as given (low_point reads them when a reading asks)."""
    if len(values) < 2:
        return low
    bound = noise_bound(values, chance)
    return (step, statistics.fmean(values), bound, window) if low is None or bound < low[2] else low


def low_point(low: tuple | None, lowest: tuple | None = None) -> tuple[int, str] | None:
    """Where within the run's lowest window (lower_low's) the loss was lowest, and in words why there: the middle step
    of the LOW_SPAN consecutive finite losses whose median is lowest; the window's last step where it holds too few.

    The window's mean is a trailing one: where the loss turned within it (a learning-rate range test), the weights at
    its end are already worse than any at its low (W48 walkthrough: the lowest 50-step mean ended at step 159, whose
    weights scored 1.15 on the whole data set; the best, before step 133, scored 0.52). Where the lowest stretch ends
    the window (a loss still falling, or flat, there), its last step: the latest weights of that stretch.

    ``low`` may be a later window within the lowest one's noise (the monitor's _latest_low), and ``lowest`` the
    lowest window itself: the point found in ``low`` is named only where its median is within the noise of the lowest
    median of ``lowest`` (and said to be so where it is higher); beyond it, the lowest window's point. W79
    walkthrough finding 2: a warm-up too high, and 'where the loss was at its lowest (the median of the 9 steps around
    it, 0.857)' at step 65, in a later window whose mean was within the lowest's bound, where the median around step
    28 was 0.649 (the weights before 65 scored 1.04 on the whole data set, those before 28 0.593)."""
    found = _low_at(low)
    if found is None or lowest is None or lowest is low or found[2] is None:
        return None if found is None else found[:2]
    base = _low_at(lowest)
    if base is None or base[3] is None or f"{found[2]:.3g}" == f"{base[3]:.3g}" or found[2] <= base[3]:
        return found[:2]  # (as low to the digits said: 'against 1.03' of 1.03 says nothing)
    pairs = _spans(lowest)[0]
    if found[2] - base[3] > _median_noise([v for _, v in pairs], found[5]):
        return base[:2]
    return found[0], (f"where the loss was last within the noise of its lowest (the median of the {found[5]} "
                      f"{found[6]} {found[7]}, {found[2]:.3g}, against {base[3]:.3g} around training step "
                      f"{base[4]:,}: the later weights trained longer{found[8]})")


def _low_at(low: tuple | None) -> tuple | None:
    """low_point's reading of one window: (step, words, the median named or None, the window's lowest median, the
    middle step of that lowest span, the span k, "steps" or "losses read", where the span is against the step named
    ("around it", "up to it", "up to training step N"), and the words on batches after it above the median, or "");
    None where there is no window."""
    if low is None:
        return None
    pairs, k, spans, medians = _spans(low)
    if not medians:
        return low[0], "where the mean loss was at its lowest", None, None, None, k, "steps", "up to it", ""
    # (equal medians, as a V's spans around its bottom have: the lower mean, the span centred on it)
    i = lowest = min(range(len(medians)), key=lambda j: (medians[j], statistics.fmean(spans[j])))
    noise = _median_noise([v for _, v in pairs], k)
    tail = [v for _, v in pairs[-(k + 1) // 2:]]  # the last few: a rise begun there leaves the span's median low
    if (medians[-1] - medians[i] <= noise and statistics.fmean(spans[-1]) - statistics.fmean(spans[i]) <= noise
            and statistics.median(tail) - medians[i] <= noise):
        # no rise after it beyond the noise, by the medians nor by the means (a few bad batches at the end move a
        # median not at all: a layer turned off on the window's last 2 steps), nor by the last few alone (W52: lr x 12
        # at step 600 took the last 4 of 9 batches to 0.74-0.78, and the end named, 604, scored 0.551 against 0.356
        # before step 600): the loss was flat, or still falling, to the window's end, whose weights trained longest
        # (W51 walkthrough: a run still learning when its learning rate was raised at step 500 was told 'before step
        # 464' by a median 0.02 under the end's; the weights before 464 scored 0.417 on the whole data set, before
        # 499 0.400)
        i = len(medians) - 1
    steps = "steps" if pairs[i + k - 1][0] - pairs[i][0] == k - 1 else "losses read"
    least = (medians[lowest], pairs[lowest + k // 2][0])
    # the window's end named: the latest step of its last span whose batch loss is at or under the span's median, not
    # one of the last few above it, where a rise too short to move the median began (W82 walkthrough finding 2: a
    # OneCycle to a rate of 3 named 'before training step 19 (the median of the 9 steps up to it, 0.75)', batches
    # 0.955 and 1.17 at steps 18 and 19, whose weights scored 1.38 on the whole data set; before step 17, 0.311)
    # (only in a window cut where the held losses after it rose, _cut_at_rise's fifth member: a window flat or still
    # falling to its end names its end, W51)
    last = len(pairs) - 1
    if i == len(medians) - 1 and len(low) > 4:
        while last > len(pairs) - 1 - k // 2 and pairs[last][1] > medians[i]:
            last -= 1
    above = (f"; the {len(pairs) - 1 - last} batches after it were above that" if last < len(pairs) - 1 else "")
    upto = "up to it" if not above else f"up to training step {pairs[-1][0]:,}"
    if i == len(medians) - 1 and i != lowest and f"{medians[i]:.3g}" != f"{medians[lowest]:.3g}":  # the end,
        # within the noise of a lower stretch before it (lower to the digits said: 'against 1.03' of 1.03 says
        # nothing): said as
        # such, with that stretch (W60 walkthrough: 'where the loss was at its lowest (the median of the 9 steps up to
        # it, 1.47)' of a run whose lowest 9-step median was 1.14, at step 78)
        return pairs[last][0], (f"where the loss was last within the noise of its lowest (the median of the {k} "
                                f"{steps} {upto}, {medians[i]:.3g}, against {medians[lowest]:.3g} around training "
                                f"step {pairs[lowest + k // 2][0]:,}: the later weights trained longer{above})"), \
            medians[i], *least, k, steps, upto, above
    if i == len(medians) - 1:  # the lowest stretch ends the window: the loss was still falling, or flat, at its end,
        # and the weights at the end are the latest of that stretch
        return pairs[last][0], (f"where the loss was at its lowest (the median of the {k} {steps} {upto}, "
                                f"{medians[i]:.3g}{above})"), medians[i], *least, k, steps, upto, above
    return pairs[i + k // 2][0], (f"where the loss was at its lowest (the median of the {k} {steps} around it, "
                                  f"{medians[i]:.3g})"), medians[i], *least, k, steps, "around it", ""


def risen_in_low(low: tuple | None) -> float:
    """How far the loss rose within the run's lowest window (lower_low's) after its low point: the median of its last
    LOW_SPAN finite losses less the lowest such median in it (0 where it holds too few). A dying layer's checkpoint
    gives way to the low point only where this is clear of the batches' noise (W49: a range test rose from a median
    of 0.433 at step 175 to the units' last sample at 212; W35: batch-size-1 losses, learned to the blow-up at 150,
    had their lowest median at 93 by noise alone)."""
    if low is None:
        return 0.0
    _, k, _, medians = _spans(low)
    return medians[-1] - min(medians) if medians and k == LOW_SPAN else 0.0


def _median_noise(values: list[float], k: int) -> float:
    """How far the last of a window's medians of k (41 or so of them) can sit above their lowest by noise alone:
    LOW_NOISE standard errors of a median, about 1.25 sigma / sqrt(k), the batches' noise sigma read from their
    successive differences (their median absolute deviation, so a trend through the window, as a V's, does not count
    as noise). On flat Gaussian noise in windows of 50, the last median sat 1.5 standard errors above the lowest at
    the median of 20,000 windows, 4.3 at the 99th percentile and 5.1 at the 99.9th (measured here)."""
    return LOW_NOISE * 1.2533 * step_noise(values) / math.sqrt(k)


def step_noise(values: list[float]) -> float:
    """The batches' noise sigma, read from their successive differences (1.4826 times their median absolute deviation,
    over sqrt 2), so that a trend through them does not count as noise; 0 for fewer than 3 values."""
    diffs = [b - a for a, b in zip(values, values[1:], strict=False)]
    if len(diffs) < 2:
        return 0.0
    mid = statistics.median(diffs)
    return 1.4826 * statistics.median(abs(d - mid) for d in diffs) / math.sqrt(2)


def _spans(low: tuple) -> tuple[list, int, list, list]:
    """The finite (step, loss) pairs of the lowest window, the span k (LOW_SPAN, or the odd number under the pairs'
    count where they are fewer), the losses of each k consecutive pairs, and each one's median (none under 3 pairs):
    what low_point and risen_in_low both read."""
    pairs = [(t, v) for t, v in low[3] if v is not None and math.isfinite(v)]
    if len(pairs) < 3:
        return pairs, 0, [], []
    k = min(LOW_SPAN, len(pairs) - (1 - len(pairs) % 2))  # an odd span: it has a middle step
    values = [v for _, v in pairs]
    spans = [values[i:i + k] for i in range(len(values) - k + 1)]
    return pairs, k, spans, [statistics.median(span) for span in spans]


def chance_of(s: RunSummary) -> float | None:
    c = s.chance_loss
    return c if c is not None and math.isfinite(c) and c > 0 else None


def above_chance(loss: float, chance: float | None) -> bool:
    return chance is not None and loss > (1 + MOVED_FRACTION) * chance


def norms(s: RunSummary) -> list[float]:
    return [l.grad_norm for l in s.layers] + [s.output_grad_norm]


def largest_grad(s: RunSummary, floor: float = 0.0) -> str:
    """The largest finite weight gradient's norm above ``floor``, with the weights it is of: 'the largest weight
    gradient's norm is 0.18, at the output layer' (W28: '0.18' was in no row of a report whose table lists the hidden
    layers only); "" where there is none."""
    rows = [(s.weights_name(i), l.grad_norm) for i, l in enumerate(s.layers)]
    rows.append((s.output_weights or s.output_name, s.output_grad_norm))
    kept = [(w, g) for w, g in rows if math.isfinite(g) and g > floor]
    if not kept:
        return ""
    name, g = max(kept, key=lambda r: r[1])
    # (a .grad no optimiser clears sums every step since: said, W84 walkthrough finding 8)
    summed = ", a sum over the steps since its .grad was last cleared" if any(
        name == f"'{n}.weight'" for n in s.summed_gradients) else ""
    return f"the largest weight gradient's norm is {sci(g)}, at {name}{summed}"


def recent(s: RunSummary) -> list[tuple[int | None, float]]:
    """The recent finite losses, oldest first, each with its step where the summary gives it."""
    losses = s.recent_losses or ()
    steps = s.recent_loss_steps if s.recent_loss_steps is not None and len(s.recent_loss_steps) == len(losses) \
        else (None,) * len(losses)
    return [(t, v) for t, v in zip(steps, losses, strict=True) if math.isfinite(v)]


# what one of the recent losses is called, by the steps they were taken at (RunSummary.loss_steps)
_LOSS_NOUN = {LossSteps.SAMPLED: "sampled loss", LossSteps.EVERY: "batch loss", LossSteps.FRAMES: "training loss"}


def sampled_step(step: int, also: str = "") -> str:
    """A monitored step named by its training step and said to be a sampled one, so that it is not read as the n-th
    sample ('sampled step 98' read like the 98th sample; M21, S23): 'training step 98 (a sampled one)'. ``also`` goes
    in the same brackets: 'training step 406 (a sampled one; the last finite sample was step 401)'. Every face of the
    monitor names a step so: its report, the reading's words, the log and the watch page (watch-status.js)."""
    return f"training step {step:,} (a sampled one{'; ' + also if also else ''})"


def step_name(s: RunSummary) -> str:
    """What a step of the summary is called where no number follows: "sampled step" where the steps between two were
    not seen ("at any sampled step from the first ..."), else "step"."""
    return "sampled step" if s.loss_steps == LossSteps.SAMPLED else "step"


def numbered_step(s: RunSummary, step: int, also: str = "") -> str:
    """A step of the summary by its number: a monitor's as sampled_step() says it, the engine's (every step seen) as
    plain "step 12"; ``also`` in brackets after it, in the same brackets as "a sampled one" (never two in a row)."""
    if s.loss_steps == LossSteps.SAMPLED and step not in s.unsampled_lows:
        return sampled_step(step, also)
    if s.loss_steps == LossSteps.SAMPLED:  # a low between samples: a training step, not a sampled one
        return f"training step {step:,}" + (f" ({also})" if also else "")
    return f"step {step:,}" + (f" ({also})" if also else "")


def loss_noun(s: RunSummary, n: int = 1) -> str:
    """What n of the recent losses are called: "sampled losses", "batch losses" (one an update), "training losses"
    (the whole training set's, one a frame)."""
    noun = _LOSS_NOUN[s.loss_steps]
    return noun if n == 1 else noun + "es"


def span(s: RunSummary, pairs: list[tuple[int | None, float]]) -> str:
    """The steps that the losses ``pairs`` (two or more, oldest first) span, and what they are where they are not
    samples: " between training steps 1 and 15 (the losses of 8 sampled steps)", " between steps 1 and 10 (each
    update's batch loss)", " between steps 25 and 250 (the whole training set's loss, every 25 updates)". Where their
    steps are not known: how many."""
    (t0, _), (t1, _) = pairs[0], pairs[-1]
    if t0 is None or t1 is None:
        return f" over the last {len(pairs)} {loss_noun(s, len(pairs))}"
    if s.loss_steps == LossSteps.SAMPLED:
        return f" between training steps {t0:,} and {t1:,} (the losses of {len(pairs)} sampled steps)"
    if s.loss_steps == LossSteps.EVERY:
        return f" between steps {t0:,} and {t1:,} (each update's batch loss)"
    gaps = {b - a for (a, _), (b, _) in zip(pairs, pairs[1:], strict=False)}
    every = ("every update" if gaps == {1} else f"every {min(gaps):,} updates" if len(gaps) == 1 else
             f"taken {len(pairs)} times")
    return f" between steps {t0:,} and {t1:,} (the whole training set's loss, {every})"


def _median(values: list[float]) -> float:
    ordered, n = sorted(values), len(values)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _halves(values: list[float]) -> tuple[float, float]:
    """The medians of the earlier and the later half of the losses (the later half takes the middle one)."""
    half = len(values) // 2
    return _median(values[:half]), _median(values[half:])


def on_ratio_scale(values: list[float]) -> bool:
    """Whether losses can be compared by ratios: every one above 0. The rules that call a loss risen, blown up or
    fallen back compare multiples (RISING_FACTOR, DIVERGING_LOSS), which mean nothing for a loss that goes to 0 or
    below (a Gaussian or other negative log-likelihood, a GAN generator's -D(G(z)), a negative cosine): W19's Gaussian
    NLL falling from 0.4 to -2.13 read 'diverging: the loss has grown to -2.13', its limit 1e3 times the lowest loss
    being -2,130."""
    return all(v > 0 for v in values)


def comparable(values: list[float]) -> bool:
    """Whether losses can be compared as larger and smaller by factors: none below 0, and not all 0. A loss of exactly
    0 is one a cross-entropy reaches when a blown-up network's softmax puts all its weight on the right class: a
    window 10.9, 88, 9,359, 1.7e8, ..., with a 0 among them, read 'the last 10 finite batch losses went from 10.9 to
    6.87e+272' and no climb (test_engine_loss_story_r8, found by hypothesis). Logs (noise_bound) and multiples of
    the lowest loss (diverging_loss without a chance loss) still need on_ratio_scale."""
    return all(v >= 0 for v in values) and any(v > 0 for v in values)


def rising(values: list[float]) -> bool:
    """Whether losses (two or more, oldest first) climbed: the later half's median and the latest loss both over
    RISING_FACTOR times the earlier half's median. Not the first loss against the last: one noisy batch at either end
    of a flat window read as a climb of the whole (a low first batch, a high last one)."""
    if len(values) < 2 or not comparable(values):
        return False
    before, after = _halves(values)
    return after > RISING_FACTOR * before and values[-1] > RISING_FACTOR * before


@dataclass(frozen=True)
class Climb:
    """What the recent finite losses show: a rise from ``first`` (the lowest of the earlier half) to ``last`` (the
    latest) ("rose"), or a loss that stayed above DIVERGING_LOSS x chance over all of them, from the first to the last
    ("stayed"); ``span`` says the steps they were taken at (span())."""

    kind: str
    first: float
    last: float
    count: int
    span: str
    start: int | None = None  # the step of ``first``, where a rise's is known (not where it was already climbing)

    def over(self) -> str:
        return self.span


def climb(s: RunSummary) -> Climb | None:
    """A climb the recent losses show: rising() and above chance (without a chance loss: the latest DIVERGING_LOSS
    times the earlier half's median); or a loss that stayed past DIVERGING_LOSS x chance throughout. None for a flat,
    falling or short history."""
    pairs = recent(s)
    if len(pairs) < 2:
        return None
    values = [v for _, v in pairs]
    before = _halves(values)[0]
    chance = chance_of(s)
    if chance is not None:
        rose = rising(values) and above_chance(values[-1], chance)
        stayed = min(values) > DIVERGING_LOSS * chance
    else:
        rose, stayed = rising(values) and values[-1] > DIVERGING_LOSS * before, False
    if not rose and not stayed:
        return None
    if not rose:
        return Climb("stayed", values[0], values[-1], len(pairs), span(s, pairs))
    start = climb_start(values)
    whole, earlier = pairs[start:], s.earlier_losses
    if start == 0 and earlier and pairs[0][0] is not None and earlier[-1][0] < pairs[0][0]:
        whole = [*_fell_to(list(earlier), whole[0]), *whole]
    # back to the oldest loss kept, after the run's first step: where it began is not known
    already = f", already climbing at step {whole[0][0]:,}, the oldest loss kept" if earlier and \
        whole[0] == earlier[0] and whole[0][0] > 1 else ""
    return Climb("rose", whole[0][1], values[-1], len(pairs), span(s, whole) + already,
                 None if already else whole[0][0])


def climb_start(values: list[float]) -> int:
    """Where the climb to the last of ``values`` began: the lowest of the earlier half (W28 second walkthrough: 'from
    1.12 to 2.89e+23 ... between steps 146 and 155', where 1.12 was step 150's loss and step 146's was 1.27); where
    that half is a level the losses then jumped from, the loss just before the jump (W30: lr 50 at step 152 read 'from
    0.0181 ... between steps 147 and 155', 0.0181 being one noisy batch of a level the loss kept to step 151). A level
    is a half of 4 losses or more that does not rise (rising()); the jump goes past RISING_FACTOR times its highest,
    and the losses stay above that highest after it: a steady climb has no such jump."""
    half = values[:max(1, len(values) // 2)]
    # a loss of that half past RISING_FACTOR times its median began the climb inside it, and is no part of the level
    # (W43 walkthrough: 3.57, 3.29, 3.05, 3.04, 22.8, then 13.1 and 11,952: the half's 22.8 as the level's highest
    # put the jump at 11,952 and dated the climb 'from 13.1 ... between steps 18 and 22', not from 3.04 at step 16)
    cut = next((i for i, v in enumerate(half) if v > RISING_FACTOR * _median(half)), len(half)) if len(half) >= 4 \
        else len(half)
    if cut >= 4 and not rising(half[:cut]):  # (where the losses before it are a level: else the half is read whole)
        half = half[:cut]
    k = min(range(len(half)), key=half.__getitem__)
    if len(half) >= 4 and not rising(half):
        top = max(half)
        j = next((j for j in range(k + 1, len(values)) if values[j] > RISING_FACTOR * top), None)
        if j is not None and values[j - 1] <= top and all(v > top for v in values[j:]):
            k = j - 1
    return k


@dataclass(frozen=True)
class Spike:
    """A loss that jumped above the losses before it (spike()): its training step and loss, the highest
    of the losses held before it and how many those are, and whether its step was a sampled one."""

    step: int
    loss: float
    before_highest: float
    before_count: int
    sampled: bool
    stayed: int  # how many steps right after it kept a loss above before_highest (SPIKE_AFTER at least)
    back: bool  # whether a loss held after those is back at or under before_highest
    peak: tuple[int, float]  # the highest of its loss and those after it that stayed up: (step, loss)
    # where the steps right before it already climbed, each past SPIKE_FACTOR times every loss before it (_run_up):
    # the first of them, (step, loss), and before_highest is of the losses before that one; None: no such climb
    began: tuple[int, float] | None = None

    def words(self, chance: float) -> str:
        at = sampled_step(self.step) if self.sampled else f"training step {self.step:,}"
        # the highest of the steps that stayed up, where it is above the jump's own (W34: 'one batch's loss stood
        # out: 8.53 at training step 301', where step 303's was 34.7 and the chart's band reached it)
        up = (f", up to {self.peak[1]:.3g} at training step {self.peak[0]:,} ({times(self.peak[1] / chance)} times "
              "chance)" if self.peak[0] != self.step else "")
        after = f"the next {self.stayed} steps' losses stayed above that{up}" + (" before coming back" if self.back
                                                                                 else "")
        # (W107 walkthrough finding 2: 'the highest of the 50 training steps' losses before it (1.49)', where 0.35
        # and 1.49 were the jump's own first steps, from a level near 0.04)
        before = ("before it" if self.began is None else
                  f"before the climb to it began at training step {self.began[0]:,}, with {self.began[1]:.3g}")
        return (f"the loss jumped: {self.loss:.3g} at {at}, {times(self.loss / chance)} times chance and "
                f"{times(self.loss / self.before_highest)} times the highest of the {self.before_count} training "
                f"steps' losses {before} ({self.before_highest:.3g}), and {after}")


# RATE_RAISED (reading_remedies): a learning rate this many times the one read before a jump in the loss is said as its
# likely cause
# a learning rate this many times the least read before a jump, and under RATE_RAISED times it, is told as a rise too
# small to call the cause alone (W61 walkthrough finding 5: a warm-up's 1.4-times climb before a blow-up got 'Lower
# the learning rate' with no word that a schedule had been raising it)
RATE_NOTED = 1.1
RATE_SPAN = 10  # the optimiser steps before the one a jump followed whose rates it is compared with


def _rate_at(changes: tuple[tuple[int, float], ...], step: int) -> float | None:
    """The rate in use at the optimiser step of training ``step``: the latest change at or before it (None: none)."""
    i = _past(changes, step)
    return changes[i - 1][1] if i else None


def _past(changes: tuple[tuple[int, float], ...], step: int, right: bool = True) -> int:
    """The index of the first change after training ``step`` (``right``; else at or after it), by bisection."""
    return (bisect.bisect_right if right else bisect.bisect_left)(changes, step, key=lambda c: c[0])


def _whose(groups: tuple):
    """The words naming a parameter group by its label, where a monitor read several; "" where it read one."""
    return (lambda label: f" of the parameter group holding {label}") if len(groups) > 1 else (lambda label: "")


def _rate_in(s: RunSummary, series: tuple, k: int) -> tuple | None:
    """One parameter group's rates (a RunSummary.learning_rates entry) around the optimiser step of training step k:
    ("raised", the change or None, the least before, the rate at k, the span's start), ("rising", the least before, the
    rate at k, the span's start) where it rose RATE_NOTED times but not RATE_RAISED times, ("same", the rate, the
    span's start), or None (not read over the span, lowered, or changed less)."""
    _, first, last, changes = series
    low = s.lowest_judged_step if s.lowest_judged_step is not None and s.lowest_judged_step < k else k
    start = max(first, min(k - RATE_SPAN, low))
    if start > k or k > last:
        return None
    # fewer than RATE_SPAN steps read before k (a jump in the run's first steps, a warm-up's: W59 walkthrough finding
    # 2, a warm-up to 8 blew the loss up at step 22, its rate risen 0.08 to 1.74 since step 1, and nothing said it):
    # a rise over them is told, but not 'the same throughout'
    short = k - RATE_SPAN < start
    now, first_rate = _rate_at(changes, k), _rate_at(changes, start)
    if now is None or first_rate is None:
        return None
    # the rates in use over steps start to k - 1: the one at start, and those of the changes after it, before k (one
    # bisect, not a scan of the changes for each step: a jump 10,000 steps after the run's low took 37 ms a reading)
    inside = changes[_past(changes, start):_past(changes, k, right=False)]
    before = [first_rate, *(lr for _, lr in inside)]
    least = min(before)
    if now >= RATE_RAISED * least:
        # one change that raised it so, or a climb over many (a warm-up, a schedule, steps by hand)
        upto = changes[_past(changes, start) - 1:_past(changes, k)]
        # one change is named where it alone made half the rise or more (by ratio, the largest such): a warm-up's
        # first steps double its rate, and one of them named as 'the likeliest cause' hid the rise over the steps
        # after (W59 walkthrough finding 2: 0.08 to 0.159 at step 2, of a rise to 0.79 by step 10)
        rises = [(lr / was, j, was, lr) for (_, was), (j, lr) in zip(upto, upto[1:], strict=False)
                 if lr >= RATE_RAISED * was and lr * lr >= was * was * now / least]
        top = max(rises, key=lambda r: r[0], default=None)
        # a change that took the rate to a level no step of the span had used (RATE_RAISED times the highest before
        # it), within RATE_RAISED of the rate at k, is named before any larger ratio: a schedule's restart from near
        # 0 back to a rate the run bore is no cause (W80 walkthrough finding 1: cosine restarts to 0.05 at steps 201
        # and 301, then 1.5 from step 302; the NaN at 310 was blamed on 'from 1.23e-05 to 0.05 at ... step 201')
        highest, new = first_rate, None
        for (_, was), (j, lr) in zip(upto, upto[1:], strict=False):
            if j > start and lr >= RATE_RAISED * max(highest, was) and lr * RATE_RAISED >= now:
                new = (j, was, lr)
            highest = max(highest, lr) if j >= start else highest
        return ("raised", new if new is not None else top[1:] if top is not None else None, least, now, start)
    if now >= RATE_NOTED * least:
        return ("rising", least, now, start)
    return ("same", now, start) if not short and all(b == now for b in before) else None


def rate_around(s: RunSummary, t: int | None, event: str = "the jump") -> str:
    """A sentence on the learning rate around training step ``t``, whose loss first showed a jump (the optimiser's
    step of training step t - 1 made it), where a monitor read the rates at every optimiser step from the run's low
    (lowest_judged_step), or RATE_SPAN steps before that one if later, to it (RunSummary.learning_rates, per parameter
    group): raised RATE_RAISED times or more since in a group, the likeliest cause; RATE_NOTED times, a rise told as
    too small to blame alone; the same throughout in every
    group, a pointer to the data; "" otherwise (not read over that span, lowered, or changed less). W58 walkthrough: a
    rate raised from 0.05 to 3 at step 300 threw the loss at 301, and a second climb at 315 read 'The learning rate
    was 3 at every optimiser step from training step 303 to 313 ... if the data changed at training step 314'.
    ``event``: what followed step t in words ("the jump"); for another (units that stopped) a rate the same
    throughout says nothing."""
    if t is None or not s.learning_rates:
        return ""
    k, groups = t - 1, s.learning_rates
    read = [(series[0], _rate_in(s, series, k)) for series in groups]
    whose = _whose(groups)
    raised = next(((label, r) for label, r in read if r is not None and r[0] == "raised"), None)
    series_of = {series[0]: series for series in groups}
    if raised is not None:
        label, (_, jump, least, now, start) = raised
        after = went_on(series_of[label], k, now)
        if jump is not None:
            j, was, to = jump
            back = rate_restored(s)
            if back is not None and back[2] == j:  # and put back since: going back undoes nothing (W99 walkthrough
                # finding 2)
                return (f"The learning rate{whose(label)} went from {was:.3g} to {to:.3g} at the optimiser's step of "
                        f"training step {j:,}, before {event}{after}: the likeliest cause. It is back at "
                        f"{back[0]:.3g} since training step {back[3]:,}, which undoes none of what the raised rate "
                        "did: keep it there (raise it, if at all, over many steps: a warm-up).")
            return (f"The learning rate{whose(label)} went from {was:.3g} to {to:.3g} at the optimiser's step of "
                    f"training step {j:,}, before {event}{after}: the likeliest cause; go back to {was:.3g}"
                    + ("" if event == "the jump" else f" from a checkpoint saved before training step {j:,}")
                    + ", or raise it over many steps (a warm-up).")
        return (f"The learning rate{whose(label)} rose from {least:.3g} to {now:.3g} between training steps "
                f"{start:,} and {k:,}, before {event}{after}: the likeliest cause; keep it nearer {least:.3g}.")
    rising = next(((label, r) for label, r in read if r is not None and r[0] == "rising"), None)
    if rising is not None:
        label, (_, least, now, start) = rising
        return (f"The learning rate{whose(label)} rose {now / least:.2g} times, from {least:.3g} to {now:.3g}, "
                f"between training steps {start:,} and {k:,}, before {event}{went_on(series_of[label], k, now)}: too "
                "little to call the cause alone, but a schedule's climb (a warm-up, a cycle) can take the steps past "
                "what the weights bear; where a schedule sets the rate, lower its peak.")
    if not read or any(r is None or r[0] != "same" for _, r in read) or event != "the jump":
        return ""
    start = max(r[2] for _, r in read)
    rates = " and ".join(dict.fromkeys(f"{r[1]:.3g}" for _, r in read))
    what = (f"The learning rate was {rates}" if len(read) == 1 else
            f"The learning rates of the {len(read)} parameter groups read were {rates}, unchanged,")
    said = (f"{what} at every optimiser step from training step {start:,} to {k:,}, the one before the jump among "
            "them")
    earlier = _raised_before(groups, start)
    if earlier is None:
        return (f"{said}: if the data changed at training step {t:,} (other labels, other inputs, another source), "
                "look there first; if nothing changed, what follows applies.")
    # (lr 0.02 raised to 1 at step 5, the loss down at it to step 24 and thrown up at 37, read 'The learning rate was 1
    # at every optimiser step from training step 24 to 34 ...: if the data changed at training step 35 ..., look
    # there first', the raise 50 times before the span unsaid)
    return (f"{said}; {earlier[0]}. If the data changed at training step {t:,} (other labels, other inputs, another "
            f"source), look there first; if nothing changed, go back nearer {earlier[1]:.3g}.")


def rate_before(s: RunSummary, t: int) -> tuple[float, float] | None:
    """(the learning rate of the optimiser step of training step t - 1, whose update the loss of step t is the first to
    show; the rate now), where a monitor read one parameter group's rates over that step; None otherwise. A blow-up's
    remedy divides the first, not the rate a schedule has moved to since (W77 walkthrough finding 2: a warm-up then
    cosine decay blew the loss up from 2.10 to 357 at step 2, its update at 5, and the remedy read 'it is 51 now; a
    tenth, 5.1, is a good first try', then 'it is 0.00274 now')."""
    if len(s.learning_rates) != 1:
        return None
    _, first, last, changes = s.learning_rates[0]
    k = max(t - 1, 1)  # (a first loss is of the weights as made: the first update is the one nearest it)
    if not changes or not first <= k <= last:
        return None
    then = _rate_at(changes, k)
    return None if then is None else (then, changes[-1][1])


def went_on(series: tuple, k: int, now: float) -> str:
    """Where one parameter group's rate (a RunSummary.learning_rates entry) went on rising after the optimiser step of
    training step k, to RATE_RAISED times ``now`` or more, its highest read since in words (", and it went on rising
    after it, to 30 at training step 60, its highest read"); "" otherwise. W68 walkthrough finding 5: OneCycleLR to 30
    killed a ReLU layer while the rate climbed from 8 to 23, and the remedy named only its rise from 1.2 to 3.19 before
    an early jump in the loss at step 12."""
    changes = series[3]
    later = changes[_past(changes, k):]
    if not later:
        return ""
    top = max(later, key=lambda c: c[1])
    if not top[1] >= RATE_RAISED * now:
        return ""
    return f", and it went on rising after it, to {top[1]:.3g} at training step {top[0]:,}, its highest read"


def _raised_before(groups: tuple, start: int) -> tuple[str, float] | None:
    """Where a parameter group's rate at training step ``start`` was raised RATE_RAISED times or more before it
    (_raised_earlier), the first such group's rise in words ("it went there from 0.02 at the optimiser's step of
    training step 4, 50 times, and the loss still came down at it for a while: ...") and the rate it rose from; None
    otherwise."""
    for series in groups:
        e = _raised_earlier(series, start)
        if e is None:
            continue
        least, since, now, single = e
        who = f"that of the parameter group holding {series[0]}" if len(groups) > 1 else "it"
        how = (f"{who} went there from {least:.3g} at the optimiser's step of training step {since:,}, "
               f"{times(now / least)} times," if single else
               f"{who} had risen there from {least:.3g}, {times(now / least)} times, by training step {since:,},")
        return (f"{how} and the loss still came down at it for a while: a rate can hold while the weights are where "
                "the loss is flat and throw them off where it is sharper", least)
    return None


def _raised_earlier(series: tuple, start: int) -> tuple[float, int, float, bool] | None:
    """Where the rate a parameter group had at training step ``start`` is RATE_RAISED times or more the least it
    had from the monitor's first step on: (that least, the training step of the change that raised it most, the rate
    at ``start``, whether that one change made half the rise or more, by ratio); None otherwise. A rise made before the
    span rate_around() compares, which then reads the rate as the same throughout."""
    _, first, _, changes = series
    upto = changes[:_past(changes, start)]
    if not upto or first > start:
        return None
    now = upto[-1][1]
    k = min(range(len(upto)), key=lambda i: upto[i][1])
    least = upto[k][1]
    if not (least > 0 and math.isfinite(now) and now >= RATE_RAISED * least):
        return None
    # a rate that came down to where it is from a higher one since the least (a warm-up to 0.1, then steps down to
    # 0.03) was lowered, not raised: the run bore the higher one (W103 walkthrough finding 1: 'it had risen there from
    # 0.001, 30 times, by training step 1,201 ... go back nearer 0.001', the rate lowered from 0.1 at step 1,201)
    if max(lr for _, lr in upto[k:]) > RATE_NOTED * now:
        return None
    rises = [(lr / was, j) for (_, was), (j, lr) in zip(upto[k:], upto[k + 1:], strict=False) if was > 0 and lr > was]
    if not rises:
        return None
    ratio, j = max(rises)
    return least, (j if ratio * ratio >= now / least else upto[-1][0]), now, ratio * ratio >= now / least


RATE_FALLEN = 1e-3  # a learning rate under this share of the highest read has all but stopped the training
RATE_FALLEN_STEPS = 50  # ... said once it has been so for this many training steps


def rate_fallen(s: RunSummary) -> str:
    """Where every parameter group's learning rate has been under RATE_FALLEN of the highest it had for
    RATE_FALLEN_STEPS training steps or more (RunSummary.learning_rates), that in words: "the learning rate has been
    under a thousandth of its highest since training step 101 (7.5e-38 now, 0.05 at training step 1): updates that
    small barely move the weights"; "" otherwise. W64 walkthrough finding 3: StepLR(step_size=10, gamma=0.5) stepped
    on every batch took the rate from 0.05 to 9.8e-05 by step 100, and the run read 'healthy' until step 391."""
    groups = s.learning_rates
    if not groups or s.steps is None:
        return ""
    said = []
    for label, _, last, changes in groups:
        if not changes:
            return ""
        peak_step, peak = max(changes, key=lambda c: c[1])  # (the first step of the highest)
        now = changes[-1][1]
        if not (peak > 0 and math.isfinite(peak) and now <= RATE_FALLEN * peak):
            return ""
        # the step from which the rate stayed under the line: after the last change above it
        above = [t for t, lr in changes if lr > RATE_FALLEN * peak]
        since = next((t for t, lr in changes if t > above[-1]), None) if above else changes[0][0]
        if since is None or last - since < RATE_FALLEN_STEPS:
            return ""
        said.append((label, now, peak, peak_step, since))
    label, now, peak, peak_step, since = max(said, key=lambda g: g[4])  # (the latest to fall)
    whose = _whose(groups)(label)
    return (f"the learning rate{whose} has been under a thousandth of its highest since training step {since:,} "
            f"({now:.3g} now, {peak:.3g} at training step {peak_step:,})"
            + (", and every other group's too" if len(said) > 1 else "")
            + ": updates that small barely move the weights")


RATE_CYCLES = 3  # a rate that fell near 0 and came back this many times is said (a schedule restarting)
RATE_CYCLE_LOW = 0.01  # near 0: under this share of its highest; back: at half of it or more


def rate_cycles(groups: tuple) -> str:
    """Where a parameter group's learning rate fell under RATE_CYCLE_LOW of its cycle's top (the highest since it last
    came back) and came back to half of that or more RATE_CYCLES times or more (``groups``: RunSummary.learning_rates),
    a note in words: "the learning rate fell near 0 and came back 30 times, about every 20 training steps (from 0.05 to
    0 and back): ..."; "" otherwise. W65 walkthrough finding 7: CosineAnnealingLR(T_max=10), meant for epochs and
    stepped on every batch, swung the rate between 0.05 and 0 every 20 steps for the whole run, and nothing said so."""
    # near 0 and back by each cycle's own top, the highest since the last restart: restarts to tops that differ are
    # each one (W80 walkthrough finding 5: cycles at 0.05, then at 1.5 from the fourth, read 'came back 3 times' of 5,
    # the cycles at 0.05 never reaching half of 1.5)
    for label, _, _, changes in groups:
        if len(changes) < 2 * RATE_CYCLES:
            continue
        high, low_seen, backs, tops, least = changes[0][1], False, [], [], changes[0][1]
        for t, lr in changes:
            if not math.isfinite(lr):
                continue
            least = min(least, lr)
            if not low_seen:
                if high > 0 and lr <= RATE_CYCLE_LOW * high:
                    low_seen = True
                else:
                    high = max(high, lr)
            elif lr >= 0.5 * high:
                backs.append(t)
                tops.append(high)
                high, low_seen = lr, False
        if len(backs) < RATE_CYCLES:
            continue
        tops.append(high)
        every = (backs[-1] - backs[0]) / (len(backs) - 1)
        top = (f"{max(tops):.3g}" if max(tops) <= 1.5 * min(tops) else
               f"highs between {min(tops):.3g} and {max(tops):.3g}")
        return (f"the learning rate{_whose(groups)(label)} fell near 0 and came back {len(backs)} times, "
                f"about every {every:,.0f} training steps (from {top} to {least:.3g} and back, the latest by "
                f"training step {backs[-1]:,}): a schedule counted in epochs (CosineAnnealingLR's T_max) but "
                "stepped on every batch restarts so; if the restarts are not meant, call scheduler.step() once an "
                "epoch, or count its length in batches")
    return ""


def rate_fallen_remedy() -> str:
    return ("If a scheduler sets the rate, check how often scheduler.step() is called: StepLR, MultiStepLR and "
            "ExponentialLR count its calls, so one called on every batch instead of every epoch decays the rate as "
            "many times faster as there are batches in an epoch; a schedule that has reached its floor has ended the "
            "training.")


# what a rate back up to one the run had before its low is: a schedule's restart, meant to throw the weights out of it
SCHEDULE_RESTART = ("a schedule's restart (as CosineAnnealingWarmRestarts or a cyclic rate makes), which throws the "
                    "weights out of the low on purpose; the loss comes back down as the rate falls again. If the loss "
                    "at the end of each cycle is no lower than at the end of the one before, use fewer restarts or "
                    "none.")


def rate_since_low(s: RunSummary) -> str:
    """For a run that had learned and lost it with no jump to date the loss by (a climb over many steps): the
    learning rate at the run's low (lowest_judged_step) and the highest read since, where that is RATE_RAISED times it
    or more in a parameter group, as the likeliest cause; "" otherwise. W59 walkthrough finding 4: OneCycleLR to 30
    took a Tanh MLP's mean loss from 0.705 at step 11 to 424 at step 114 (rate 29.8 there) and every reading from step
    151 on said 'vanishing ... Try ReLU, GELU or SiLU instead of tanh', the rate never named."""
    low = said_low(s)[1]  # (the step the words quote as the run's low)
    if low is None or not s.learning_rates or s.steps is None:
        return ""
    whose = _whose(s.learning_rates)
    # the rate that brought the weights to the low is that of the update before its loss, the optimiser's step of
    # training step low - 1; the low's own optimiser step comes after its loss, and a change there is one since (a
    # rate raised at the optimiser's step of the low's step read 'was 3 at training step 401, where the mean loss was
    # at its lowest ... and the loss still came down at it for a while', no loss having been computed at it)
    made = low - 1
    for label, first, last, changes in s.learning_rates:
        was = _rate_at(changes, made) if first <= made <= last else None
        if not was or not math.isfinite(was):
            continue
        after = changes[_past(changes, made):_past(changes, last)]
        top = max(after, key=lambda c: c[1], default=None)  # (the first step of the highest)
        if top is None or not top[1] >= RATE_RAISED * was:
            continue
        now = _rate_at(changes, last)
        since = f", and is {now:.3g} now" if now is not None and now != top[1] else ""
        # back up to no more than a rate it had before the low: a schedule's restart (W101 walkthrough finding 6:
        # CosineAnnealingWarmRestarts back to 0.2 read 'the likeliest cause ...; keep it nearer 0.000207')
        held = max(changes[:_past(changes, made)], key=lambda c: c[1], default=None)
        if held is not None and held[1] >= RATE_RAISED * was and top[1] <= held[1] * (1 + 1e-9):
            return (f"The learning rate{whose(label)} rose from {was:.3g}, the rate that brought the mean loss to its "
                    f"lowest at training step {low:,}, to {top[1]:.3g} at the optimiser's step of training step "
                    f"{top[0]:,}{since}, no higher than {held[1]:.3g}, its rate at training step {held[0]:,}: "
                    f"{SCHEDULE_RESTART}")
        keep = f"keep it nearer {was:.3g}."
        if now is not None and now <= was:  # back where it was (W101 walkthrough finding 1: 'and is 0.002 now: ...
            # keep it nearer 0.002')
            back = next(t for t, r in changes[_past(changes, top[0]):] if r <= was)
            since, keep = f", and is back at {now:.3g} since training step {back:,}", "keep it there."
        return (f"The learning rate{whose(label)} rose from {was:.3g}, the rate that brought the mean loss to its "
                f"lowest at training step {low:,}, to {top[1]:.3g} at the optimiser's step of training step "
                f"{top[0]:,}{since}: the likeliest cause of the loss's rise; {keep}")
    earlier = _raised_before(s.learning_rates, made)  # no rise since the low: one before it, weighed
    if earlier is None:
        return ""
    rates = " and ".join(dict.fromkeys(f"{_rate_at(c, made):.3g}" for *_, c in s.learning_rates
                                       if _rate_at(c, made) is not None))
    return (f"The learning rate was {rates} at training step {low:,}, where the mean loss was at its lowest; "
            f"{earlier[0]}; go back nearer {earlier[1]:.3g}.")


# a weight decay raised where the learning rate times the new decay, the share of every weight SGD's and AdamW's decay
# take at each update, is this or more is said as the likeliest cause of a loss lost after it (the weights fall to a
# third in 10,000 updates with no gradient against them); SGD at 0.05 with weight_decay raised from 0 to 1e-4 takes
# 5e-6, and AdamW's usual 1e-3 x 0.01, 1e-5
DECAY_SHARE = 1e-4


def decay_raised(s: RunSummary, before: int | None = None) -> tuple | None:
    """Where a monitor read the parameter groups' weight decays (RunSummary.weight_decays) and one change, before
    training step ``before`` where given, raised a group's decay RATE_RAISED times or more (or from 0) to where it
    takes DECAY_SHARE of every weight an update or more at that group's learning rate, at the optimiser's step of the
    run's low (said_low) or later, or before it where the decay was still that high or higher there (the loss comes
    down for a few steps more as the weights shrink: W99's low came 3 steps after the raise): (its label, the decay
    before, the raised one, the training step of the change, the rate there, the training step it came back to where
    it was or under, where it has stayed since, or None, the optimiser's kind or ""), the latest such; None
    otherwise. W99 walkthrough finding 4: SGD at 0.05 whose weight_decay went from 1e-4 to 0.5 at step 601 read 'a
    learning rate too high for this stage ... lower the learning rate', the rate unchanged."""
    low = said_low(s)[1]
    if low is None or not s.weight_decays:
        return None
    rates = {label: changes for label, _, _, changes in s.learning_rates}
    found = None
    for label, _first, _last, changes, *kind in s.weight_decays:
        at_low = _rate_at(changes, low)  # (the decay in force at the low's optimiser step)
        for k in range(1, len(changes)):
            (j, to), was = changes[k], changes[k - 1][1]
            if before is not None and j >= before or not (to >= RATE_RAISED * was and to > 0) or \
                    j < low and not (at_low is not None and at_low >= to):
                continue
            lr = _rate_at(rates.get(label, ()), j)
            if lr is not None and lr * to >= DECAY_SHARE and (found is None or j > found[3]):
                back = None  # the first of the latest changes that are all at or under where it was
                for t, d in reversed(changes[k + 1:]):
                    if d > was:
                        break
                    back = t
                found = (label, was, to, j, lr, back, kind[0] if kind else "")
    return found


def decay_words(s: RunSummary, before: int | None = None) -> str:
    """decay_raised in words, with what to do: put it back. "" where it finds none."""
    found = decay_raised(s, before)
    if found is None:
        return ""
    label, was, to, j, lr, back, kind = found
    low = said_low(s)[1]
    whose = _whose(s.weight_decays)(label)
    share = lr * to
    # (put back since: going back again undoes nothing, as with a rate put back, rate_around)
    then = (f"It is back at {was:.3g} since training step {back:,}: keep it there." if back is not None else
            f"Put it back to {was:.3g}.")
    when = (f"after the run's low at training step {low:,}" if j >= low else
            f"{low - j} training step{'s' if low - j > 1 else ''} before the run's low at training step {low:,} (the "
            "loss came down a little more as the weights began to shrink)")
    return (f"The weight decay{whose} went from {was:.3g} to {to:.3g} at the optimiser's step of training step {j:,}, "
            f"{when}, the learning rate {lr:.3g} there: the likeliest cause. {_decay_works(kind, lr, share)}, so the "
            f"weights shrink toward 0 and what they had learned goes with them. {then}")


# the optimisers whose weight_decay is an L2 term added to the gradient, which they then scale per weight
COUPLED_DECAY = frozenset({"Adam", "NAdam", "RAdam", "Adamax", "RMSprop", "Adagrad", "Adadelta"})


def _decay_works(kind: str, lr: float, share: float) -> str:
    """How the optimiser ``kind``'s weight_decay pulls the weights, at its rate ``lr`` (``share``: lr x decay). W101
    walkthrough finding 5: Adam's coupled decay at lr 0.002 and weight_decay 1 was said as 'SGD's and AdamW's decay
    take ... 0.002 (0.20%)', where the weights shrank some 3.6% an update."""
    if kind in COUPLED_DECAY:
        return (f"{kind}'s weight_decay adds the decay times each weight to its gradient, which {kind} then scales "
                f"per weight: once that pull outweighs the gradient, each weight moves toward 0 by about the learning "
                f"rate, {lr:.3g}, on every update, whatever its size (AdamW's decoupled decay takes the learning rate "
                "times the decay of each weight instead)")
    who = {"AdamW": "AdamW's decay takes", "SGD": "SGD's decay takes about"}.get(kind, "The decay takes about")
    return (f"{who} the learning rate times the weight decay of every weight at each update, here {share:.3g} "
            f"({share:.2%}), more than the gradient of a trained network gives back")


# an optimiser switch this many training steps or fewer before the units stopped (or the loss jumped) is said beside it
SWITCH_SPAN = 50


def switch_words(s: RunSummary, before: int | None = None, after: int | None = None) -> str:
    """The latest optimiser switch a monitor saw (RunSummary.optimiser_switches) at an update after training step
    ``after`` (the run's low, where a loss was lost) and at ``before`` or earlier, in words with what to do; "" where
    none. From one that moves each weight by its rate times the gradient (SGD) to one that scales each weight's
    update (Adam, RMSprop), the rate that suited the first is far too large for the second."""
    found = next((w for w in reversed(s.optimiser_switches)
                  if (after is None or w[0] > after) and (before is None or w[0] <= before)), None)
    if found is None:
        return ""
    step, was, was_lr, was_adaptive, now, now_lr, adaptive = found
    head = (f"The optimiser changed at the update of training step {step:,}, from {was} (learning rate {was_lr:.3g}) "
            f"to {now} (learning rate {now_lr:.3g}): the likeliest cause.")
    # lowered since (to a third or less of it, in every group read): what it did stays, and the words say keep it
    lowered = switch_lowered(s) if found is s.optimiser_switches[-1] else None
    if lowered is not None:
        at, lr = lowered
        return (f"{head} Its learning rate is {lr:.3g} since training step {at:,}: keep it there (what the larger "
                "steps did, the smaller ones do not undo).")
    if adaptive and not was_adaptive:
        return (f"{head} {now} moves each weight by about its learning rate on every update, whatever the size of "
                f"its gradient, where {was} moves it by the rate times the gradient, so a rate that suits {was} is "
                f"far too large for {now}: lower {now}'s learning rate (1e-3 to 1e-4 is usual) or warm it up from "
                "near 0 over the first few hundred updates.")
    return (f"{head} The rate that suited {was} does not carry over to {now}: choose {now}'s afresh, starting "
            "lower and raising it over the first few hundred updates (a warm-up).")


# the losses' medians after and before a write of the weights this many times apart (either way): the loss moved with
# it (RunSummary.weights_written); a checkpoint of the initial weights loaded back moved W99's from 0.48 to about 2
WRITE_MOVED = 1.5


def moved_with(w: tuple) -> float | None:
    """How the loss moved with a run of writes (its ratio, RunSummary.weights_written's fifth item): the ratio where
    its medians are WRITE_MOVED times apart either way, else None (not weighed, or the loss did not move with it)."""
    ratio = w[4] if len(w) > 4 else None
    return ratio if ratio is not None and ratio > 0 and max(ratio, 1 / ratio) >= WRITE_MOVED else None


def written_since_low(s: RunSummary, before: int | None = None) -> tuple | None:
    """The latest run of writes of the weights a monitor saw (RunSummary.weights_written) that began after the run's
    low (said_low), at an update after the low's step, and at ``before`` or earlier where given, with the loss up
    WRITE_MOVED times or more with it (moved_with); None where none. A run begun at or before the low (weight clipping
    from the first step) is the loop's own, under which it learned; one the loss did not move with (averaged weights
    swapped in for an evaluation and back) changed nothing."""
    low = said_low(s)[1]
    if low is None:
        return None
    return next((w for w in reversed(s.weights_written) if w[0] > low and (before is None or w[0] <= before)
                 and (moved_with(w) or 0) > 1), None)


def written_words(s: RunSummary, before: int | None = None) -> str:
    """written_since_low in words, with what to do. "" where none. W99 walkthrough finding 5: the initial weights
    loaded back at step 801 read 'the mean loss has risen ... lower the learning rate'; W101 finding 2: weights clamped
    to 0.05 after every update from step 301 read 'not learning any more ... lower the learning rate'."""
    found = written_since_low(s, before)
    if found is None:
        return ""
    first, last, count, names = found[:4]
    low = said_low(s)[1]
    whose = _whose_weights(names)
    whose = whose[0].upper() + whose[1:]
    if count == 1:
        return (f"{whose} were written between optimiser steps (by load_state_dict, reset_parameters() or a copy by "
                f"hand) before the update of training step {first:,}, after the run's low at training step {low:,}: "
                "the loss moved with the weights written, not with an update, and no learning rate made it. If they "
                "are the weights meant (a restart, a checkpoint to go back to, a layer reset on purpose), let the run "
                f"go on from them; if the low's were meant, load a checkpoint saved at or near training step {low:,}.")
    return (f"{whose} have been written between optimiser steps {count:,} times, from before the update of training "
            f"step {first:,} to before that of {last:,}, a run of writes that began after the run's low at training "
            f"step {low:,} (a constraint applied after each update, such as weight clipping, or a copy by hand): the "
            "loss moved with what they do to the weights, not with the updates, and no learning rate made it. If the "
            "constraint is meant, loosen it (a wider range, or a penalty in the loss instead); if not, take it out.")


def written_note(s: RunSummary) -> str:
    """The latest run of writes of the weights the loss moved with (moved_with), in words for a report's notes, where
    no remedy names it (a healthy run, or one the write came before the low of): "" where none. W102 walkthrough
    finding 4: averaged weights swapped in for an evaluation at step 500 and never swapped back took the batches'
    median loss from 0.677 to 1.82, and the run, learning again from there, read healthy with no word of it."""
    found = next((w for w in reversed(s.weights_written) if moved_with(w) is not None), None)
    if found is None:
        return ""
    first, last, count, names, ratio = found
    whose = _whose_weights(names)
    when = (f"were written between optimiser steps before the update of training step {first:,}" if count == 1 else
            f"were written between optimiser steps {count:,} times, from before the update of training step "
            f"{first:,} to before that of {last:,},")
    return (f"{whose} {when} (by load_state_dict, reset_parameters() or a copy by hand), and the loss moved with "
            f"{'it' if count == 1 else 'the first'}: the median of the batch losses from there was {ratio:.3g} times "
            "that of the ones before; where that was not meant (averaged weights swapped in for an evaluation and not "
            "swapped back), the run goes on from the weights written")


def _whose_weights(names: tuple[str, ...]) -> str:
    """The modules whose weights a run of writes wrote, in words: "the weights of '2' and '4'", the first four and how
    many more; "the model's weights" where it wrote every watched one (names empty)."""
    said = [f"'{n}'" for n in names[:4]] + ([f"{len(names) - 4} more modules"] if len(names) > 4 else [])
    return f"the weights of {names_in_order(said)}" if names else "the model's weights"


def spike_remedy(s: RunSummary) -> str:
    """What to do about a spike (spike()): look at the batch; if spikes recur, smaller steps."""
    return ("A loss that jumps far above every one before it and stays up on the steps after comes from an update too "
            "large for where the weights were (a learning rate too high for this stage, or one batch's gradient far "
            "larger than the rest, which clipping catches), not from one unusual batch alone: if such jumps recur, "
            f"{lower_lr(s)}; look at the batch of the step before the jump too.")


# a judged mean this many times its run's low, risen beyond the noise of both, is said beside a reading that is not
# about the loss (RISE_FACTOR): W34 walkthrough, a GELU transformer whose mean went from 0.599 to 1.076 (chance 2.30),
# which the half-way rule of unlearned() leaves unsaid
RISE_FACTOR = 1.5
# a judged mean this many times its run's low, beyond the noise of both, is said however small the rise is against
# chance (W61 walkthrough finding 6: a second optimiser's rate raised 900 times at step 301 took the whole data's loss
# from 0.0152 to 0.0839, at chance 1.39, and every reading said healthy; a rise of a twentieth of chance was under
# MOVED_FRACTION of it. That run's batches alone cannot tell it from noise: its last 50 held more exact zeros than the
# low's and nine losses above all of the low's, a tail a batch-1 classifier's noise also gives)
RISE_FAR = 3.0


def rise(s: RunSummary) -> str | None:
    """Where the judged mean has risen from the run's low (lowest_judged_loss, clearly below chance) to RISE_FACTOR
    times it and by MOVED_FRACTION x chance at least, beyond the noise of both (the window's lower bound, or its
    median's, above the low's upper bound), the rise in words: "the mean loss has risen from 0.599 at training step
    240 (a sampled one) to 1.08, beyond the noise of its batches"; a rise to RISE_FAR times the low is said however
    small against chance; else None. Not said where unlearned() reads the
    run as not learning any more."""
    window, chance = judged_window(s), chance_of(s)
    judged, bound = s.lowest_judged_loss, s.lowest_judged_bound
    if (window is None or chance is None or judged is None or bound is None or s.loss is None
            or not math.isfinite(s.loss) or not math.isfinite(judged) or judged >= (1 - MOVED_FRACTION) * chance
            or bound >= chance or len(window) < 2):
        return None
    if s.loss < RISE_FACTOR * judged or s.loss - judged < MOVED_FRACTION * chance and s.loss < RISE_FAR * judged:
        return None
    if not (noise_bound(window, chance, upper=False) > bound or median_lower(window) > bound):
        return None
    what = "the mean loss" if s.loss_steps == LossSteps.SAMPLED else "the training loss"
    low, at = said_low(s)  # (the run's low as every reading quotes it)
    return (f"{what} has risen from {low:.3g}{_at(s, at)} to {s.loss:.3g}, beyond the noise of "
            "its batches")


def fresh_jump(s: RunSummary) -> tuple[int, float, float, int] | None:
    """A jump too new for spike() to tell from one unusual batch: the earliest of the last SPIKE_AFTER losses held
    (s.step_losses, the latest judged) that is above chance and stands out from the CLIMB_LOSSES before it as spike()
    asks (SPIKE_FACTOR times their highest and SPIKE_SPREADS of their log spread above their centre, or
    FRESH_JUMP_FACTOR times their highest), every loss after it still above their highest: (its step, its loss, their
    highest, how many). None otherwise. W62 walkthrough: lr
    raised to 2 at step 150 took the loss from 0.032 to 52.8 at step 151 (38 times chance), and step 151 read
    'unsettled ... back near chance ...: not yet beyond the noise of its batches', that one batch alone having moved
    the mean of 50 to near chance."""
    chance = chance_of(s)
    if chance is None or not s.step_losses or not s.judged_losses or s.judged_losses[-1][0] != s.step_losses[-1][0]:
        return None
    held = list(s.step_losses)
    for i in range(max(0, len(held) - SPIKE_AFTER), len(held)):
        t, v = held[i]
        before = [b for _, b in held[max(0, i - CLIMB_LOSSES):i]]
        if (v <= (1 + MOVED_FRACTION) * chance or len(before) < LOSS_BATCHES or not on_ratio_scale(before)
                or v <= SPIKE_FACTOR * max(before) or min(a for _, a in held[i:]) <= max(before)):
            continue
        # (or FRESH_JUMP_FACTOR times their highest, whatever their spread: W62's 52.8 followed losses from 0.02 to
        # 1.12, whose log spread put 6 spreads at 87)
        if _stands_out(v, before) or v > FRESH_JUMP_FACTOR * max(before):
            return t, v, max(before), len(before)
    return None


FRESH_JUMP_FACTOR = 10.0


def rise_remedy(s: RunSummary) -> str:
    """What to do about a rise (rise()): smaller steps, if it goes on."""
    return ("A loss rising again after it had come down means steps too large for where the weights now are (a "
            f"learning rate too high for this stage of training): if it keeps rising, {lower_lr(s)}.")


def _log_spread(values: list[float]) -> tuple[float, float]:
    """The mean and the standard deviation of the logs of ``values`` (all above 0). Not their median and median
    absolute deviation: a batch-1 classifier's losses are two crowds (most near 0, a tenth of them confidently wrong
    near chance or above), whose robust spread is the narrow crowd's alone, and one of its wrong batches then read as
    a spike in 14-45% of windows of 50 where measured."""
    logs = [math.log(v) for v in values]
    return statistics.fmean(logs), statistics.stdev(logs)


def _stands_out(v: float, before: list[float]) -> bool:
    """Whether the loss ``v`` is more than SPIKE_SPREADS of the log spread of the losses ``before`` it above their
    centre (_log_spread): spike()'s and fresh_jump()'s test of a jump against the noise before it."""
    centre, spread = _log_spread(before)
    return math.log(v) > centre + SPIKE_SPREADS * spread


def spike(s: RunSummary) -> Spike | None:
    """The highest loss of the judged window (s.judged_losses) that stands out from the losses held before it
    (s.step_losses; SPIKE_FACTOR and SPIKE_SPREADS say how far), above chance and under BLOW_UP_LOSS x chance, or None.
    A face that holds no loss a step (the engine; a script that gives none) has none."""
    chance = chance_of(s)
    if chance is None or not s.step_losses or not s.judged_losses:
        return None
    judged = {t for t, _ in s.judged_losses}
    sampled_at = set(s.recent_loss_steps or ()) if s.loss_steps == LossSteps.SAMPLED else set()
    held = list(s.step_losses)
    found, found_early = None, 0.0
    for i, (t, v) in enumerate(held):
        if t not in judged or not (1 + MOVED_FRACTION) * chance < v <= BLOW_UP_LOSS * chance:
            continue
        if found is not None and t <= found.step + found.stayed:  # the jump found goes on: its losses after it are
            # no jump of their own (W59 walkthrough finding 1: 4.76 at step 302 after losses under 0.24, then 9.53,
            # 5.37 and 18.2; 303 had 302's loss among those before it, and with 18.2 in its next steps it was named
            # 'the loss jumped: 9.53 at training step 303 ... 2 times the highest ... before it (4.76)')
            continue
        start = _run_up(held, i)
        if held[start][0] not in judged:  # the climb to it began before the judged window: a jump the window no
            continue  # longer holds the start of (said while it held it)
        before = [b for _, b in held[max(0, start - CLIMB_LOSSES):start]]
        if len(before) < LOSS_BATCHES or not on_ratio_scale(before) or v <= SPIKE_FACTOR * max(before):
            continue
        # the weights it left: the next SPIKE_AFTER steps' losses still above every one before (an unusual batch
        # alone leaves the next loss where it was: a batch-1 classifier's confidently wrong examples, 3% of them, read
        # as spikes in 41% of windows of 50 without this, in 1.3% with one step after)
        after = held[i + 1:i + 1 + SPIKE_AFTER]
        if len(after) < SPIKE_AFTER or after[-1][0] != t + SPIKE_AFTER or min(a for _, a in after) <= max(before):
            continue
        # how far above the spread of those before it it jumped is read from the highest of it and those steps: a
        # jump may take two steps to show (W57 walkthrough finding 10: Adam's learning rate raised 30 times at step 601
        # took the loss from 0.067 to 0.599 at step 602, then 6.49 at 603, and went unsaid: 603 had 602's loss among
        # those before it, and 602 alone, 2.5 times the highest before it, was not 6 spreads above them)
        early = max(v, *(a for _, a in after))
        if early > BLOW_UP_LOSS * chance or not _stands_out(early, before):
            continue
        if found is None or early > found_early:
            found_early = early
            top, stayed, peak = max(before), 0, (t, v)
            for k, (u, a) in enumerate(held[i + 1:]):
                if u != t + 1 + k or a <= top:
                    break
                stayed += 1
                peak = (u, a) if a > peak[1] else peak
            found = Spike(t, v, top, len(before), t in sampled_at, stayed, i + 1 + stayed < len(held), peak,
                          held[start] if start < i else None)
    return found


def _run_up(held: list[tuple[int, float]], i: int) -> int:
    """Where the climb to the loss held at ``i`` began: back over the training steps right before it, each loss under
    the one after it and past SPIKE_FACTOR times every one of the CLIMB_LOSSES before it (LOSS_BATCHES of them at
    least), so that each at least doubles the climb so far; ``i`` itself where the step before is no such loss (a
    loss above it is an earlier jump, no climb to this one)."""
    start = i
    while start > 0 and held[start - 1][0] == held[start][0] - 1 and held[start - 1][1] < held[start][1]:
        prior = [b for _, b in held[max(0, start - 1 - CLIMB_LOSSES):start - 1]]
        if len(prior) < LOSS_BATCHES or not on_ratio_scale(prior) or held[start - 1][1] <= SPIKE_FACTOR * max(prior):
            break
        start -= 1
    return start


def _fell_to(earlier: list[tuple[int, float]], start: tuple[int, float]) -> list[tuple[int, float]]:
    """The losses before a climb's window that it rose through: where ``start`` is above its level (RISING_FACTOR
    times the median of the losses kept before it), back to the latest earlier loss at most 1 / RISING_FACTOR of it,
    and on from there, until the loss reached is at its level or none is that low. W30: lr raised 1.25 times a step
    read 'from 1.27 ... between steps 170 and 179', the loss having climbed, noisily, from the 0.05 of its level at
    step 160; W31: a dip to 1.77 at step 135 inside a climb from 0.496 at step 116 (lr 1.15 times a step) read 'from
    1.77 ... between steps 135 and 146'."""
    k, value = len(earlier), start[1]
    while k > 0:
        if value <= RISING_FACTOR * _median([v for _, v in earlier[:k]]):
            break  # at its level
        j = next((i for i in range(k - 1, -1, -1) if 0 <= earlier[i][1] <= value / RISING_FACTOR), None)
        if j is None:
            break
        k, value = j, earlier[j][1]
    return earlier[k:]


def _at(s: RunSummary, t: int | None, also: str = "") -> str:
    """' at step 12' (a monitor's: ' at training step 12 (a sampled one)'), with ``also`` in its brackets; where the
    step is not known, ``also`` alone in brackets."""
    if t is None:
        return f" ({also})" if also else ""
    return f" at {numbered_step(s, t, also)}"


def _jump_after(s: RunSummary, t_low: int | None, t_last: int | None, low: float | None = None
                ) -> tuple[int, float] | None:
    """Where the losses held one a step (RunSummary.step_losses) show the climb from the sampled low at ``t_low`` to
    the latest loss, at ``t_last``, as a jump: the step before the largest rise (and the rises of RISING_FACTOR or
    more just before it), and its loss. W32 walkthrough: lr 100 on one update, every=10, read 'it rose from 1.05 at
    training step 191 (a sampled one) to it' at step 201, where every step's loss was held and step 200's was 0.834.
    None where the steps between are not all held, where nothing jumps (a gradual climb: the sampled low dates it),
    or on the low's own step."""
    if s.loss_steps != LossSteps.SAMPLED or t_low is None or t_last is None or t_last - t_low < 2 \
            or not s.step_losses:
        return None
    held = dict(s.step_losses)
    if t_low not in held and low is not None and t_low + 1 in held:  # the sampled low just before the losses held
        # (W57 walkthrough finding 4: every="auto" sampled steps 412 and 512, 100 losses held, 413 to 512: the climb
        # that began at step 503 read 'it rose from 0.000265 at training step 412')
        held[t_low] = low
    if any(t not in held for t in range(t_low, t_last + 1)):
        return None
    # the jump: the step with the largest rise over the loss before it, back through the steps before it that rose
    # RISING_FACTOR times or more too (a jump may take two steps: 0.067, 0.599, 6.49). Not the first loss over
    # RISING_FACTOR times the highest since the low: losses of 1e-4 with a spread of their own crossed that on the
    # step after the low (W57 walkthrough finding 4: 'from 3.41e-05 at training step 415', the climb at step 503)
    values = [held[t] for t in range(t_low, t_last + 1)]
    if min(values) <= 0 or not all(math.isfinite(v) for v in values):
        return None
    rises = {t: held[t] / held[t - 1] for t in range(t_low + 1, t_last + 1)}
    j = max(rises, key=rises.get)
    if rises[j] <= RISING_FACTOR:
        return None
    while j - 1 > t_low and rises[j - 1] > RISING_FACTOR:
        j -= 1
    return (j - 1, held[j - 1]) if j - 1 > t_low else None


def _rose_to_it(s: RunSummary, t_low: int | None, low: float, t_last: int | None, unnamed: str = "") -> str:
    """'it rose from 1.05 at training step 191 (a sampled one) to it', the latest loss; where the steps between are
    held and jump, from the step before the jump (_jump_after): 'it rose from 0.834 at training step 200 to it in one
    step'. ``unnamed`` stands for the step where it is not known."""
    jump = _jump_after(s, t_low, t_last, low)
    if jump is None:
        return f"it rose from {low:.3g}{_at(s, t_low) or unnamed} to it"
    t, v = jump
    return f"it rose from {v:.3g} at training step {t:,} to it" + (" in one step" if t == t_last - 1 else "")


def trend(s: RunSummary) -> str | None:
    """What the recent finite losses show as a whole, in words true of any window of them. Its level is the
    median of each half (the later half takes the middle loss): rising where the later half's is over RISING_FACTOR
    times the earlier's and the latest loss is the highest; falling back where the later half's is below the
    earlier's by more than RISING_FACTOR and the latest is below the highest by as much; swinging between their
    lowest and highest where those are SWING_FACTOR beyond their median either way; else staying around the
    median of them all, between their lowest and highest. Not a comparison of the first loss with the last: W14's run,
    blown up at lr 1e5, peaked at 2.3e6 and then sat noisily around 1e6 for 100 steps, and 'it rose from 9.34e+05'
    compared two noisy values. None for fewer than two losses."""
    pairs = recent(s)
    if len(pairs) < 2:
        return None
    values = [v for _, v in pairs]
    lo, hi, last = min(values), max(values), values[-1]
    t_lo, t_hi = pairs[values.index(lo)][0], pairs[values.index(hi)][0]
    over = span(s, pairs)
    if not comparable(values):  # no multiples to compare: the ends and the range, true of any window
        return f"it went from {values[0]:.3g} to {last:.3g}{over}, no lower than {lo:.3g} and no higher than {hi:.3g}"
    before, after = _halves(values)
    last_n = f"the last {len(pairs)} {loss_noun(s, len(pairs))}"
    if last == hi and after > RISING_FACTOR * before:
        if values.index(lo) == 0 and _jump_after(s, t_lo, pairs[-1][0]) is None:
            return f"it rose from {lo:.3g}{over}"
        return _rose_to_it(s, t_lo, lo, pairs[-1][0], f", the lowest of {last_n},")
    if before > RISING_FACTOR * after and last < hi / RISING_FACTOR:
        where = _at(s, t_hi) or f", the highest of {last_n},"
        return f"it peaked at {hi:.3g}{where} and fell back to {last:.3g}"
    median = _median(values)
    if hi > SWING_FACTOR * median and lo < median / SWING_FACTOR:  # 'stayed around 181, no lower than 1.23e-07 and
        # no higher than 1.24e+05' (walkthrough W26, finding 4): no level it stayed around
        return f"it has swung between {lo:.3g} and {hi:.3g}{over}, its median {median:.3g}"
    return f"it has stayed around {median:.3g}{over}, no lower than {lo:.3g} and no higher than {hi:.3g}"


def sampled(s: RunSummary) -> bool:
    """Whether the summary's steps are sampled (a monitor, which keeps its recent sampled losses): a step between two
    samples was not seen. actlab's engine looks at every update (loss_steps EVERY or FRAMES)."""
    return s.loss_steps == LossSteps.SAMPLED and s.recent_losses is not None


def _when(s: RunSummary) -> tuple[str, str]:
    """Where diverged_at_step goes in the words: after "diverged" when the step is known to be the first one (every
    step before it seen), else after the words, as what was seen: the sampled step and the finite one before it."""
    at, before = s.diverged_at_step, s.last_finite_step
    if at is None:
        return "", ""
    if before is not None and before < at - 1:  # sparse samples: the NaN began somewhere after step `before`
        return "", f", first seen at {sampled_step(at, f'the last finite sample was step {before:,}')}"
    if before is None and at > 1 and sampled(s):  # no sample before it: it may have begun before the first one
        return "", f", first seen at training step {at:,}, the first step sampled"
    return f" at step {at:,}", ""


def _unseen(s: RunSummary) -> int:
    """How many steps between the last finite sample and the one that first saw the NaN were not sampled (0 where
    every step was seen; -1 where it is not known how many: no finite sample before it)."""
    at, before = s.diverged_at_step, s.last_finite_step
    if at is None or not sampled(s):
        return 0
    return -1 if before is None else max(at - before - 1, 0)


def _times(v: float, chance: float | None) -> str:
    return f" ({times(v / chance)} times chance, {chance:.3g})" if chance is not None and v > chance else ""


def _story(s: RunSummary, c: Climb | None, bad_loss: bool) -> str:
    """What the recent losses say about how the run came to its NaN: a climb, or none."""
    chance = chance_of(s)
    if c is not None and c.kind == "rose":
        return f"; the loss grew first, from {c.first:.3g} to {c.last:.3g}{_times(c.last, chance)}{c.over()}"
    if c is not None:
        return (f"; the loss was already above {DIVERGING_LOSS:,.0f} times chance{c.over()} (from {c.first:.3g} to "
                f"{c.last:.3g}{_times(c.last, chance)})")
    pairs = recent(s)
    if not bad_loss or not pairs:
        return ""
    went = _went(s)
    if len(pairs) == 1 or not _ordinary(s):
        return f"; {went}"
    unseen = _unseen(s)
    if unseen:  # W16: a learning rate raised 5 steps before a sample climbed 0.135 -> 1e8 -> 1.3e26 -> NaN unseen
        gap = f"the {unseen:,} step{'s' if unseen > 1 else ''} before it" if unseen > 0 else "the steps before it"
        return f"; the samples show no climb: {went}, but {gap} were not sampled, and the loss may have climbed there"
    return f"; it did not climb first: {went}"


def _went(s: RunSummary) -> str:
    """The finite losses held before a NaN, in words: "the last 10 finite batch losses went from 1.7e+14 to 3.08e+14
    (chance 2.3)", or "the last finite batch loss was 0.5 (chance 2.3)"; "" where none is held."""
    pairs, chance = recent(s), chance_of(s)
    if not pairs:
        return ""
    last = pairs[-1][1]
    against = f" (chance {chance:.3g})" if chance is not None else ""
    if len(pairs) == 1:
        return f"the last finite {loss_noun(s)} was {last:.3g}{against}"
    return (f"the last {len(pairs)} finite {loss_noun(s, len(pairs))} went from {pairs[0][1]:.3g} to "
            f"{last:.3g}{against}")


def _ordinary(s: RunSummary) -> bool:
    """Whether the recent losses before a NaN stayed ordinary: two or more, not rising() and the last not above
    chance. Such a NaN came straight from an ordinary loss, not at the end of a rise."""
    pairs, chance = recent(s), chance_of(s)
    if len(pairs) < 2:
        return False
    values = [v for _, v in pairs]
    return not rising(values) and (chance is None or not above_chance(values[-1], chance))


def lower_lr(s: RunSummary) -> str:
    """'lower the learning rate', with clipping where the face offers it (RunSummary.clip)."""
    return "lower the learning rate (a tenth is a good first try)" + (f" or {s.clip}" if s.clip else "")


def _diverging_remedy(s: RunSummary) -> str:
    """The learning rate first; the initialisation where it is not Xavier or He already, the inputs where they are
    the learner's own (reading_remedies)."""
    checks = [] if uses_he(s) or uses_xavier(s) or not can_offer(s, Lever.INIT) else ["the initialisation (Xavier "
                                                                                      "or He)"]
    checks += ["that the inputs are scaled to mean 0 and variance 1"] if can_offer(s, Lever.INPUTS) else []
    check = f"; check {' and '.join(checks)}" if checks else ""
    far = began_far_words(s)
    if far:  # the start first: its gradients are as large as its loss, and so are the first updates (W83 finding 2)
        return (f"Fix the start first: {far}, so its gradients, and the first updates with them, were huge. "
                f"{started_far_remedy(s)} If it still diverges from a start near chance: {lower_lr(s)}; then "
                f"{s.restart}.")
    return f"{lower_lr(s).capitalize()}{check}; then {s.restart}."


def _nan_remedy(s: RunSummary, c: Climb | None, bad_loss: bool, bad_grads: bool) -> str:
    """The remedy the summary supports: a climb first means steps too large; a finite loss with a NaN gradient, an
    infinite slope; a NaN straight from ordinary losses, the data or the loss first. (Not "use Adam": Adam with too
    high a learning rate diverges too, and the run may be one.)"""
    if bad_loss and s.diverged_at_step == 1:  # before any update: no rate or clipping made it (W87 walkthrough
        # finding 4: exp(sim / 0.001) by hand overflowed to inf / inf at step 1, and the remedy led with the rate)
        return ("The loss was NaN or infinite at the first training step, before any update changed a weight, so "
                "neither the learning rate nor clipping made it: look at how the loss is computed (a log of 0; an "
                "exp that overflows, as exp(x / t) does for a small temperature t: use torch.logsumexp, or "
                "F.cross_entropy on the logits, instead of exp and log by hand; a division by a sum that is 0) and at "
                f"the first batch's inputs and labels for a NaN or an inf; then {s.restart}.")
    if c is not None:
        return _diverging_remedy(s)
    if bad_grads and not bad_loss and s.loss is not None:
        return ("A finite loss with a NaN or infinite gradient comes from an operation whose slope is infinite where "
                "it was evaluated: sqrt or a norm at 0, log at 0, a division by a value that reached 0. Add a small "
                "constant there (sqrt(x + 1e-12)) or compute the loss in a stable form (cross-entropy from the "
                f"logits, not the log of a softmax); then {s.restart}.")
    if bad_loss and _ordinary(s) and _unseen(s):
        return (f"A climb in the steps that were not sampled is as likely as bad data: {lower_lr(s)}, or sample "
                "every step from a little before the NaN (every=1) to see how it came; if the loss turns NaN straight "
                "from ordinary losses, look for a NaN or an inf in the batch's inputs or labels, and for log(0) or a "
                f"division by zero in the loss; then {s.restart}.")
    if bad_loss and _ordinary(s):
        return ("A loss that turns NaN without climbing first points at the data or the loss, first: "
                "look for a NaN or an inf in the batch's inputs or labels, and for log(0) or a division by zero in "
                "the loss (compute it from the logits; add a small constant under a log or a division). If they are "
                f"clean, {lower_lr(s)}; then {s.restart}.")
    return (f"{lower_lr(s).capitalize()}; then {s.restart}. If "
            "the loss becomes NaN again, check the inputs for a NaN or an inf and the loss for log(0) or a division "
            "by zero.")


def diverged(s: RunSummary) -> Finding | None:
    ns = norms(s)
    bad_loss = s.loss is not None and not math.isfinite(s.loss)
    bad_grads = [i + 1 for i, g in enumerate(ns) if not math.isfinite(g)]
    if s.diverged_at_step is None and not bad_loss and not bad_grads:
        return None
    if bad_loss:
        what = "the loss became NaN or infinite"
    elif bad_grads:  # the loss finite, or not given: it is not said to be NaN (sqrt at 0 has a finite value)
        what = ("the gradients are NaN or infinite" if s.loss is None else
                f"the gradients became NaN or infinite while the loss is finite ({s.loss:.3g})")
    elif s.keeps_last_finite:  # actlab's engine stopped at a NaN loss and reads its last finite weights
        what = "the loss became NaN or infinite"
    else:  # a monitor's loss and weight gradients are finite now: the NaN is elsewhere (the monitor says where)
        what = "a NaN or an inf appeared in the sampled numbers"
    kept = ("; the network keeps its last finite weights" if s.keeps_last_finite else
            "; the optimiser may already have written non-finite values into the weights")
    step, seen = _when(s)
    c = climb(s)
    story, remedy = _story(s, c, bad_loss), _nan_remedy(s, c, bad_loss, bool(bad_grads))
    if bad_loss and s.nan_loss_grads_finite and not bad_grads and c is None:
        # a NaN loss whose backward left every weight's gradient finite: the NaN did not pass back through the model,
        # as a mean over nothing's does not (W63 walkthrough finding 1: every target the pad token, ignored, made
        # cross-entropy 0/0 from step 1, and the reading said 'diverged ... Lower the learning rate')
        which = f" ({s.loss_ignore_index} in this loss)" if s.loss_ignore_index is not None else ""
        kept = ""
        story += ("; every weight's gradient from it is finite, so the optimiser wrote no NaN into the weights and "
                  "the NaN did not pass back through the model: it came from a part of the loss whose gradient "
                  "does not carry it, as a mean over nothing does (a cross-entropy whose every target in the batch "
                  f"is its ignore_index{which}, 0 divided by 0; a masked mean over an empty selection)")
        remedy = ("Check the batch's targets and the loss's masks first: a batch whose every target is the "
                  "ignore_index (padding alone, or a tokenizer or shifting bug that leaves every target padding) makes "
                  "cross-entropy's mean 0/0; skip such a batch, or divide a summed loss by the count of counted "
                  "targets, at least 1. The learning rate plays no part in a NaN that the gradient does not carry, "
                  "and the weights took none from it: the run can go on once the batches are mended.")
    if s.blown_up is not None and c is None and chance_of(s) is not None:
        # a blow-up before the NaN that the latest losses show no climb of (W37 walkthrough: lr x 200 took the loss
        # from 0.737 at step 401 to 1.56e25 at 408, back to 2.6-4.3 at 411-414, 3.08e14 at 415 and NaN from 416; the
        # reading said only 'the last 10 finite batch losses went from 1.7e+14 to 3.08e+14' and 'a checkpoint saved
        # before the problem began', with no step): said, and the checkpoint named from before its climb
        went = _went(s)
        story = f"; before it, {blown_up_words(s)}{f'; {went}' if went else ''}"
        remedy = _diverging_remedy(s).removesuffix(".") + f" (one from before training step {blown_checkpoint(s):,})."
    return Finding(Status.DIVERGED, f"diverged{step}: {what}{seen}{kept}{story}", remedy,
                   {"diverged_at_step": s.diverged_at_step, "last_finite_step": s.last_finite_step, "loss": s.loss,
                    "non_finite_layers": bad_grads, "recent_losses": [v for _, v in recent(s)] or None,
                    "climb": None if c is None else c.kind, "climb_from": None if c is None else c.start})


def _rose_from_low(values: list[float]) -> bool:
    """Whether the latest loss rose from the lowest before it by over RISING_FACTOR: the window's shape, not its two
    ends (R14: 3000, 100, 50, 1500 times chance read nothing, its latest loss being under its first)."""
    return len(values) >= 2 and comparable(values) and values[-1] > RISING_FACTOR * min(values[:-1])


def _stayed_up(s: RunSummary) -> bool:
    """Whether the run blew up past DIVERGING_LOSS x chance (RunSummary.blown_up, from losses near chance or below) and
    is still on the plateau it was thrown onto: the median of its latest PLATEAU_LOSSES losses since the peak is past
    the blow-up line (BLOW_UP_LOSS x chance), and it has not come down off it since (RunSummary.plateau_left: that
    median at or under the line, or a loss back at its level). Such a run reads diverged for as long as it stays
    there, and not learning once it has come down, once. W50 walkthrough: lr 50 at step 200 took the loss to a
    plateau of 440 to 2,060, 300 to 1,500 times chance, and the status went from diverged to not learning and back
    10 times in 200 steps, as each batch's loss fell on one side of 1,000 times chance or the other; W51: with every
    loss since the peak held to the line, a batch under it on the way down, or in a blow-up's first wild steps,
    flipped the status 32 times (a run whose learning rate was lowered after 800 steps up there) and 7 times in 10
    steps (one head's learning rate raised to 1)."""
    chance = chance_of(s)
    if chance is None or s.blown_up is None or not s.blown_up[1] > DIVERGING_LOSS * chance:  # (a peak short of that
        # line, 390 times chance, is a run thrown off that reads 'not learning any more': R7)
        return False
    if s.plateau_left is not None and s.plateau_left > s.blown_up[0]:
        return False
    since = [v for t, v in recent(s) if t > s.blown_up[0]]
    return (bool(since) and statistics.median(since[-PLATEAU_LOSSES:]) > BLOW_UP_LOSS * chance
            and min(since) > RISING_FACTOR * chance)


def diverging_loss(s: RunSummary) -> float | None:
    """The latest loss when the run is blowing up (see DIVERGING_LOSS), else None."""
    values = [v for _, v in recent(s)]
    latest = values[-1] if values else s.loss
    if latest is None or not math.isfinite(latest):
        return None
    chance = chance_of(s)
    if s.recent_losses is not None:
        if len(values) < 2 or (chance is None and not on_ratio_scale(values)):
            return None
        limit = DIVERGING_LOSS * (chance if chance is not None else min(values))
        # rose over the recent losses, or stayed far above chance over all of them (a run blown up to a plateau)
        kept_up = chance is not None and min(values) > limit
        if latest > limit and (latest > values[0] or _rose_from_low(values) or kept_up):
            return latest
        if _stayed_up(s):
            return latest
        # past the line on an earlier one of the recent losses, still within DIVERGING_HOLD of it, and the later half
        # of them no lower than the earlier (by their medians: not falling back): one batch
        # under the line does not end a divergence (W47 walkthrough: a range test read diverged, no_gradient,
        # no_gradient, ..., diverged, diverged, no_gradient between steps 137 and 145, the batches 1,000 times chance
        # give or take)
        crossed = any(v > limit for v in values[:-1])
        # (a loss falling back from a blow-up, 5,000 then 980 times chance, is no divergence held)
        earlier, later = _halves(values)
        return latest if crossed and latest > limit / DIVERGING_HOLD and later >= earlier else None
    scaled = s.input_rms is None or not math.isfinite(s.input_rms) or s.input_rms <= UNSCALED_INPUT_RMS
    if chance is None or not s.steps or not scaled:
        return None
    return latest if latest > DIVERGING_LOSS * chance else None


def _stuck(c: Climb | None, s: RunSummary) -> str | None:
    """Where the recent losses of a run blown up past DIVERGING_LOSS x chance are one number to the 3 digits the words
    give ('no lower than 2.41e+08 and no higher than 2.41e+08' said nothing, R18), how little they moved, in words:
    "it is stuck there: between steps ... it fell by less than 0.01%"; None where they moved more or did not stay."""
    values = [v for _, v in recent(s)]
    if c is None or c.kind != "stayed" or f"{min(values):.3g}" != f"{max(values):.3g}":
        return None
    first, last = values[0], values[-1]
    change = abs(last - first) / first * 100
    size = f"{change:.2g}%" if change >= 0.01 else "less than 0.01%"
    moved = ("it did not change" if last == first else
             f"it {'fell' if last < first else 'rose'} by {size} from the first of them to the last")
    return f", and it is stuck there:{c.over()} {moved}"


def blown_up_words(s: RunSummary) -> str:
    """The run's blow-up (RunSummary.blown_up) in words, with where its climb began where that is known (the last
    loss at its level before the climb, RunSummary.blown_low): "the loss blew up to 1.56e+25 at training step 408
    (6.8e+24 times chance), from 0.737 at training step 401". Where the climb went up in more than one go (a loss
    under the line between its first past it and the peak: RunSummary.blown_first), the words date it from the first
    and name the peak after: "the loss blew up to 58.4 at training step 4 (84 times chance), from 0.892 at training
    step 2, and went on to 128 at training step 11 (180 times chance)"; where a higher loss came after the peak
    (RunSummary.loss_top), they say it too."""
    step, loss = s.blown_up
    chance = chance_of(s)
    low = f", from {s.blown_low[1]:.3g} at training step {s.blown_low[0]:,}" if s.blown_low is not None else ""
    first = s.blown_first
    if first is not None and first[0] < step:
        words = (f"the loss blew up to {first[1]:.3g} at training step {first[0]:,} ({times(first[1] / chance)} times "
                 f"chance){low}, and went on to {loss:.3g} at training step {step:,} ({times(loss / chance)} times "
                 "chance)")
    else:
        words = f"the loss blew up to {loss:.3g} at training step {step:,} ({times(loss / chance)} times chance){low}"
    top = s.loss_top
    if top is not None and top[0] > step and top[1] > loss:
        words += f"; its highest since was {top[1]:.3g}, at training step {top[0]:,}"
    return words


def blown_start(s: RunSummary) -> tuple[int, float]:
    """The blow-up as a remedy's one clause dates it, (step, loss): its climb's first loss past the line where that
    came before the peak (RunSummary.blown_first), else its peak."""
    first = s.blown_first
    return first if first is not None and first[0] < s.blown_up[0] else s.blown_up


def blown_checkpoint(s: RunSummary) -> int:
    """The training step a checkpoint must come from before, after a blow-up: the step before the climb's first (the
    loss of step N is of the weights step N - 1's update made, so one saved before step N - 1 holds the weights from
    before the climb; W32 walkthrough)."""
    return (s.blown_from or s.blown_up[0]) - 1


def _fell_from_peak(s: RunSummary, latest: float) -> str | None:
    """Where a monitor saw the loss blow up to a peak over RISING_FACTOR times the latest loss (every step's loss
    given), the blow-up in words and the losses sampled since: "the loss blew up to 7.7e+32 at training step 98
    (5.6e+32 times chance), from 0.0458 at training step 95, and it is 5.72e+03 now, ...; since the blow-up its
    sampled losses have been between ..."; else None. W35 walkthrough: lr 1e7 on one update took the loss from
    0.0458 to 7.7e32 over three steps, and it then sat near 6e3 (a layer dead); the words said 'it has stayed around
    0.371 between training steps 31 and 121 ..., no lower than 0.0789 and no higher than 7.38e+03' (the median of
    losses from before and after the jump), then 'it has stayed above 1,000 times chance ...; every run begins near
    chance', and never named the peak."""
    chance = chance_of(s)
    if s.blown_up is None or chance is None:
        return None
    t_peak = s.blown_up[0]
    since = [v for t, v in recent(s) if t > t_peak]
    # fallen from the peak, or still up there, every loss since it past the blow-up line (_stayed_up)
    if not (s.blown_up[1] > RISING_FACTOR * latest or _stayed_up(s)):
        return None
    # the sampled losses held since the peak, from the first of them (W51: 'since the blow-up its sampled losses have
    # been between 78.6 and 211 (10 sampled steps)' of 1,446 since the peak, which went from 13.8 to 3.9e4)
    first = min((t for t, _ in recent(s) if t > t_peak), default=None)
    after = (f"; its sampled losses from training step {first:,} on ({len(since)} sampled steps) have been between "
             f"{min(since):.3g} and {max(since):.3g}" if len(since) >= 2 else "")
    return (f"diverged: {blown_up_words(s)}, and it is {latest:.3g} now, {times(latest / chance)} times chance "
            f"({chance:.3g}){after}")


def started_far(s: RunSummary) -> str | None:
    """Where the run's first loss (RunSummary.first_loss) was already past BLOW_UP_LOSS x chance and the loss has not
    risen past it since, that start in words: "the first loss, 2.5e+05 at training step 1, was already 290,000 times
    chance: the outputs began far from the targets"; else None. Issue 17: a regression on targets of mean 500 and
    variance 0.86 fell steadily from 2.5e5 to 19 over 800 steps, and read 'diverging: the loss has grown to 2.39e+05
    ... lower the learning rate', then 'starting: ... above where a run begins' with nothing to do."""
    chance = chance_of(s)
    if s.first_loss is None or chance is None or s.loss is None or not math.isfinite(s.loss):
        return None
    t, first = s.first_loss
    if first <= BLOW_UP_LOSS * chance or s.loss > RISING_FACTOR * first:
        return None
    since = (f", and the loss has come down to {s.loss:.3g} since" if s.loss < first / RISING_FACTOR else "")
    if at_zero_output(s, first):  # where every classifier begins: chance_loss is far under it (rare targets)
        return (f"the first loss, {first:.3g} at training step {t:,}, is that of outputs at 0 (ln "
                f"{round(math.exp(s.zero_output_loss))} = {s.zero_output_loss:.3g}), where a classifier begins, and "
                f"chance_loss is {times(first / chance)} times under it, as rare targets make it: "
                f"the loss comes down toward it as the model learns their frequencies{since}")
    if s.loss_summed:  # a sum over each batch against chance_loss: a per-sample chance does not fit it
        return (f"the first loss, {first:.3g} at training step {t:,}, was {times(first / chance)} times chance_loss, "
                "and the loss is a sum over each batch (reduction='sum'): a chance_loss of one sample's loss does not "
                f"fit it{since}")
    return (f"the first loss, {first:.3g} at training step {t:,}, was already {times(first / chance)} times chance: "
            f"the outputs began far from the targets{since}")


def began_far(s: RunSummary) -> tuple[int, float] | None:
    """The run's first loss, (training step, loss), where it came at training step 1, before any update had moved the
    weights, and was past BLOW_UP_LOSS x chance: the start made it (the initialisation, or inputs or targets far from
    the network's scale), whatever came after; None otherwise, and where the loss is a sum over the batch or that of
    a classifier's outputs at 0 (chance_loss fits neither: started_far says those). W83 walkthrough finding 2: a CNN
    with its weights at 10 times PyTorch's default began at 9,300 times chance; it diverged at lr 0.05 and at 0.005
    with 'Lower the learning rate' first, and at 0.0005 a layer died while the loss came down to chance, with 'Lower
    the learning rate ... or from a checkpoint saved before training step 6', weights that held the same start."""
    chance = chance_of(s)
    if s.first_loss is None or chance is None or s.loss_summed:
        return None
    t, first = s.first_loss
    if t != 1 or not first > BLOW_UP_LOSS * chance or at_zero_output(s, first):
        return None
    return t, first


def began_far_words(s: RunSummary) -> str:
    """began_far() in words: "the first loss, 2.15e+04 at training step 1, before any update, was already 9,300 times
    chance" ("" where it does not hold)."""
    far = began_far(s)
    if far is None:
        return ""
    return (f"the first loss, {far[1]:.3g} at training step {far[0]:,}, before any update, was already "
            f"{times(far[1] / chance_of(s))} times chance")


def climbed_from_first(s: RunSummary) -> tuple[int, float, float] | None:
    """A loss that has climbed from the run's first: the median of the recent losses past CLIMBED_FROM_FIRST times the
    first loss and past RISING_FACTOR times chance, as (the first loss's step, the first loss, that median); None
    otherwise. rising() looks inside the recent window only, and a steady climb of a little each step never doubles
    within it (W67 walkthrough finding 6: a character model whose first loss was 15 times chance went on to 90 times
    it over 150 steps, and every reading to step 200 said 'starting ... above where a run begins ... so the reading
    waits'); nor does a climb that stopped (W68 finding 3: a new head from 1.87 to 10.2 at step 6, then 2 to 5 to step
    100 against a chance of 1.39, read the same from step 21 with no remedy). A median, not the mean: one batch far
    up does not make a climb; past twice chance: a first batch far below chance by luck makes no climb of a loss that
    stays near chance."""
    chance = chance_of(s)
    values = [v for _, v in recent(s)]
    if s.first_loss is None or chance is None or len(values) < 2 or s.loss is None or not math.isfinite(s.loss):
        return None
    t, first = s.first_loss
    level = _median(values)
    if not math.isfinite(first) or first <= 0 or level <= CLIMBED_FROM_FIRST * first or level <= RISING_FACTOR * chance:
        return None
    return t, first, level


def climbed_from_first_remedy(s: RunSummary, first: float) -> str:
    """The remedy of a climb from the first loss (climbed_from_first): steps too large; where that first loss was
    itself well above chance, the outputs' start too (started_far_remedy's advice for a classifier)."""
    chance = chance_of(s)
    steps = ("A loss that climbs from its first usually means steps too large: lower the learning rate (a tenth is a "
             f"good first try) and {s.restart}.")
    if chance is None or first <= RISING_FACTOR * chance or s.loss_summed:
        return steps
    if s.loss_kind == "classification":
        return (steps + f" The first loss was already {times(first / chance)} times chance: the output layer's "
                "results (the logits) began far from 0, so start from PyTorch's default initialisation of the output "
                "layer (an output layer tied to an embedding of std 1 gives logits of std about the square root of "
                "its width), or scale its weights down.")
    return (steps + f" The first loss was already {times(first / chance)} times chance: the outputs began far from "
            "the targets, so standardise the targets, or set the output layer's bias to their mean.")


def at_zero_output(s: RunSummary, first: float) -> bool:
    """Whether a first loss is within MOVED_FRACTION of the loss of a classifier's outputs all at 0
    (RunSummary.zero_output_loss: ln C, or ln 2 for a binary cross-entropy): where any classifier begins."""
    zero = s.zero_output_loss
    return zero is not None and zero > 0 and abs(first / zero - 1) <= MOVED_FRACTION


def started_far_remedy(s: RunSummary) -> str:
    """What a start far above chance asks for: a chance_loss that fits a summed loss; for a classifier, logits near 0
    at the start; else targets at the network's scale, and a chance_loss that fits the loss (W60 walkthrough: a
    classifier under BCEWithLogitsLoss with output weights 400 times the default was told to standardise its 0/1
    targets, and a summed loss against a per-sample chance to scale its targets)."""
    if s.first_loss is not None and at_zero_output(s, s.first_loss[1]) and not s.loss_summed:
        return ("Nothing to change at the start: outputs at 0 are where a classifier begins. Check that chance_loss "
                "is the constant guess of the targets' own frequencies over the whole training set (for rare "
                "labels, far under ln 2).")
    if s.loss_summed:
        return ("The loss is summed over each batch (reduction='sum'): give Monitor(chance_loss=...) the chance of "
                "that sum (the batch size times one sample's: ln C times it for C balanced classes, the targets' "
                "variance times the values per batch for a squared error), or use reduction='mean', whose chance is "
                "one sample's.")
    grew = s.calls_grew
    if grew is not None:  # a recurrence grew the output layer's inputs: that first (W74 walkthrough finding 5)
        name, calls, a, b, weight, step = grew
        weight = f"'{weight}'" if weight and not weight.startswith("'") else weight
        return (f"A recurrent loop grew the output layer's inputs: at training step {step:,} the activations' std grew "
                f"from {a:.3g} at the first of the {calls:,} calls of {name} to {b:.3g} at the last, and the outputs "
                "started far from the targets with them. Initialise the recurrent weight"
                f"{' ' + weight if weight else ''} so that its "
                "largest singular value is at most 1 (torch.nn.init.orthogonal_ makes every one 1; or scale it "
                "down), or use a gated cell (nn.LSTM, nn.GRU), whose state stays bounded; and check that chance_loss "
                f"fits this loss ({CHANCE_EXAMPLES}).")
    if s.loss_kind == "classification":
        # (its weights, or its inputs: W73 walkthrough finding 4, a ReLU RNN over 100 steps whose state grew through
        # time began at 240 times chance under a head at PyTorch's default, and was told to start from that default)
        return ("A first cross-entropy this far above chance means confidently wrong outputs: the output layer's "
                "results (the logits) start far from 0, from its weights or from large inputs to it. Start from "
                "PyTorch's default initialisation of the output layer (or scale its weights down, or zero them); "
                "where it has that already, the layers before it (or a recurrent loop's steps) grew its inputs: "
                "their mean and std in the table say how large. Check that chance_loss fits this loss (ln C for C "
                "balanced classes).")
    return ("A first loss this far above chance means the outputs start far from the targets: standardise the "
            "targets (subtract their mean, divide by their std, and scale the predictions back), or set the output "
            f"layer's bias to their mean; and check that chance_loss fits this loss ({CHANCE_EXAMPLES}).")


def _learned_from(s: RunSummary, chance: float | None) -> str:
    """Where a run that had learned came down to ('up from a mean of 2.06 at training step 82, 11% below chance, its
    lowest'), or "" where it had not (its lowest judged mean not MOVED_FRACTION below chance, or not known)."""
    low, step = s.lowest_judged_loss, s.lowest_judged_step
    if low is None or step is None or not chance or not low < (1 - MOVED_FRACTION) * chance:
        return ""
    return (f"up from a mean of {low:.3g} at training step {step:,}, {percent_below(low, chance)} below chance, its "
            "lowest")


def diverging(s: RunSummary) -> Finding | None:
    latest = diverging_loss(s)
    if latest is None:
        return None
    far = started_far(s)
    if far is not None and s.blown_up is None:  # it began up there: no climb to read as a divergence
        return Finding(Status.STARTING, f"starting far from chance: {far}", started_far_remedy(s),
                       {"loss": s.loss, "chance_loss": s.chance_loss, "first_loss": s.first_loss[1],
                        "first_loss_step": s.first_loss[0]})
    c = climb(s)
    chance = chance_of(s)
    size = f"{latest:.3g}, {times(latest / chance)} times chance ({chance:.3g})" if chance else f"{latest:.3g}"
    stuck = _stuck(c, s)
    jumped = None  # the first step of the climb's jump, where the losses held show one (_jump_after)
    fell = _fell_from_peak(s, latest)
    if fell is not None:  # blown up to a peak far above the loss now: said as such
        finite = [g for g in norms(s) if math.isfinite(g)]
        largest = largest_grad(s)
        # (the checkpoint before the update of the step before the climb's first: W32, W35)
        remedy = _diverging_remedy(s).removesuffix(".") + f" (one from before training step {blown_checkpoint(s):,})."
        return Finding(Status.DIVERGED, fell + (f"; {largest}" if largest else ""), remedy,
                       {"loss": latest, "chance_loss": s.chance_loss, "recent_losses": [v for _, v in recent(s)],
                        "diverging_loss": DIVERGING_LOSS, "largest_grad_norm": max(finite) if finite else None,
                        "stuck": False, "blown_up_step": s.blown_up[0], "blown_up_loss": s.blown_up[1]})
    if stuck is not None:  # blown up and stuck there: no longer growing, so not "diverging"
        how = stuck
    elif c is not None and c.kind == "rose":
        how = f", and {trend(s)}"
    elif c is not None:
        shape = trend(s) or ""
        shape = (f", {shape.removeprefix('it has stayed ').replace(c.over(), '')}"
                 if shape.startswith("it has stayed ") else f" ({shape})")
        learned = _learned_from(s, chance)
        how = (f", and it has stayed above {DIVERGING_LOSS:,.0f} times chance{c.over()}{shape}; "
               + (f"it is {learned}" if learned else "every run begins near chance"))
    elif _rose_from_low([v for _, v in recent(s)]):  # down first, then up: the climb is from the lowest
        t_low, low = min(recent(s)[:-1], key=lambda p: p[1])
        # (no 'every run begins near chance' here: the climb from the low says it all; W28 second walkthrough)
        how = f", and {_rose_to_it(s, t_low, low, recent(s)[-1][0])}"
        jump = _jump_after(s, t_low, recent(s)[-1][0], low)
        jumped = jump[0] + 1 if jump is not None else None
    elif _learned_from(s, chance):  # it had learned: from where (W47: 'every run begins near chance' after 145
        # updates of a run whose mean had come down to 2.06 at step 82)
        how = f" after {s.steps:,} update{'' if s.steps == 1 else 's'}, {_learned_from(s, chance)}"
    else:
        how = f" after {s.steps:,} update{'' if s.steps == 1 else 's'}, and every run begins near chance"
    finite = [g for g in norms(s) if math.isfinite(g)]
    largest = largest_grad(s)
    grads = f"; {largest}" if largest else ""
    head = "diverged: the loss blew up to" if stuck is not None else "diverging: the loss has grown to"
    return Finding(Status.DIVERGED, f"{head} {size}{how}{grads}",
                   _diverging_remedy(s),
                   {"loss": latest, "chance_loss": s.chance_loss, "recent_losses": [v for _, v in recent(s)] or None,
                    "diverging_loss": DIVERGING_LOSS, "largest_grad_norm": max(finite) if finite else None,
                    "stuck": stuck is not None, "jump_step": jumped})


# how the words of a run that had learned and lost it begin: readings.py puts that finding first by them
UNLEARNED = "not learning any more"


def _unlearned_remedy(s: RunSummary) -> str:
    """Steps too large for where the weights are, said for the face: `actlab train` keeps one rate from its first step
    to its last (RunSummary.rate_fixed), so its steps never become small again by themselves; the lab's playground
    and a Trainer change the rate between frames (set by hand, no schedule); a script's rate may come from a schedule
    or a warm-up (the Monitor does not see the optimiser: learning_rate None)."""
    # (back up near chance, not above it: the words say where it is; W72 walkthrough finding 3: 'climbs back above
    # chance' of a loss risen from 1.62 to 2.09 against a chance of 2.30)
    chance = chance_of(s)
    where = "above chance" if chance is not None and s.loss is not None and s.loss > chance else "up toward chance"
    why = (f"A loss that climbs back {where} after the network had learned means steps too large for where the "
           "weights now are: a learning rate too high for this stage of training")
    if s.rate_fixed:
        return (f"{why} (this run's rate, the same from its first step to its last, so its steps never become "
                f"smaller): {lower_lr(s)} and {s.restart}.")
    origin = ("set so from the start, or raised by hand during the run" if s.learning_rate is not None else
              "set so from the start, or raised by hand, by a schedule or a warm-up")
    return (f"{why} ({origin}): {lower_lr(s)}. The loss may come back down from where the weights are once the "
            f"steps are small again; if it does not, {s.restart}.")


def coming_back(s: RunSummary) -> float | None:
    """The highest of the latest LOSS_BATCHES judged batch losses where every one is MOVED_FRACTION below chance, where
    learning is (their median below that at 99.5%, whatever their distribution: the largest of 10 is under the
    median with chance 1/1024), else None: a run coming back down, whose judged mean older batches still hold up
    (W32 walkthrough: one update at lr 30, then 'not learning any more: ... risen to 3.97' at step 251 while the last
    20 batches were all between 1.5 and 2.03, chance 2.30). And every one of them under the judged mean: a mean the
    older batches hold up (W101 walkthrough finding 4: AdamW's weight decay raised to 5 took the mean from 0.517 to a
    flat 1.44, past half way back to chance 2.22, and the latest 10, up to 1.59, all under 2.0, read 'coming back'
    and kept it healthy for 400 steps)."""
    window, chance = judged_window(s), chance_of(s)
    if not window or chance is None or len(window) < LOSS_BATCHES or s.loss is None:
        return None
    latest = max(window[-LOSS_BATCHES:])
    return latest if latest < (1 - MOVED_FRACTION) * chance and latest < s.loss else None


def falling_again(s: RunSummary) -> list[float] | None:
    """The medians of the latest 4 blocks of LOSS_BATCHES judged batch losses, oldest first, where each is under
    1 / FALL_FACTOR of the one before and the latest under the judged mean / RISING_FACTOR: a run coming back down that
    its mean still holds up (W41 walkthrough, finding 8: a task changed at step 9,000 read 'not learning any more ...
    risen to 3.13' at step 9,062, its batches down from about 5.8 to 1.4 in 40 steps). Stationary log-normal batch
    losses show such a fall in 0.07-0.7% of windows (spread 0.7 to 1.5). The latest block's mean must be under the
    judged mean. None where not, or too few batches."""
    window = judged_window(s)
    if window is None or len(window) < 4 * LOSS_BATCHES or s.loss is None:
        return None
    blocks = [_median(window[len(window) - LOSS_BATCHES * (k + 1):len(window) - LOSS_BATCHES * k]) for k in range(4)]
    blocks.reverse()
    falling = all(b < a / FALL_FACTOR for a, b in zip(blocks, blocks[1:], strict=False))
    # and the mean held up by older batches, not by the latest block's own (W62 walkthrough: lr raised to 2 at step 150
    # took the last two of the window to 52.8 and 387, and step 152 read 'coming down again: the medians of its last 40
    # in blocks of 10 went 0.401, 0.188, 0.0776, 0.0456', every block's median from before the jump)
    if falling and blocks[-1] < s.loss / RISING_FACTOR and statistics.fmean(window[-LOSS_BATCHES:]) < s.loss:
        return blocks
    return None


FALL_FACTOR = 1.25  # each block of batch losses this many times under the one before: falling_again


def _held_out_with_it(s: RunSummary) -> str:
    """Where a monitor was given held-out losses before and after a training loss that climbed back: whether the
    held-out loss rose with it (the model itself got worse) or stayed near its lowest (the batches got harder, as when
    the training data change). W57 walkthrough: labels replaced at step 401 took the clean held-out loss from 0.24 to
    2.15, and no reading said so. "" where none was given after the lowest window, or it moved between the two."""
    low, now, at = s.held_out_lowest, s.test_loss, s.test_loss_step
    chance = s.test_chance_loss
    if low is None or now is None or at is None or chance is None or at <= low.last_step or not math.isfinite(now):
        return ""
    # (and the lowest one given, where the window's median is above it: a window of 7 still holding untrained losses
    # has a median far above the lowest; W62 walkthrough: 'from 0.848, the median of the 7 given after training steps
    # 20 to 140, its lowest', whose lowest loss was 0.038)
    single = (f"; the lowest one given, {low.best:.3g}, after training step {low.best_step:,}"
              if f"{low.best:.3g}" != f"{low.median:.3g}" else "")
    lowest = (f"{low.median:.3g}, the median of the {low.size} given after training steps {low.first_step:,} to "
              f"{low.last_step:,}, the lowest such median{single}")
    if now >= RISE_FACTOR * low.median and now - low.median >= MOVED_FRACTION * chance:
        return (f"; the held-out loss rose with it, to {now:.3g} (given after training step {at:,}) from {lowest}: "
                "the model itself got worse, not only on its training batches")
    # not risen, said only of one given after the training loss first rose past the learning line (W57's labels
    # replaced at step 401: the held-out loss given after step 400, from before the change, is no evidence)
    learned = (1 - MOVED_FRACTION) * (s.chance_loss or chance)
    since = s.lowest_judged_step or 0
    rose = min((t for t, v in (*s.step_losses, *recent(s)) if t > since and v is not None and v >= learned),
               default=None)
    # (and none given since the climb began rose in between: a held-out loss that went up with the training loss and
    # came back down was no evidence of batches grown harder; W105 walkthrough finding 12: a loop with no zero_grad()
    # took the held-out loss from 0.67 to 1.73 and back to 0.756, against a median of 7 that held the rise itself)
    peak = max(((v, t) for t, v in s.held_out if rose is not None and rose <= t <= at and v is not None
                and math.isfinite(v)), default=None)
    if peak is not None and peak[0] >= (1 + MOVED_FRACTION) * low.median:
        if peak[0] >= RISE_FACTOR * low.median and peak[0] - low.median >= MOVED_FRACTION * chance:
            return (f"; the held-out loss rose with it, to {peak[0]:.3g} (given after training step {peak[1]:,}) "
                    f"from {lowest}, and is {now:.3g} now (given after training step {at:,}): the model itself got "
                    "worse, not only on its training batches")
        return ""
    if rose is not None and at >= rose and now < (1 + MOVED_FRACTION) * low.median:
        return (f"; the held-out loss has not risen with it: {now:.3g} (given after training step {at:,}), against "
                f"{lowest}: the training batches got harder while the model did not get worse on held-out data, "
                "as when the training data change (other labels or inputs)")
    return ""


def fresh_lost(s: RunSummary) -> tuple[int, int, float, float, float] | None:
    """A collapse the judged mean of the window still lags: the latest judged batch losses (s.judged_losses) at or
    above learning's line (MOVED_FRACTION below chance), LOSS_BATCHES or more in a row, right after LOSS_BATCHES that
    were all under it, their median twice as far under chance: (the training step of the first of them, how many,
    their lowest, their highest, the median of the LOSS_BATCHES before them); None otherwise. W101 walkthrough finding
    3: Adam's weight decay raised from 0 to 1 at step 601 took every batch back to chance, and the mean of 50 read
    'healthy ... 67% below chance' at step 636. A run that learned shows 20 such batches split at one step by chance
    about once in 2^20 windows."""
    chance = chance_of(s)
    if chance is None or not s.judged_losses:
        return None
    held = [(t, v) for t, v in s.judged_losses if v is not None and math.isfinite(v)]
    line = (1 - MOVED_FRACTION) * chance
    k = 0
    while k < len(held) and held[-1 - k][1] >= line:
        k += 1
    before = [v for _, v in held[len(held) - k - LOSS_BATCHES:len(held) - k]] if k else []
    # (and those before clearly learned, their median twice the line's distance under chance: a mean wobbling about
    # the line itself is no collapse, W78 walkthrough finding 8)
    if k < LOSS_BATCHES or len(before) < LOSS_BATCHES or max(before) >= line or \
            _median(before) > (1 - 2 * MOVED_FRACTION) * chance:
        return None
    since = [v for _, v in held[-k:]]
    return held[-k][0], k, min(since), max(since), _median(before)


def unlearned(s: RunSummary) -> Finding | None:
    """A run that had learned and lost it: the last two recent losses over RISING_FACTOR times chance (one
    batch's spike is not enough), after the run was below chance by the reading's own measure: two or more of the
    recent losses MOVED_FRACTION below chance (one low batch at the start is not learning), or a judged loss
    (a mean over batches) that was, kept by the backend. It read "healthy" while the mean of the recent losses stayed
    below chance, then "starting" (/tmp/r7/repro6.py: 0.024 for 560 steps, then lr 40: 127-360, 'starting ... whether
    it learns shows over the first 1,000 updates'). Where the judged loss is a mean of a few batches, both claims are
    ones their noise supports (noise_bound): the low was clearly below chance, and the mean now is above the low
    beyond the noise of both (W21: pure-noise MSE targets read 'not learning any more' on 214 of 300 sampled steps,
    the kept low being the lowest of many noisy means)."""
    pairs, chance = recent(s), chance_of(s)
    if chance is None or len(pairs) < 3:
        return None
    learned = (1 - MOVED_FRACTION) * chance
    judged, bound = s.lowest_judged_loss, s.lowest_judged_bound
    # (or, its bound not under chance, a mean now past RISING_FACTOR x chance and past that bound too, and the last
    # two batches with it: no noise of the low's batches reaches there, where no two low batches of the recent ones
    # tell it instead (below). W59 walkthrough finding 4: a mean of 0.705 at step 11 with a bound of 1.64, chance
    # 1.39, then OneCycleLR to 30 and a mean of 132 at step 151, which read 'vanishing ... Try ReLU' and at step 291
    # 'starting ... the loss is 55 times chance, above where a run begins')
    lows = [(t, v) for t, v in pairs if v < learned]
    had = (judged is not None and math.isfinite(judged) and judged < learned
           and (bound is None or bound < chance or len(lows) < 2 and s.loss is not None
                and s.loss > max(bound, RISING_FACTOR * chance)
                and min(v for _, v in pairs[-2:]) > RISING_FACTOR * chance))
    # back where it began, if not far above: the judged loss (the mean of a monitor's recent batches, the engine's
    # whole training set's at a frame) no longer below chance by the reading's measure, after a judged loss that
    # was (W15: a tanh 4,2 playground run trained to 0.0005 and set to lr 10 sat at 1.3 times chance and read 'not
    # learning: after 25,500 updates the loss is above chance', with no word of what it had learned)
    # learning's threshold to cross back over: a judged loss that rose by less than MOVED_FRACTION x chance from its
    # lowest is noise about that line, not a run that lost what it learned (W19: a judged mean at 0.944 against chance
    # 1.10 that went to 0.995 read 'not learning any more' at step 107 and 'healthy' again at 125)
    window = judged_window(s)
    # (beyond the noise of a mean's lower bound, or of the median's: the median of right-skewed losses is at most
    # their mean, so its bound above the low's mean is a rise)
    risen = (window is None or bound is None or noise_bound(window, chance, upper=False) > bound
             or median_lower(window) > bound
             # or the latest LOSS_BATCHES batches' median is above chance beyond their noise: a climb that began
             # late in the window, which its earlier low batches keep the whole window's bounds below (W31: lr x1.15 a
             # step from step 100, losses 0.5-0.8 to step 123, then 1.8-39.5 over 132-141, read 'unsettled: ... not
             # yet beyond the noise of its batches', under a dying layer that dropped it)
             or (len(window) >= LOSS_BATCHES and median_lower(window[-LOSS_BATCHES:]) > chance))
    # or the mean is above chance with the latest batch over JUMP_FACTOR x chance: one wild batch widens the noise
    # bounds so far that 'risen' cannot be told, and the run read 'starting ... above where a run begins' after it had
    # read healthy (W28 second walkthrough: lr raised to 50, a batch at 186, 116 times chance, the mean 3.1 times;
    # with RISING_FACTOR in its place, noise around chance read 'not learning any more' on 62 of 6,000 steps)
    risen = risen or (s.loss is not None and s.loss > chance and pairs[-1][1] > JUMP_FACTOR * chance)
    # back above the learning line, or more than HALF_WAY of the way back to chance from the low (W32 walkthrough: lr
    # raised for good took the mean from 1.31 to 2.01, chance 2.30, and step 312 read only 'dying layer ... the loss
    # is 13% below chance', the rise unsaid for being under the line)
    # (and the median too, beyond its noise: a mean held up by a spike's batches is no run losing ground; W34: one
    # update at lr 4, then 8.53, 6.53, 6.09, 3.54, ... 0.86, read 'not learning any more ... over half of the way back'
    # at step 321 while every batch since had come down)
    half_way = (had and s.loss is not None and s.loss - judged > HALF_WAY * (chance - judged) and window is not None
                and bound is not None and median_lower(window) > bound)
    back = (had and s.loss is not None and math.isfinite(s.loss) and (s.loss >= learned or half_way)
            and s.loss - judged >= MOVED_FRACTION * chance and risen and coming_back(s) is None)
    # or every latest batch back at chance, the mean of the window lagging them (W101 walkthrough finding 3)
    fresh = fresh_lost(s) if had and not back else None
    if not back and fresh is None and min(v for _, v in pairs[-2:]) <= RISING_FACTOR * chance:
        return None
    t_last, last = pairs[-1]
    if had:
        # a monitor judges the mean of its recent sampled losses; the engine, each frame's training loss
        what = "the mean loss" if s.loss_steps == LossSteps.SAMPLED else "the training loss"
        low, at = said_low(s)
        was = f"{what} had come down to {low:.3g}{_at(s, at)}, {percent_below(low, chance)} below chance"
    elif len(lows) >= 2 and (judged is None or (
            math.isfinite(judged) and judged < learned and rising([v for _, v in pairs])
            and min(v for _, v in pairs[-2:]) > SWING_FACTOR * chance)):
        # no judged loss kept: two low batches are the only sign it learned (where one is kept, it speaks: a flat
        # window three times chance with two wild batches under 0.9 chance read 'not learning any more' although the
        # judged mean never came down, R10). A judged mean that came down, though not beyond its batches' noise,
        # with low batches behind it, a climb (rising()) and the last two losses over SWING_FACTOR x chance: what
        # batch noise does not make (W26 finding 3: lr 1 took the losses to 1.2e-07 by step 8, then 11, 137, 1,335,
        # and steps 10-13 read 'starting ... whether it learns shows over the first 1,000 updates', the mean of 8 at
        # 0.25 not beyond the noise of batches that spread from 1.35 to 1e-07; without the last two conditions,
        # log-normal noise around chance with CV 2 read 'not learning any more' at steps 49 and 73 of 1,000)
        t_low, low = min(lows, key=lambda p: p[1])
        was = (f"{len(lows)} of the last {len(pairs)} {loss_noun(s, len(pairs))} were more than "
               f"{MOVED_FRACTION:.0%} below chance, down to {low:.3g}"
               f"{_at(s, t_low, f'{percent_below(low, chance)} below it')}")
    else:
        return None
    lagged = False  # every latest batch back near chance, the window's mean lagging them (fresh_lost)
    if back:  # the judged loss is what rose: quote it, not the last batch (W21 s06: 'risen to 3.05', one batch's
        # loss, where the mean judged was 1.44), and not as times chance where it is below chance
        over = f"the mean of {judged_over(s)}" if window else ""
        where = (f"{times(s.loss / chance)} times chance ({chance:.3g})" if s.loss >= chance else
                 f"no longer {MOVED_FRACTION:.0%} below chance ({chance:.3g})" if s.loss >= learned else
                 f"{percent_below(s.loss, chance)} below chance ({chance:.3g}), over half of the way back to it "
                 "from that low")
        loss = s.loss
    elif fresh is not None and min(v for _, v in pairs[-2:]) <= RISING_FACTOR * chance:
        lagged = True
        first, count, lo, hi, med = fresh
        where = (f"back near chance ({chance:.3g}): the {count} batch losses since training step {first:,} are all "
                 f"within {MOVED_FRACTION:.0%} of it or above (from {lo:.3g} to {hi:.3g}), and the {LOSS_BATCHES} "
                 f"before them were all under that (their median {med:.3g}); the mean of {judged_over(s)}, "
                 f"{s.loss:.3g}, lags them")
        over, loss = "", hi
    else:  # two batches in a row far above chance: the latest
        over, where, loss = "", f"{times(last / chance)} times chance ({chance:.3g})", last
    risen_to = (f"the loss has risen {where}{_held_out_with_it(s)}" if not back and lagged else
                f"the loss has risen to {loss:.3g}{_at(s, t_last, over)}, {where}{_held_out_with_it(s)}")
    down = falling_again(s)
    if down is not None:  # the mean lags batches already coming down (W41 walkthrough, finding 8)
        risen_to += (f"; but its latest batch losses are coming down again: the medians of its last "
                     f"{4 * LOSS_BATCHES} in blocks of {LOSS_BATCHES} went {', '.join(f'{m:.3g}' for m in down)}, so "
                     "the mean lags them; if the data or the task changed, this is the network learning the new one, "
                     "and a reading some steps on will say whether it gets there")
    remedy = _unlearned_remedy(s)
    if down is not None:
        remedy = ("If the data or the task changed, let it train on: its batch losses are coming down. If not: "
                  f"{remedy[0].lower()}{remedy[1:]}")
    return Finding(Status.NOT_LEARNING, f"{UNLEARNED}: {was}, and {risen_to}", remedy,
                   {"loss": loss, "chance_loss": chance, "lowest_judged_loss": judged,
                    "lowest_judged_bound": bound, "recent_losses": [v for _, v in pairs]})
