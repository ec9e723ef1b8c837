"""every="auto"'s calibration and its cost note: how long the monitor's sampled and unsampled steps take, the
interval that keeps it within the budget, and that choice in words.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math
import statistics

import torch

from . import _torch_stats
from ._monitor_base import (
    _CALIBRATION_PAIRS,
    _MIN_AUTO_EVERY,
    _WARMUP_STEPS,
    AUTO_AIM,
    MAX_AUTO_EVERY,
)
from ._monitor_words import DETAILS, _counted

# the longest interval the cost note advises: past it, readings are too far apart to be of use, and the advice is a
# budget instead (the interval within the budget is extra / (budget - fixed), which blows up as the fixed cost nears
# the budget: W21 saw every=1674 and every=19987 advised for one 192-step run)
ADVICE_CAP = 10 * MAX_AUTO_EVERY

LOOP_KEPT = 64  # the latest times from one unsampled step's start to the next kept (_loop_seconds)
LOOP_LEAST = 8  # fewer of them say nothing of the loop
LOOP_LONGER = 1.5  # the whole step said beside the block's where it takes this many times as long

_SETTLED_PAIRS = 16  # every="auto"'s cost note is provisional until this many sampled steps were timed

# what the own-work figure is, and what its clock cannot see. Measured (M19, 2026-12-02, load 5-9 on 2 cores): a
# Linear(8, 16)-Tanh-Linear(16, 4) model, batch 16 (a 415-440 us step), its steps inside `with mon.step()` and plain
# steps of the same model in turn, 1500 of each, CPU time, 20 repeats: the unsampled steps' median minus the plain
# ones' was 1.0-2.6 times the figure (median 1.65; 1.3-2.7, median 2.2, in 8 repeats before the clock took in
# step()'s checks and the bookkeeping after the block). Most of the rest is the model's own code, slowed by the
# monitor's: timed piece by piece, the block itself took 8-11 us longer in a monitored step, where the monitor's code
# took about 9 us
OWN_CLOCK = ("The model's own code also slows a little after the monitor's, which that clock cannot see: timed from "
             "outside (CPU time, on a small model), a step took longer than a plain one by 1 to 2.6 times the "
             "own-work figure.")

def _percent(share: float) -> str:
    """A share as a percentage with a figure that is not 0 (0.03%, not 0.0%: W17, 150 us of a 0.5 s step)."""
    if share >= 0.001 or share <= 0:
        return f"{share:.1%}"
    return f"{share * 100:.1g}%" if share >= 0.0001 else "under 0.01%"


def _duration(seconds: float) -> str:
    """A time in words with its unit and no exponent (1.5e+02 us, W17): '19 us', '150 us', '1.77 ms', '0.62 s'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale or unit == "us":
            value = seconds / scale
            # (99.6 rounds to '1e+02' at two figures: past 99.5 the whole number, '100 ms')
            return f"{value:.0f} {unit}" if value >= 99.5 else f"{value:.2g} {unit}"
    raise AssertionError  # the loop always returns


class _Costing:
    """Timing the steps, choosing every="auto"'s interval, and saying what the monitor costs."""

    _timed_while_loading = False  # some of the timings kept were taken while the compiled passes were loading
    _step_seconds = math.nan  # an unsampled step's time (_calibrate)
    _log_due: int | None = None  # a sampled step read whose log line is written as the step ends (_Stepping._exit)
    _write_seconds = 0.0  # how long the last log line took to write: counted in the next sampled step's timing

    def _cost_note(self) -> str:
        """every="auto"'s choice in words: the monitor's own
        cost on every step, what one sampled step costs, what the two come to over the interval (the amortised
        overhead, the figure the budget is about), whether that is within the budget, and, where it is not, an
        interval that would be, or that none would. Said to be provisional while few sampled steps were timed."""
        extra, cost, budget, every = self.sampled_extra, self.calibrated_cost, self.budget, self.every
        fixed = self.fixed_cost or 0.0
        # short sentences, the verdict first (within the budget or not, by how much), the advice next, whether the
        # figures are settled, then, after DETAILS, where they come from (W14: one sentence of 900+ characters put
        # the verdict in its middle)
        verdict = (f"every='auto' adds about {cost:.1%} to the average step's time inside `with mon.step()` by the "
                   "monitor's own clock" +
                   (f", within the {budget:.0%} budget." if cost <= budget else
                    f", over the {budget:.0%} budget by {(cost - budget) * 100:.1f} percentage points."))
        loop = self._loop_seconds()
        step = self._step_seconds
        whole = None  # the share of the whole loop, where most of the step is outside the block
        if loop is not None and math.isfinite(step) and loop >= LOOP_LONGER * step:  # most of the step is outside
            # the block (data loading, the optimiser, the script's own work): the share of the whole loop, said beside
            # it (W46 walkthrough: '17.3%' of a step that took 150 ms, almost all of it outside the block)
            whole = cost * step / loop
            verdict += (f" The whole step, from one `with mon.step()` to the next, takes about {_duration(loop)} "
                        f"against {_duration(step)} inside the block: over the whole loop that is about "
                        f"{_percent(whole)}.")
        aim = (f"The interval auto chooses aims at {AUTO_AIM * budget:.1%} by the monitor's own clock, {AUTO_AIM:.0%} "
               "of the budget, and keeps the rest as margin for what that clock cannot see.")
        if cost <= budget:
            advice = f"It samples every {every} steps."
        elif fixed >= budget:  # no interval helps: the steps in between alone cost more than the budget
            advice = (f"No interval can keep within it: the monitor's own work on every step ({_percent(fixed)}) is "
                      "already above the budget, since the model's steps are very short, and sampling less often "
                      f"brings the cost down towards {_percent(fixed)}, never under it. It samples every {every} "
                      f"steps, the longest interval auto takes ({MAX_AUTO_EVERY}), so that the readings stay fresh.")
        else:
            # the interval that would keep within the budget: with auto's margin where the fixed cost leaves room
            margin = AUTO_AIM * budget > fixed
            room = (AUTO_AIM * budget if margin else budget) - fixed
            keep = math.ceil(extra / room - 1e-9)  # 54 / 0.015 is 3600.0000000000005 in floating point
            # with no margin: the interval that keeps just within the budget itself (W38 walkthrough: 'only readings
            # more than 500 steps apart would keep within it' where 181 would, auto's margin asking for 1,087)
            bare = math.ceil(extra / (budget - fixed) - 1e-9)
            if keep > ADVICE_CAP and bare <= ADVICE_CAP:
                keep, margin, far_margin = bare, False, keep
            else:
                far_margin = None
            if keep > ADVICE_CAP:  # the fixed cost near the budget: the division blows up (every=19987, W21)
                advice = self._far_advice(fixed, extra, budget, every, bare)
            else:
                within = (f"would keep within the budget with auto's margin, its readings {keep} steps apart."
                          if margin else
                          f"would keep just within the budget, with no margin for what the monitor's clock cannot "
                          f"see (with auto's margin, its readings would be {far_margin:,} steps apart); its readings "
                          f"would be {keep} steps apart." if far_margin is not None else
                          "would keep just within the budget, with no margin, since the monitor's own work on every "
                          f"step already adds {_percent(fixed)}; its readings would be {keep} steps apart.")
                # and what that interval leaves of a short run's readings, with the budget that keeps auto's own
                # (W62 walkthrough finding 9: 'every=315 would keep within the budget' of a run of 260 steps)
                asked = math.ceil(cost * 100) / 100
                advice = (f"Monitor(model, every={keep}) {within} It samples every {every} steps, the longest "
                          f"interval auto takes ({MAX_AUTO_EVERY}), so that the readings stay fresh: the model's steps "
                          f"are short next to the hooks' cost. At every={keep} a run of {10 * keep:,} steps gets 10 "
                          f"readings; with budget={asked:g}, this interval is within it.")
        if cost > budget and whole is not None and whole <= budget:  # the run's own time is within it: the advice
            # is for the block's figure, not a change the run needs (W73 walkthrough finding 11: 'about 0.3%' of a
            # 90 ms loop, and 'Monitor(model, every=187)' advised, 2 readings in a run of 400 steps)
            rest = advice if advice.startswith("Monitor(") else advice[0].lower() + advice[1:]
            advice = (f"Over the whole loop that is within the {budget:.0%} budget, so the run's time needs no change: "
                      "the steps inside the block are short next to the rest of the loop. For the block's own figure "
                      f"alone: {rest}")
        # figures not yet settled say so before they are given (W107 walkthrough finding 8: the note opened with
        # 'adds about 171.8% ... over the 3% budget by 168.8 percentage points' and said it was provisional only after
        # it; it settled to 26.5% by the run's end)
        return " ".join([*self._provisional(), verdict, advice]) + DETAILS + " ".join(self._cost_details(aim))

    def _loop_seconds(self) -> float | None:
        """The median time from one unsampled step's `mon.step()` to the next one's, over the latest LOOP_KEPT (None
        before LOOP_LEAST): the whole loop's step, the block and everything the script does between blocks."""
        kept = self._loop
        return statistics.median(kept) if len(kept) >= LOOP_LEAST else None

    def _far_advice(self, fixed: float, extra: float, budget: float, every: int, bare: int) -> str:
        """The advice where only readings more than ADVICE_CAP steps apart (``bare`` at the fewest, with no margin)
        would keep within the budget: none that far apart is of use, so it gives the budget that the longest interval
        auto takes would keep within."""
        needed = math.ceil((fixed + extra / MAX_AUTO_EVERY) * 1000 - 1e-9) / 1000  # 0.429 * 1000 is 429.00000000000006
        # why so far apart: the fixed cost near the budget, or a sampled step far dearer than an unsampled one (a
        # model whose steps are short next to the hooks': 54 times one, where the fixed cost read 0.0%)
        why = (f"the monitor's own work on every step already adds {_percent(fixed)}, close to the budget"
               if fixed >= AUTO_AIM * budget else
               f"a sampled step takes about {1 + extra:.3g} times as long as an unsampled one")
        return (f"Only readings {bare:,} or more steps apart would keep within it, too far apart to be of use: "
                f"{why}. It "
                f"samples every {every} steps, the longest interval auto takes ({MAX_AUTO_EVERY}), so that the "
                f"readings stay fresh; Monitor(model, budget={needed:g}) would take that cost as within its budget.")

    def _cost_details(self, aim: str) -> list[str]:
        """Where the cost note's total comes from, what auto aims at, and what its clock cannot see: the note's details
        (docs/monitor.md, "What it costs, measured", says how they were checked)."""
        extra, cost, every, fixed = self.sampled_extra, self.calibrated_cost, self.every, self.fixed_cost or 0.0
        # where the total comes from, every figure from the same timings, so that they agree with each other (W17:
        # '150 us (0.1% of an unsampled step)' on a 0.5 s step put a latest median beside an upper estimate)
        step = self._step_seconds
        longer = (f"takes about {1 + extra:.3g} times as long as" if extra >= 1 else
                  f"takes about {extra:.1%} longer than")
        details = [f"Where the {cost:.1%} comes from: the code inside `with mon.step()` takes about "
                   f"{_duration(step)} on an unsampled step. On a sampled step, whose hooks read every watched "
                   f"activation and gradient, it {longer} on an unsampled one; spread over {every} steps, that is "
                   f"{_percent(extra / every)}."]
        if self.fixed_seconds:
            details.append(f"The monitor's own work on every step, sampled or not (entering and leaving the block), "
                           f"adds {_percent(fixed)}, about {_duration(fixed * step)} a step.")
        # (W27: two paragraphs on the clock, 820 characters, in every report; docs/monitor.md holds the rest)
        details.append("The percentages are upper estimates (the mean over the timed steps plus three standard "
                       "errors) of the wall time inside the block, so they grow with the machine's load; an optimiser "
                       "step after the block is not counted.")
        details.append(aim)
        if self.fixed_seconds:
            details.append(OWN_CLOCK)
        if self.sampled_steps > len(self._times["extra"]):  # what the provisional count leaves out
            details.append("The first sampled steps, and those that find a new place, are not timed.")
        load = _torch_stats.preload_cpu()
        if load is not None and load >= 0.05:  # (W83 walkthrough: 0.84 s of CPU, +23.6% of a 200-step run, unsaid)
            details.append(f"Once per process, the first Monitor also loads its compiled passes in a background "
                           f"thread: {_duration(load)} of CPU in this one, in none of the figures above.")
        return details

    def _provisional(self) -> list[str]:
        """How far the cost note's figures are settled, as the first sentence of its opening (nothing once
        settled)."""
        said: list[str] = []
        timed = len(self._times["extra"])
        if timed < _CALIBRATION_PAIRS:  # the timings taken while the compiled passes loaded were dropped since
            # (_calibrate): the figures are theirs until enough new ones are kept (M21 item 3: '1 sampled steps timed')
            said.append(f"Provisional: the figures are from timings taken while the compiled passes were loading; "
                        f"{_counted(timed, 'sampled step')} timed since, and the figures are taken again after "
                        f"{_CALIBRATION_PAIRS}.")
        elif timed < _SETTLED_PAIRS:
            # of how many: the page beside it says how many steps were sampled (W27: 'Provisional: 14 sampled steps
            # timed so far' beside '20 sampled steps')
            timed_words = (f"{timed:,} of the {self.sampled_steps:,} sampled steps" if self.sampled_steps > timed
                           else _counted(timed, 'sampled step'))
            said.append(f"Provisional: {timed_words} timed so far; the figures settle after about {_SETTLED_PAIRS}.")
        return said

    def _sync(self) -> None:
        if self._auto and self.every is None and torch.cuda.is_available():  # timing a GPU step needs a sync
            torch.cuda.synchronize()

    def _calibrate(self, sampled: bool, seconds: float, one_off: bool = False, own: float | None = None) -> None:
        """every="auto": each sampled step's time against the unsampled steps just before it (a local comparison:
        a shared machine speeds up and slows down between samples; a base kept from long ago made a sped-up
        machine's sampled steps look free, and every=1 then had no unsampled step left to correct it). The interval
        is chosen from the upper end of the recent extra shares, their mean plus three standard errors, so that noise
        in the timings errs towards sampling less often, never more, and so that this upper end spread over the
        interval spends AUTO_AIM (half) of the budget, leaving the rest as margin; it is at least 2, so that every
        sampled step has an unsampled neighbour to be compared with. A one-off sampled step (the first, which searches
        the model for activation functions: 586 ms against 1.4-1.9 ms for the next ones on a small MLP, or one that
        finds a new place) is left out: counted, it put 'a sampled step takes 667 times as long' in the report."""
        if not self._auto or self.step_count - self._step0 < _WARMUP_STEPS \
                or (self.every is not None and not self._recalibrate):
            return
        # while the compiled passes load (preload()'s thread: seconds, under load), the sampled steps take the torch
        # path and the thread takes CPU from every step: what was timed then chooses the first interval (erring
        # towards sampling less often), and is dropped once the load ends, so the interval follows the steps after it
        if _torch_stats.loading():
            self._timed_while_loading = True
        elif self._timed_while_loading:
            self._timed_while_loading = False
            for kept in self._times.values():
                kept.clear()
        base, own_times = self._times["base"], self._times["own"]
        if not sampled:
            base.append(seconds)
            own_times.append(own or 0.0)
            return
        if not base:
            return
        if one_off:
            base.clear()
            own_times.clear()
            return
        reference = statistics.median(base)
        own_median = statistics.median(own_times)
        base.clear()  # the next sampled step is compared with the unsampled steps after this one only
        own_times.clear()
        if reference <= 0:
            return
        extras = self._times["extra"]
        extras.append(seconds / reference - 1)
        # the monitor's own time on an unsampled step (entering and leaving the block), as a share of the step: paid
        # on every step, sampled or not, so no interval takes it back (W12: 15-30 us on a 126 us step)
        self._times["fixed"].append(own_median / reference)
        self._times["step"].append(reference)
        if len(extras) >= _CALIBRATION_PAIRS:
            # the times the cost note gives beside its shares are taken with them, from the same timings (W28: after
            # the timings taken while the compiled passes loaded were dropped, the shares stayed the old ones until
            # 4 new pairs while the times came from the new: '843 us' then '250 us' beside the same 46.8%)
            self.fixed_seconds = own_median
            # an unsampled step's time, the median over the latest comparisons: the note's figures are shares of it
            self._step_seconds = statistics.median(self._times["step"])
            # a sampled step is one timing, not a median like its reference: on a loaded machine one of them now and
            # then takes several times as long (8.3 and 12.3 against a run of 0.9-1.7 on a small MLP); each extra is
            # held to the median plus 5 scaled median absolute deviations before the mean, so that one such step does
            # not move the interval tenfold
            mid = statistics.median(extras)
            spread = 1.4826 * statistics.median(abs(e - mid) for e in extras)
            held = [min(e, mid + 5 * spread) for e in extras]
            upper = statistics.fmean(held) + 3 * statistics.stdev(held) / math.sqrt(len(held))
            upper = max(upper, 0.0)
            fixed = list(self._times["fixed"])
            fixed_upper = max(statistics.fmean(fixed) + 3 * statistics.stdev(fixed) / math.sqrt(len(fixed)), 0.0)
            # what the sampled steps may spend, spread over the interval, once the fixed cost is paid; never sample so
            # rarely that the readings go stale: a model whose step is tiny next to the hooks' cost (or next to the
            # monitor's fixed cost alone) is sampled every MAX_AUTO_EVERY steps, over budget, and the report says so
            room = AUTO_AIM * self.budget - fixed_upper
            self.every = (min(max(_MIN_AUTO_EVERY, math.ceil(upper / room - 1e-9)), MAX_AUTO_EVERY) if room > 0 else
                          MAX_AUTO_EVERY)
            self.sampled_extra = upper
            self.fixed_cost = fixed_upper
            # amortised: the fixed cost of every step, and one sampled step's extra spread over the interval
            self.calibrated_cost = fixed_upper + upper / self.every
