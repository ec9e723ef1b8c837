"""The units' side of a sampled step on the host: the dead history (the sampled step each unit was last active on)
and a place's counts (dead, saturated, dormant, the share of zero f', mean and std) from its per-unit sums.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import functools
import math
from collections import deque

import numpy as np

from ..instruments import DORMANT_TAU, saturation_limit
from ._monitor_base import DEAD_EVIDENCE, DEAD_ODDS, DEAD_POINTS
from ._monitor_places import _Layer

# two units whose sums over a batch agree to this share of the largest are copies (identical columns sum alike to the
# last bit in one pass; 1e-6 leaves room for a reduction that splits columns otherwise, and two units that differ at
# all differ far more)
SAME_UNITS_RTOL = 1e-6

DEAD_NAMED = 32  # dead units named by index in a report, at most (the count says how many in all)


def _first_named(mask: np.ndarray | None, *without: np.ndarray | None) -> tuple[int, ...]:
    """The first DEAD_NAMED indices set in ``mask`` and in none of ``without`` (None: no index set)."""
    if mask is None:
        return ()
    for other in without:
        if other is not None:
            mask = mask & ~other
    return tuple(int(k) for k in np.flatnonzero(mask)[:DEAD_NAMED])


# a unit on in most of its sampled batches and off on every point of each of the latest few, at odds under this for
# the rate it was on before, reads as gone silent (said on its layer's line) until _dead counts it, or it comes back:
# a unit on in all of 100 batches is silent after one off batch, one on in 70% of them after four
SILENT_ODDS = 0.01
# the rate a unit was on at before a silence is the lower of two: over about the window's batches, and over about this
# many latest ones (W40 walkthrough: a unit on in every batch of an 1,100-step plateau at lr 1e-7, then in 47% of them
# once the rate was raised, read at about 91% and was counted dead after 10 sampled batches off, which at 47% is 1
# time in 500; its recent rate reads it silent, not dead)
RECENT_BATCHES = 20


class _Counting:
    """The dead history, kept on the host, and each place's counts, made when a report is built."""

    def _advance_history(self, ran: list[_Layer], host: np.ndarray, g: int, kernels=None) -> bool:
        """The dead history's update on a finite sampled step, for every place that ran at once: each unit with a
        nonzero f' sum (host[:W], the places' f' sums in the order of `ran`) was last active on sampled step g. The
        places' last_active arrays are views of one buffer, laid out as host[:W] is, so this is one NumPy call and
        not one per place; the buffer is laid out again (each place's history copied in) when another set of places
        runs, a width changes, or a history was replaced elsewhere (a width's reset, the non-finite path). With the
        compiled passes (kernels, on a step read through the lane), the step's finiteness is checked in the same pass
        (_torch_stats_numba.mark_if_finite): nothing advances and False is returned where a number of host is NaN or
        infinite. Returns True where the history advanced."""
        views = self._history_views  # the views laid out last time, held (an id could be reused; `is` cannot)
        if len(views) != len(ran) or any(l.last_active is not v or l.on is None or l.on.base is not self._on
                                         for l, v in zip(ran, views, strict=True)):
            width = sum(l.width for l in ran)
            buffer, on = np.zeros(width, dtype=np.int64), np.zeros((2, width))
            k = 0
            for l in ran:
                view, on_view = buffer[k:k + l.width], on[:, k:k + l.width]
                if l.last_active is not None and len(l.last_active) == l.width:
                    view[:] = l.last_active
                if l.on is not None and l.on.shape == (2, l.width):
                    on_view[:] = l.on
                l.last_active, l.on = view, on_view
                k += l.width
            self._history, self._on = buffer, on
            self._history_views = tuple(l.last_active for l in ran)
            self._history_starts = np.cumsum([0] + [l.width for l in ran[:-1]])
        if kernels is not None:
            if not kernels.mark_if_finite(host, self._history, g):
                return False
            active = host[:len(self._history)] > 0
        else:
            active = host[:len(self._history)] > 0
            np.copyto(self._history, g, where=active)
        on = self._on  # each unit's weighed counts of the batches it was on: older ones weigh less (_on_weights)
        on *= self._on_weights[:, None]
        on += active
        # each place: was a unit of it on
        lit = np.logical_or.reduceat(active, self._history_starts).tolist() if len(active) else [False] * len(ran)
        w0, w1 = _weight_pair(self.window)  # (the batch counts as two floats: NumPy on a pair cost 3 us a place)
        for l, one_on in zip(ran, lit, strict=True):
            if one_on:
                self._light(l, g)
            if not l.first_seen:
                l.first_seen = self.step_count + 1
            l.samples.append(g)
            b0, b1 = l.batches[-1] if l.batches else (0.0, 0.0)
            l.batches.append((b0 * w0 + 1.0, b1 * w1 + 1.0))
            l.points.append(l.rows)
        return True

    def _count_on(self, l: _Layer, active: np.ndarray) -> None:
        """One place's share of _advance_history, on a sampled step read place by place (a NaN or an inf in another
        place): its batch counted, and its units' weighed counts of the batches they were on."""
        if active.any():
            self._light(l, self.sampled_steps)
        if not l.first_seen:
            l.first_seen = self.step_count + 1
        l.samples.append(self.sampled_steps)
        w0, w1 = _weight_pair(self.window)
        b0, b1 = l.batches[-1] if l.batches else (0.0, 0.0)
        l.batches.append((b0 * w0 + 1.0, b1 * w1 + 1.0))
        l.points.append(l.rows)
        l.on *= self._on_weights[:, None]
        l.on += active

    @staticmethod
    def _light(l: _Layer, g: int) -> None:
        """A unit of the place was on at sampled step g (not yet among its samples): where every unit had been off on
        each of at least min(window, DEAD_EVIDENCE) sampled batches before it, the place came back on (l.revived)."""
        need = min(l.samples.maxlen or DEAD_EVIDENCE, DEAD_EVIDENCE)
        if len(l.samples) >= need and l.lit < l.samples[-need]:
            l.revived = g
        l.lit = g

    @property
    def _on_weights(self) -> np.ndarray:
        """How much a sampled batch weighs in the units' two counts of the batches they were on, next to the one after
        it: 1 - 1/window, so that the first spans about the window's batches, and 1 - 1/RECENT_BATCHES (or the
        window's, where it is shorter), so that the second spans the latest ones."""
        return _weights(self.window)

    @staticmethod
    def _count(l: _Layer, d: np.ndarray, a: np.ndarray, extra: np.ndarray | None, rows: int,
               history: tuple[np.ndarray, deque], ssum: float, nonzero: float, sumsq: float, centered: bool,
               grad_norm: float, non_finite: bool, act_non_finite: bool = False, threw: int | None = None) -> dict:
        """One place's numbers from its per-unit sums on the host (the engine's masks, as instruments.py reads them);
        made when a report is built, not on every sampled step. A place whose activations hold a NaN or an inf gets
        its norms and no counts: which unit is dead, saturated or dormant cannot be read from NaN data. One whose
        activations are finite while the gradient reaching them is not (non_finite alone) gets its counts, and the
        flag."""
        width = len(d)
        size = width * rows
        rule = l.saturation_rule
        if l.nonneg_out:
            ssum = float(a.sum())
        elif rule is not None and rule[0] == "floor":
            ssum = float(extra.sum())
        if act_non_finite:
            return {"act_grad": grad_norm, "mean": ssum / size, "std": math.nan, "zero": None, "saturated": None,
                    "dead": None, "dormant": None, "non_finite": True, "act_non_finite": True}
        if l.binary_deriv:
            nonzero = float(d.sum())
        # only a function with a zero region has dead units (elsewhere an f' of 0 is underflow: saturated)
        dead, cover, died_mask, unseen_mask, dead_mask = _Counting._dead(l, *history)
        died = int(np.count_nonzero(died_mask)) if died_mask is not None else 0  # dead, after being on
        left_out = died_mask if unseen_mask is None else unseen_mask if died_mask is None else died_mask | unseen_mask
        silent, silent_for, need, silent_mask, silent_rate = _Counting._fallen_silent(l, *history, dead_mask=left_out)
        unseen = int(np.count_nonzero(unseen_mask)) if unseen_mask is not None else 0
        points = int(sum(history[4])) if len(history) > 4 else 0
        dead_from = _Counting._dead_from(history[1], history[4] if len(history) > 4 else ()) if l.can_die else 0
        last, samples = history[0], history[1]
        if dead_from and last is not None and len(samples) and int(last.max()) < samples[0]:
            # every unit off on every batch so far: a whole layer off counts at min(window, DEAD_EVIDENCE) batches,
            # at any count of points (_dead)
            dead_from = min(samples.maxlen or len(samples), DEAD_EVIDENCE)
        stopped = _Counting._stopped(history[0], history[1], died_mask, silent_mask)
        if stopped is not None and threw is not None and len(history) > 3:
            stopped["threw_fits"] = _Counting._fit_throw(history[0], history[1], history[2], history[3],
                                                         died_mask, silent_mask, threw)
            stopped["threw_at"] = threw
        # instruments.saturated_mask: mean |f'| below saturation_limit (1% of the maximum), or
        saturated = d / rows < saturation_limit(l.record)
        if rule is not None:  # the outputs within 1% of the scale of a level (Activation.saturated_outputs)
            if rule[0] == "ends":
                dist = rule[2] * rows - (a if extra is None else extra)
            elif rule[0] == "floor":
                dist = extra - rule[1] * rows
            else:
                dist = extra
            saturated |= dist / rows < l.saturation_limit
        # the units whose outputs sit, on average, within the saturation limit of the lower of two levels (a
        # sigmoid's 0: a / rows holds its mean output): the only ones of a sigmoid used as a hand-written SiLU's gate
        # where the SiLU is flat too (W48 walkthrough: 32 units at a bias of +8, their SiLU's mean slope 1.003, read
        # "32 of 32 units saturated"). Not those whose mean f' is small from outputs at both ends (W55 walkthrough:
        # weights x 8 put 12 of 64 gates at 0 on some samples and 1 on others, read saturated where 1 unit's SiLU was
        # flat: its slope is about 1 wherever the gate is)
        low = (int(np.count_nonzero(a / rows - (rule[1] - rule[2]) < l.saturation_limit))
               if rule is not None and rule[0] == "ends" and l.nonneg_out else None)
        # Sokar et al.: E|a_i| <= tau * mean_j E|a_j|, i.e. sum|a_i| * H <= tau * sum_j sum|a_j|
        dormant = int(np.count_nonzero(a * width <= DORMANT_TAU * a.sum()))
        # every unit a copy of the others: the same sum of |a| and of f' over the batch (to float rounding), with some
        # slope (a layer all off is dead, said as such): weights initialised to one value (W106 walkthrough findings 2
        # and 3: weights all 0, or all 0.01, read 'Lower the learning rate and restart from the weights the run began
        # with', or 'healthy' at 0.50 accuracy against 0.86)
        # (the first and last units compared first, two scalars: units that differ differ there, and the whole-row
        # reductions, about 5 us a layer, run only for a layer that may be copies)
        same = bool(width >= 2 and abs(float(a[0]) - float(a[-1])) <= SAME_UNITS_RTOL * abs(float(a[0]))
                    and abs(float(d[0]) - float(d[-1])) <= SAME_UNITS_RTOL * abs(float(d[0]))
                    and d.sum() > 0 and np.ptp(a) <= SAME_UNITS_RTOL * np.abs(a).max()
                    and np.ptp(d) <= SAME_UNITS_RTOL * d.max())
        mean = ssum / size
        # sumsq about the mean where the compiled pass took it so (centered); the sum of a^2 elsewhere
        var = (sumsq if centered else sumsq - size * mean * mean) / max(size - 1, 1)
        # inf where float32's sum of squares overflowed off a CPU (a bound, with a note); NaN only from NaN data
        std = math.sqrt(max(var, 0.0)) if math.isfinite(var) else math.inf if var == math.inf else math.nan
        return {"act_grad": grad_norm, "mean": mean, "std": std, "zero": 1 - nonzero / size,
                "saturated": int(np.count_nonzero(saturated)), "saturated_low": low, "dead": dead, "dormant": dormant,
                "same_units": same,
                "non_finite": non_finite, "act_non_finite": False, "window": cover, "died": died, "silent": silent,
                "silent_for": silent_for, "silent_rate": silent_rate, "stopped": stopped, "dead_after": need,
                "unseen": unseen,
                "unseen_points": points if unseen else 0, "dead_window": history[1].maxlen or 0,
                "dead_from": dead_from,
                # which units (channels of a convolution), by index along the unit axis: the first DEAD_NAMED
                "dead_units": _first_named(dead_mask),
                # and the units saturated (rarely active, for a ReLU) on this batch that are neither dead nor gone
                # silent, and those gone silent: the first DEAD_NAMED of each (W62 walkthrough finding 4: two SiLU
                # and two GELU channels killed on purpose read '2 of 8 units saturated', with no index to check)
                "saturated_units": _first_named(saturated, dead_mask, silent_mask),
                "silent_units": _first_named(silent_mask),
                # the masks themselves (a function called again on the same units, one unit counted once over its
                # calls: _monitor_report's _Units)
                "dead_mask": dead_mask, "saturated_mask": saturated}

    @staticmethod
    def _dead(l: _Layer, last_active: np.ndarray | None, samples: deque, on: np.ndarray | None = None,
              batches: deque = (), points: deque = ()) -> tuple[int, int, np.ndarray | None, np.ndarray | None,
                                                                  np.ndarray | None]:
        """(dead units, the sampled batches that count covers: each unit counted was off on every one of them, the
        mask of those that were active on an earlier sampled batch, the units that died mid-run (None: none counted;
        _stopped dates them), the mask of the units off on every point of the window that are too few points to
        call dead (None: none), and the mask of the dead units (None: none can be counted yet)). A unit
        is dead when it was off on every sampled batch of the window and the window holds at least
        min(window, DEAD_EVIDENCE) of them and DEAD_POINTS points (W34 finding 5: at batch size 1, a unit on at 144 of
        the first 1,559 training steps was off on all of its 36 sampled batches, 36 points, and read dead for 2,000
        steps); every unit is dead when each has been off on at least that many latest sampled batches (a layer that
        died mid-run, long before its window turns over: no unit of it passed a gradient back on those batches). A
        unit is dead too, before its window turns over, when it has been off on every one of at least that many latest
        sampled batches, holding DEAD_POINTS points, and on so many that, at the rate it was on before (the share of
        its batches it was on, about the window's last ones), a silence that long has odds under DEAD_ODDS (W19: 40
        of 64 units killed at step 101 read 'rarely active' and 'healthy' for the 100 sampled batches of their
        window). A unit that is merely rarely active, on in a few of its batches, needs a silence near the window's
        before it is counted."""
        n = len(samples)
        if not l.can_die or last_active is None or not n:
            return 0, n, None, None, None
        need = min(samples.maxlen or n, DEAD_EVIDENCE)
        # each unit's run of sampled batches it was off on, up to now: those after its last active one
        steps = np.fromiter(samples, np.int64, n)
        off_for = n - np.searchsorted(steps, last_active, side="right")
        # the points the latest k sampled batches hold (every k counted enough where they were not kept)
        held = np.cumsum(np.fromiter(reversed(points), np.int64, len(points))) if len(points) == n else None

        def enough(k: int) -> bool:
            return held is None or held[k - 1] >= DEAD_POINTS

        shortest = int(off_for.min())
        if shortest >= need and l.revived < samples[0]:  # every unit off for at least `need` sampled batches: the
            # whole layer is dead, at any count of points (it passed no gradient back on any of them, and every unit
            # at once is off on each). Not where units came back on after such a silence within the window (W52
            # finding 3: a layer whose last few units fired now and then read wholly dead, then dying, 34 times in
            # 400 steps): its units are then each judged on their own
            return len(off_for), shortest, last_active > 0, None, np.ones(len(off_for), dtype=bool)
        if n < need:  # too few batches to call any unit dead
            return 0, n, None, None, None
        never = off_for >= n  # off on every sampled batch of the window
        unseen = None
        if enough(n):
            dead = never
        else:  # off on every point, and too few points to tell dead from rarely on
            dead, unseen = np.zeros_like(never), never if never.any() else None
        # silent for a while after being on in the window, over DEAD_POINTS points at least (at batch size 1, a unit
        # on at 5 of its first 5 sampled batches and off on the next 6 read dead, and was on again 3 samples later)
        fell = (off_for >= need) & ~never & (last_active > 0)
        if held is not None:
            fell &= held[np.minimum(off_for, n) - 1] >= DEAD_POINTS
        if on is not None and len(batches) == n and on.shape[-1] == len(off_for) and fell.any():
            fell[fell] = _Counting._silence_odds(off_for[fell], on[:, fell], batches, samples.maxlen or n) < math.log(
                DEAD_ODDS)
            dead |= fell
        count = int(np.count_nonzero(dead))
        return (count, int(off_for[dead].min()) if count and fell.any() else n,
                dead & (last_active > 0), unseen, dead)

    @staticmethod
    def _dead_from(samples: deque, points: deque = ()) -> int:
        """The sampled batches off after which a unit is counted dead at the earliest: min(window, DEAD_EVIDENCE), or
        as many as hold DEAD_POINTS points at the latest batch's size where that is more (past the window's length
        where the window cannot hold them)."""
        need = min(samples.maxlen or len(samples), DEAD_EVIDENCE)
        if len(points) and points[-1] > 0:
            need = max(need, -(-DEAD_POINTS // points[-1]))
        return need

    @staticmethod
    def _on_rate(off: np.ndarray, on: np.ndarray, batches: deque, window: int) -> np.ndarray:
        """The rate each unit was on at before its latest ``off`` sampled batches (off >= 1 and under the place's
        batch count): the share of its batches it was on, weighed as ``on`` and ``batches`` are (_advance_history),
        pulled off 1 when they are few; the lower of the window's and the latest batches' (RECENT_BATCHES), the latter
        read generously (one batch more on than counted), so that it lowers the rate only where the latest batches
        show a unit off often: a unit on in every batch keeps the window's rate, silent after one batch off."""
        n = len(batches)
        weight = _weights(window)[:, None]
        before = np.asarray(batches)[n - 1 - off].T  # the place's weighed batch counts when each was last on
        was_on = on / weight ** off  # its own then (nothing was added since)
        rate = np.minimum((was_on[0] + 0.5) / (before[0] + 1.0), (was_on[1] + 1.0) / (before[1] + 1.0))
        return np.minimum(rate, 1.0 - 1e-12)

    @staticmethod
    def _silence_odds(off: np.ndarray, on: np.ndarray, batches: deque, window: int) -> np.ndarray:
        """The log of the chance of each unit's silence (off on every point of each of its latest ``off`` sampled
        batches, off >= 1 and under the place's batch count) at the rate it was on before (_on_rate)."""
        return off * np.log1p(-_Counting._on_rate(off, on, batches, window))

    @staticmethod
    def _fit_throw(last_active: np.ndarray, samples: deque, on: np.ndarray | None, batches: deque,
                   died: np.ndarray | None, silent: np.ndarray | None, threw: int) -> int:
        """Of the units that stopped (dead after being on, or gone silent), how many may have been on up to the
        update that threw the weights: last on at a sampled batch at or after ``threw`` (the sampled step before it),
        or off on so few sampled batches before it that, at the rate each was on before, the silence has odds over
        SILENT_ODDS. W35 walkthrough: at batch size 1 under every="auto", a layer the loss's blow-up at step 152
        killed (51 of the 53 units that stopped fired at some step in 140-152) read 'first off a few at a time, on
        sampled steps from 62 to 212' and named a checkpoint saved before step 12: one point a sample, a unit on at
        half of them is off on two samples in a row one time in four."""
        masks = [m for m in (died, silent) if m is not None]
        n = len(samples)
        if on is None or len(batches) != n or not masks or not n:
            return 0
        stopped = np.logical_or.reduce(masks)
        last = last_active[stopped]
        steps = np.fromiter(samples, np.int64, n)
        after = np.searchsorted(steps, last, side="right")  # each one's batches after its last on, from this index
        off = n - after
        ok = (off >= 1) & (off < n)  # last on within the window, and off since: a rate to weigh
        # the sampled batches each was off on up to and with the one at `threw` (0 where it was on at it or after)
        before = np.maximum(np.searchsorted(steps, threw, side="right") - after, 0)
        fits = np.zeros(len(last), dtype=bool)
        fits[ok] = before[ok] * np.log1p(-_Counting._on_rate(off[ok], on[:, stopped][:, ok], batches,
                                                             samples.maxlen or n)) \
            >= math.log(SILENT_ODDS)
        return int(np.count_nonzero(fits))

    @staticmethod
    def _fallen_silent(l: _Layer, last_active: np.ndarray | None, samples: deque, on: np.ndarray | None = None,
                       batches: deque = (), points: deque = (), dead_mask: np.ndarray | None = None) \
            -> tuple[int, int, int, np.ndarray | None, float]:
        """(units that have gone silent, the latest sampled batches every one of them has been off on, the sampled
        batches off after which _dead counts a unit dead at the earliest, their mask, the lowest rate any of them was
        on at before, _on_rate's): units on in
        most of their sampled batches before and off on every point of each of the latest ones since, too few of them
        (under min(window, DEAD_EVIDENCE)) for _dead to count them, at odds under SILENT_ODDS for their rate (M21 item
        6: 40 of 64 units killed at step 101 read 'rarely active' on the 4 sampled batches before they were counted
        dead). A rarely active unit, on in a few of its batches, is never silent by this rule: one off batch, or a few,
        is its usual state. A unit silent that long or longer that _dead does not count (``dead_mask``: its silence is
        not yet at DEAD_ODDS) stays silent: W33 walkthrough, with every="auto" sampling every 50 steps, 18 units
        silent at step 212 dropped out of both counts at step 262, off for 5 sampled batches, and the layer's stopped
        units read 31 where 60 had been off on both of the last two sampled batches."""
        n = len(samples)
        if not l.can_die or last_active is None or not n or on is None or len(batches) != n \
                or on.shape[-1] != len(last_active):
            return 0, 0, 0, None, 0.0
        need = _Counting._dead_from(samples, points)
        # off on the latest sampled batches (and on before), not counted dead: two comparisons over the layer (the
        # searchsorted that tells how long is over those units alone)
        quiet = (last_active >= 1) & (last_active < samples[-1])
        if dead_mask is not None:
            quiet &= ~dead_mask
        quiet = np.flatnonzero(quiet)
        if not len(quiet):
            return 0, 0, need, None, 0.0
        off_for = n - np.searchsorted(np.fromiter(samples, np.int64, n), last_active[quiet], side="right")
        silent = _Counting._silence_odds(off_for, on[:, quiet], batches, samples.maxlen or n) < math.log(SILENT_ODDS)
        count = int(np.count_nonzero(silent))
        mask = np.zeros(len(last_active), dtype=bool)
        mask[quiet[silent]] = True
        # the lowest rate a silent unit was on at before, for the words (W38 walkthrough: 'was on in most of its
        # sampled batches' of a unit on in 11% of its batches, silent for 54)
        rate = float(_Counting._on_rate(off_for[silent], on[:, quiet][:, silent], batches,
                                        samples.maxlen or n).min()) if count else 0.0
        return count, int(off_for[silent].min()) if count else 0, need, mask, rate

    @staticmethod
    def _stopped(last_active: np.ndarray | None, samples: deque, died: np.ndarray | None,
                 silent: np.ndarray | None) -> dict | None:
        """When the units that stopped after being on (dead now, or gone silent) went off, by the sampled step each
        was first off on: the step most of them went off on ("bulk", with how many: the earliest such step where two
        are alike) and the sampled step before it (they were on there), the earliest and latest such steps, and, for
        units that went a few at a time, the step by which a tenth of them had gone and the sampled step before it. W30
        walkthrough: 31 units killed at step 203 read 'the latest of them first off on training step 262', then 312,
        as one or two borderline units flickered on and off, and the checkpoint named moved with them. None where no
        unit stopped."""
        masks = [m for m in (died, silent) if m is not None]
        if last_active is None or not masks or not len(samples):
            return None
        stopped = np.logical_or.reduce(masks)
        if not stopped.any():
            return None
        steps = np.fromiter(samples, np.int64, len(samples))
        # the place's next sampled step after the one each was last on; before the window's samples, the next
        # sampled step of all (a place runs on every sampled step but where a model skips it)
        last = last_active[stopped]
        at = np.searchsorted(steps, last, side="right")
        first_off = np.where(at > 0, steps[np.minimum(at, len(steps) - 1)], last + 1)
        days, counts = np.unique(first_off, return_counts=True)
        k = int(np.argmax(counts))
        # where they went a few at a time: from the first step by which a tenth of them (two at least) had gone, so
        # that one unit that happened to be off on every sampled batch long before does not date the layer's dying
        # (W32: 4 units pushed off every 10 steps from step 203 read 'from training step 141', unit 17 being on at
        # unsampled steps only from 141 on)
        j = int(np.searchsorted(np.cumsum(counts), max(2, -(-int(stopped.sum()) // 10))))
        j = min(j, len(days) - 1)
        return {"count": int(stopped.sum()), "died": int(np.count_nonzero(died)) if died is not None else 0,
                "silent": int(np.count_nonzero(silent)) if silent is not None else 0,
                "bulk_from": int(days[k]), "bulk": int(counts[k]),
                "bulk_on": int(last_active[stopped][first_off == days[k]].max()),
                "first_from": int(days[0]), "last_from": int(days[-1]),
                "spread_from": int(days[j]), "spread_on": int(last_active[stopped][first_off == days[j]].max())}


@functools.lru_cache(maxsize=16)
def _weight_pair(window: int) -> tuple[float, float]:
    """_weights(window) as two floats."""
    w0, w1 = _weights(window).tolist()
    return w0, w1


@functools.lru_cache(maxsize=16)
def _weights(window: int) -> np.ndarray:
    """The two weights of _Counting._on_weights for a window of ``window`` sampled batches (made once per window, read
    only: nine times on each sampled step of the benchmark's MLP, 3 us each when made anew)."""
    weights = 1.0 - 1.0 / np.array([window, min(window, RECENT_BATCHES)], dtype=float)
    weights.flags.writeable = False
    return weights
