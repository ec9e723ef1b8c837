"""The end of a sampled step: its numbers brought to the host, counted and kept.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import statistics
import warnings
from collections import Counter, deque

import numpy as np
import torch

from ..reading_flow import grad_floor
from ..reading_headline import FIRST_LOSSES
from ..reading_loss import (
    BLOW_UP_LOSS,
    CLIMB_LOSSES,
    CLIMBED_FROM_FIRST,
    DIVERGING_LOSS,
    MOVED_FRACTION,
    PLATEAU_LOSSES,
    RISING_FACTOR,
    lower_low,
    step_noise,
)
from . import _monitor_places as _places
from . import _monitor_scaler as _scaler
from . import _torch_stats
from ._monitor_base import DEAD_EVIDENCE, EARLY_OUTPUT, JUDGED_STEPS, LOSS_BATCHES, _StepHandle
from ._monitor_head import broadcast_of, ignore_index_of, loss_form, loss_measure
from ._monitor_parts import _listed
from ._monitor_places import _Layer
from ._monitor_relu import _relu_views

# a climb past BLOW_UP_LOSS x chance is a blow-up where the median of this many losses before it is RISING_FACTOR x
# chance at most
BLOW_UP_FROM = 10
PEAK_MOVES = 2.0  # a blow-up's later high moves its named peak when it is this many times higher (_moves_peak)


def _from_held_losses(here: dict, window: tuple[tuple[int, float | None], ...], start: int = 0) -> dict:
    """The first sampled step of a run of non-finite ones, told from every training step's loss where the monitor
    holds them all since the last finite sample (s.loss set on each, one number each): the step whose loss first
    turned NaN or infinite ("unsampled" where it is not this sampled step), the step before it as the last finite
    one, and the finite losses before it ("held"), which the reading reads its climb from. W28 walkthrough: a learning
    rate raised to 5 at step 150 took the losses from 0.08 to 6.8e5, 8e14, 1.2e24 and inf at step 159; sampled every
    50 steps, the NaN was first seen at step 162, and the reading said 'the samples show no climb ... the loss may have
    climbed there', the remedy 'a climb ... is as likely as bad data'. Unchanged where some step of the gap is not
    held (no s.loss, a tensor of several values, or steps beyond the JUDGED_STEPS kept). With no finite sample
    before, the gap runs from the monitor's first step (``start`` is the step before it): under every="auto" the
    warm-up's steps 1 to 3 are not sampled, and a NaN loss on step 2 read 'first seen at training step 4, the first
    step sampled' (W56 walkthrough)."""
    before = here.get("last_finite_step")
    if before is None:
        before = start
    gap = [(t, v) for t, v in window if t > before]
    if (not gap or gap[0][0] != before + 1 or gap[-1][0] != here["step"] or any(v is None for _, v in gap)
            or any(b - a != 1 for (a, _), (b, _) in zip(gap, gap[1:], strict=False))):
        return here
    at = next((t for t, v in gap if not math.isfinite(v)), here["step"])
    held = tuple((t, v) for t, v in window if t < at and v is not None and math.isfinite(v))[-LOSS_BATCHES
                                                                                             - CLIMB_LOSSES:]
    found = {**here, "last_finite_step": at - 1 if at - 1 > start else None, "held": held}
    if at != here["step"]:
        found.update(step=at, place="the loss", unsampled=True)
    return found


def _unseen_non_finite(held: tuple[tuple[int, float | None], ...], sampled: int | None) -> dict | None:
    """The first step between two samples whose held loss was NaN or infinite, as a first_non_finite record: the step
    before it the last finite one where its loss is held and finite, else ``sampled``, the last finite sampled step
    (None: none); None where there is no such step."""
    for i, (t, v) in enumerate(held[:-1]):
        if isinstance(v, float) and not math.isfinite(v):
            before = held[i - 1] if i else None
            known = before is not None and before[0] == t - 1 and before[1] is not None and math.isfinite(before[1])
            return {"step": t, "place": "the loss", "unsampled": True, "last_finite_step": t - 1 if known else sampled}
    return None


def _places_words(labels: list[str]) -> str:
    """Places in a note, each once, in order, the first 4: a loop's calls share one label, and are counted ('relu
    applied as a function ... (4 of its calls)'; W89 session: the same place named 4 times over)."""
    counts = Counter(labels)
    return ", ".join(f"{label} ({n} of its calls)" if n > 1 else label for label, n in list(counts.items())[:4])


def _climbs_from_start(earlier: list[float], level: float, line: float) -> bool:
    """Whether a run fewer than BLOW_UP_FROM - 1 losses old, none of them past ``line``, climbed from its level: the
    losses up to its last one at ``level`` or below (one at least) have a median at ``level`` at most."""
    if len(earlier) >= BLOW_UP_FROM - 1 or max(earlier) > line:
        return False
    last = max((i for i, v in enumerate(earlier) if v <= level), default=None)
    return last is not None and statistics.median(earlier[:last + 1]) <= level


def _moves_peak(v: float, peak: tuple[int, float] | None, low_since: float, diverged: float) -> bool:
    """Whether the loss ``v`` takes the place of the peak of the blow-up it belongs to: it is higher, and it is the
    first past the DIVERGING_LOSS line, or more than PEAK_MOVES x the peak, or no loss since the peak fell to 1 /
    PEAK_MOVES of it (the climb goes on). A noisy plateau's new highs, between dips, leave the step named where it is
    (W50 walkthrough: lr 50 at step 200 took the loss onto a plateau between 440 and 2,060, and the step named for the
    blow-up went from 205 to 260 to 311 as each new high came)."""
    if peak is None:
        return True
    if v <= peak[1]:
        return False
    return (v > diverged >= peak[1]) or v > PEAK_MOVES * peak[1] or low_since > peak[1] / PEAK_MOVES

BLOWING_STEPS = 3  # losses in a row past BLOW_UP_LOSS x chance, climbed from near chance: a blow-up under way


class _Collecting:
    """Bringing a sampled step's numbers to the host in one transfer, the dead history, and the counts per layer."""

    # (places, float64 block, their total width): where the places' compiled ReLU passes write (_lay_lane)
    _lane: tuple | None = None
    _loss_set = False  # whether the latest sampled step set s.loss (refused or not)
    # after a blow-up, the step the judged window starts after (its peak, or the last loss past BLOW_UP_LOSS x chance
    # after it); None: the window was not cut
    _judged_since: int | None = None
    # the gradient norms of trained matrices that are no module's .weight, as _weight_grad_norms takes them (name,
    # 0-d tensor or None: no gradient), and as the latest sampled step read them: (its training step, {name: norm})
    _matrix_norms: list = []
    _matrix_read: tuple[int, dict] = (0, {})
    _first_low: int | None = None  # the first training step whose loss was at or below BLOW_UP_LOSS x chance
    _first_near: int | None = None  # and at or below RISING_FACTOR x chance
    _scanned = 0  # the latest training step whose loss _find_blow_up has taken in
    _previous_sample = 0  # the training step of the sampled step before the latest
    _between: tuple = (0, ())  # (a sampled step, the held losses of the steps between it and the one before)
    # the peak of the blow-up under way (_episode), as (step, loss), and the lowest loss since it: a higher loss of the
    # same blow-up takes its place only as _moves_peak allows
    _spike: tuple[int, float] | None = None
    _spike_low = math.inf
    # the first training step past that line since it was last below, and that of the blow-up kept (its climb's first
    # step: W35 walkthrough, lr 3,000 on step 150's update took the loss to 632 at step 151 and the peak, 6,947, to
    # step 152; a checkpoint 'saved before step 151' named from the peak holds that update)
    _above_from: int | None = None
    _zero_run: tuple[int, int | None] = (0, None)  # (sampled steps in a row with every weight gradient 0, the first)
    _tiny_run: tuple[int, int | None] = (0, None)  # the same, with every one under its loss's round-off floor
    # the latest sampled step whose gradient ended DEAD_EVIDENCE or more of them: as long as the evidence that makes a
    # whole layer dead (_Counting._dead), and within the window, the zero that holds now is not the run's for good yet
    _zero_leak: int | None = None
    _before: deque | None = None  # the latest BLOW_UP_FROM finite losses given, this step's last (_find_blow_up)
    _from_low = False  # the current climb past the line began from losses near chance or below (their median)
    _above_run = 0  # the losses in a row past the line of that climb
    _blown_from: int | None = None
    # the latest loss at or below the line, as (step, loss); that before the climb now above it; that of the blow-up
    _last_low: tuple[int, float] | None = None
    # the latest loss at its level (RISING_FACTOR x chance at most), as (step, loss): where a climb is dated from (W37
    # walkthrough: lr x 200 after step 400 took the loss from 0.737 at step 401 to 27.4, 984, ... 1.56e25 at 408; the
    # climb was dated from 984 at step 403, the first loss past BLOW_UP_LOSS x chance, and the checkpoint named, from
    # before step 402, held the weights step 401's update had already thrown)
    _last_level: tuple[int, float] | None = None
    _above_low: tuple[int, float] | None = None
    _blown_low: tuple[int, float] | None = None
    # a blow-up under way, begun from losses near chance or below: (its climb's first step, the loss before it), kept
    # while its losses dip under the line without coming back to their level (W49 walkthrough: lr 3 from step 400,
    # losses 14, 16, 14, 353, 12.6, 649, 8.3e5, ... 3.55e12 at step 411; the dip to 12.6 ended the blow-up at 353, and
    # the climb after it, from losses near 14, was no blow-up 'from low': the words said 'blew up to 353')
    _episode: tuple[int, tuple[int, float] | None] | None = None
    # the first loss past the line of the blow-up under way (_episode), as (step, loss), and the first step since it
    # whose loss dipped under the line; that of the blow-up kept where the dip came before its peak: the words then
    # date the blow-up from it (W66 walkthrough finding 1: a GRU at lr 10, 58.4 at step 4, back to 1.67 at step 6,
    # then 79.6, 92.1, 128 at step 11: the words said 'blew up to 128 at training step 11', read as the blow-up's date)
    _episode_first: tuple[int, float] | None = None
    _episode_dip: int | None = None
    _blown_first: tuple[int, float] | None = None
    # the highest finite loss given on a training step, sampled or not, as (step, loss) (RunSummary.loss_top)
    _top: tuple[int, float] | None = None
    _first_loss: tuple[int, float] | None = None  # the run's first finite loss, as (step, loss)
    _first_losses: list | None = None  # and its first FIRST_LOSSES, where it came at training step 1
    _below_zero: tuple[int, float, float] | None = None  # its first loss under 0 (RunSummary.loss_below_zero)
    _first_given: tuple[int, float] | None = None  # its first finite loss held, chance_loss or not (_output_fall)
    # the highest climb from it (_track_climb): (its step, the first loss, the median of LOSS_BATCHES losses given in a
    # row, the training step of the last of them), and those latest losses
    _climbed: tuple[int, float, float, int] | None = None
    _climb_window: deque | None = None
    # where that climb began: (the first step of its losses past the line in a row, and the lowest loss given before
    # it, its step and value; RunSummary.climbed_after); the start of the latest losses past the line in a row, and
    # the lowest loss under it so far
    _climbed_after: tuple[int, int, float] | None = None
    _climb_from: int | None = None
    _climb_low: tuple[int, float] | None = None
    # the kept blow-up's peak with the latest losses since it, and the step they came down off its plateau at
    # (_track_plateau, RunSummary.plateau_left)
    _plateau: tuple[tuple[int, float], deque] | None = None
    _plateau_left: int | None = None

    def _read_step_losses(self, loss) -> tuple[tuple[int, float | None], ...]:
        """The latest training steps' losses, this sampled step's last, as (step, value): the unsampled steps' held
        tensors read in one transfer (a stack and a tolist, the one synchronisation they cost), each value a float,
        or None where it was no single number (a tensor of several values)."""
        held = self._step_losses
        if loss is not None and self._loss is not None:
            held.append([self.step_count + 1, self._loss])
        # the held tensors are the losses appended since the last read, at the deque's end: taken from there (a scan
        # of the whole window cost 10-15 us of each sampled step under every=1, where it holds none)
        unread = []
        for e in reversed(held):
            if e[0] <= self._losses_read_to:
                break
            if isinstance(e[1], torch.Tensor):
                unread.append(e)
        if held:
            self._losses_read_to = held[-1][0]
        if unread:
            for e in unread:
                if e[1].numel() != 1:
                    e[1] = None
            unread = [e for e in unread if e[1] is not None]
        if unread:
            ts = [e[1].reshape(()) for e in unread]
            try:
                read = torch.stack(ts).tolist()
            except RuntimeError:  # several dtypes or devices
                read = torch.stack([t.to("cpu", torch.float64) for t in ts]).tolist()
            for e, v in zip(unread, read, strict=True):
                e[1] = float(v)
        return tuple(map(tuple, held))

    def _closing_report(self):
        """As the run ends (close, or leaving the `with Monitor` block): where a step after the last sampled one had a
        loss that is NaN or infinite, or past BLOW_UP_LOSS x chance, the last sampled step's report built again with
        those losses taken in, as a sampled step at the run's last step would have read them (the rows stay the last
        sampled step's: its units and gradients are the latest read); None where no such step came after it. W75
        walkthrough finding 1: losses NaN at steps 106 to 110, after the last sampled step 101, ended as 'Healthy';
        finding 2: a learning rate of 50 at step 134 took the loss to 218 after the last sampled step 101, and the
        final reading said 'healthy' of a mean over steps 52 to 101."""
        pending = self._pending
        if pending is None:
            return None
        held = self._read_step_losses(None)
        tail = [(t, v) for t, v in held if t > pending[3] and v is not None]
        # a blow-up: past BLOW_UP_LOSS x chance and past RISING_FACTOR x the highest loss the last report judged on (a
        # run still coming down from a far start is above the line all along, and no blow-up)
        before = [v for _, v in pending[13] if v is not None and math.isfinite(v)]
        line = max(BLOW_UP_LOSS * self.chance_loss, RISING_FACTOR * max(before, default=0.0)) if self.chance_loss \
            else math.inf
        if not any(not math.isfinite(v) or v > line for _, v in tail):
            return None
        seen, order, weight_norm, step, sampled, _, notes, frozen, first, since, not_computed, stale = pending[:12]
        last_t, last_v = tail[-1]
        if not math.isfinite(last_v):  # ended non-finite: the divergence, dated from every step's loss
            here = {"step": last_t, "place": "the loss", "last_finite_step": self._last_finite_sample}
            here = _from_held_losses(here, held, self._step0)
            first, since = first or here, since or here
        elif first is None:  # a NaN step between, the run finite again at its end: on record, as mid-run
            first = _unseen_non_finite(held, self._last_finite_sample)
        window = self._judged_window(held, held[-JUDGED_STEPS:])
        finite = [v for _, v in window if v is not None and math.isfinite(v)]
        judged = last_v if not math.isfinite(last_v) or not finite else statistics.fmean(finite)
        return self._report(seen, order, weight_norm, step, sampled, last_v, notes, frozen, first, since,
                            not_computed, stale, judged, window, held, held_to=self.step_count + 1)

    def _judged_window(self, held: tuple, window: tuple) -> tuple:
        """The losses learning is judged on, of the latest JUDGED_STEPS held (``window``): after a blow-up, those
        since it; after a start past the blow-up line, those since the loss first came under it (self._judged_since
        says after which step). Finds the blow-up first (_find_blow_up), from ``held``."""
        if self.chance_loss is not None:
            self._find_blow_up(held)
        self._judged_since = None
        if self._blown_up is not None and window:
            # after a blow-up, learning is judged on the steps since its peak: a mean over the peak's batch read '19,000
            # times chance' at step 18 (lr 1: 2.27e5 at step 17, 3.36 at 18) and '7,600 times chance' at step 45,
            # while the losses since were near 2 (W26 finding 3); the peak itself is recalled by the readings. And since
            # the last step still past BLOW_UP_LOSS x chance, where one came after the peak (W28 second walkthrough:
            # lr 60 on two steps, 5.16e7 at step 122, 1.85e6 at 123, then 5-15: 'the mean ... since training step
            # 122's blow-up 4.62e+04', step 123's loss alone making it), for as long as the window reaches back to
            # that step, not only while it holds the peak (W32: the peak at 201 left the window at step 251, whose mean
            # took step 202's 69.7 back in and read 'risen to 3.97' where the losses since 203 averaged 2.63)
            peak = self._blown_up[0]
            high = BLOW_UP_LOSS * self.chance_loss
            cut = max((t for t, v in held if t >= peak and v is not None and math.isfinite(v) and v > high),
                      default=peak)
            if window[0][0] <= cut < window[-1][0]:
                self._judged_since = cut
            elif window[0][0] <= peak < window[-1][0]:  # still up there: since the peak
                self._judged_since = peak
        # a run that began past RISING_FACTOR x chance is judged, likewise, on the steps since it first came down to
        # that line, or, until then, since it first came under BLOW_UP_LOSS x chance where it began past that: its
        # first loss held in the mean read 'the loss has come down to 98.2 since' (the mean of 388 and three batches
        # of 1.4 to 2.4), and a mean of 14.4 thirty steps on (W74 finding 11); a first loss 9.9 times chance, then
        # 4.2, 3.9 and 1.23, read 'come down to 4.2 times chance' at step 4 and 'starting' to step 51 (W75 finding 9)
        first = self._first_loss
        lows = [low for low in (self._first_near, self._first_low) if low is not None and first is not None
                and first[0] < low and window and window[0][0] < low <= window[-1][0]]
        if self._judged_since is None and lows:
            self._judged_since = max(lows) - 1
        if self._judged_since is not None:
            window = tuple(p for p in window if p[0] > self._judged_since)
        return window

    def _find_blow_up(self, held: tuple) -> None:
        """The peak of the run's highest blow-up past BLOW_UP_LOSS x chance after a loss at or below it (its peak
        as _moves_peak picks it), kept for the readings (self._blown_up): at once where it is past DIVERGING_LOSS x
        chance, else once a loss after it is back at or below the line. Until then the run is still up there, and
        its climb is read as a climb ('it has risen from ...'), not as a blow-up it came back from."""
        line, diverged = BLOW_UP_LOSS * self.chance_loss, DIVERGING_LOSS * self.chance_loss
        if self._before is None:
            self._before = deque(maxlen=BLOW_UP_FROM)
            self._climb_window = deque(maxlen=LOSS_BATCHES)
        for t, v in held:
            if t <= self._scanned:  # (each step's loss once, in order: held keeps the last 100)
                continue
            self._scanned = t
            if v is None or not math.isfinite(v):
                continue
            self._track_plateau(t, v, line)
            if self._top is None or v > self._top[1]:
                self._top = (t, v)
            before = self._before
            before.append(v)
            if self._first_loss is None:
                self._first_loss = (t, v)
                self._first_losses = [] if t == 1 else None
            if self._first_losses is not None and len(self._first_losses) < FIRST_LOSSES:
                self._first_losses.append(v)
            if v < 0 and self._below_zero is None and self.chance_loss > 0 and self._step0 == 0 \
                    and self._first_loss[1] < self.chance_loss / 2:  # (RunSummary.loss_below_zero)
                self._below_zero = (t, v, self._first_loss[1])
            self._track_climb(t, v)
            if v <= RISING_FACTOR * self.chance_loss:
                self._last_level = (t, v)
                if self._first_near is None:
                    self._first_near = t
            if v <= line:
                if self._first_low is None:
                    self._first_low = t
                spike = self._spike
                if spike is not None and self._from_low and spike != self._blown_up:
                    self._keep_blow_up(spike)
                if v <= RISING_FACTOR * self.chance_loss:  # back at its level: a blow-up under way has ended
                    self._episode, self._spike = None, None
                else:
                    self._spike_low = min(self._spike_low, v)
                    if self._episode is not None and self._episode_dip is None:
                        self._episode_dip = t
                self._above_from, self._last_low, self._above_run = None, (t, v), 0
                continue
            if self._first_low is None or t <= self._first_low:  # the run started above the line
                continue
            if self._above_from is None and self._episode is not None:  # the same blow-up goes on: it dipped under
                # the line, not back to its level
                self._above_from, self._above_low = self._episode
                self._from_low = True
            elif self._above_from is None:
                # a blow-up climbs from losses near chance or below: the median of the BLOW_UP_FROM losses before
                # it is RISING_FACTOR x chance at most. A loss climbing steadily from far above it is a divergence
                # under way, which the reading dates as a climb
                # (W36 walkthrough: SGD at lr 0.03 took a regression's loss from 15 to 29,000 over 300 steps, and the
                # reading named a 'blow-up' at steps 75, 141, 164, 176 and 261 in turn, each time the noisy climb
                # crossed 30 x chance, with checkpoints from the middle of the divergence)
                # the climb is dated from the last loss at its level (a blow-up climbs from there, below); a run
                # never at it, from the last loss under the line
                level = self._last_level
                if level is not None:
                    self._above_from, self._above_low = level[0] + 1, level
                else:
                    self._above_from, self._above_low = t, self._last_low
                earlier = list(before)[:-1]
                # (a run a few steps old climbs from its first losses: its level is where one of them was at chance
                # or below; W58 walkthrough: Adam at lr 1 took a sigmoid's BCE from 0.68 to 3.23 and 26.5 on steps 1
                # to 3, and for 100 steps the reading said 'starting ... above where a run begins')
                self._from_low = bool(earlier) and (
                    statistics.median(earlier) <= RISING_FACTOR * self.chance_loss or _climbs_from_start(
                        earlier, RISING_FACTOR * self.chance_loss, line))
                self._spike = None
                if self._from_low:
                    self._episode = (self._above_from, self._above_low)
                    self._episode_first, self._episode_dip = (t, v), None
            if not self._from_low:
                continue
            self._above_run += 1
            if _moves_peak(v, self._spike, self._spike_low, diverged):
                self._spike, self._spike_low = (t, v), math.inf
            else:
                self._spike_low = min(self._spike_low, v)
            if self._spike[1] > diverged and self._spike != self._blown_up:
                self._keep_blow_up(self._spike)

    def _blowing_up(self) -> tuple | None:
        """RunSummary.blowing_up: the blow-up _find_blow_up follows, climbed from near chance past the line and not
        back under it for BLOWING_STEPS losses in a row (its peak not kept as self._blown_up); None otherwise. One or
        two losses up there may be unusual batches, which the readings leave to the spike's rules."""
        if (not self._from_low or self._spike is None or self._above_from is None or self._spike == self._blown_up
                or self._above_run < BLOWING_STEPS):
            return None
        return self._spike, self._above_from, self._above_low, self._dipped_first(self._spike)

    def _dipped_first(self, peak: tuple[int, float]) -> tuple[int, float] | None:
        """The blow-up under way's first loss past the line, where a loss under the line came between it and
        ``peak`` (the climb went up in more than one go); None otherwise."""
        dip = self._episode_dip
        return self._episode_first if dip is not None and dip < peak[0] else None

    def _low_between(self, held: tuple, previous: int) -> None:
        """Under a sampling interval, the window of the latest JUDGED_STEPS held finite losses ending at a step not
        sampled since ``previous`` whose mean is the lowest, taken into the run's low (lower_low) and its lowest mean
        as a sampled step there would have taken it: one bound a sampled step, not one per step. W82 walkthrough
        finding 1: a warm-up to a rate of 2 learned from step 13 to 38 and blew up at 39, sampled at 12 and 62
        under every="auto": no window was ever judged low, and the remedy named 'a checkpoint saved before training
        step 44, where the loss began to climb', whose weights scored 12.2 on the whole data set (every=1: 37, 0.62)."""
        pairs = [(t, v) for t, v in held if v is not None and math.isfinite(v)]
        best, total, start = None, 0.0, 0
        for end, (t, v) in enumerate(pairs):
            total += v
            if end - start + 1 > JUDGED_STEPS:
                total -= pairs[start][1]
                start += 1
            n = end - start + 1
            if previous < t <= self.step_count and n >= 2 and (best is None or total / n < best[0]):
                best = (total / n, end, start)
        if best is None:
            return
        mean, end, start = best
        window = tuple(pairs[start:end + 1])
        step = pairs[end][0]
        self._lowest_judged = lower_low(self._lowest_judged, step, [v for _, v in window], self.chance_loss, window)
        if 2 * len(window) >= JUDGED_STEPS and (self._lowest_mean is None or mean < self._lowest_mean[1]):
            self._lowest_mean = (step, mean)
        lows = {low[0] for low in (self._lowest_judged, self._lowest_mean) if low is not None}
        if step in lows:  # (only the lows still held are kept: RunSummary.unsampled_lows)
            self._unsampled_lows = {t for t in self._unsampled_lows if t in lows} | {step}

    def _latest_low_between(self, held: tuple, previous: int) -> None:
        """Where this sampled step's window is not within the lowest one's noise, the latest window of JUDGED_STEPS
        consecutive held losses ending at a step not sampled since the sampled step before that is (its mean at or
        under the lowest window's upper bound), as the checkpoint's window (_latest_low). W51 walkthrough: at
        every="auto", sampled every 50 steps, the checkpoint was looked for up to step 462, the last sampled step
        before a blow-up at 500; the run learned to 499 (whole-data loss 0.400 against 0.417)."""
        low, latest = self._lowest_judged, self._latest_low
        if low is None:
            return
        pairs = [(t, v) for t, v in held if v is not None and math.isfinite(v)]
        since = max(previous, latest[0] if latest is not None else 0)
        for end in range(len(pairs) - 2, JUDGED_STEPS - 2, -1):  # latest first; not this step's own window
            if pairs[end][0] <= since:
                return
            window = pairs[end - JUDGED_STEPS + 1:end + 1]
            if window[-1][0] - window[0][0] != JUDGED_STEPS - 1:  # one loss a step, none missing
                continue
            mean = statistics.fmean(v for _, v in window)
            if mean <= low[2]:
                self._latest_low = (pairs[end][0], mean, low[2], tuple(window))
                return

    def _cut_at_rise(self, held: tuple) -> None:
        """Where the losses have left the lowest window's noise since the checkpoint's window (_latest_low) ended, and
        the rise began inside that window (a few of its last batches already up, too few to move its medians), the
        window is cut where the rise began: the step that best splits the held losses from the window's start into a
        lower stretch and a higher one, where the higher is above the lower beyond the noise (3 standard errors of
        the difference of their means, the batches' noise read from successive differences). W52 walkthrough: lr x 12
        at step 600, and the window up to step 604 (its last 5 losses 0.21, 0.37, 0.78, 0.74, 0.37) was taken as
        still within the noise; its end's weights scored 0.551 on the whole data set, those before step 600 0.356."""
        latest = self._latest_low
        if latest is None or len(latest) > 4:  # (none yet, or cut already: a fifth member marks it)
            return
        start = latest[3][0][0] if latest[3] else latest[0]
        pairs = [(t, v) for t, v in held if t >= start and v is not None and math.isfinite(v)]
        if len(pairs) < 20 or pairs[-1][0] <= latest[0] + 4:
            return
        values = [v for _, v in pairs]
        sigma = step_noise(values)
        total, best = sum(values), None
        before = 0.0
        for c in range(5, len(values) - 4):  # c: the first of the higher stretch
            before += values[c - 1] if c > 5 else sum(values[:5])
            n1, n2 = c, len(values) - c
            gap = (total - before) / n2 - before / n1
            score = gap / math.sqrt(1 / n1 + 1 / n2)
            if best is None or score > best[0]:
                best = (score, c, gap)
        if best is None or best[2] <= 3 * sigma * math.sqrt(1 / best[1] + 1 / (len(values) - best[1])):
            return
        cut = pairs[best[1]][0]  # the first step read as risen
        if cut > latest[0]:
            return  # it began after the window: the window stands
        # the loss of a step is of the weights the update before it made, and the noise hides the rise's first step
        # as often as not: the window stops two steps before the first one read as risen
        window = tuple(p for p in pairs if p[0] < cut - 1)[-JUDGED_STEPS:]
        if len(window) >= 2:
            self._latest_low = (window[-1][0], statistics.fmean(v for _, v in window), latest[2], window, cut)

    def _track_plateau(self, t: int, v: float, line: float) -> None:
        """The step at which the losses since the kept blow-up's peak come down off the plateau it threw the run onto
        (RunSummary.plateau_left): the first whose median with the losses before it since the peak (the latest
        PLATEAU_LOSSES) is at or under the blow-up line, or that is back at its level. Once, for each peak kept."""
        peak = self._blown_up
        if peak is None or t <= peak[0]:
            return
        if self._plateau is None or self._plateau[0] != peak:
            self._plateau, self._plateau_left = (peak, deque(maxlen=PLATEAU_LOSSES)), None
        if self._plateau_left is None:
            held = self._plateau[1]
            held.append(v)
            # (or a loss back at its level, RISING_FACTOR x chance, which ends a blow-up under way too: one batch
            # back there after a plateau of 30 times chance and more is no noise)
            if statistics.median(held) <= line or v <= RISING_FACTOR * self.chance_loss:
                self._plateau_left = t

    def _track_climb(self, t: int, v: float) -> None:
        """The highest climb from the run's first loss so far (RunSummary.climbed_peak), from every loss given, in
        order (_find_blow_up's scan): the median of the latest LOSS_BATCHES of them past CLIMBED_FROM_FIRST x the first
        loss and RISING_FACTOR x chance, kept once the losses have come back (a first loss of 1.5 times chance, then two
        batches at 4 and 5 times it and the rest below chance, is no climb to recall). Taken where the newest loss is
        past the line (one comparison on most steps). Every step's loss, not the sampled ones: under every="auto" a
        window of sampled losses spans hundreds of steps (W89 session: a climb to 66 times chance over steps 2 to 11
        was dated 'a median of 39 at training step 166')."""
        first, chance, window = self._first_loss, self.chance_loss, self._climb_window
        window.append(v)
        if not first[1] > 0:
            return
        line = max(CLIMBED_FROM_FIRST * first[1], RISING_FACTOR * chance)
        if v <= line:
            self._climb_from = None
            if self._climb_low is None or v < self._climb_low[1]:
                self._climb_low = (t, v)
            return
        if self._climb_from is None:
            self._climb_from = t
        if len(window) < LOSS_BATCHES:
            return
        level = statistics.median(window)
        if level > line and (self._climbed is None or level > self._climbed[2]):
            self._climbed = (first[0], first[1], level, t)
            low = self._climb_low
            self._climbed_after = (self._climb_from, *low) if low is not None else None

    def _keep_blow_up(self, peak: tuple[int, float]) -> None:
        """The blow-up under way, with ``peak`` as its peak, becomes the one the readings recall: in place of an
        earlier peak of its own (_moves_peak chose it), or of an earlier blow-up's lower peak."""
        if self._blown_up is None or self._blown_from == self._above_from or peak[1] > self._blown_up[1]:
            self._blown_up, self._blown_from, self._blown_low = peak, self._above_from, self._above_low
            self._blown_first = self._dipped_first(peak)

    def _collect(self, handle: _StepHandle) -> None:
        """After backward: every number of the step goes to the host in one transfer (the per-unit sums too; on a
        CPU the 0-d figures are read one by one, which costs no synchronisation there), and the counts are made
        there with NumPy, whose calls on a few thousand numbers cost a fraction of a torch call's dispatch; dead
        units keep their history on the host."""
        self.sampled_steps += 1
        self._sampled_at.append(self.step_count + 1)  # the training step of each sampled step
        previous, self._previous_sample = self._previous_sample, self.step_count + 1
        g = self.sampled_steps
        if self._forwards > 1 and not self._noted_forwards:
            self._noted_forwards = True
            self.notes.append(f"the model's forward ran {self._forwards} times in one step (gradient accumulation's "
                              "micro-batches, or several inputs): the units and the gradients that reach them are "
                              "read from the step's first forward; the weight gradients as the last backward "
                              "leaves them in .grad (the sum over the micro-batches where .grad is not zeroed "
                              "between them, as SAM's second pass does), before any clipping after it")
        zeroed = self._zeroed_between
        if zeroed is not None and zeroed[0] == self.step_count + 1:  # found on this step (_zeroed_between_backwards)
            self.notes.append(
                f"the gradients were zeroed between the backward calls of step {zeroed[0]:,} ({self._forwards} "
                f"forwards): {_listed([f'{n}.weight' for n in zeroed[1][:3]])}"
                f"{' and others' if len(zeroed[1]) > 3 else ''} "
                "held an earlier backward's gradient, and a later backward of the same step wrote a fresh one in its "
                "place, with no update of the weights between: where those backwards are micro-batches to be "
                "accumulated, the optimiser steps with the last micro-batch's gradient alone (a smaller batch than "
                "meant, and one divided by the number of micro-batches); call opt.zero_grad() once per optimiser "
                "step, after opt.step(), not before each micro-batch's backward")
        self._note_leftover_gradients()
        self._reduce_held()
        self._reduce_kept()
        self._sum_gradients()  # after the held sums, which read each place's first backward's gradient
        ran = [l for l in self._layers if l.ran]
        for l in ran:  # how often each place runs (_stopped_places)
            l.runs, l.last_run = l.runs + 1, (g, self.step_count + 1)
        if not self._reuse:
            self._choose_windows(ran)
            self._known, self._since_learned = tuple(self._seq), 0
        else:
            self._since_learned += 1
            if tuple(self._seq) != self._known:  # the places ran in another sequence: learn the structure again
                self._known = None
        # ||dL/dW|| of each weighted module, taken when backward ended (_read_weights), so a script that steps the
        # optimiser and zeroes the gradients inside the block is measured all the same; read here when no backward
        # ran a hook of ours
        backward_ran = self._weight_norms is not None  # a gradient hook of ours ran: backward ran inside the block
        weights = self._weight_norms if backward_ran else self._weight_grad_norms()
        self._weight_norms = None
        if backward_ran and any(t is None and n not in self._frozen_now for n, t in weights):
            # a weight whose .grad the backward left unwritten may have had it set later in the block: a loop on
            # torch.autograd.grad, which writes no .grad, then `p.grad = g` (W19: read "not computed" and told to call
            # loss.backward(), though every .grad was set). Read again now, those only
            again = dict(self._weight_grad_norms())
            weights = [(n, again[n] if t is None else t) for n, t in weights]
        scalars = [t for _, t in weights if t is not None]
        # then the gradient norms of trained matrices that are no module's .weight (an LSTM's weight_hh_l0), if any
        matrices = [(n, t) for n, t in self._matrix_norms if t is not None]
        matrices_at = len(scalars)
        scalars += [t for _, t in matrices]
        inputs_at = len(scalars)  # then the first weighted module's input figures (_monitor_inputs), if read
        scalars += self._input_scalars(scalars)
        inputs_end = len(scalars)
        scalars += self._head_scalars(scalars, handle.loss)  # a bounded output's goals (_monitor_head), if read
        head_end = len(scalars)
        scalars += self._spread_scalars()  # the outputs' spread (_monitor_lossread), if taken
        spread_end = len(scalars)
        slots = []  # per place: where its total a, nonzero f', a^2 and ||dL/da||^2 are among the scalars (-1: not
        # sent, the host has it from the per-unit sums, or no gradient reached the place)
        loss = self._checked_loss(handle.loss)
        self._loss_set = handle.loss is not None  # set on this step (refused or not): the report's no-loss note
        if torch.is_tensor(handle.loss):  # what it measures, and whether it is summed over the batch (loss_form),
            # and whether it broadcast the outputs against targets of another shape (broadcast_of)
            self._loss_form, self._broadcast = loss_form(handle.loss), broadcast_of(handle.loss)
            self._loss_measure = loss_measure(handle.loss) if self._loss_form[0] != "classification" else None
        lane = self._lane_read(ran, scalars, slots, loss)
        if lane is not None:  # every place a ReLU whose pass wrote the lane: its numbers are on the host already
            values, host = lane
            parts = []
        else:
            values, host, parts = None, np.zeros(0), [l.dsum for l in ran]
        # the per-unit sums: every place's f' sums first, in the order of `ran` (the host marks the active units of
        # every place at once there, _advance_history), then each place's |a| sums and distances
        for l in ran if lane is None else ():
            parts.append(l.asum)
            if l.dist is not None:
                parts.append(l.dist)
            slot = []
            for t in (l.ssum, l.nz, l.sumsq, l.grad_sq):
                slot.append(len(scalars) if t is not None else -1)
                if t is not None:
                    scalars.append(t)
            slots.append(slot)
        # the one host transfer of the step. On a CPU nothing needs one: each 0-d figure is read where it lies
        # (.item() costs no synchronisation there, and 26 such reads cost half a torch.stack of them on the benchmark's
        # MLP), and only the per-unit sums are joined. Elsewhere the 0-d figures are stacked and joined with them.
        # Parts of one dtype and device are the rule (a cat that promotes is several times dearer, so none is asked
        # for); otherwise each goes to float64 on one device first (a float32 norm of a float64 model would lose digits)
        loss_on_host = torch.is_tensor(loss) and loss.is_cpu
        if lane is not None:
            pass
        elif _places.SUM64_ON_CPU and all(t.is_cpu for t in scalars) and (loss_on_host or not torch.is_tensor(loss)):
            values = [t.item() for t in scalars]
            if loss_on_host:
                values.append(loss.item())
        else:
            values = None
            if torch.is_tensor(loss):
                scalars.append(loss.detach().reshape(()))
            try:
                parts.append(torch.stack(scalars))
            except RuntimeError:  # places on several devices
                parts.append(torch.stack([t.to(scalars[0].device, torch.float64) for t in scalars]))
        if parts:
            try:  # parts of several dtypes are promoted by cat, exactly (float32 to float64, half to float32)
                joined = torch.cat(parts)
            except RuntimeError:  # parts on several devices
                joined = torch.cat([t.to(parts[-1].device, torch.float64) for t in parts])
            host = (joined.numpy() if joined.is_cpu and not joined.requires_grad
                    else joined.numpy(force=True)).astype(np.float64)
        k = sum(l.width for l in ran)  # where the |a| sums begin, after the f' sums
        j = 0
        raw = []
        for l in ran:
            w = l.width
            d, a = host[j:j + w], host[k:k + w]
            j += w
            k += w
            extra = None
            if l.dist is not None:
                extra = host[k:k + w]
                k += w
            raw.append([l, d, a, extra, l.rows])
        if values is None:
            values = host[k:].tolist()
            host = host[:k]
        if lane is None:  # the next steps' ReLU passes may write where this one reads (_lane_read)
            self._lay_lane(ran)
        # the scalars, the loss last where it is a tensor; index -1, a value not sent, reads 0
        self._matrix_read = (self.step_count + 1, {n: values[matrices_at + k] for k, (n, _) in enumerate(matrices)})
        rms_before = self._input_rms  # (kept where the scaler skips the step: its batch is no step's, as its loss)
        self._judge_inputs(self._input_host if self._input_host is not None else values[inputs_at:inputs_end])
        self._track_spread(values[head_end:spread_end])
        self._judge_head(values[inputs_end:head_end], loss if isinstance(loss, float) else
                         values[-1] if torch.is_tensor(loss) else None)
        values.append(0.0)
        weight_norm = {}
        not_computed = set()  # trained weights whose gradient this step's backward never wrote
        i = 0
        for name, t in weights:
            if t is None:  # frozen (requires_grad=False), or not computed (no_grad, detached, no backward): NaN
                weight_norm[name] = math.nan
                if name not in self._frozen_now:
                    not_computed.add(name)
            else:
                weight_norm[name] = values[i]
                i += 1
        held = self._grads_read
        if held is not None and len(held[1]) == i:  # the optimiser's step compares the norms read here, on the
            # host, not the tensors again (a transfer, and a synchronisation on a GPU, at each of its reads)
            self._grads_read = (*held[:3], values[:i])
        self._renorm_overflowed(weight_norm)
        # places whose output needs a gradient were hooked, yet backward reached none of them inside the block: the
        # weights' .grad is not this step's (backward runs after the block). Gradients left at exactly 0 by
        # zero_grad(set_to_none=False) are then not computed either, not "no gradient"
        # (a backward that reached none of them, as backward(inputs=[the head's weights]) does, still wrote gradients)
        stale = self._grad_watched and not backward_ran and not self._grads_written
        if stale and all(not v for n, v in weight_norm.items() if n not in self._frozen_now):
            not_computed = {n for n in weight_norm if n not in self._frozen_now}
            weight_norm.update(dict.fromkeys(not_computed, math.nan))
        # one look at every number of the step; only where one is a NaN or an inf is each place looked at alone
        # (a sum of finite values that overflows only sends the places to be looked at one by one)
        advanced = False  # the dead history already advanced by the lane's one pass (no place summed again)
        kernels = _torch_stats.kernels() if lane is not None else None
        if kernels is not None and math.isfinite(sum(values)):
            all_finite = advanced = self._advance_history(ran, host, g, kernels)
        else:
            all_finite = bool(np.isfinite(host).all()) and math.isfinite(sum(values))
        overflowed = []  # places whose activation or gradient is finite but too large to square in float32
        summed64 = []  # such places on a CPU, whose sums of squares were made again in float64
        if all_finite and not any(l.sumsq_host is not None or l.grad_sq_host is not None for l in ran):
            # the common step, as the loop below makes it when every number is finite and nothing was summed
            # again in float64: every place's dead history advances at once, and its figures are read
            if not advanced:
                self._advance_history(ran, host, g)
            for r, slot, l in zip(raw, slots, ran, strict=True):
                r.append((l.last_active, l.samples, l.on, l.batches, l.points))
                grad = slot[3]
                r += (values[slot[0]], values[slot[1]], values[slot[2]], l.centered,
                      math.sqrt(values[grad]) if grad >= 0 else math.nan, False, False)
        else:
            for r, slot, l in zip(raw, slots, ran, strict=True):
                ssum, nonzero, sumsq, grad_sq = values[slot[0]], values[slot[1]], values[slot[2]], values[slot[3]]
                if l.sumsq_host is not None:  # made again in float64 on a CPU, float32's having overflowed
                    sumsq = l.sumsq_host
                if l.grad_sq_host is not None:
                    grad_sq = l.grad_sq_host
                # a NaN or an inf in the place's activations: its unit history is not advanced by this step (no unit
                # is active or inactive on NaN data) and its counts are not made. A NaN or an inf in the gradient
                # reaching finite activations (an inf loss's backward) leaves both alone: dead, saturated and dormant
                # are read from the activations (W17: a tanh row lost its std and counts to a NaN gradient, while a
                # ReLU row beside it with an inf one kept them). The sum of squares is left out of the activations'
                # test unless NaN: a float32 tensor of finite values near 1e19 or more squares past float32's range
                # (an inf sum of squares), yet holds no inf; its per-unit sums of |a| and f' say whether it does
                finite = all_finite or (math.isfinite(ssum) and not math.isnan(sumsq)
                                        and bool(np.isfinite(r[1]).all() and np.isfinite(r[2]).all()))
                # the gradient: NaN, or inf where float64 summed it again (finite float32 values cannot square past
                # float64's range, so that inf is an inf in the gradient; an inf float32 sum off a CPU may be an
                # overflow of finite values, which the note on overflowed sums tells)
                grad_bad = math.isnan(grad_sq) or (math.isinf(grad_sq) and l.grad_sq_host is not None)
                if finite:  # the one per-step update of the dead history: each unit's last active sampled step (a sum
                    # of |f'| is > 0 exactly when one term is); the dead count reads it when the report is built
                    last = l.last_active
                    if last is None:
                        last = l.last_active = np.zeros(l.width, dtype=np.int64)
                    if l.on is None:
                        l.on = np.zeros((2, l.width))  # (the window's weighed count, the latest batches')
                    active = r[1] > 0
                    last[active] = g
                    self._count_on(l, active)
                r.append((l.last_active, l.samples, l.on, l.batches, l.points))
                if l.sumsq_host is not None or l.grad_sq_host is not None:
                    if finite and not grad_bad:  # (summed again where the float32 sums were not finite: a NaN or an
                        # inf in the activations or their gradient is no 'finite but above 1.8e19', W95 walkthrough
                        # finding 11: that note beside rows holding a NaN on a diverged step)
                        summed64.append(l.label)
                elif finite and not math.isfinite(sumsq + (0.0 if grad_bad else grad_sq)):  # off a CPU: float32's
                    # sums of squares overflowed. Not where the gradient holds a NaN: that place's words say so, and
                    # 'finite but above 1.8e19' beside them read as a contradiction (W44 finding 7: float16 gradients
                    # scaled by 2^40, no scaler given)
                    overflowed.append(l.label)
                    # the std reads inf (a bound: its sum of squares is past float32's range, and a note says so);
                    # |dL/da| is not shown, since the reading weighs it and an inf there would read as a divergence
                    grad_sq = math.nan if not math.isfinite(grad_sq) else grad_sq
                # no gradient was computed for the place (its output needed none, or backward never reached it): NaN
                has_grad = slot[3] >= 0 or l.grad_sq_host is not None
                # the place is flagged where its activations or the gradient reaching them hold a NaN or an inf; its
                # counts are made where its activations are finite (the practitioner's ReLU at 4.8e16 under an MSE
                # loss of inf)
                r += (ssum, nonzero, sumsq, l.centered, math.sqrt(grad_sq) if has_grad else math.nan,
                      not finite or (has_grad and grad_bad), not finite)
        # a loss scaler's: the gradients are the scale times the loss's own (Monitor(scaler=...), _monitor_scaler)
        scale = _scaler.scale_of(self._scaler)
        if scale != 1.0:
            _scaler.unscale(scale, weight_norm, raw)
        if torch.is_tensor(loss):
            self._loss = values[-2]
        else:  # a sampled step that gave no loss has none: not the one a sampled step before gave (W33 walkthrough:
            # s.loss on every third step, every=10, logged step 321's loss at steps 331 and 341, and the page drew it
            # flat across them, though step 330 had given a later one)
            self._loss = None if loss is None else float(loss)
        # a non-finite loss whose backward left every weight's gradient finite (RunSummary.nan_loss_grads_finite),
        # and the target a cross-entropy in it ignores, which an empty mean over the batch's counted targets points at
        # (RunSummary.loss_ignore_index; W63 walkthrough finding 1)
        bad = loss is not None and not math.isfinite(self._loss)
        read = [v for n, v in weight_norm.items() if n not in not_computed and n not in self._frozen_now]
        self._nan_grads_finite = bad and bool(read) and all(math.isfinite(v) for v in read)
        if bad and self._ignored_target is None:
            self._ignored_target = ignore_index_of(handle.loss)
        if self._rivals:  # another monitor open on this model (_monitor_compile)
            self._check_rivals()
        self._read_loss_back(self._loss, handle.loss)  # (its scale against the measure, _monitor_lossread)
        # a step the scaler skips (its scaled gradients overflowed): no update was made from it, so its loss is left
        # out of the losses judged too (W102 walkthrough finding 2: one batch of inputs times 1e4 at step 401, skipped,
        # read 'diverging: the loss has grown to 4.46e+03', and 'the loss blew up ... lower the learning rate' at 800)
        skipped = self._scaler is not None and _scaler.overflowed(scale, self._loss, weight_norm,
                                                                  not_computed | self._frozen_now, raw, self.model,
                                                                  self._weight_ids.keys())
        if loss is not None and math.isfinite(self._loss) and not skipped:
            self._losses.append(self._loss)
            self._loss_steps.append(self.step_count + 1)
        # held: every step's, kept whole for _from_held_losses (CLIMB_LOSSES more than are judged, to date a climb
        # back through); window: the latest JUDGED_STEPS, which learning is judged on
        held = self._read_step_losses(None if skipped else loss)
        if self._written:  # (runs of writes of the weights: whether the loss moved with them, _monitor_cut)
            self._weigh_writes(held)
        self._hold_parts(self.step_count + 1, handle.parts)  # (read when a report is built: _parts_words)
        if handle.parts:
            self._track_parts_low()
        window = held[-JUDGED_STEPS:]
        # the losses of the training steps since the sampled step before, held one a step: the log carries them, so
        # that /watch draws their range between its points (W30 finding 7, W32 finding 4: a spike of 507 at an
        # unsampled step, named by the reading, was on no chart)
        self._between = (self.step_count + 1, tuple((t, v) for t, v in held if previous < t <= self.step_count))
        if self._first_given is None:  # the run's first finite loss, chance_loss or not (_output_fall)
            self._first_given = next(((t, v) for t, v in held if v is not None and math.isfinite(v)), None)
        window = self._judged_window(held, window)
        finite = [v for _, v in window if v is not None and math.isfinite(v)]
        # the mean of the window's finite losses; this step's own where it is NaN or inf (the diverged reading's)
        judged = self._loss if (self._loss is not None and not math.isfinite(self._loss)) or not finite else \
            statistics.fmean(finite)
        if (self._moved_at is None and self.chance_loss and judged is not None
                and judged < (1 - MOVED_FRACTION) * self.chance_loss):  # whether or not a report is built here
            self._moved_at = _first_below(held, previous, (1 - MOVED_FRACTION) * self.chance_loss) \
                or self.step_count + 1
        if previous < self.step_count:  # steps not sampled since the sample before: their windows' low, first
            self._low_between(held, previous)
        if judged is not None and math.isfinite(judged):  # the low a run is said to have come down to: by its bound
            self._lowest_judged = lower_low(self._lowest_judged, self.step_count + 1, finite, self.chance_loss,
                                            window)
            if 2 * len(finite) >= JUDGED_STEPS and (self._lowest_mean is None or judged < self._lowest_mean[1]):
                self._lowest_mean = (self.step_count + 1, judged)  # and the lowest mean, which the words quote
            low = self._lowest_judged
            if low is not None and len(finite) >= 2 and (low[0] == self.step_count + 1 or judged <= low[2]):
                # the latest window whose mean is within the lowest one's noise: where a checkpoint is looked for (W51
                # walkthrough: the lowest window ended at step 464, whose weights scored 0.417 on the whole data set;
                # the run went on learning to 499, 0.400, within that window's noise)
                self._latest_low = (self.step_count + 1, judged, low[2], window)
            else:
                self._latest_low_between(held, previous)
                self._cut_at_rise(held)
        for l in ran:  # drop this step's tensors (the last sums stay only until the next sampled step)
            l.dsum = l.nz = l.asum = l.ssum = l.sumsq = l.grad_sq = l.dist = None
        seen = sorted(((l, (l.order, l.weight_module, l.width, len(l.samples)), r) for l, r in zip(ran, raw,
                                                                                                   strict=True)),
                      key=lambda p: p[1][0])
        order = sorted(self._weight_order, key=self._weight_order.get)
        self._note_hidden(seen, order, handle.loss)
        # the words and the reading are built when asked for (report()) or logged: Python work a step need not pay
        step = self.step_count + 1
        if skipped:
            # a step the scaler skips: no update was made, and its gradients are not read; the report stays the
            # latest sampled step's with finite gradients, and no line is logged (its units were counted above)
            self._skips.add(step, scale, self._loss, [v for _, v in window if v is not None and math.isfinite(v)])
            self._input_rms = rms_before
            return
        bad = bad_grad = None  # on a step whose every number is finite, no place is looked for
        if not all_finite:
            bad = next((l for l, _, r in seen if r[-1]), None)  # the first place whose activations hold a NaN or inf
            bad_grad = next((l for l, _, r in reversed(seen) if r[-2]), None)  # backward's first (last in forward)
        bad_loss = self._loss is not None and not math.isfinite(self._loss)
        if bad is not None or bad_loss or bad_grad is not None:
            place = (bad.label if bad is not None else "the loss" if bad_loss else
                     f"the gradient at {bad_grad.label}")
            # the sampled step before, finite: between the two, unsampled steps may have been the first non-finite
            here = {"step": step, "place": place, "last_finite_step": self._last_finite_sample}
            if self._non_finite_since is None:  # the first of a run of non-finite samples: when it began, if known
                here = _from_held_losses(here, held, self._step0)
            self._first_non_finite = self._first_non_finite or here
            self._non_finite_since = self._non_finite_since or here
        else:
            self._non_finite_since = None
            if self._first_non_finite is None:  # a NaN loss on a step between two samples, held: on record too,
                # though the run is finite again (W28: a NaN batch at unsampled step 157, skipped by the script, left
                # the final report 'healthy' with no note, where one at sampled step 161 kept its note)
                self._first_non_finite = _unseen_non_finite(held, self._last_finite_sample)
            self._last_finite_sample = step
        step_notes = tuple(self.notes) + self._blind_notes  # (_note_blind: this step's, not kept)
        if scale != 1.0:
            step_notes += (_scaler.unscaled_note(scale),)
        if summed64:
            step_notes += (f"the activations or their gradients at {_places_words(summed64)} are finite but above "
                           "about 1.8e19, whose squares pass float32's range: their std and |dL/da| were summed again "
                           "in float64; values this large usually precede a divergence (lower the learning rate)",)
        if overflowed:
            step_notes += (f"the activations or their gradients at {_places_words(overflowed)} are finite but above "
                           "about 1.8e19, whose squares float32 cannot sum: the std reads inf, a bound, and |dL/da| is "
                           "not shown (summing them again in float64 on this device would cost a synchronisation per "
                           "place); values this large usually precede a divergence (lower the learning rate)",)
        # the latest sampled steps in a row on which every trained weight's gradient was exactly 0 (RunSummary.
        # zero_gradient_batches), and the training step of the first of them
        trained = [v for n, v in weight_norm.items() if n not in self._frozen_now]
        floor = grad_floor(self._loss if self._loss is not None and math.isfinite(self._loss) else None)
        self._tiny_run = ((self._tiny_run[0] + 1, self._tiny_run[1] or step)
                          if trained and all(math.isfinite(v) and abs(v) < floor for v in trained) else (0, None))
        if trained and all(v == 0 for v in trained):
            self._zero_run = (self._zero_run[0] + 1, self._zero_run[1] or step)
        else:
            if self._zero_run[0] >= DEAD_EVIDENCE:
                self._zero_leak = self.sampled_steps
            self._zero_run = (0, None)
        if not self._early_full:  # each weighted module's first EARLY_OUTPUT finite gradients above 0 (_output_fall)
            self._early_full = self._note_early(weight_norm)
        self._pending = (seen, order, weight_norm, step, self.sampled_steps, self._loss, step_notes,
                         self._frozen_now, self._first_non_finite, self._non_finite_since, frozenset(not_computed),
                         stale, judged, window, held)
        self._last = None
        # written as the step ends (_Stepping._exit), after every="auto" has counted this step's timing: the line's
        # cost note is then the one report() gives until the next sampled step (W21 finding 7: the line was written
        # before, and report() said every=1674 beside the page's every=19987 for one sampled step)
        self._log_due = step if self._log_path is not None else None

    def _write_log(self, step: int) -> None:
        """This sampled step's report as a line of the log. A log that cannot be written (its folder removed, the
        disk full) is given up with a note and a warning, never an exception: a long run is not stopped for it, and
        the report still holds every step."""
        try:
            with self._log_path.open("a") as fh:
                if len(self._layers) != self._header_layers or self._header_lazy:  # places first seen on this
                    # step (a second call of a module, an activation applied as a function): a new header names
                    # every place seen so far, and a reader keeps the latest one; a lazy module's parameters, counted
                    # now that its first forward made them
                    self._header_layers = len(self._layers)
                    fh.write(self._header())
                built = self._built()
                if self._auto and self.calibrated_cost is not None:  # /watch shows the cost as the report does
                    built = dataclasses.replace(built, notes=built.notes + (self._cost_note(),))
                if self._skips.count:  # and the steps the loss scaler skipped (_monitor_scaler)
                    built = dataclasses.replace(built, notes=built.notes + (self._skips.words(self.sampled_steps,
                                                                                              built.step),))
                fh.write(json.dumps({**built.to_dict(), "run": self._run_id}, allow_nan=False) + "\n")
            self._steps_box[4] = {}  # the held-out losses given before this step: this line carries them
        except OSError as e:
            words = (f"the log {str(self._log_path)!r} could not be written at step {step:,} ({e.strerror or e}), so "
                     "it stops there and its last lines may be missing; the report (mon.report()) still holds the run")
            self._log_path = None
            if self._closer is not None:  # no end line either
                self._closer.detach()
            self.notes.append(words)
            warnings.warn(f"actlab Monitor: {words}", RuntimeWarning, stacklevel=2)

    def _lane_read(self, ran: list[_Layer], scalars: list, slots: list, loss) -> tuple | None:
        """The step's numbers where every place that ran is an nn.ReLU whose compiled pass wrote them straight into the
        lane (_lay_lane), laid out as the transfer lays them (f' sums, then output sums): (values, host) as _collect
        reads them from its one transfer, made with one copy of the lane and no torch.cat of its parts, the places'
        slots filled in; None where the lane does not hold this step (a place of another kind or on another path, a
        new place, the structure changed, a gradient overflowed float32, not a CPU), and the transfer runs as ever."""
        lane = self._lane
        if lane is None or not _places.SUM64_ON_CPU or len(ran) != len(lane[0]):
            return None
        places, block, width = lane
        for l, p in zip(ran, places, strict=True):
            held = l.relu_buffers
            if l is not p or held is None or held[8] is not block or l.dsum is not held[3] or l.sumsq is not held[5] \
                    or (l.grad_sq is not None and l.grad_sq is not held[6]) or l.grad_sq_host is not None:
                self._lane = None if l is not p else lane
                return None
        if torch.is_tensor(loss) and not loss.is_cpu or not all(t.is_cpu for t in scalars):
            return None
        values = [t.item() for t in scalars]
        totals = block[2 * width:].tolist()
        n = len(values)
        for i, l in enumerate(ran):
            has_grad = l.grad_sq is not None
            slots.append([-1, -1, n, n + 1 if has_grad else -1])
            values.append(totals[2 * i])
            values.append(totals[2 * i + 1] if has_grad else 0.0)
            n += 2
        if torch.is_tensor(loss):
            values.append(loss.item())
        return values, block[:2 * width].copy()

    def _note_early(self, weight_norm: dict[str, float]) -> bool:
        """Adds this step's weight-gradient norms to each weighted module's first EARLY_OUTPUT finite ones above 0
        (self._early_output, by name: the output layer the report chooses among heads side by side is not always the
        last to run); returns whether every module that got one so far has its EARLY_OUTPUT, so that later steps skip
        this (a module that first runs later, or a frozen one, then gets none)."""
        early = self._early_output
        full = True
        for name, v in weight_norm.items():
            kept = early.get(name)
            if kept is None:
                kept = early[name] = []
            if len(kept) < EARLY_OUTPUT:
                if math.isfinite(v) and v > 0:
                    kept.append(v)
                full = full and (len(kept) >= EARLY_OUTPUT or name in self._frozen_now)
        return full and self.sampled_steps >= EARLY_OUTPUT

    def _lay_lane(self, ran: list[_Layer]) -> None:
        """Where every place that ran is an nn.ReLU on the compiled path, one float64 block holds what their passes
        write, laid out as _collect's transfer: every place's per-unit counts (its f' sums) in the order they ran,
        then every place's per-unit sums of a, then each place's two sums of squares; each place's relu_buffers
        become views of it (_monitor_relu._relu_views), so that the next sampled steps' passes write the step's numbers
        where _collect reads them (_lane_read) instead of each into its own buffer to be joined by a torch.cat. Laid
        out again when another sequence of places runs; dropped where a place of another kind runs."""
        if not ran or not all(l.binary_deriv and l.relu_buffers is not None for l in ran):
            self._lane = None
            return
        width = sum(l.width for l in ran)
        block = np.zeros(2 * width + 2 * len(ran))
        j = 0
        for i, l in enumerate(ran):
            w = l.width
            l.relu_buffers = _relu_views(block[j:j + w], block[width + j:width + j + w],
                                         block[2 * width + 2 * i:2 * width + 2 * i + 2], l.relu_buffers[7].dtype, block)
            l.lane_slot = (j, i)
            j += w
        self._lane = (tuple(ran), block, width)

    def _choose_windows(self, ran: list[_Layer]) -> None:
        """Where the next sampled step watches for activations applied as functions: after each weighted module a
        function was found after, on every sampled step; and, on the steps that learn the structure, every gap
        between two weighted modules where no activation ran at all (a function that first runs on a later step, a
        branch taken from step 5 on, is found there, at most RELEARN_EVERY sampled steps after it first ran). The
        first sampled step watched the whole forward; the model's input and what follows the last weighted module
        are watched only then. A module a function was found after keeps its window on every later sampled step,
        whether or not it ran on this one."""
        # (every module a function was ever found after, not only this step's: an expert of a mixture that got no
        # token on one step ran its F.silu unwatched on the next ones, W70 walkthrough finding 1: experts with 1 to 7
        # tokens had no row on 68 of 150 steps, and read 'stopped running' 139 steps after they last ran)
        found = self._found_after = self._found_after | {l.weight_module for l in ran if l.functional}
        windows = set(found)
        wo = self._weight_order
        order = sorted(wo, key=wo.get)
        acts = sorted(l.order for l in ran)
        for a, b in zip(order, order[1:], strict=False):
            i = bisect.bisect_right(acts, wo[a])
            if i == len(acts) or acts[i] > wo[b]:  # no place ran between a and b
                windows.add(a)
        self._windows = frozenset(windows)
        # only functions found keep the watch on every sampled step: the gaps where no activation ran are watched
        # again on the steps that learn the structure (every RELEARN_EVERY-th sampled step, or one whose places ran
        # in another sequence). Watching them on every step cost a transformer's sampled step about 2 ms of 62-80
        # (the gap after each layer's linear2 spans the next layer's attention, dozens of torch calls, each through
        # the mode in Python), for a function that first runs on a later step: one now waits at most RELEARN_EVERY
        # sampled steps to be found
        self._functional = bool(found)


def _first_below(held: tuple, previous: int, line: float) -> int | None:
    """The first training step after ``previous`` whose window of the latest JUDGED_STEPS held finite losses up to it
    has its mean under ``line``, as a sampled step there would have judged it; None where none has. Under
    every="auto" the losses of the steps between samples are held: the run's loss is dated by them, not by the next
    sample (W79 walkthrough finding 2: sampled at steps 12 and 62, the mean first read 10% below chance at 'training
    step 62' where every step's loss put it at 22, and the remedy said the units had stopped before the loss came
    down)."""
    pairs = [(t, v) for t, v in held if v is not None and math.isfinite(v)]
    for end, (t, _) in enumerate(pairs):
        if t > previous and statistics.fmean(v for _, v in pairs[max(0, end - JUDGED_STEPS + 1):end + 1]) < line:
            return t
    return None
