"""The PyTorch monitor's reading: its report built from the kept numbers, in words.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import collections
import dataclasses
import math
import re
import statistics
import sys

import numpy as np
import scipy.stats
import torch
from torch import nn

from .._json import jsonable
from ..instruments import layer_reading
from ..reading_flow import EXPLODING_RATIO, VANISHING_RATIO
from ..reading_headline import with_the_loss
from ..reading_held_out import HELD_OUT_GIVEN
from ..reading_loss import (
    CHANCE_EXAMPLES,
    MOVED_FRACTION,
    RISING_FACTOR,
    above_chance,
    began_far,
    began_far_words,
    climb,
    low_point,
    rate_cycles,
    recent,
    rise,
    risen_in_low,
    started_far_remedy,
    written_note,
)
from ..reading_record import LossSteps, percent_below, times
from ..reading_remedies import FROM_START, offers_lower_lr
from ..readings import (
    JUDGE_AFTER_STEPS,
    KEEPING_GATE,
    TORCH_LEVERS,
    UNLEARNED,
    WEIGHTS_SHRUNK,
    Finding,
    LayerSummary,
    Reading,
    RunSummary,
    Status,
    _has_moved,
    _loss_text,
    _rates_at_zero,
    _recall_blow_up,
    _zero_rate_words,
    collapse_beside,
    diagnose,
    floor_of,
    grad_ratio,
    low_gradient_word,
    said_once,
    underflow_words,
    with_alike_inputs,
    with_causes,
)
from ..readings import lead as _lead
from ..run_points import evenly
from ._monitor_base import (
    _WARMUP_STEPS,
    DEAD_ODDS,
    DEAD_POINTS,
    EARLY_OUTPUT,
    LOSS_BATCHES,
    OUTPUT_FALL,
    START_WEIGHTS,
    TORCH_RESTART,
    held_directly,
    torch_restart,
)
from ._monitor_counts import DEAD_NAMED
from ._monitor_parts import _below, _listed
from ._monitor_places import _Layer
from ._monitor_scaler import half_note, scaler_hint
from ._monitor_words import (
    DYING_SHARE,
    EXPLODE_FLOOR,
    EXPLODE_PER_LAYER,
    EXPLODE_TOTAL,
    GREW_HARMLESS,
    LayerStats,
    MonitorReport,
    Stopping,
    _counted,
    _exploding_activations,
    _first_seen,
    _is_affine,
    _label,
    _latest,
    _off_date,
    _ordinal,
    _sample_date,
    _sampled,
    _share,
    _short_window,
    _stopping_layers,
    _unwatched_reading,
    is_dying,
)

# a branch layer's stop (_branch_stops) is read over this many sampled steps, and said where it held on this many
BRANCH_STEPS, BRANCH_LEAST = 9, 3
IDLE_AFTER = 20  # sampled steps in a row without a run after which a place that ran before is said to have stopped

# why a compiled forward calls none of the monitor's hooks, and what to do (checked on torch 2.13, eager and inductor
# backends: test_monitor_compile_late_m11.py)
_COMPILED_WORDS = ("code that torch.compile compiled while no sampled step was open (a compiled model that ran "
                   "before Monitor() was made, or a call outside `with mon.step()`) calls no hook attached later: "
                   "Dynamo does not look at module hooks again")
_COMPILED_REMEDY = ("Call torch.compiler.reset() (or torch._dynamo.reset()) once after making the Monitor, before the "
                    "loop: the model is "
                    "compiled again on its next call, and a compile inside `with mon.step()` makes that step sampled, "
                    "so the new code calls the hooks; or make the Monitor before the compiled model's first call.")


def _dynamo_compiled() -> bool:
    """Whether torch.compile has compiled a frame in this process (Dynamo's own counters; False without Dynamo)."""
    utils = sys.modules.get("torch._dynamo.utils")
    try:
        return bool(utils is not None and utils.counters["frames"]["ok"])
    except Exception:  # noqa: BLE001
        return False


def _standing(summary: RunSummary) -> str:
    """Where the loss stands against chance, for a reading that judges nothing else (the unwatched one): "; the loss is
    59% below chance", "; the loss is 1.3 times chance", "; the loss is within 10% of chance after 40 updates"; ""
    where no chance level or loss is known."""
    chance, loss = summary.chance_loss, summary.loss
    if chance is None or loss is None or not math.isfinite(loss) or chance <= 0:
        return ""
    if loss < (1 - MOVED_FRACTION) * chance:
        return f"; the loss is {percent_below(loss, chance)} below chance"
    if above_chance(loss, chance):
        return f"; the loss is {times(loss / chance)} times chance"
    return (f"; the loss is within {MOVED_FRACTION:.0%} of chance after {summary.steps or 0:,} "
            f"update{'' if summary.steps == 1 else 's'}")


def _names_of(labels: tuple[str, ...]) -> str:
    """Module labels in a sentence (_listed), the first three where there are more, and how many more."""
    return _listed(list(labels)) if len(labels) <= 3 else ", ".join(labels[:3]) + f" and {len(labels) - 3} more"


def _weight_rows(seen: list) -> dict:
    """The place whose row carries each weighted module's |dL/dW|: the first to act on that module's output (an
    activation module, or a function on the output or a part of it), else the first place after the module. Any
    other place after the same module (a function on a residual sum, a second call of a shared module, a second chunk
    of a gate) shows no |dL/dW|: the one weight's gradient is not two layers'."""
    owners: dict = {}
    for layer, (_, weight_module, _, _), _ in seen:
        if weight_module is None:
            continue
        first = owners.get(weight_module)
        direct = not layer.functional or layer.acts_on != "other"
        if first is None or (direct and first.functional and first.acts_on == "other"):
            owners[weight_module] = layer
    return owners


def _mean_and_se(values: list | None) -> tuple[int, float, float] | None:
    """(how many, their mean, its standard error) of the run's first losses (RunSummary.first_losses); None for
    fewer than 2."""
    if values is None or len(values) < 2:
        return None
    return len(values), statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


def _slope_and_se(values: list | None) -> tuple[float, float] | None:
    """(the least-squares slope of the run's first losses over their steps, its standard error)
    (RunSummary.first_losses_slope); None for fewer than 3."""
    if values is None or len(values) < 3:
        return None
    fit = scipy.stats.linregress(np.arange(len(values), dtype=float), np.asarray(values, dtype=float))
    return float(fit.slope), float(fit.stderr)


@dataclasses.dataclass
class _Chain:
    """One function's calls on the same units so far (_Units): its first call's summary, the units dead at every
    call (None: none can be counted dead), those saturated at every call, the fewest saturated any call counted where
    a count is not its mask's (a hand-written gate's; None: every count is), and whether a later call was taken in."""

    summary: LayerSummary
    dead: np.ndarray | None
    saturated: np.ndarray
    fewest: int | None = None
    merged: bool = False


class _Units:
    """A function called again in one forward on the same units, after the same weight: two views through one encoder
    (z1, z2 = enc(x1), enc(x2)), a recurrent cell at each time step. Each of its calls is a place of the report, and
    the reading counts each unit once: dead where it is dead at every call, saturated where it is saturated at every
    call (W96 walkthrough finding 4: two views through a 256-unit encoder read '400 of 512 hidden units are dead').
    Where a pass of a loop calls the function more than once (an LSTM cell's three sigmoid gates), each of those is
    units of its own, told apart by the loop's period (_loop_period). A later call whose units cannot be matched to
    its first (another width, no counts) is counted as its own."""

    def __init__(self, names: list[str]):
        self._bases = [_call_base(n) for n in names]
        seen = collections.Counter()
        self._nth = {}  # each place's count of calls before it with the same name but for the number, in forward order
        for name, base in zip(names, self._bases, strict=True):
            self._nth[name], seen[base] = seen[base], seen[base] + 1
        self._period: dict[str, int] = {}
        self._firsts: dict[tuple, _Chain] = {}  # (function, weight, which call of a pass) -> its calls so far
        self._by_summary: dict[int, _Chain] = {}

    def _key(self, name: str, weight: str) -> tuple:
        base = _call_base(name)
        if base not in self._period:
            self._period[base] = _loop_period(self._bases, base)
        return base, weight, self._nth.get(name, 0) % self._period[base]

    def first(self, name: str, weight: str, r: dict, summary: LayerSummary, adjusted: bool) -> LayerSummary:
        """The summary of a place whose units are counted: the first call on its units, or one that cannot be
        counted into that one's place, which alone keeps `repeats` (its units counted again, and said so). Kept with
        its masks so that later calls can be counted into it (``adjusted``: as again's)."""
        key = self._key(name, weight)
        if key in self._firsts:
            return summary
        summary = dataclasses.replace(summary, repeats=0)
        if r.get("dead") is not None and r.get("saturated_mask") is not None:
            chain = _Chain(summary, r.get("dead_mask"), r["saturated_mask"], summary.saturated if adjusted else None)
            self._firsts[key] = self._by_summary[id(summary)] = chain
        return summary

    def again(self, name: str, weight: str, r: dict, adjusted: bool) -> bool:
        """Whether a place is a later call on units counted at an earlier one's place: if so, its masks are taken
        into that place's counts. Where a place's saturated count is not its mask's (``adjusted``: a hand-written
        gate's, _noted_gates), the fewest of the calls' counts is kept, which bounds the units saturated at all."""
        if r.get("dead") is None or r.get("saturated_mask") is None:
            return False
        chain = self._firsts.get(self._key(name, weight))
        if chain is None or len(chain.saturated) != len(r["saturated_mask"]):
            return False
        dead = r.get("dead_mask")
        if adjusted and chain.fewest is None:
            chain.fewest = chain.summary.saturated
        if chain.fewest is not None:
            chain.fewest = min(chain.fewest, max(int(r["saturated"]), int(r["dead"])) if adjusted else
                               int(np.count_nonzero(r["saturated_mask"] if dead is None else
                                                    r["saturated_mask"] | dead)))
        chain.dead = None if dead is None or chain.dead is None else chain.dead & dead
        chain.saturated = chain.saturated & r["saturated_mask"]
        chain.merged = True
        return True

    def counted(self, summary: LayerSummary) -> LayerSummary:
        """A first call's summary with its units' counts over every call (each unit once)."""
        chain = self._by_summary.get(id(summary))
        if chain is None or chain.summary is not summary or not chain.merged:
            return summary
        dead = int(np.count_nonzero(chain.dead)) if chain.dead is not None else 0
        saturated = chain.fewest if chain.fewest is not None else \
            int(np.count_nonzero(chain.saturated if chain.dead is None else chain.saturated | chain.dead))
        return dataclasses.replace(summary, dead=dead, saturated=max(saturated, dead),
                                   dead_seen_on=min(summary.dead_seen_on, dead),
                                   dead_from_start=summary.dead_from_start if dead else 0)


def _call_base(name: str) -> str:
    """A place's name without its call number: 'hh>add:tanh' of 'hh>add:tanh#2'."""
    base, _, k = name.rpartition("#")
    return base if base and k.isdigit() else name


def _one_layer(places: list[LayerSummary]) -> LayerSummary:
    """The reading's hidden layer for one weighted module: its own row's place, with the units of every place after
    the module counted in (a unit of a sigmoid on a residual sum is a unit of that layer; its weight is one), and the
    gradient passed back to all their outputs, sqrt(sum of ||dL/da||^2)."""
    first = places[0]
    if len(places) == 1:
        return first
    signals = [p.signal_norm for p in places]
    signal = None if None in signals else math.hypot(*signals)
    # a place applied to another's output holds that place's units (W54 walkthrough: x * tanh(softplus(x)) read '28
    # of 384 hidden units' in a model of 256): counted once, each count the larger of the two
    width = dead = saturated = 0
    for p in places:
        if p.chained and width:
            dead, saturated = max(dead, p.dead), max(saturated, p.saturated)
        else:
            width, dead, saturated = width + p.width, dead + p.dead, saturated + p.saturated
    return dataclasses.replace(first, width=width, dead=dead, saturated=saturated, signal_norm=signal,
                               # (the places counted at each call: a later call whose units its first call's
                               # place counts has no width here, _Units)
                               repeats=sum(p.repeats for p in places if p.width),
                               never_on=max(p.never_on for p in places) if all(p.never_on for p in places if p.width)
                               else 0,
                               dead_from_start=max(p.dead_from_start for p in places)
                               if all(p.dead_from_start or not p.dead for p in places) else 0,
                               dead_seen_on=sum(p.dead_seen_on for p in places),
                               same_units=all(p.same_units for p in places if p.width))


_NAN_AT_DATA = "A loss that turns NaN without climbing first points at the data or the loss"  # reading_loss's


def _threw(summary: RunSummary, jumped: int | None, climbed: int | None = None) -> int | None:
    """The step whose loss first showed an update that threw the weights: the blow-up's, or a jump's
    (reading_loss.spike) before it. A dying layer's checkpoint comes before the update that made it (W34: a jump at
    step 301, lr 4 on step 300's update, and units off from 311 named 'a checkpoint saved before step 301', which
    holds that update). ``jumped``: the latest jump a report of this monitor found, kept once it has left the judged
    window, as the blow-up is. ``climbed``: the first step of the blow-up's climb past the line, where it is known
    (its peak may come a step or more after the update that made it)."""
    steps = [climbed or summary.blown_up[0]] if summary.blown_up is not None else []
    if jumped is not None:
        steps.append(jumped)
    return min(steps, default=None)


def _by_index(ids: tuple[int, ...], count: int) -> str:
    """Units named by index along the unit axis: "by index: 1, 6", or "by index, the first 32: ..." of more."""
    return f"by index{f', the first {len(ids)}' if count > len(ids) else ''}: {', '.join(map(str, ids))}"


def _fed_by_off(seen: list, order: list[str]) -> frozenset[str]:
    """The weighted modules that run right after one whose watched activation has every unit off on the batch (and
    can die): their input is 0, so their weight gradient is 0 whatever follows them, and the dead layer's finding
    says why (W92 walkthrough finding 6: a second head after a dead ReLU branch read 'what follows it is not watched
    (a torch.where, an activation written by hand ...)', though nothing followed it)."""
    off = {wm for layer, (_, wm, _, _), counts in seen if wm and counts.get("zero") == 1 and layer.can_die}
    return frozenset(after for before, after in zip(order, order[1:], strict=False) if before in off)


class _Reporting:
    """Building the report and the reading from what the sampled steps kept."""

    def _outside_words(self) -> str:
        n = self._compiles_outside
        return (f", {n} time{'' if n == 1 else 's'} while this monitor had no step open" if n else "")

    def _earlier_ratios(self, step: int, summaries: list, output_norm: float,
                        kept: dict | None = None) -> tuple[float, ...]:
        """The first hidden layer's weight-gradient ratio to the output layer's at the latest sampled steps before
        ``step`` whose report was built (every one where a log is written), up to 4; this step's is kept for the next.
        With ``kept`` (the signal's own dict) and ``output_norm`` the last watched activation's ||dL/da||: the first
        place's ||dL/da|| ratio to it, kept alike."""
        signal = kept is not None
        kept = self._ratios if kept is None else kept
        before = tuple(r for t, r in sorted(kept.items()) if t < step)[-4:]
        if summaries:
            first = summaries[0].signal_norm if signal else summaries[0].grad_norm
            kept[step] = grad_ratio(first, output_norm) if first is not None else math.nan
            for t in sorted(kept)[:-8]:
                del kept[t]
        return before

    def _branch_stops(self, step: int, summaries: list, output_norm: float) -> tuple[tuple[int, int, int], ...] | None:
        """RunSummary.stopped_branches: the hidden layers past the first whose every unit was off and whose weights got
        under VANISHING_RATIO of the output layer's gradient, on 3 or more of the latest 9 sampled steps whose report
        was built (this one's included); None while fewer than 3 were."""
        kept = self._branch_offs
        kept[step] = frozenset(
            i + 1 for i, l in enumerate(summaries) if i > 0 and l.width and max(l.saturated, l.dead) >= l.width
            and grad_ratio(l.grad_norm, output_norm) < VANISHING_RATIO)
        for t in sorted(kept)[:-BRANCH_STEPS]:
            del kept[t]
        if len(kept) < BRANCH_LEAST:
            return None
        counts = collections.Counter(i for off in kept.values() for i in off)
        return tuple((i, n, len(kept)) for i, n in sorted(counts.items()) if n >= BRANCH_LEAST)

    def _off_row_stops(self, step: int, weight_norm: dict[str, float], on_rows: set[str], output: str | None,
                       skip: frozenset[str], output_norm: float, summary: RunSummary) -> Finding | None:
        """Trained weights on no row (no watched activation follows them: a torch.where, an activation written by
        hand, inside a custom module) whose gradient was exactly 0 on 3 or more of the latest 9 sampled steps whose
        report was built, while the output layer's was not: a `vanishing` finding names them (W52 walkthrough: a
        residual block's custom where-ReLU, all 64 units dead from step 600, read 'healthy: gradients reach every
        layer' to the end beside a note saying 'b2a.weight' and 'b2b.weight' got no gradient)."""
        kept = self._off_row_zero
        kept[step] = frozenset(n for n, v in weight_norm.items() if n not in on_rows and n != output and n not in skip
                               and v == 0) if math.isfinite(output_norm) and output_norm > 0 else frozenset()
        for t in sorted(kept)[:-BRANCH_STEPS]:
            del kept[t]
        counts = collections.Counter(n for names in kept.values() for n in names)
        held = sorted((n for n, c in counts.items() if c >= BRANCH_LEAST), key=lambda n: self._weight_order.get(n, 0))
        if not held or len(kept) < BRANCH_LEAST:
            return None
        most = max(counts[n] for n in held)
        one = len(held) == 1
        names = _listed([f"{n}.weight" for n in held[:4]]) + (" ..." if len(held) > 4 else "")
        return Finding(Status.VANISHING,
                       f"vanishing at weights no watched activation follows: no gradient reaches {names} on "
                       f"{'up to ' if any(counts[n] != most for n in held) else ''}{most} of the latest {len(kept)} "
                       f"sampled batches, while the output layer's weights get {output_norm:.3g} on this one; what "
                       f"follows {'it' if one else 'them'} is not watched (a torch.where, an activation written by "
                       "hand or inside a module of the script's own: the notes say which layers), so where the "
                       "gradient stops there is not read",
                       "Look at what comes after those weights: a unit off on every input (a mask or torch.where at "
                       "0, a ReLU written by hand, whose bias was pushed far below 0) passes no gradient back. Apply "
                       "the activation as a module or function actlab knows (nn.ReLU, F.relu, nn.GELU, ...) to have "
                       f"its units read; then {summary.restart}.",
                       {"no_gradient_weights": [f"{n}.weight" for n in held]})

    def _unwatched_weights(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The modules that hold trained matrices of their own and are no weighted module the monitor watches (an
        nn.RNN, an nn.LSTM, an attention's in_proj_weight: no .weight matrix), which may make a NaN from finite
        inputs; and the modules with trained parameters of their own, those included (a norm layer's scale), whose
        parameters hold a NaN or an inf now: an update wrote it there. Named as the words name modules. Read only
        where a NaN is said (a check of every such parameter)."""
        watched = {id(p) for _, m in self._weighted for p in m.parameters(recurse=False)}
        owners, bad = [], []
        for name, module in self.model.named_modules():
            own = [p for p in module.parameters(recurse=False) if p.requires_grad and id(p) not in watched]
            if not own:
                continue
            label = f"'{name or 'model'}' ({type(module).__name__})"
            if any(p.dim() >= 2 for p in own):
                owners.append(label)
            with torch.no_grad():
                if not all(bool(torch.isfinite(p).all()) for p in own if p.numel()):
                    bad.append(label)
        return tuple(owners), tuple(bad)

    def _output_fall(self, output: str | None, norm: float, judged: float | None, ref: tuple | None = None) -> str:
        """A note where the output layer's weight gradient has fallen under OUTPUT_FALL of its median over the first
        EARLY_OUTPUT sampled steps, and the loss is not read as learned (no chance_loss, or not MOVED_FRACTION below
        it): the loss sends every layer alike almost no gradient, which the ratios between layers cannot show. W81
        walkthrough finding 2: a GAN whose discriminator won outright (D(fake) 1e-4) under the saturating generator
        loss; the generator's output-layer gradient fell from 0.085 to 2.2e-4, and it read 'flowing' on all 300
        steps. "" otherwise, and where ``ref`` (the last watched activation before the output layer, as
        _build_report pairs it with its figures) passes no gradient at all on the batch: every unit off, the output
        layer's input is 0 and so is its weight gradient, whatever the loss sends (W83 walkthrough finding 5: a CNN
        whose last ReLU layer had died read 'is 0, none than its median ...' with the GAN's remedy; the dead layer's
        own finding says what is wrong), or half its units or more dead."""
        early = self._early_output.get(output, ()) if output is not None else ()
        if len(early) < EARLY_OUTPUT or not math.isfinite(norm):
            return ""
        if ref is not None and ref[0].can_die and (ref[2].get("zero") == 1 or 2 * (ref[2].get("dead") or 0) >=
                                                   ref[0].width > 0):
            return ""  # (W104 walkthrough finding 2: a diverged CNN's last ReLU layer, 22 of 32 units dead and 99%
            # of its outputs 0, read the GAN's and the policy gradient's causes: its rows with features were sure and
            # right, those it got wrong had none)
        high, now = self._size_high, self._size_now
        if high is not None and now is not None and now[1] * WEIGHTS_SHRUNK <= high[1]:
            return ""  # weights shrunk (a decay too large): the reading says so, and that is why every gradient fell
            # (W105 walkthrough finding 13: Adam with weight_decay 1.0 took the weights 138 times down, and the note
            # gave a GAN's and a policy gradient's causes beside the reading's 'Lower the weight decay')
        first = statistics.median(early)
        if not norm < OUTPUT_FALL * first or self._output_collapse() is not None:
            return ""  # (outputs collapsed onto one: the reading says so, which no 'learning done' may follow)
        chance = self.chance_loss
        if chance and judged is not None and math.isfinite(judged) and judged < (1 - MOVED_FRACTION) * chance:
            return ""  # learned: a loss near its floor sends little gradient back
        start = self._first_given  # (the run's first finite loss, chance_loss or not)
        if start is not None and start[1] > 0 and judged is not None and judged <= start[1] / 2:
            return ""  # a loss come down to half its first or less: the early gradients were those of a loss far up
            # (W89 session: a recurrence that began 400 times chance, its loss from 838 to 2.86, read '242 times less
            # ... the loss sends every layer alike next to no gradient'); with no chance_loss too (W92 walkthrough
            # finding 2: a GAN's discriminator whose loss came down from 1.39 to 1.6e-6 was told to use the
            # generator's non-saturating loss)
        than = (f"{norm:.3g}, {first / norm:,.0f} times less than its median over the first {EARLY_OUTPUT} sampled "
                f"steps ({first:.3g})" if norm > 0 else
                f"exactly 0, against a median of {first:.3g} over the first {EARLY_OUTPUT} sampled steps")
        self._fell_now = (norm, first)
        return (f"the output layer's weight gradient ('{output}.weight') is {than}: the loss sends every layer alike "
                "next to no gradient, which the ratios between layers do not show. Where another model sets the "
                "loss (a GAN's generator against its discriminator), the opponent has most likely won outright: a "
                "saturating loss (the generator minimising log(1 - D(G(z)))) gives next to none once the "
                "discriminator is sure, so use the non-saturating one (BCE with target 1 on the fakes, from logits) "
                "or slow the discriminator. Where the loss is a policy gradient (-log p times a return), the policy "
                "has grown sure of its actions (log p near 0), and has stopped exploring: an entropy bonus in the "
                "loss keeps it trying others. Where the loss has come down to its floor, that is learning done")

    def _held_out_bad_note(self, before: int) -> str:
        """A note on the NaN or infinite held-out losses given before training step ``before`` (Monitor.held_out keeps
        them apart): which, and that the held-out reading leaves them out; "" where none was."""
        bad = [h for h in self._held_out_bad if h[0] < before]
        if not bad:
            return ""
        first, last = bad[0], bad[-1]
        # how many were given before it: all of them but those held from `before` on (the deque holds the latest)
        count = self._held_out_bad_count - sum(1 for h in self._held_out_bad if h[0] >= before)
        if count == 1:
            said = f"the held-out loss given after training step {first[0]:,} was {first[1]}"
        else:
            span = (f"given after training steps {first[0]:,} to {last[0]:,}" if count == len(bad) else
                    f"the latest given after training step {last[0]:,}")
            said = f"{count:,} held-out losses were NaN or infinite ({span})"
        return (f"{said}: left out of the held-out reading. A held-out loss is NaN or infinite where the weights hold "
                "a NaN or an inf (the training reading says whether its loss went so too) or the outputs overflow on "
                "the held-out data, or where that data holds one: check torch.isfinite() on a held-out batch")

    def _low_point(self, low: tuple | None = None) -> tuple[int, str] | None:
        """The checkpoint's point (reading_loss.low_point) in ``low``, by default the latest window within the lowest
        one's noise, checked against the lowest window itself."""
        return low_point(low or self._latest_low or self._lowest_judged, self._lowest_judged)

    def _before_units_stopped(self, best: tuple[int, str], stopping: list[Stopping]) -> tuple[int, str]:
        """A run's best point (``best``) as its checkpoint, or an earlier one where it comes after half or more of a
        layer's units stopped (their last sampled step on, as the dying layer's remedy dates it), once the loss had
        come down: the lowest window's own point where it comes before that, else that step. Restarted with the
        same activation, a checkpoint whose units are off keeps them off (W79 walkthrough finding 2: a warm-up too
        high, units off from step 42 and every gradient 0 by 200, and the checkpoint named 'before training step
        65', whose layer held 26 units off on all 4,096 points; before step 28 none was, and it scored 0.593 on the
        whole data set against 1.04)."""
        many = [d for d in stopping if d.width and d.stopped >= DYING_SHARE * d.width and _sample_date(d) is not None]
        on = min((_sample_date(d) for d in many), default=None)
        if on is None or best[0] <= on or self._moved_at is None:
            return best
        off = min((_off_date(d) for d in many if _off_date(d) is not None), default=None)

        def unsure(point: tuple[int, str]) -> tuple[int, str]:
            # between the samples that saw the units on and off (every=10 or "auto"): whether they were still on
            # there the samples do not tell, and a checkpoint from before holds less of the learning
            return point[0], (f"{point[1]}; the units that stopped were seen on at training step {on:,} and off at "
                              f"{off:,}, so check that it has them on")

        if off is not None and best[0] < off:
            return unsure(best)
        lowest = low_point(self._lowest_judged)
        if lowest is not None and lowest[0] <= on:
            return lowest
        if lowest is not None and off is not None and lowest[0] < off and lowest[0] >= self._moved_at:
            return unsure(lowest)
        return best if on < self._moved_at else (on, "the last sampled step at which most of the units that stopped "
                                                      "were on")

    def _jumped(self, reading: Reading) -> int | None:
        """The step of the latest jump (reading_loss.spike) the reports of this monitor found, this one's included:
        read from the reading's evidence, where diagnose put it, not found again."""
        step = next((f.evidence["spike_step"] for f in reading.findings if "spike_step" in f.evidence), None)
        if step is not None:
            self._jump_step = step
        return self._jump_step

    def _built(self) -> MonitorReport:
        if self._last is None and self._pending is not None:
            self._last = self._report(*self._pending)
        return self._last

    def _report(self, seen: list, order: list[str], weight_norm: dict[str, float], step: int, sampled: int,
                loss: float | None, notes: tuple[str, ...], frozen: frozenset[str],
                first_non_finite: dict | None, non_finite_since: dict | None = None,
                not_computed: frozenset[str] = frozenset(), stale: bool = False, judged: float | None = None,
                step_losses: tuple[tuple[int, float | None], ...] = (),
                kept: tuple[tuple[int, float | None], ...] = (), held_to: int | None = None) -> MonitorReport:
        # what the reports before this step's left for it to read: a report built again for report() (held_to)
        # reads what the first build did and changes none of it
        if held_to is None:
            self._read_before = (self._was_learning, frozenset(self._dying_seen))
        was_learning, dying_seen = self._read_before
        dying_seen = self._dying_seen if held_to is None else set(dying_seen)
        # the step whose loss first showed an update that threw the weights (_threw)
        threw = [self._blown_from or self._blown_up[0]] if self._blown_up is not None else []
        threw = min(threw + ([self._jump_step] if self._jump_step is not None else []), default=None)
        seen = [(layer, fixed, self._count(*raw, threw=self._sample_by(layer.samples, threw)))
                for layer, fixed, raw in seen]
        # the output layer: the last weighted module to run whose weight is trained and got a gradient (a frozen head
        # has no ratio); of heads side by side, the one whose weight gets the largest gradient (_output_layer)
        output, heads_note = self._output_layer(seen, order, weight_norm, frozen, not_computed)
        # (the model itself is a weighted module named '': nn.Linear(3, 3) alone, whose norm read as missing made its
        # report 'diverged: the gradients are NaN or infinite')
        output_norm = weight_norm.get(output, math.nan) if output is not None else math.nan
        def after_output(place) -> bool:  # the activation applied to the output layer's result (a sigmoid head)
            weight_module = place[1][1]
            return weight_module is not None and weight_module == output and bool(place[0].record.saturates_at)

        # the signal reference: the last watched activation before the output's own (a saturated sigmoid head's
        # dL/da carries 1/f' and would make every hidden signal look vanishing)
        ref = next((p for p in reversed(seen) if not after_output(p)), seen[-1] if seen else None)
        last_act = ref[2]["act_grad"] if ref is not None else math.nan
        rows, notes = [], list(notes)
        self._fell_now = None
        fell = self._output_fall(output, output_norm, judged, ref)
        if fell:
            notes.append(fell)
        bad = self._held_out_bad_note(step if held_to is None else held_to)
        if bad:
            notes.append(bad)
        rates = self._learning_rates()  # (built once: the summary below holds them too)
        cycles = rate_cycles(rates)
        if cycles:  # a schedule restarting (reading_loss.rate_cycles)
            notes.append(cycles)
        if self.chance_loss is None and loss is not None:
            never = ("never 'healthy', and 'not learning' only where the outputs collapse" if self._output_collapse()
                     else "never 'healthy' or 'not learning'")
            notes.append("the loss is not judged, since no chance_loss was given: the status says whether gradients "
                         f"flow ('flowing') but {never}; Monitor(model, chance_loss=...) "
                         f"takes the loss of the best constant guess ({CHANCE_EXAMPLES})")
        elif self.chance_loss is not None and loss is None and not self._loss_set:  # W17: no
            # s.loss on this step (a refused one has its own note, said once)
            notes.append(f"the loss is not judged: chance_loss was given, but {_sampled(step)} set no s.loss, so "
                         "the status says only whether gradients flow; set it inside the block, `with mon.step() as "
                         "s:` ... `s.loss = loss`")
        # the ratios' reference: the output layer, or the last trained layer when the output layer gets no gradient
        reference = ("the output layer" if output is None or output == order[-1] or heads_note
                     else "the last trained layer")
        if reference != "the output layer":
            why = "frozen" if order[-1] in frozen else "without a gradient on this step"
            # a frozen head whose output the loss is computed from still sends its loss's gradient back into the
            # layers before it (W47 walkthrough: a head on noise targets, frozen at step 301, still drove the trunk:
            # its gradient there 1.48 against the classifier's 0.095, and its loss kept coming down)
            # unless what it is computed from needs no gradient (W51 walkthrough: a head frozen and fed a .detach()ed
            # trunk read 'still sends its gradient back' beside the note that its layer needs none)
            blind = ref is not None and not (math.isfinite(last_act) and last_act > 0)
            still = ("" if why != "frozen" or order[-1] not in (self._loss_heads or ()) else
                     f"; what '{order[-1]}' is computed from needs no gradient on this step (the notes say why), so "
                     "its loss sends none back into the layers before it" if blind else
                     f"; freezing a head's weights does not take its loss out of training: the loss computed from "
                     f"'{order[-1]}' still sends its gradient back into the layers before it")
            notes.append(f"the output layer, {_label(order[-1], self._kinds.get(order[-1], ''))}, is {why}: the "
                         "weight-gradient ratios are taken against the last trained layer, "
                         f"'{output}.weight' (where it was frozen mid-run, every ratio moves at that step){still}")
        # (where the optimiser stepped after every block, the blocks are its steps: a loop with no zero_grad() sums
        # its gradients over the blocks too, and the note had said 'gradients accumulated over micro-batches take
        # several blocks to a step' of one that stepped after each, W78 walkthrough finding 3; the report after a
        # block comes before that block's own opt.step(), one short)
        if getattr(self, "_noted_leftover", False) and not (
                self._opt_steps and 0 <= self.step_count - self._opt_steps <= 1):
            # gradients summed over several blocks: what a step is here (M21
            # item 4: 40 optimiser steps over 160 blocks read '160 so far' of the first 1,000 updates)
            # the optimiser's own steps, where its hook counted them (W77 walkthrough finding 5: the note said 'the
            # monitor does not see opt.step()' beside a learning-rate chart read at every optimiser step)
            stepped = (f"the optimiser stepped the watched weights {self._opt_steps:,} times over them"
                       if self._opt_steps else "no optimiser step of the watched weights was seen")
            # where the probes found .grad zeroed after the optimiser's steps, the sums across blocks are that
            # accumulation: said, so that the note on gradients carried across steps ('zero_grad() is missing from
            # the loop, or ...') is not left open beside it (W108 walkthrough finding 4)
            zeroed = (self._opt_steps and self._unzeroed is not None and self._gradients_unzeroed() is None)
            settled = (f"; .grad was found zeroed after the optimiser's steps, so the gradients carried from one "
                       f"block to the next are this accumulation, about {step / self._opt_steps:.2g} blocks to an "
                       "optimiser step, not a missing zero_grad()" if zeroed else "")
            notes.append(f"the steps counted here, {step:,} so far, are `with mon.step()` blocks, and so are the "
                         f"updates the reading counts: {stepped} (gradients accumulated over micro-batches take "
                         f"several blocks to a step){settled}; judge how far the run has gone by the optimiser's "
                         "steps")
        tied = self._ties.get(f"{output}.weight" if output else "weight", []) if output is not None else []
        if tied:  # W21 finding 5: a GPT's head tied to its embedding
            notes.append(f"'{output}.weight' is tied to {_listed(tied)} (one Parameter used by several modules): its "
                         f".grad, the W/out reference ({output_norm:.3g} on this step), sums the gradients of every "
                         "use, so it is not the output layer's own gradient, and the W/out ratios are read against "
                         "that sum")
        if stale:
            # (W105 walkthrough finding 11: a loss on out.detach().requires_grad_() read 'backward did not run
            # inside this sampled step's block', where it had run, on a loss cut off from the model)
            notes.append("no gradient reached a watched activation inside this sampled step's `with mon.step()` "
                         "block: backward ran after the block, or it ran on a loss cut off from the model's outputs (a "
                         ".detach(), or a tensor made anew from them), so the gradients read are not this step's: "
                         "call loss.backward() inside the block, on a loss computed from the model's outputs; "
                         "opt.step() and opt.zero_grad() may follow it")
        missing = [f"'{n}.weight'" for n in order if n in not_computed]
        if missing and output is not None:
            notes.append(f"no gradient was computed for {', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''} "
                         "on this step (.grad is None, or left as it was before the step: run under torch.no_grad(), "
                         "detached from the loss, not in the loss, or left out of backward(inputs=...)): the reading "
                         "judges the weights that got one; if those should learn, compute their outputs with "
                         "gradients enabled")
        # a weighted module that never ran in this step's forward (a layer built but not called): its .grad stays None
        ran = set(order)
        idle = [(n, type(m).__name__) for n, m in self._weighted if n in not_computed and n not in ran]
        if idle and order:
            names = ", ".join(f"'{n}.weight'" for n, _ in idle[:6]) + (" ..." if len(idle) > 6 else "")
            whose = (f"the module ('{idle[0][0]}', {idle[0][1]}) did not run" if len(idle) == 1 else
                     "those modules did not run")
            notes.append(f"{names} received no gradient on {_sampled(step)}: {whose} in the model's forward, so "
                         f"the reading leaves {'it' if len(idle) == 1 else 'them'} out")
        # weights that got a gradient on this step though no hook saw their module run: the forward ran in code that
        # calls no hook (compiled before the hooks were attached), or the weight is used outside its module
        written = [n for n, _ in self._weighted if n not in not_computed and n not in frozen
                   and math.isfinite(weight_norm.get(n, math.nan))]
        # nn.MultiheadAttention computes with its out_proj's weight in F.multi_head_attention_forward and never calls
        # out_proj: that weight gets a gradient with no hook run on a plain, uncompiled transformer (W14: 'tiny')
        modules = dict(self.model.named_modules())
        unseen = [n for n in written if n not in ran
                  and not isinstance(modules.get(n.rpartition(".")[0] if "." in n else None), nn.MultiheadAttention)]
        if unseen and order:
            names = ", ".join(f"'{n}.weight'" for n in unseen[:6]) + (" ..." if len(unseen) > 6 else "")
            its, them = ("its module", "it") if len(unseen) == 1 else ("their modules", "them")
            head = (f"{names} got a gradient on {_sampled(step)}, yet the monitor's hooks never saw {its} run. "
                    f"The activations after {them} are not read. ")
            # the compile story only where torch.compile has compiled something: reset() is no advice for an
            # uncompiled model
            if _dynamo_compiled() or self._compiled or self._compiles_outside:
                notes.append(head + "The weight is used outside its module's forward (F.linear(x, module.weight)), "
                             f"or the module ran in compiled code that calls no hook: {_COMPILED_WORDS}. "
                             f"{_COMPILED_REMEDY}")
            else:
                notes.append(head + "The weight is used outside its module's forward (F.linear(x, module.weight) "
                             "in a parent's forward); the model is not compiled, so it is not compiled code. Call "
                             "the module itself if its output should be read.")
        first_bad = next((layer.label for layer, _, r in seen if r.get("act_non_finite")), None)
        bad_grad = next((layer.label for layer, _, r in reversed(seen) if r["non_finite"]), None)
        bad_loss = loss is not None and not math.isfinite(loss)
        # where the NaN or inf began (the step the reading dates it from) may be an earlier sampled step than this
        # one, and another place: what this step shows is then said to be this step's (W14: lr=20 went non-finite at
        # module '3' on step 12, at module '1' only from step 13, and the report read '1' off step 200 as the start)
        began = non_finite_since or first_non_finite
        later = began is not None and began["step"] != step
        latest = f"on training step {step:,} (the latest sampled one), " if later else ""
        said_again = len(notes)  # the notes from here to said_end tell where the NaN began and where it is now,
        # which a diverged reading says itself (dropped there below: W28, step 162 five times on one screen)
        if first_bad is not None:
            notes.append(f"{latest}non-finite activations first appear at {first_bad}" +
                         (f"; where it began, on step {began['step']}, see below" if later else ""))
        elif bad_loss and seen:
            notes.append(f"{latest}every watched activation is finite: the NaN or inf starts in the loss ({loss}), "
                         "and the gradients backward computes from it" + (" are non-finite too" if bad_grad else ""))
        elif bad_grad is not None:
            notes.append(f"{latest}every watched activation and the loss are finite: the gradients are the first to "
                         f"hold a NaN or an inf, backward reaching {bad_grad} first")
        if first_non_finite is not None and first_non_finite["step"] != step:
            place = first_non_finite["place"]
            notes.append(f"a NaN or an inf {_first_seen(first_non_finite)}, "
                         + ("in the loss of a step not sampled" if first_non_finite.get("unsampled") else
                            f"first at {place}"))
        said_end = len(notes)
        if non_finite_since is not None and first_non_finite is not None and non_finite_since != first_non_finite:
            notes.append(f"finite again after that; the sampled steps hold a NaN or an inf again from step "
                         f"{non_finite_since['step']} on, first at {non_finite_since['place']}")
        # backward reached the watched activations inside the block, yet wrote no weight's .grad: the gradients were
        # computed and never stored there (M21 item 7: a loop on torch.autograd.grad was told to call loss.backward(),
        # and read 'no_gradient' although every weight had one)
        never_stored = (output is None and bool(order) and not stale and not set(order) <= frozen
                        and any(not math.isnan(r["act_grad"]) for _, _, r in seen))
        groups: dict[str, list[LayerSummary]] = {}  # the reading's hidden layers: one per weighted module
        left_out = []  # watched layers the reading's counts leave out, and why
        forward_stds = []  # (label, std) of each hidden activation, in forward order
        stds_of: set = set()  # (the place without its call number, its weight module) of each std taken
        dead_between = False  # some layer counts dead units over sampled batches with unsampled steps between them
        owners = _weight_rows(seen)
        on_output = []  # the places on the output layer's result
        stopping = []  # each hidden layer whose units stopped after being on: _stopping_layers
        head = None  # the bounded activation nearest the loss on the output layer's result (_monitor_head)
        units = _Units([layer.name for layer, _, _ in seen])  # a function called again on the same units
        # a later call that no gradient reached, where its function's first call got one: what it computed does not
        # reach the loss (W97 walkthrough finding 3: a triplet's negative encoded and left out of the loss read 'dA
        # nan' on its rows, with no word)
        reached = {layer.name for layer, _, r in seen if not _later_call(layer.name) and math.isfinite(r["act_grad"])}
        unreached = [layer.label for layer, _, r in seen if _later_call(layer.name) and math.isnan(r["act_grad"])
                     and _call_base(layer.name) in reached]
        if unreached:
            notes.append(f"no gradient reached the output of {_listed(unreached[:6])}"
                         f"{' and more' if len(unreached) > 6 else ''} on this step, while it reached the first call "
                         f"of {'that' if len(unreached) == 1 else 'each'} module: what "
                         f"{'that call' if len(unreached) == 1 else 'those calls'} computed does not reach the loss "
                         "(an input run through the model and left out of the loss, as a triplet's negative that the "
                         "loss never uses, or an output detached), so it costs a forward and teaches nothing")
        for layer, (_, weight_module, width, window), r in seen:
            if layer.name in self._noted_gates and layer.record.name == "tanh":
                # a tanh gate (x * tanh(softplus(x))): at 1 or -1 it passes x whole, times 1 or -1; where the product
                # is flat, the gate is not (W54 walkthrough: 28 units at a tanh of 1 read 'little gradient passes
                # back through them', the Mish's mean |slope| 0.97)
                r = {**r, "saturated": 0}
            elif layer.name in self._noted_gates and r.get("saturated_low") is not None:
                # a hand-written SiLU's gate (x * torch.sigmoid(x)): its units saturated at 1 are where the SiLU is
                # linear and passes its gradient whole; only those at 0 are flat for the SiLU too
                r = {**r, "saturated": r["saturated_low"]}
            w = weight_norm.get(weight_module, math.nan) if weight_module else math.nan
            is_frozen = weight_module in frozen
            is_missing = weight_module in not_computed
            param = (f"{weight_module}.weight" if weight_module else "weight") if weight_module is not None else ""
            # a weight's gradient is on one row only (W14 finding 6: a sigmoid on a residual sum after fc3 carried
            # fc3's |dL/dW| as if it were a layer of its own); another place after the same module points to that row
            owner = owners.get(weight_module, layer)
            shared = owner.name if owner is not layer and not is_frozen and not is_missing else ""
            if shared:
                w = math.nan
            ratio = grad_ratio(w, output_norm)
            window = r.get("window", window)  # the batches the dead count covers (fewer for a layer dead at once)
            # the activation applied to the output layer's result (a binary classifier's sigmoid): saturation there is
            # a confident prediction, and the hidden layers' reading does not weigh it
            at_output = after_output((layer, (None, weight_module)))
            if at_output and layer.saturation_rule is not None and layer.saturation_rule[0] == "ends":
                head = layer
            dead = r["dead"]
            # saturated units this batch include the dead ones (f' = 0): each unit is counted once, as dead
            sat = None if dead is None else max(int(r["saturated"]) - dead, 0)
            # of those, the units gone silent (on before, off on every point since), said as such on the layer's line
            # and beside the count, not called rarely active (W26 finding 5: '2 rarely active' over 1 and 1)
            silent = 0 if at_output or sat is None else min(int(r.get("silent") or 0), sat)
            first, last = self._step_sampled(self.sampled_steps - window + 1), self._step_sampled(self.sampled_steps)
            dead_between |= bool(r["dead"]) and first is not None and last is not None and last - first + 1 > window
            # one of this weight's .grad and the output layer's sums the steps since it was last cleared, the other
            # is this step's (zero_grad() of an optimiser clears its own parameters): no ratio between them is read
            # (W64 walkthrough: 'exploding: '0.weight' gets 3.8e3 times the output layer's gradient', a sum of 100)
            unlike = bool(self._summed_now) and bool(param) and not is_frozen and \
                (weight_module in self._summed_now) != (output in self._summed_now)
            words = self._layer_words(layer, r, width, window, param, is_frozen, w, ratio, output_norm, is_missing,
                                      at_output, reference, shared, never_stored, silent,
                                      last - first + 1 if first is not None and last is not None else 0, unlike,
                                      self._noted_forwards)
            stats = LayerStats(layer.name, layer.record.name,
                               f"F.{layer.record.name}" if layer.functional else type(layer.module).__name__,
                               width, r["act_grad"], grad_ratio(r["act_grad"], last_act), w, r["mean"],
                               r["std"], r["zero"], sat, dead, r["dormant"], window, bool(r["non_finite"]),
                               # (no ratio where the two sum unlike spans of steps, as the words say: W84 finding 8)
                               words, math.nan if unlike else ratio, "" if shared else param, is_frozen,
                               low_gradient_word(layer.record),
                               silent, int(r.get("dead_from") or 0), tuple(r.get("dead_units") or ()),
                               tuple(r.get("saturated_units") or ()) if sat else (),
                               tuple(r.get("silent_units") or ()) if silent else ())
            rows.append(stats)
            # a later call on units counted at an earlier call's place (_Units): its stops are that place's
            repeat = weight_module is not None and weight_module != output and not is_frozen and not is_missing \
                and units.again(layer.name, weight_module, r, layer.name in self._noted_gates)
            off = r.get("stopped")
            if off and not at_output and not repeat:
                at = self._step_sampled
                stopping.append(Stopping(layer.label, width, int(dead or 0), off["died"], min(off["silent"], silent),
                                         window, int(r.get("silent_for") or 0), int(r.get("dead_after") or 0),
                                         off["bulk"], at(off["bulk_from"]), at(off["bulk_on"]) if off["bulk_on"] else
                                         None, at(off["first_from"]), at(off["last_from"]),
                                         at(off["spread_from"]), at(off["spread_on"]) if off["spread_on"] else None,
                                         self.window, int(off.get("threw_fits") or 0),
                                         at(off["threw_at"]) if off.get("threw_at") else None,
                                         r.get("zero") == 1.0))
            # the reading weighs the weights that are trained and got a gradient on this step
            # (not a hand-written Swish's gate: its std is the sigmoid's, not the layer's output's; W46 walkthrough:
            # 'grows about 2.3 times per layer, from 0.134', the gate's std, where the Swish's was 0.303)
            # A loop's later calls after the same weight are no layers of their own: its growth through the calls is
            # read as the loop's (_growing_chain, _exploding_chains; W74 walkthrough finding 4: a recurrence grown at
            # initialisation read 'grows ... over 9 watched layers', the calls, then 'training grew it')
            call_of = (stats.name.rpartition("#")[0] if _later_call(stats.name) else stats.name, weight_module)
            if weight_module is not None and not at_output and layer.name not in self._noted_gates \
                    and not (_later_call(stats.name) and call_of in stds_of):
                forward_stds.append((layer.label, r["std"]))
                stds_of.add(call_of)
            if weight_module is not None and weight_module == output:
                # on the output layer's result (a sigmoid or softplus head): the model's output, no hidden layer (W19:
                # a sigmoid head's unit was among '2 of 65 hidden units', a softplus head read as the only hidden
                # layer, its weight getting 'as much as the output layer's', its own)
                on_output.append(layer.label)
            elif is_frozen and (adapter := self._adapter_of(weight_module, weight_norm, frozen, owners, step)):
                # a frozen weight beside trained ones that add to its output (a low-rank adapter's A and B): the
                # layer trains through them, and their gradient stands for it (W86 walkthrough finding 1: LoRA on a
                # frozen body read 'only the output layer trains: every hidden layer is left out')
                groups.setdefault(weight_module, []).append(LayerSummary(
                    stats.activation, width, adapter[1], dead or 0, (0 if at_output else sat or 0) + (dead or 0),
                    r["act_grad"], layer.label, adapter[0], chained=layer.chained,
                    repeats=int(_later_call(stats.name)), never_on=self._never_on(layer)))
            elif repeat:
                groups[weight_module].append(LayerSummary(  # its units are counted on its first call's place
                    stats.activation, 0, math.nan, 0, 0, r["act_grad"], layer.label, f"'{param}'",
                    chained=layer.chained, repeats=1))
            elif not is_frozen and not is_missing and weight_module is not None:
                groups.setdefault(weight_module, []).append(units.first(layer.name, weight_module, r, LayerSummary(
                    stats.activation, width, weight_norm.get(weight_module, math.nan), dead or 0,
                    # (a hand-written SiLU's gate counts its units saturated at 0 alone: at 1 the SiLU is linear and
                    # passes gradient; W47 walkthrough: 7 such units read 'little gradient passes back')
                    (0 if at_output else sat or 0) + (dead or 0), r["act_grad"],
                    layer.label, f"'{param}'", chained=layer.chained,
                    repeats=int(_later_call(stats.name)), normed=self._norm_before(weight_module, layer.name) or "",
                    never_on=self._never_on(layer),
                    dead_from_start=self._never_on(layer, dead_only=True)
                    if r.get("dead") and 10 * (r.get("died") or 0) <= r["dead"] else 0,
                    dead_seen_on=r.get("died") or 0, same_units=bool(r.get("same_units"))),
                    layer.name in self._noted_gates))
                if not shared:  # the weight's own row leads its layer
                    groups[weight_module].insert(0, groups[weight_module].pop())
            else:
                left_out.append(f"{layer.label}, after the frozen '{param}'" if is_frozen else
                                f"{layer.label}, after '{param}', which got no gradient" if is_missing else
                                f"{layer.label}, after no weighted module")
        groups = {module: [units.counted(p) for p in places] for module, places in groups.items()}
        summaries = [_one_layer(places) for places in groups.values()]
        # the signal reference in a layer of several places (a loop's calls, each after the one recurrent weight): the
        # layer's merged gradient, as its row in the reading holds it, not its last place's alone, which set the
        # layer against a part of itself (W74 walkthrough finding 3: 'the gradient passed back to module 'act' is
        # 5.0e6 times the one at the last watched activation (module 'act' (call 50))')
        ref_words = f"the last watched activation ({ref[0].label})" if ref is not None else ""
        group = groups.get(ref[1][1]) if ref is not None else None
        if group is not None and len(group) > 1 and any(p.label == ref[0].label for p in group):
            merged = _one_layer(group)
            if merged.signal_norm is not None:
                last_act = merged.signal_norm
                ref_words = (f"the last watched layer ({group[0].label}, its {len(group)} calls together)"
                             if sum(p.repeats for p in group) == len(group) - 1 else
                             f"the last watched layer ({group[0].label} and the {len(group) - 1} other places after "
                             f"'{ref[1][1]}', together)")
        if held_to is None:  # (a report built again for report() changes nothing)
            self._watch_head(head)
        if on_output:
            notes.append(f"{_listed(on_output)} act{'s' if len(on_output) == 1 else ''} on the output layer's "
                         f"('{output}') result: read as the model's output, not as a hidden layer; "
                         f"{'its units are' if len(on_output) == 1 else 'their units are'} not among the hidden units "
                         "counted, and the reading weighs the hidden layers before the output layer")
        if heads_note:
            notes.append(heads_note)
        judged = loss if judged is None else judged  # the mean of the latest training steps' losses judges learning
        judged_ok = judged is not None and math.isfinite(judged)
        finite = sum(1 for _, v in step_losses if v is not None and math.isfinite(v))
        lowest = getattr(self, "_lowest_judged", None)
        spans = sorted({s.window for s in rows if s.dead is not None and s.width and s.dead == s.width})
        dead_span = (f"its last {spans[0]}" if len(spans) == 1 else f"the last {spans[0]} to {spans[-1]}") if spans \
            else ""
        # the training steps those whole-layer-dead windows span that were not sampled: a unit may fire on them (W40
        # walkthrough: 'no weight matrix gets a gradient' while one unit of the layer fired on 8 unsampled steps)
        first = self._step_sampled(self.sampled_steps - spans[-1] + 1) if spans else None
        last_sampled = self._step_sampled(self.sampled_steps) if spans else None
        unsampled = (last_sampled - first + 1 - spans[-1]) if first is not None and last_sampled is not None else 0
        # the recent losses climbs and trends are read from: the latest sampled steps' finite losses; while fewer than 3
        # steps were sampled, the latest training steps' own, where more of them were held, one a step (W26 finding 3:
        # under every="auto" the losses went 1.35, 0.72, 488, 176,217 and the first sampled step, the 4th, read
        # 'starting ... 32,000 times chance, above where a run begins', with one sampled loss to see no climb in)
        recent_losses, recent_steps = tuple(getattr(self, "_losses", ())), tuple(getattr(self, "_loss_steps", ()))
        held = [(t, v) for t, v in step_losses if v is not None and math.isfinite(v)][-LOSS_BATCHES:]
        every_step = (len(recent_losses) < 3 and len(held) >= 3 and len(held) > len(recent_losses)
                      and all(b - a == 1 for (a, _), (b, _) in zip(held, held[1:], strict=False)))
        if every_step:
            recent_steps, recent_losses = zip(*held, strict=True)
        began_held = (non_finite_since or {}).get("held", ())
        earlier = ()
        if len(began_held) >= 2:  # every step's loss up to the NaN is known: its climb is read from them (W28), the
            # latest LOSS_BATCHES, and dated back through those before them
            earlier = tuple(began_held[:-LOSS_BATCHES])
            recent_steps, recent_losses = zip(*began_held[-LOSS_BATCHES:], strict=True)
            every_step = True
        # the latest held-out loss given before this sampled step (Monitor.held_out; None: none, or forgotten); in the
        # report asked for after it (report()), before ``held_to``: those given since are taken in too
        held_before = step if held_to is None else held_to
        given = [h for h in getattr(self, "_held_out", ()) if h[0] < held_before]
        held_out = given[-1] if given and given[-1][1] is not None else None
        lows = given[-1][2] if given else ()  # the lowest window of each size so far (reading_held_out)
        rms_read = self._rms_read(seen)
        # the loss given and chance_loss on different scales, or targets a constant guess fits far better than
        # chance_loss says: the loss is not judged (_monitor_lossread)
        scale = self._loss_scale()
        skew = self._targets_skewed() if scale is None else None
        below = self._below_zero if scale is None and skew is None else None
        chance = self.chance_loss if scale is None and skew is None and below is None else None
        loops = _loop_chains(rows)  # the loops' chains, found once for every reader of them below
        self._note_loop_weights(loops, step)
        chains = _vanishing_chains(loops)  # the gradient vanishing through a loop's calls: the reading's, or a note
        exploding = _exploding_chains(loops)
        summary = RunSummary(
            tuple(summaries), output_norm, judged, chance, None, step,
            # the script's held-out loss, said with the step it was given after (Monitor.held_out)
            test_loss=held_out[1] if held_out is not None else None,
            test_chance_loss=chance if held_out is not None else None,
            loss_scale=scale, loss_below_zero=below,
            loss_scale_chance=self.chance_loss if scale is not None or skew is not None or below else None,
            targets_skewed=skew, zero_output_loss=self._zero_output_loss(), loss_floor=self._loss_floor(),
            probabilities_given=self._probabilities, sigmoid_given=self._sigmoid_given,
            output_collapse=self._output_collapse(), output_fell=self._fell_now,
            test_loss_step=held_out[0] if held_out is not None else None,
            held_out=tuple((t, v) for t, v, _ in given), held_out_lowest=lows[0] if lows else None,
            held_out_wider=tuple(low for low in lows[1:] if low is not None),
            # dated from the first sampled step of this unbroken run of non-finite ones (the step the notes name),
            # not from the step sampled last
            diverged_at_step=non_finite_since["step"] if non_finite_since is not None else None,
            last_finite_step=non_finite_since.get("last_finite_step") if non_finite_since is not None else None,
            output_signal_norm=last_act if rows else None,
            signal_reference=ref_words if rows else "",
            keeps_last_finite=False, restart=TORCH_RESTART, clip=self._clip_words(), levers=TORCH_LEVERS,
            reference_name="" if reference == "the output layer" else reference,
            output_weights="" if output is None else f"'{output}.weight'",
            left_out=tuple(left_out),  # the reading names them (a frozen backbone is no linear model)
            not_read=self._not_read,  # an LSTM's fused kernel: gradients are said to reach every layer read
            dead_over=f"on every point of {dead_span} sampled batches" if dead_span else "on every sampled batch",
            dead_unsampled=max(unsampled, 0), dead_between=dead_between, dead_first_forward=self._noted_forwards,
            gradients_of=f"the batch of {_sampled(step)}",
            earlier_ratios=self._earlier_ratios(step, summaries, output_norm),
            earlier_signal_ratios=self._earlier_ratios(step, summaries, last_act, self._signal_ratios)
            if rows else (),
            stopped_branches=self._branch_stops(step, summaries, output_norm),
            dying=tuple(d.label for d in stopping if is_dying(d, dying_seen)),
            loss_batches=finite if judged_ok else None,
            judged_losses=step_losses if judged_ok and step_losses else None,
            # the losses to see a loss blowing up in (judged is judged_losses' mean), and the step of each
            recent_losses=recent_losses, recent_loss_steps=recent_steps, earlier_losses=earlier,
            # every training step's loss held (the script gives s.loss each step): a climb's start is dated on its step
            step_losses=tuple((t, v) for t, v in kept if v is not None and math.isfinite(v)),
            loss_steps=LossSteps.EVERY if every_step else LossSteps.SAMPLED,
            blown_up=getattr(self, "_blown_up", None),  # a blow-up the run came back from (W26 finding 3)
            climbed_peak=self._climbed,  # and a climb under that line (W77 walkthrough finding 1)
            climbed_after=self._climbed_after,
            first_sampled=self._first_sampled(),  # (W90 walkthrough finding 1)
            blowing_up=self._blowing_up(),  # and one still under way
            blown_from=self._blown_from if self._blown_up is not None else None,  # and its climb's first step
            blown_low=self._blown_low if self._blown_up is not None else None,  # and the loss before that climb
            blown_first=self._blown_first if self._blown_up is not None else None,  # and its first loss past the line
            loss_top=self._top,  # the highest loss given
            plateau_left=self._plateau_left,  # and where the losses came down off the plateau it threw the run onto
            first_loss=self._first_loss,  # a run that began far above chance is no divergence (started_far)
            first_step=self._step0 + 1,
            first_losses=_mean_and_se(self._first_losses),  # (and where a fresh run began: began_at)
            first_losses_slope=self._first_slope(),  # (unless they fall as it learns)
            chance_guess=self._chance_guess() if scale is None else None,  # (chance_loss fits the targets read)
            loss_kind=self._loss_form[0], loss_summed=self._loss_form[1], loss_broadcast=self._broadcast,
            loss_ignore_index=self._ignored_target, nan_loss_grads_finite=self._nan_grads_finite,
            was_learning=was_learning,  # the report before found the loss moved from chance
            zero_gradient_batches=self._zero_run[0], zero_gradient_from=self._zero_run[1],
            tiny_gradient_batches=self._tiny_run[0], tiny_gradient_from=self._tiny_run[1],
            zero_gradient_leaked=self._zero_leak is not None and self.sampled_steps - self._zero_leak < self.window,
            judged_since=self._judged_since,  # where the judged losses start after it
            # the lowest judged mean so far: a run that had learned is not 'starting' once its low losses left
            lowest_judged_loss=lowest[1] if lowest is not None else None,
            lowest_judged_step=lowest[0] if lowest is not None else None,
            lowest_mean=self._lowest_mean,
            unsampled_lows=frozenset(t for t in (lowest[0] if lowest is not None else None,
                                                 self._lowest_mean[0] if self._lowest_mean else None)
                                     if t is not None and t in self._unsampled_lows),
            lowest_judged_bound=lowest[2] if lowest is not None else None,
            # trained weights that no step has changed although they get gradients (_monitor_weights)
            weights_still_since=self._weights_still_since, still_weights=self._still_weights,
            still_unrowed=self._still_unrowed(weight_norm, output, summaries),
            unwritten_params=self._unwritten(), summed_gradients=self._summed_now,
            gradients_unzeroed=self._gradients_unzeroed(), optimiser_adaptive=self._cut_adaptive,
            weights_size_high=self._size_high, weights_size_now=self._size_now, weights_shrunk_each=self._shrunk_each(),
            gradient_cut=self._gradient_cut(),
            inputs_alike=self._inputs_alike(), same_batch=self._same_batch(), trained_in_eval=self._trained_in_eval(),
            calls_vanish=(vanish := min(chains, key=lambda c: c[2] / c[3], default=None)),
            loop_spectrum=self._loop_spectrum(loops, vanish[0]) if vanish is not None else None,
            calls_explode=max(exploding, key=lambda c: (c[7], c[2] / c[3] if c[7] else c[5] / c[4]),
                              default=None),
            calls_grew=self._grew_at_first(loops, step, held_to), calls_saturated=_saturated_chain(loops),
            loop_exploded=self._loop_exploded_first(exploding, step, held_to),
            output_beyond=self._output_beyond(), output_at_end=self._output_at_end(),
            input_rms=rms_read[0], input_normalised=rms_read[1], input_ids=self._input_ids,
            learning_rates=rates, weight_decays=self._weight_decays(), weights_written=self._weights_written(),
            optimiser_switches=self._optimiser_switches(), moved_at=self._moved_at,
            jump_step=self._jump_step,
            normalised=self._normalised, weights_first_seen=self._weights_first_seen)
        best_point = None  # a run that learned and lost it: (the step of its best point, why there)
        if output is None and order and set(order) <= frozen and not any(p.requires_grad
                                                                          for p in self.model.parameters()):
            reading = Reading((Finding(
                Status.NO_GRADIENT, "nothing is being trained: every parameter of the model is frozen "
                "(requires_grad=False), so no gradient reached any parameter on "
                f"{_sampled(step)}", "If the model should learn, set requires_grad=True on the parameters to train "
                "(model.requires_grad_(True), or only the layers to fine-tune) and give those to the optimiser.",
                {"frozen": sorted(frozen)}),))
        elif output is None and order and set(order) <= frozen:
            reading = self._others_train(summary)
        elif never_stored and self._swapped:  # W93 walkthrough finding 7: the tensors functional_call ran the model
            # with are read (_weights_now); here none of theirs got a .grad, and the words named only autograd.grad
            reading = Reading((Finding(
                Status.UNWATCHED, f"unwatched: the model's weighted modules ran with parameters other than their own "
                f"on {_sampled(step)} (torch.func.functional_call, or another swap of module.weight as it runs), and "
                "no .grad of those tensors was written: backward reached the watched activations (their |dL/da| is "
                "read), yet no weight gradient is read (torch.autograd.grad returns the gradients without storing "
                "them; a tensor made without requires_grad gets none), so nothing is said of whether they vanish",
                "Give functional_call tensors that require gradients and call loss.backward() on the loss (or store "
                "torch.autograd.grad's results in their .grad), which is what the optimiser steps with.",
                {"not_computed": sorted(not_computed)}),))
        elif never_stored:
            reading = Reading((Finding(
                Status.UNWATCHED, f"unwatched: the weights' gradients were computed but never stored in .grad on "
                f"{_sampled(step)}: backward reached the watched activations (their |dL/da| is read), yet no "
                "trained weight's .grad was written (torch.autograd.grad returns the gradients without storing them; "
                "backward(inputs=...) stores them only for the inputs named), so no weight gradient or ratio is read, "
                "and nothing is said of whether they vanish",
                "To have the weights' gradients read, store them inside `with mon.step()`: `for p, g in "
                "zip(params, grads): p.grad = g` after torch.autograd.grad (the optimiser reads p.grad too), or "
                "call loss.backward().", {"not_computed": sorted(not_computed)}),))
        elif output is None and order:
            reading = Reading((Finding(
                Status.NO_GRADIENT, f"not computed: no weight got a gradient on {_sampled(step)} (every "
                "trained weight's .grad is " + ("None or left as it was before the step, and backward reached no "
                                                "watched activation inside the block)" if stale else
                                                "None or left as it was before the step)")
                + "; nothing is read as vanishing or "
                "zero", "Call loss.backward() inside `with mon.step()`, on a forward run with gradients enabled (not "
                "under torch.no_grad(), not detached); opt.step() and opt.zero_grad() may follow the block.",
                {"not_computed": sorted(not_computed)}),))
        elif self._weighted and not order and (self._compiled or written):  # no forward seen: compiled code may
            # predate the hooks (Dynamo does not guard on module hooks: torch._dynamo.config.skip_nnmodule_hook_guards)
            grads = (f"the model's weights got gradients on {_sampled(step)}, yet the monitor's hooks saw no "
                     "forward of it" if written else
                     f"the monitor's hooks saw no forward of the compiled model on {_sampled(step)}")
            compiled = _dynamo_compiled() or self._compiled or self._compiles_outside
            why = (f"torch.compile has compiled code in this process{self._outside_words()}, and {_COMPILED_WORDS}"
                   if compiled else f"it ran in code that calls no hook: {_COMPILED_WORDS}; a TorchScript module "
                   "calls none either")
            # weights that got gradients are not 'no_gradient' (W14: compile_late read no_gradient while its words
            # said the weights got gradients): nothing was measured, which is what 'unwatched' says
            reading = Reading((Finding(
                Status.UNWATCHED if written else Status.NO_GRADIENT,
                ("unwatched: " if written else "") + f"nothing seen: {grads}, so nothing was read; {why}",
                _COMPILED_REMEDY + " Call the model, with loss.backward(), inside `with mon.step()`.", {}),))
        elif self._weighted and not order and self._transformed_step == step:  # W93 walkthrough finding 8
            reading = Reading((Finding(
                Status.UNWATCHED, f"unwatched: the model ran inside a torch.func transform (vmap, grad, jacrev) on "
                f"{_sampled(step)}, where nothing is read, so nothing is said of its units or gradients",
                "To watch them, run one member as a module of its own (the model called directly, with "
                "loss.backward()) in a diagnostic run; the gradients of an ensemble's stacked parameters are in the "
                "tensors given to functional_call.", {}),))
        elif self._weighted and not order:  # no forward, so no gradient: not 'flowing'
            reading = Reading((Finding(
                Status.NO_GRADIENT, f"nothing ran: no weighted module of the watched model ran its forward on "
                f"{_sampled(step)}, so no gradient was computed", "Run the model's forward (and loss.backward()) "
                "inside `with mon.step()`, calling the model the Monitor was given (or the compiled one made from it).",
                {}),))
        elif rows and on_output and not summaries and not left_out and len(set(order)) > 1 \
                and not _is_affine(self.model):  # watched only at the output: the layers between are not read
            reading = Reading((Finding(
                Status.UNWATCHED, f"unwatched: no watched activation runs between the model's weighted layers: "
                f"{_listed(on_output)}, the only watched one{'s' if len(on_output) > 1 else ''}, act"
                f"{'s' if len(on_output) == 1 else ''} on the output layer's ('{output}') result and "
                f"{'is' if len(on_output) == 1 else 'are'} read as the model's output; the non-linearity between its "
                "layers is one actlab reads no units of (a softmax, as in attention, or one applied by other means: "
                "the notes say which), so nothing here says whether hidden units are dead or saturated or whether "
                f"gradients vanish{_loss_text(summary)}", "", {"output_activations": on_output}),))
        elif not self._weighted and next(iter(self.model.parameters()), None) is None:
            # no parameter at all (a block of activations alone): no weight gradient to read, none NaN (W81
            # walkthrough finding 6: nn.Sequential(nn.ReLU(), nn.Tanh()) read 'diverged: the gradients became NaN or
            # infinite while the loss is finite' of finite values and gradients)
            reading = Reading((Finding(
                Status.UNWATCHED, "unwatched: the model holds no parameters, so no weight gets a gradient and no "
                "update changes it: the rows read its activations (their |dL/da|, dead and saturated units), and "
                f"nothing is judged of learning or of the gradient's flow to weights{_loss_text(summary)}",
                "To have a training run read, give Monitor the model whose weights the optimiser steps (the whole "
                "network, not a block of activations alone).", {}),))
        elif rows or (len(self._weighted) <= 1 and not self._opaque):
            reading = diagnose(summary)
            low = summary.lowest_judged_step
            if reading.findings and reading.findings[0].words.startswith(UNLEARNED) and low is not None:
                # a run that learned and lost it: the checkpoint to go back to is one from its best point (W38
                # walkthrough: lr x 300 at step 300 after the mean had come down to 0.375 there; the remedy said only
                # 'a checkpoint saved before the problem began')
                best, why = best_point = self._before_units_stopped(self._low_point(), stopping)
                reading = diagnose(dataclasses.replace(summary, restart=torch_restart(
                    f"saved before training step {best:,}, {why}", best)))
            elif reading.status == Status.DIVERGED:
                # a climb to the NaN whose first step is known: the checkpoint to go back to is one from before it
                # (W45 walkthrough: lr 30 at step 150, NaN at 157, 'from 0.261 ... between steps 150 and 156', and
                # the remedy said only 'a checkpoint saved before the problem began')
                went = climb(summary)
                learned = (low is not None and summary.chance_loss is not None and summary.lowest_judged_loss
                           is not None and summary.lowest_judged_loss < (1 - MOVED_FRACTION) * summary.chance_loss)
                if learned and (went is None or went.start is None or low < went.start and went.first >
                                (1 - MOVED_FRACTION) * summary.chance_loss):
                    # a run that had learned and whose climb, as the recent losses show it, starts from a loss no
                    # longer below chance: its best point, not the latest stretch of the climb (W47 walkthrough: a
                    # learning-rate range test, lowest at step 79, read 'saved before training step 157, where the
                    # loss began to climb' at a loss over 1,000 times chance). A climb from the learned level (lr
                    # raised at step 150, the loss 0.26 there) keeps its start
                    best, why = best_point = self._low_point()
                    reading = diagnose(dataclasses.replace(summary, restart=torch_restart(
                        f"saved before training step {best:,}, {why}", best)))
                elif went is not None and went.kind == "rose" and went.start is not None:
                    # a start whose next step's loss is not held is the last step read before the climb, not where
                    # it began (W47 walkthrough: every="auto" sampled steps 62 and 112; the loss fell until step 79)
                    start, where = went.start, "where the loss began to climb"
                    nxt = min((t for t, _ in recent(summary) if t > start), default=None)
                    if nxt is not None and nxt > start + 1:  # steps between the two the climb was read from
                        held = [(e[0], e[1]) for e in self._step_losses if start <= e[0] < nxt
                                and isinstance(e[1], float) and math.isfinite(e[1])]
                        if len(held) == nxt - start:  # every one's loss held: the lowest of them is where it turned
                            turned, low_loss = min(held, key=lambda p: p[1])
                            if turned != start:
                                start, where = turned, ("where the loss was at its lowest before the climb (that "
                                                        f"step's batch, {low_loss:.3g})")
                        else:
                            where = ("the last step before the climb whose loss was read (the next read is step "
                                     f"{nxt:,})")
                    latest = self._latest_low
                    if latest is not None and nxt is not None and start < latest[0] < nxt:  # a window of losses
                        # held one a step, within the lowest's noise, ends between the two reads (_latest_low_between):
                        # its low point is later and as good (W51: 'before training step 462, the last step before
                        # the climb whose loss was read (the next read is step 512)' of a run that learned to 499)
                        start, where = self._low_point(latest)
                    reading = diagnose(dataclasses.replace(summary, restart=torch_restart(
                        f"saved before training step {start:,}, {where}", start)))
            elif reading.findings and FROM_START in reading.findings[0].remedy:
                # units off from the initialisation: no checkpoint holds weights from before it (W77 walkthrough
                # finding 3: 'restart ... from a checkpoint saved before the problem began' of biases set at -2)
                # (from the first sampled step under every="auto": fresh weights, the first step not claimed)
                fresh = torch_restart(step=1) if "from the first training step on" in reading.findings[0].remedy \
                    else f"restart from {START_WEIGHTS}"
                reading = diagnose(dataclasses.replace(summary, restart=fresh))
        elif not self._opaque and not self._unknown and _is_affine(self.model):  # layers with nothing between them
            reading = diagnose(dataclasses.replace(summary, affine_between=tuple(zip(order, order[1:], strict=False))))
        else:
            reading = self._judged_unwatched(summary, weight_norm, frozen)
        if held_to is None:
            self._was_learning = _has_moved(summary)
        healthy = next((f for f in reading.findings if f.status == Status.HEALTHY), None)
        if self._first_stds is None:  # the first report's: what training did since is told apart (too few finite
            # stds to read a growth from: none is read from them, and no report is built early for them again)
            self._first_stds = (step, list(forward_stds))
        exploding = _exploding_activations(forward_stds, self.chance_loss, self._first_stds, self._loss_measure)
        if (exploding is not None and exploding.evidence.get("grew_in_training")
                and any(f.status == Status.HEALTHY for f in reading.findings)):
            # a run that learned, its gradients reaching every layer: said in a note, not as the status (W41)
            notes.append(f"{exploding.words.removeprefix('exploding activations: ')}; the run learned and its "
                         "gradients reach every layer, so the status stays healthy (weight decay would keep the "
                         "weights, and the activations, smaller)")
            exploding = None
        elif (exploding is not None and exploding.evidence.get("grew_in_training")
              and max(exploding.evidence["activation_std"]) < GREW_HARMLESS):
            # grown by training to a moderate size: no failure of its own, and no status that would hide the one the
            # reading has (W95 walkthrough finding 4: a conv encoder-decoder whose stds grew from 0.14 to 3.1 read
            # 'exploding' over a model predicting the background on every pixel)
            notes.append(f"{exploding.words.removeprefix('exploding activations: ')}; the largest std, under "
                         f"{GREW_HARMLESS:g}, is no failure in itself, so it is not the status (weight decay would "
                         "keep the weights, and the activations, smaller)")
            exploding = None
        elif exploding is not None and exploding.evidence.get("large_targets") and healthy is not None:
            # a run that learns, its activations grown to reach large targets: healthy, with the growth and the
            # targets' remedy in its headline (W85 walkthrough finding 4: targets of std 864 read 'exploding', a
            # failure, at 87% below chance)
            grown = exploding.words.removeprefix("exploding activations: ")
            remedy = f"It learns as it is; to keep its activations from growing: {exploding.remedy}"
            said = dataclasses.replace(healthy, words=f"{healthy.words}; {grown}",
                                       remedy=f"{healthy.remedy} {remedy}".strip(),
                                       evidence={**healthy.evidence, "activation_std": exploding.evidence[
                                           "activation_std"], "growth_per_layer": exploding.evidence[
                                           "growth_per_layer"]})
            reading = Reading(tuple(said if f is healthy else f for f in reading.findings), reading.ratios)
            healthy, exploding = said, None
        # a best point is computed only for a run read as having learned and lost it (not learning any more, or a
        # climb from below chance): the loss rose from there, which the dying layer's checkpoint heeds too
        rose = best_point is not None
        if best_point is None and stopping and summary.lowest_judged_step is not None:
            # the judged mean has risen from the run's low beyond its noise (a rise whose batches spread wider is no
            # less a rise): the dying layer's checkpoint comes from that low where it is earlier (W52 walkthrough: lr
            # x 12 at step 600, the mean up from 0.366 at 580 to 0.816, and the dying layer named 'before step 617',
            # whose weights scored 0.686 on the whole data set against 0.356 before step 600).
            # That low is kept while layers read dying, the loss's coming back down included (W53 walkthrough finding
            # 3: lr 0.6 on steps 400-479 threw the loss from 0.41 to 2.07 at step 401 and units stopped from 408; with
            # the loss back down by step 1,182, the checkpoint went from 'before 399' (0.504 on the whole data set)
            # to 'before 407', after the throw (1.766), worse than the weights of the run's end (0.558))
            if self._rose_from_low is None and rise(summary) is not None:
                self._rose_from_low = self._low_point()
            if self._rose_from_low is not None:
                best_point, rose = self._rose_from_low, True
        elif not stopping:
            self._rose_from_low = None
        jumped = self._jumped(reading)
        if jumped != summary.jump_step:  # a jump this reading found: the causes put in again below read it (W59
            # walkthrough finding 3: a rate raised 100 times at step 301 in a second optimiser, the loss up from 0.22
            # to 14.2 at 302, read at 316 'dying layer ... Lower the learning rate' with no word of the raise, which
            # the reading before the dying layer's finding had named)
            summary = dataclasses.replace(summary, jump_step=jumped)
        for extra in (exploding,
                      _stopping_layers(stopping, torch_restart, dying_seen,
                                       _threw(summary, jumped, self._blown_from),
                                       # (only where the loss rose from its low point by more than its noise)
                                       best_point if self.chance_loss and (rose or risen_in_low(
                                           self._latest_low or self._lowest_judged)
                                           > MOVED_FRACTION * self.chance_loss) else None, self._moved_at,
                                       (began_far_words(summary), started_far_remedy(summary))
                                       if began_far(summary) is not None else None, offers_lower_lr(summary)),
                      self._stopped_places(sampled, notes),
                      self._off_row_stops(step, weight_norm, {wm for _, (_, wm, _, _), _ in seen if wm}, output,
                                          frozen | not_computed | _fed_by_off(seen, order), output_norm, summary)):
            if extra is not None and reading.status != Status.UNWATCHED:  # placed by seriousness
                rank = list(Status)
                floor = floor_of(summary)
                grads = [l.grad_norm for l in summary.layers] + [summary.output_grad_norm]
                if "dying_layers" in extra.evidence and summary.layers and all(
                        math.isfinite(g) and abs(g) < floor for g in grads):
                    # every weight's gradient 0 on this batch: said here, beside the dying layer's counts
                    # (readings._no_gradient leaves it to this finding: W33)
                    size = "exactly 0" if all(g == 0 for g in grads) else "0 or round-off"
                    extra = dataclasses.replace(extra, words=f"{extra.words}; on {summary.gradients_of} every "
                                                f"weight's gradient was {size}, so that batch moved no weight")
                # dying is no health; nor is it 'starting' with a dead count that leaves out the units gone silent
                # (W31: 'dying layer: 19 of 32 units' over 'starting: ... 1 of 64 hidden units is dead')
                gone = {Status.HEALTHY} | ({Status.STARTING} if "dying_layers" in extra.evidence else set())
                kept = tuple(f for f in reading.findings if f.status not in gone)
                # a dying layer that heads now says the blow-up that pushed its units there, as a dead one does (W27
                # doc walkthrough: a blow-up at step 4, then 10 of 16 units dead, read 'dying layer' alone)
                # and the causes read across the run stay in its headline: weights pulled to 0, gradients cut before
                # the optimiser (W55 walkthrough: AdamW at weight_decay 50 read 'dying layer' with 'Lower the learning
                # rate' at steps 311 and 361, between readings that named the weight decay)
                merged = sorted(kept + (extra,), key=lambda f: rank.index(f.status))
                if merged[0] is extra and not any(f.status in (Status.NOT_LEARNING, Status.DIVERGED) for f in kept):
                    # it heads now: it says where the loss stands, as diagnose's head would (a not-learning or diverged
                    # finding behind it says so itself, and a blow-up is recalled below) (W67
                    # walkthrough finding 2: a VAE collapsed to chance read 'dying layer ...' with no word of the loss,
                    # the 'starting' finding that said it gone)
                    extra = with_the_loss([extra, *kept], summary)[0]
                    merged = [extra, *merged[1:]]
                reading = Reading(tuple(collapse_beside(with_causes(_recall_blow_up(merged, summary), summary),
                                                        summary)))
        if healthy is not None and healthy not in reading.findings:  # the loss had come down: the headline keeps
            # saying so (M21 item 6: 'healthy: ..., and the loss is 43% below chance' lost its loss words when the
            # dying layer's finding took its place)
            head = reading.findings[0]
            learned = (f"; the loss is {percent_below(summary.loss, summary.chance_loss)} below chance"
                       f"{_loss_text(summary)}")
            reading = Reading((dataclasses.replace(head, words=head.words + learned),) + reading.findings[1:])
        if reading.status == Status.DIVERGED and (first_bad or bad_loss or bad_grad):  # say where it started
            first = reading.findings[0]
            # (no activation watched at all, as in a model whose only ones are an nn.RNN's: none tells where it is,
            # W73 walkthrough finding 3: 'every watched activation is finite: it starts in the loss')
            # (the output layer after the last watched activation: its own parameters may hold the NaN, written by
            # an update, W78 walkthrough finding 7: '4.weight' and '4.bias' NaN read 'it starts in the loss')
            held = self._output_non_finite(output) if bad_loss and seen and not first_bad else ""
            where = (f"the first watched activation holding a NaN or an inf is {first_bad}" if first_bad else
                     "no activation is watched, so where in the model it is cannot be read" if not seen else
                     f"every watched activation is finite, and the output layer's {held} hold NaN or infinite "
                     "values: it starts there (an update wrote them)" if held else
                     "every watched activation is finite: it starts in the loss" if bad_loss else
                     f"every watched activation is finite: backward's gradient is first non-finite at {bad_grad}")
            inside = first_bad  # the place inside the model where it began, where one is known
            if later:  # where it began first; this step's place second, said to be this step's
                place = began["place"]
                # (a NaN met first in the loss of a step not sampled began somewhere in that step: in the model or
                # in the loss, which is not known. W50 walkthrough: a log of a negative value inside the model at
                # step 150, sampled every 5, read 'it began in the loss')
                start = ("was first seen in the loss, on a step not sampled (its activations were not read, so where "
                         "in the model or the loss it began is not known)" if began.get("unsampled")
                         else "began in the loss, every watched activation finite" if place == "the loss" else
                         f"began in backward's gradient at {place[len('the gradient at '):]}, every watched "
                         "activation finite" if place.startswith("the gradient at ") else f"began at {place}")
                inside = place if start.startswith("began at ") else None
                # the place once, not 'the first watched activation holding a NaN or an inf' for the start and again
                # for the latest step; and not the step again: the headline dates it by _first_seen's rule (W28: 'first
                # seen at training step 162 (a sampled one; ...)' twice in one reading)
                where = (f"it {start}; the last sampled step, training step {step:,}, came before it"
                         if began["step"] > step else  # (the run's end read after its last sample: _closing_report)
                         f"it {start}; on training step {step:,} (the latest sampled one), {where}")
            remedy = first.remedy
            if later and began.get("unsampled") and remedy.startswith(_NAN_AT_DATA):
                # where it began is not known: the remedy says how to find it before it sends the reader to the data
                # (W51 walkthrough: a square root of a value below 0 inside the model, sampled by every="auto", led
                # with 'points at the data or the loss, first', and the latest sampled step's first place, the first
                # layer, was only where the NaN weights carried it)
                t = began["step"]
                remedy = (f"Where the NaN began is not known: training step {t:,} was not sampled, and once the "
                          "weights hold a NaN every layer does, so the latest sampled step's first place need not be "
                          f"where it began. To find it, rerun from a checkpoint before training step {t:,} with the "
                          f"steps up to it sampled (Monitor(every=1), or `with mon.step(sample=True)` from a few steps "
                          f"before it): the report then names the first place that made it. Meanwhile: "
                          f"{remedy[0].lower()}{remedy[1:]}")
            elif inside and remedy.startswith(_NAN_AT_DATA):  # found inside the model: the remedy looks there first
                # (W50 walkthrough: the reading named the log inside the model, and the remedy sent the reader to
                # the data and the loss)
                remedy = (f"The NaN first appears inside the model, at {inside}, not in the loss: look there, and just "
                          "before it, for an operation that makes one from finite values (a log or a square root of a "
                          "value at or below 0, a division by 0, an exp that overflows) and keep its input in range "
                          "(torch.log(x.clamp_min(1e-12))); if that is clean, look for a NaN or an inf in the batch's "
                          f"inputs; then {remedy.rsplit('; then ', 1)[-1]}")
            bad_in = self._input_bad
            unwatched, unwatched_bad = self._unwatched_weights() if bad_in is not None else ((), ())
            if bad_in is not None and bad_in[0] <= step and unwatched_bad:
                # weights no watched module holds (an nn.RNN's) are non-finite: the first watched weighted module's
                # input need not be the model's (W73 walkthrough finding 3: a ReLU nn.RNN at lr 0.01 went NaN after
                # its first update, and 'head', after it, was said to get the model's inputs' NaN, with the data's
                # remedy, 'no learning rate or clipping can fix that', where clipping at 1 kept the run finite)
                where = (f"{bad_in[1]}, the first weighted module the monitor watches, got a NaN or an inf in its "
                         f"input on training step {bad_in[0]:,} (a sampled one), and the weights of "
                         f"{_names_of(unwatched_bad)}, which the monitor does not watch, hold one: an update wrote it "
                         f"there, and what they make carries it on; {where}")
            elif bad_in is not None and bad_in[0] <= step:  # before any layer: the data's, whatever the places say
                head = "the first watched activation holding a NaN or an inf is "
                if where.startswith(head):  # (not where it began: the inputs are, W60 walkthrough finding 12)
                    where = f"every layer after it carries it on (the first watched activation: {where[len(head):]})"
                if unwatched:  # modules before it may have made it: the inputs, or they
                    where = (f"{bad_in[1]}, the first weighted module the monitor watches, got a NaN or an inf in "
                             f"its input on training step {bad_in[0]:,} (a sampled one): the model's inputs hold one, "
                             f"or {_names_of(unwatched)}, which the monitor does not watch, made it from finite "
                             f"inputs; {where}")
                    remedy = ("Look for a NaN or an inf in a batch's inputs: torch.isnan(x).any(dim=0) and "
                              "torch.isinf(x).any(dim=0) name the columns (a standardisation that divides a constant "
                              "column by its std of 0 makes 0/0, a missing value read as NaN). If they are clean, "
                              f"the NaN is made in {_names_of(unwatched)}: check its output with the same test. Fix "
                              f"it there, and restart from {START_WEIGHTS}, which hold no NaN.")
                else:
                    where = (f"the model's inputs hold a NaN or an inf: the first weighted module, {bad_in[1]}, got "
                             f"one on training step {bad_in[0]:,} (a sampled one); {where}")
                    remedy = ("The inputs hold a NaN or an inf before any layer runs: no learning rate or clipping "
                              "can fix that. Find it in the data: torch.isnan(x).any(dim=0) and "
                              "torch.isinf(x).any(dim=0) of a batch name the columns (a standardisation that divides "
                              "a constant column by its std of 0 makes 0/0, a missing value read as NaN), fix it "
                              f"there, and restart from {START_WEIGHTS}, which hold no NaN.")
            reading = Reading((dataclasses.replace(first, words=f"{first.words}; {where}", remedy=remedy),)
                              + reading.findings[1:])
            if later and began is first_non_finite:  # the reading now says where it began and where it is now: not
                # the notes too
                del notes[said_again:said_end]
        bad_weight = any(not math.isfinite(v) for n, v in weight_norm.items() if n not in not_computed | frozen)
        if reading.status == Status.DIVERGED and self._scaler is None and not first_bad and loss is not None \
                and math.isfinite(loss) and (bad_grad or bad_weight) and summary.blown_up is None:
            # this step's loss finite, its gradient not, and no blow-up of the loss before: a loss scaler's skip
            first = reading.findings[0]  # (W43 finding 1: 29 skips of a GradScaler, each read 'diverged')
            # after float16 activations the scaler is the likely cause: said first, the rest after 'Otherwise'
            # (W44 finding 7: the hint came last, behind sqrt at 0 and a stable cross-entropy)
            remedy = (f"{scaler_hint(half=True)} Otherwise: {first.remedy}" if self._half_seen else
                      f"{first.remedy} {scaler_hint()}").strip()
            reading = Reading((dataclasses.replace(first, remedy=remedy),) + reading.findings[1:])
        if self._half_seen and self._scaler is None and not reading.findings[0].remedy.startswith(
                scaler_hint(half=True)):  # W44 walkthrough, finding 7: float16 under a GradScaler not given read
            # |dL/dW| 5.48e+04, the scale times the loss's own, with nothing said (not where the remedy leads with it)
            notes.append(half_note())
        through = _through_calls(chains, bool(reading.findings) and "calls_vanish" in reading.findings[0].evidence)
        if through:
            notes.append(through)
        written = written_note(summary)  # (where no remedy names the write)
        if written and "written between optimiser steps" not in reading.remedy:
            notes.append(written)
        soft = self._soft_floor_note(summary.loss, summary.chance_loss)  # (soft targets' own entropy: the floor)
        if soft:
            notes.append(soft)
        moved = summary.loss is not None and summary.chance_loss is not None and _has_moved(summary)
        parts, stuck, learned, fell = self._parts_words(moved)
        if parts:
            notes.append(parts)
        if stuck and learned and reading.status in (Status.NOT_LEARNING, Status.STARTING) \
                and all(n in self.part_chance for n in stuck):
            reading = self._held_up(reading, stuck, learned, not_computed, frozen, summary.blown_up is not None)
        elif stuck and fell and not learned and reading.status in (Status.NOT_LEARNING, Status.STARTING):
            reading = self._collapsed(reading, stuck, fell)
        lead = [n for n in stuck if n not in self._parts_small]  # (a small part: the note alone)
        if lead and moved and reading.status == Status.HEALTHY:  # the headline says it (W46 walkthrough, finding 2)
            stuck = lead
            head = reading.findings[0]
            which = " and ".join(f"'{n}'" for n in stuck)
            one = len(stuck) == 1
            said = "the note on the loss's parts says by how much"
            below = ((f"below its chance level (part_chance; {said})" if one else
                      f"below their chance levels (part_chance; {said})")
                     if all(n in self.part_chance for n in stuck) else
                     f"from {'its' if one else 'their'} first steps ({said})")
            reading = Reading((dataclasses.replace(head, words=_lead(
                head.words, f"{'part' if one else 'parts'} {which} of the loss (s.parts) {'has' if one else 'have'} "
                f"not come down {below}")),) + reading.findings[1:])
        # (each head's |dL/dW| is in the heads note, where the output layer was chosen among them)
        said_heads = frozenset(self._loss_heads or ()) if heads_note and output in (self._loss_heads or ()) \
            else frozenset()
        on_no_row = _on_no_row(weight_norm, {wm for _, (_, wm, _, _), _ in seen if wm}, output,
                               frozen | not_computed | said_heads, output_norm, self._unknown)
        if on_no_row:
            notes.append(on_no_row)
        matrices = _matrices_note(self._matrix_read[1] if self._matrix_read[0] == step else {}, output_norm)
        if matrices:
            notes.append(matrices)
        zero_adapters = self._zero_factors(weight_norm, frozen, step)
        if zero_adapters:
            reading = _zero_adapters(reading, zero_adapters)
        reading = with_alike_inputs(reading, summary)
        reading = Reading(tuple(said_once(list(reading.findings))), reading.ratios)  # (the faces' steps may repeat one)
        return MonitorReport(step, sampled, self.every, tuple(rows), output_norm, loss, reading, tuple(notes),
                             first_non_finite=None if first_non_finite is None else
                             {k: first_non_finite[k] for k in ("step", "place", "unsampled") if k in first_non_finite},
                             last_finite_step=summary.last_finite_step, auto=self._auto,
                             losses_between=self._between[1] if self._between[0] == step else (),
                             held_out=None if summary.test_loss is None or summary.test_loss_step is None else
                             (summary.test_loss_step, summary.test_loss),
                             held_out_given=self._held_out_given(sampled, held_before),
                             parts=self._parts_of(step), rates=self._rates_for_line(step, held_to is None),
                             chance_loss=summary.chance_loss)

    def _held_out_given(self, sampled: int, held_to: int, before: int | None = None) -> tuple[tuple[int, float], ...]:
        """The held-out losses given since the sampled step before this one (or since training step ``before``) and
        before ``held_to`` (this step, or later for a report asked for after it), the one this reading takes in the
        latest of them; at most HELD_OUT_GIVEN: where more were, the lowest, the latest and others evenly spread among
        them; of those given, the monitor holds the latest HELD_OUT_KEPT."""
        if before is None:
            before = self._step_sampled(sampled - 1) if sampled > 1 else None
        given = [(t, v) for t, v, _ in getattr(self, "_held_out", ())
                 if v is not None and t < held_to and (before is None or t >= before)]
        if len(given) <= HELD_OUT_GIVEN:
            return tuple(given)
        keep = evenly(len(given), HELD_OUT_GIVEN - 1) | {min(range(len(given)), key=lambda k: given[k][1])}
        return tuple(given[k] for k in sorted(keep))

    @staticmethod
    def _layer_words(layer: _Layer, r: dict, width: int, window: int, param: str, is_frozen: bool, w: float,
                     ratio: float, output_norm: float, is_missing: bool = False, at_output: bool = False,
                     reference: str = "the output layer", shared: str = "", never_stored: bool = False,
                     silent: int = 0, spanned: int = 0, unlike: bool = False, first_forward: bool = False) -> str:
        """The place in words: the gradient of the weights before it (named as the parameter, 'fc1.weight', since
        the gradient may reach the activation's output and stop there), then its units (named as the module).
        ``shared``: the row that carries that gradient, where it is another place's (_weight_rows); ``never_stored``:
        backward ran and stored no weight's gradient in .grad (torch.autograd.grad); ``silent``: of the units under the
        saturation threshold, those gone silent (LayerStats.silent); ``spanned``: the training steps the dead count's
        sampled batches span (0: not known); ``unlike``: its gradient and the reference's sum unlike spans of steps,
        so their ratio is not read; ``first_forward``: the model ran more than once in a sampled step, and its units
        are read from the first forward."""
        if r.get("act_non_finite"):
            return (f"{layer.label} holds a NaN or an inf on this step: no unit is counted dead, saturated or dormant "
                    "from it")
        parts = []
        if r["non_finite"]:  # finite activations, a non-finite gradient (an inf loss's backward): its units are
            # counted from the activations, which the gradient does not change
            parts.append(f"{layer.label}'s activations are finite, but the gradient reaching them holds a NaN or an "
                         "inf on this step (its units are counted from the activations)")
        if is_frozen:
            parts.append(f"'{param}' is frozen (requires_grad=False): it gets no gradient by design")
        elif is_missing:
            parts.append(f"no gradient was stored in the .grad of '{param}' on this step (computed, never stored)"
                         if never_stored else
                         f"no gradient was computed for '{param}' on this step (not computed, not zero)")
        elif shared:
            parts.append(f"the gradient of '{param}', the weight before it, is read on {shared}'s row, not here")
        elif param and unlike:
            parts.append(f"'{param}' is not compared with {reference}: one of their .grad sums the steps since it was "
                         "last cleared, the other holds this step's alone (zero_grad() clears only the optimiser's "
                         "own parameters; the notes say which)")
        elif param:
            parts.append(layer_reading(f"'{param}'", reference, ratio, 0, 0, width, w, output_norm))
        name = layer.label
        if layer.functional and layer.acts_on == "other":  # what it acts on ('a sum (add) computed after ...'), said
            # once: the units then belong to 'this relu', not to the whole label again (M21 item 1)
            parts.insert(0, "acts on " + layer.label.partition(" applied as a function to ")[2])
            name = f"this {layer.record.name}"
        dead, sat_all = int(r["dead"]), int(r["saturated"])
        shown = dead if at_output else max(sat_all - silent, dead)  # the saturated count the words give, dead in it
        sat_ids = tuple(r.get("saturated_units") or ())
        # which ones, where the batch's mask agrees with the count (W62 walkthrough finding 4: GELU channels 0 and 9
        # killed on purpose, '2 of 12 units saturated')
        named = (_by_index(sat_ids, shown - dead) if 0 < shown - dead < width
                 and len(sat_ids) == min(shown - dead, DEAD_NAMED) else "")
        units = layer_reading(name, "the output layer", 1.0, dead, shown, width,
                              low_word=low_gradient_word(layer.record), low_named=named)
        if dead:  # dead here means: over the window of sampled batches, not one batch
            over = f" dead over {_latest(window, 'sampled batch', 'sampled batches')}"
            if spanned > window and window > 1:  # steps between them went unseen (W37 walkthrough: every="auto"
                # sampling every 50th step counted 50 dead over 12 sampled batches, 11 of which fired on 0.5-24% of
                # the steps between)
                rate = 1 - 0.05 ** (1 / window)
                over += (f" (of the {spanned:,} training steps those batches span, {window:,} were sampled: a unit "
                         f"on in {rate:.0%} of batches misses all {window:,} 1 time in 20, so some counted dead may "
                         "fire between samples)")
            if first_forward:  # (W104 walkthrough finding 4: a GAN's discriminator, read on the real batch of each
                # step, counted 21 dead of which 2 fired on the fakes)
                over += (" (read from each sampled step's first forward: the model ran more than once in a step, and "
                         "a unit counted dead may fire on the later forwards)")
            ids = tuple(r.get("dead_units") or ())
            if ids and dead < width:  # which ones (W47 walkthrough: three channels killed on purpose, and the count
                # alone could not say they were those)
                over += f" ({_by_index(ids, dead)})"
            units = units.replace(" dead", over, 1)
        parts.append(units)
        if r.get("same_units") and width >= 2 and not at_output:  # (the reading's headline says what follows: W107
            # walkthrough finding 5, the table's line of each layer of copies was empty)
            parts.append(f"its {width:,} units are copies of one another: each gave the same output as the others on "
                         "every point of this sampled batch")
        if silent:
            one, batches = silent == 1, int(r["silent_for"])
            rate = float(r.get("silent_rate") or 0.0)  # the lowest of theirs, not 'most' (W38: a unit on in 11%)
            quiet = tuple(r.get("silent_units") or ())
            named = f" ({_by_index(quiet, silent)})" if silent < width and len(quiet) == min(silent, DEAD_NAMED) else ""
            parts.append(f"{_share(silent, width, 'unit')}{named} {'was' if one else 'were'} on in "
                         f"{f'about {rate:.0%}' if one else f'{rate:.0%} or more'} of {'its' if one else 'their'} "
                         f"sampled batches before and {'has' if one else 'have'} been off on "
                         f"every point of {'each of ' if batches > 1 else ''}"
                         f"{_latest(batches, 'sampled batch', 'sampled batches')}: "
                         + (_short_window(int(r['dead_after']), int(r.get('dead_window') or 0)) or
                            # off that long already: the odds keep them from the count (W37 walkthrough: 'off on ...
                            # each of the last 5 sampled batches: counted dead if they stay off, after 5 sampled
                            # batches at the earliest')
                            (f"not yet counted dead, since at the rate {'it was' if one else 'they were'} on "
                             "before a silence this long still happens by chance (dead needs odds under 1 in "
                             f"{1 / DEAD_ODDS:,.0f})" if batches >= int(r['dead_after']) else
                             f"counted dead if {'it stays' if one else 'they stay'} off, after "
                             f"{_counted(int(r['dead_after']), 'sampled batch', 'sampled batches')} at the earliest")))
        unseen = 0 if at_output else int(r.get("unseen") or 0)
        if unseen:  # off on every point of the window, too few points to say dead (W34 finding 5)
            one, points = unseen == 1, int(r["unseen_points"])
            parts.append(f"{_share(unseen, width, 'unit')} {'was' if one else 'were'} off on every one of the "
                         f"{points:,} points of {_latest(window, 'sampled batch', 'sampled batches')}: too few "
                         f"points to call {'it' if one else 'them'} dead, since a unit on at "
                         f"{(1 - 0.05 ** (1 / points)) * 100:.2g}% of points misses {points:,} in a row 1 time in 20 "
                         f"(dead needs {DEAD_POINTS} points at least"
                         # (the batches that hold them, the count's own figure: LayerStats.dead_from)
                         + (f"; {short}" if (short := _short_window(int(r.get("dead_from") or 0),
                                                                    int(r.get("dead_window") or 0))) else "") + ")")
        if at_output and sat_all > dead:
            parts.append(f"{_share(sat_all - dead, width, 'output unit')} saturated (after the output layer: a "
                         "confident prediction, not in itself a fault)")
        return "; ".join(p for p in parts if p)

    def _output_layer(self, seen: list, order: list[str], weight_norm: dict[str, float], frozen: frozenset[str],
                      not_computed: frozenset[str]) -> tuple[str | None, str]:
        """The output layer, the reference of W/out and of the reading, and the note on the choice where there was
        one (else ""): the last weighted module to run whose weight is trained and got a gradient, unless several run
        after the last watched activation (_heads). Of heads side by side (none feeds another, as the autograd graph
        shows), the one whose weight gets the largest gradient on this step: the trunk's gradient comes mostly through
        it, where the head that ran last may carry a loss weighed 1e-4 and read the trunk as exploding against it."""
        last = next((name for name in reversed(order) if name not in frozen and name not in not_computed), None)
        heads = self._heads(seen, order, last)
        checked, feeding = self._series_read.get(last, (frozenset(), frozenset()))
        others = set(heads) - {last}
        known = others <= checked  # the step that read the data flow ran the same modules before the output layer
        # said only where the output layer is not fed by all the others (in series, as 'blocks.1.out' -> residual ->
        # lnf -> 'head', the output layer is plainly the last: W21 finding 4), in the words the data flow supports
        if not heads:  # heads of different depths (W46 walkthrough, finding 2: 'cls' a Linear on the trunk, 'reg' a
            # Linear, a Tanh and a Linear; the output layer was 'reg.2', the last to run, with no note, though the docs
            # said the head with the largest gradient): the loss's own graph says which modules compute it
            return self._loss_head(last, weight_norm, frozen, not_computed)
        if known and others <= feeding:
            return last, ""
        fed = [n for n in heads if n in feeding]
        listed = f"{len(heads)} weighted modules run after the last watched activation ({_listed(heads)}, "
        if known and not fed:
            # the heads that feed no other head, trained and with a finite gradient on this step
            feeds = set().union(*(self._series_read.get(n, ((), frozenset()))[1] for n in heads))
            trained = [n for n in heads if n not in feeds and n not in frozen and n not in not_computed
                       and math.isfinite(weight_norm.get(n, math.nan))]
            output = max(trained, key=lambda n: weight_norm[n]) if trained else last
            rest = "; ".join(f"'{n}' {weight_norm[n]:.3g}" for n in trained if n != output)
            return output, (
                f"{listed}heads side by side: the autograd graph shows none of them feeding another): the output "
                f"layer, the reference of W/out and of the reading, is '{output}', the head whose weight gets the "
                f"largest gradient on this step (|dL/dW| {weight_norm[output]:.3g}"
                + (f"; {rest}" if rest else "") + "): the heads read the same features, so the largest weight "
                "gradient marks the head the loss leans on most; against a head whose loss weighs little, the "
                f"layers before would read as exploding. {self._parts_hint()}")
        how = (f"of which {_listed(fed)} feed{'s' if len(fed) == 1 else ''} '{last}' and the others do not, as the "
               "autograd graph shows" if known else
               "side by side or in series: the data flow between them was not read on a step that ran them")
        return last, (f"{listed}{how}): the output layer, the reference of W/out and of the reading, is taken to be "
                      f"the last of them to run, '{last}'")

    def _judged_unwatched(self, summary: RunSummary, weight_norm: dict[str, float], frozen: frozenset[str]) -> Reading:
        """A model whose activations the monitor cannot see (a ReLU written as h * (h > 0), an LSTM's fused kernel):
        its loss and its weights' gradients are read all the same, so a run that blew up, stopped learning or gets no
        gradient says so first, and the unwatched finding follows. W51 walkthrough: a hand-written ReLU layer whose
        units were all turned off at step 300 read only 'unwatched' while its loss went from 0.528 to 1.58 and every
        weight's gradient was 0; with F.relu the same model read 'not learning any more ...; also no gradient'."""
        others = tuple(f"'{n}.weight'" for n, v in weight_norm.items()
                       if n not in frozen and f"'{n}.weight'" != summary.output_weights and math.isfinite(v))
        summary = dataclasses.replace(summary, unseen_weights=others)
        judged = diagnose(summary)
        # where the loss stands, said in the headline as a watched run's is (W73 walkthrough finding 2: an nn.GRU that
        # learned to 0.31 against a chance of 1.39 and a tanh nn.RNN stuck at 0.694 against 0.693 both read
        # 'unwatched', the difference inside a parenthesis at the end)
        unwatched = _unwatched_reading(self._opaque, _standing(summary) + _loss_text(summary), self._unknown)
        if judged.findings[0].words.startswith(UNLEARNED) and summary.lowest_judged_step is not None:
            # the checkpoint from its best point, as a watched run's
            best, why = self._low_point()
            judged = diagnose(dataclasses.replace(summary, restart=torch_restart(f"saved before training step "
                                                                                 f"{best:,}, {why}", best)))
        # a no-gradient finding only where every trained weight's gradient was 0 on the latest sampled step (the
        # summary's layers hold none of the hidden weights here, so its own test reads the output layer's alone)
        kept = tuple(f for f in judged.findings if f.status in (Status.DIVERGED, Status.NOT_LEARNING)
                     or f.status == Status.NO_GRADIENT and self._zero_run[0] > 0
                     # a loss pinned at chance long enough for the remedy a watched run gets then (W108 walkthrough
                     # finding 2: an nn.LSTM fed (batch, time) as (time, batch), at chance after 362 updates, read
                     # 'unwatched' as the working one did, its one remedy to write the recurrence out)
                     or f.status == Status.STARTING and "pinned_at_chance" in f.evidence)
        if not kept:
            return unwatched
        return Reading(kept + unwatched.findings)

    def _held_up(self, reading: Reading, stuck: list[str], learned: list[str], not_computed: frozenset[str],
                 frozen: frozenset[str], blew_up: bool) -> Reading:
        """A whole loss that reads not learning (or starting) while some of its parts are below their chance levels:
        the parts that are not hold it up. Where they sit near their chance levels (twice it at most) and nothing blew
        up, or some weights got no gradient (none computed, or frozen), the learning rate is no cause (W49
        walkthrough: a regression head cut off by .detach() kept the summed loss 1.2 times chance while the
        classifier's part was 98% below its own, and the remedy said to lower the learning rate). A part thrown far
        above its chance level, or a run that blew up, keeps the reading's own remedy, with the part named: W51
        walkthrough, one head's learning rate raised to 1, its part 9 to 2,900 times its chance level, read 'The
        learning rate is no cause here ... A task whose targets cannot be predicted from the inputs stays at its
        chance level'."""
        head = reading.findings[0]
        one, done = len(stuck) == 1, len(learned) == 1
        latest = self._parts_latest or ()
        far = {}
        for name in stuck:
            values = [d[name] for _, d in latest if math.isfinite(d.get(name, math.nan))]
            mean = sum(values) / len(values) if values else math.nan
            if mean > RISING_FACTOR * self.part_chance[name]:
                far[name] = mean / self.part_chance[name]
        lead = (f"{'part' if done else 'parts'} {_listed(learned)} of the loss (s.parts) {'is' if done else 'are'} "
                f"below {'its' if done else 'their'} chance level (part_chance), so "
                f"{'that task learns' if done else 'those tasks learn'}, and {'part' if one else 'parts'} "
                f"{_listed(stuck)}, ")
        over = f"the mean over the latest {len(latest)} steps"
        if far and one:
            mid = f"{times(far[stuck[0]])} times its chance level ({over}), "
        elif far:
            mid = ("not below their own (" + "; ".join(f"'{n}' {times(x)} times its chance level"
                                                       for n, x in far.items()) + f", {over}), ")
        else:
            mid = f"not below {'its' if one else 'their'} own, "
        words = _lead(head.words, lead + mid + f"{'holds' if one else 'hold'} the whole loss up")
        # the learning rate stays a cause after a blow-up (a frozen backbone beside it is no cut), or for a part far
        # above its chance level with nothing frozen or cut off
        if not not_computed and (blew_up or far and not frozen):
            return Reading((dataclasses.replace(head, words=words),) + reading.findings[1:])
        gone, still = sorted(not_computed), sorted(frozen)
        remedy = (f"The learning rate is no cause here, since part{'' if done else 's'} {_listed(learned)} "
                  f"learn{'s' if done else ''}: look at what feeds {_listed(stuck)}. "
                  + (f"{_listed([f'{n}.weight' for n in gone])} got no gradient on this step: a head cut off from the "
                     "loss (.detach(), torch.no_grad(), or a parameter left out of requires_grad) learns nothing. "
                     if gone else "")
                  + (f"{_listed([f'{n}.weight' for n in still[:4]])}{' ...' if len(still) > 4 else ''} "
                     f"{'is' if len(still) == 1 else 'are'} frozen (requires_grad=False): a head whose weights cannot "
                     "move learns nothing. " if still else "")
                  + (f"{_listed(list(far))} {'sits' if len(far) == 1 else 'sit'} far above "
                     f"{'its' if len(far) == 1 else 'their'} chance level, where no task that merely fails to learn "
                     "stays: weights that cannot move hold it wherever they were left (a head re-initialised, or "
                     "thrown by large steps, then frozen or cut off)." if far else
                     "A task whose targets cannot be predicted from the inputs stays at its chance level, as does one "
                     "whose weight in the sum is too small for it to matter."))
        return Reading((dataclasses.replace(head, words=words, remedy=remedy),) + reading.findings[1:])

    def _adapter_of(self, weight_module: str, weight_norm: dict[str, float], frozen, owners: dict,
                    step: int) -> tuple[str, float] | None:
        """A frozen weighted module's trained adapter, where the module that holds it also holds trained matrices of
        its own (a hand-written LoRA's A and B) or trained weighted modules on no row (peft's lora_A and lora_B), read
        on this step: (how the words name them, the root sum of their gradients' squared norms); None where there is
        none. Only the holding module's own parameters and modules count (held_directly): a body's other layers are
        no adapter. Factors that are all 0 are _zero_factors'."""
        parent = weight_module.rpartition(".")[0]
        if not parent:
            return None
        at, matrices = self._matrix_read
        found = [(n, v) for n, v in (matrices.items() if at == step else ()) if n.rpartition(".")[0] == parent]
        found += [(f"{n}.weight", v) for n, v in weight_norm.items()
                  if n != weight_module and held_directly(self.model, parent, n) and n not in frozen
                  and n not in owners]
        found = [(n, v) for n, v in found if math.isfinite(v)]
        if not found:
            return None
        return _adapter_names(parent, [n for n, _ in found]), math.sqrt(math.fsum(v * v for _, v in found))

    def _others_train(self, summary: RunSummary) -> Reading:
        """Every weighted module's weight frozen while other parameters train (BitFit's biases and norms, a learned
        scale beside a frozen layer): which train, by name; the rates read where each is 0; and the loss judged where
        chance_loss was given. W88 walkthrough findings 1 and 2: such a run read 'only the model's other parameters
        (biases, norms) are trained' at lr 0, nothing moving, as it did when the loss came down 37% below chance, and
        named norms that were frozen."""
        trained = [n for n, p in self.model.named_parameters() if p.requires_grad]
        shown = ", ".join(f"'{n}'" for n in trained[:6]) + (f" and {len(trained) - 6} more" if len(trained) > 6 else "")
        words = (f"every weighted module's weight is frozen (requires_grad=False): no weight gradient to read; only "
                 f"other parameters of the model are set to train ({shown})")
        zero = _rates_at_zero(summary)
        if zero is not None:
            return Reading((Finding(Status.NOT_LEARNING, f"weights not changing: {words}, but "
                                    f"{_zero_rate_words(summary, *zero)}{_loss_text(summary)}",
                                    "Set the learning rate above 0: every optimiser's step is proportional to it, so "
                                    "a rate of 0 leaves each parameter where it is.",
                                    {"learning_rate_zero_since": zero[0]}),))
        if summary.chance_loss is None or summary.loss is None or not math.isfinite(summary.loss):
            return Reading((Finding(Status.FLOWING, f"{words}{_loss_text(summary)}", "", {}),))
        if _has_moved(summary):
            return Reading((Finding(Status.FLOWING, f"{words}, and the loss is "
                                    f"{percent_below(summary.loss, summary.chance_loss)} below chance"
                                    f"{_loss_text(summary)}", "", {}),))
        if (summary.steps or 0) >= JUDGE_AFTER_STEPS:
            return Reading((Finding(Status.NOT_LEARNING, f"not learning: {words}, and after {summary.steps:,} "
                                    f"updates the loss is not {MOVED_FRACTION:.0%} below chance{_loss_text(summary)}",
                                    "Parameters other than the weights move the layers' outputs by shifts and "
                                    "scales alone: if that is too little for the task, let some weights train too "
                                    "(an adapter, or the last layers); if the loss is flat, raise the learning rate.",
                                    {}),))
        return Reading((Finding(Status.FLOWING, f"{words}{_loss_text(summary)}", "", {}),))

    def _zero_factors(self, weight_norm: dict[str, float], frozen, step: int) -> list[str]:
        """Trained weights, two or more in one module, each 0 in every value and with a gradient of exactly 0 on this
        step, whatever rows they feed: the factors of a product that are all 0, which no step moves (LoRA's A and B,
        an adapter's down and up projections, both initialised at 0), named as _adapter_names names them (W88
        walkthrough finding 3: LoRA written as modules behind a LayerNorm read 'no_gradient ... Lower the learning
        rate'; a bottleneck adapter, 'dead layer ... use Leaky ReLU or GELU')."""
        at, matrices = self._matrix_read
        zero = [f"{n}.weight" for n, v in weight_norm.items() if v == 0 and n not in frozen]
        zero += [n for n, v in (matrices.items() if at == step else ()) if v == 0]
        by_parent: dict[str, list[str]] = {}
        for name in zero:
            parent = name.rpartition(".")[0]
            if name.endswith(".weight"):  # a module's: its holder, past a container (peft's lora_A['default'])
                module = parent
                parent = module.rpartition(".")[0]
                holder = parent.rpartition(".")[0]
                if holder and held_directly(self.model, holder, module):
                    parent = holder
            by_parent.setdefault(parent, []).append(name)
        named = []
        for parent, names in by_parent.items():
            if len(names) < 2 or not parent:
                continue
            try:
                if all(not self.model.get_parameter(n).detach().any() for n in names):
                    named.append(_adapter_names(parent, names))
            except AttributeError:
                continue
        return named

    def _collapsed(self, reading: Reading, stuck: list[str], fell: dict[str, tuple[float, float]]) -> Reading:
        """A whole loss that reads not learning (or starting) while one part or more were driven to near 0 and the
        others did not come down: the loss came down by those alone. W85 walkthrough finding 2: a VAE with its KL
        term weighted 30 times, every latent collapsed onto the prior, its reconstruction at its chance level, read
        'targets that do not follow their inputs ... raise the learning rate', nothing said of the KL's weight."""
        head = reading.findings[0]
        one, single = len(fell) == 1, len(stuck) == 1
        down = "; ".join(f"{'' if one else f'{n!r} '}{_below(now, was)} below its first steps' mean, to {now:.3g}"
                         for n, (was, now) in fell.items())
        judged = all(n in self.part_chance for n in stuck)
        against = ("below its chance level" if single else "below their chance levels") if judged else \
            f"from {'its' if single else 'their'} first steps"
        words = _lead(head.words, f"the {'one part' if one else 'parts'} of the loss (s.parts) that came down, "
                                  f"{_listed(list(fell))}, {'was' if one else 'were'} driven to near 0 ({down}) "
                                  f"while {_listed(stuck)} did not come down {against}: a term weighted too heavily "
                                  "against the others is driven to 0 so (a VAE's KL term: the code collapses onto the "
                                  "prior, and the decoder ignores it)")
        remedy = (f"Lower the weight of {_listed(list(fell))} in the sum, or raise it from 0 over the first steps (a "
                  f"KL warm-up), so that {_listed(stuck)} can come down; where {'it' if single else 'they'} cannot "
                  f"however {'it is' if single else 'they are'} weighted, look at what feeds "
                  f"{'it' if single else 'them'} (targets that do not follow the inputs stay at chance).")
        return Reading((dataclasses.replace(head, words=words, remedy=remedy),) + reading.findings[1:])

    def _parts_hint(self) -> str:
        """The heads notes' last sentence: one loss for several heads hides a head that learns nothing, and s.parts
        shows each head's own (W48 walkthrough: the note said only to log each head's loss yourself)."""
        return ("The loss is one number for all the heads, so a head whose task does not learn can sit behind a loss "
                "that comes down: " + ("the note on the loss's parts (s.parts) gives each part's own mean, early and "
                                       "late" if self._parts_first else "give each head's loss as a part of it "
                                       "(s.parts = {'cls': loss_cls, 'reg': loss_reg}) and the report gives each "
                                       "part's own mean, early and late"))

    def _loss_head(self, last: str | None, weight_norm: dict[str, float], frozen: frozenset[str],
                   not_computed: frozenset[str]) -> tuple[str | None, str]:
        """Of the heads the loss is computed from (_Flow.loss_heads, read on the step that read the data flow), where
        two or more are trained and got a finite gradient on this step, the one whose weight gets the largest, with
        the note; else ``last``, with none."""
        heads = [n for n in sorted(self._loss_heads or (), key=lambda n: self._weight_order.get(n, -1))
                 if n in weight_norm and n not in frozen and n not in not_computed
                 and math.isfinite(weight_norm[n])]
        if len(heads) < 2:
            return last, ""
        output = max(heads, key=lambda n: weight_norm[n])
        rest = "; ".join(f"'{n}' {weight_norm[n]:.3g}" for n in heads if n != output)
        return output, (
            f"the loss is computed from {len(heads)} heads side by side ({_listed(heads)}: the autograd graph shows "
            "each reaching the loss through no other weighted module, and none feeding another): the output layer, "
            f"the reference of W/out and of the reading, is '{output}', the head whose weight gets the largest "
            f"gradient on this step (|dL/dW| {weight_norm[output]:.3g}; {rest}): the gradient reaching the trunk "
            f"comes mostly through it. {self._parts_hint()}")

    def _heads(self, seen: list, order: list[str], output: str | None) -> list[str]:
        """The weighted modules that ran after the last watched activation, where there are several and the output
        layer is one of them (two heads on one trunk): which of them is called the output layer is a choice."""
        if not seen or output is None:
            return []
        last = max(fixed[0] for _, fixed, _ in seen)
        after = [n for n in order if self._weight_order.get(n, -1) > last]
        return after if len(after) > 1 and output in after else []

    _first_fit: tuple = (0, None)  # _first_slope's: the first losses' count it was fitted on, and the fit

    def _first_slope(self) -> tuple[float, float] | None:
        """RunSummary.first_losses_slope, fitted again only as the first losses grow (they stop at FIRST_LOSSES):
        scipy's linregress takes some 300 us, which every sampled step's report would otherwise pay."""
        n = len(self._first_losses) if self._first_losses is not None else 0
        if n != self._first_fit[0]:
            self._first_fit = (n, _slope_and_se(self._first_losses))
        return self._first_fit[1]

    def _stopped_places(self, sampled: int, notes: list[str]) -> Finding | None:
        """A DEAD_LAYER finding for the places that ran on earlier sampled steps and on none of the last IDLE_AFTER
        or more (a mixture of experts whose router stopped sending an expert tokens: W21 finding 3 read 'healthy'),
        with how often and until when each ran; places that never ran over as many sampled steps are noted."""
        if sampled < IDLE_AFTER:
            return None
        stopped = [l for l in self._layers if l.runs and sampled - l.last_run[0] >= IDLE_AFTER]
        never = [l.name for l in self._layers if not l.runs]
        if never:
            notes.append(f"{_listed(never)} ha{'s' if len(never) == 1 else 've'} not run on any of the "
                         f"{sampled:,} sampled steps: no row, and nothing is read of "
                         f"{'it' if len(never) == 1 else 'them'}")
        if not stopped:
            return None
        # the last run's training step, and which sample it was where the two differ (S23: '(sampled step 24)' beside
        # 'step 1,200' named the 24th sample in the words every other sentence uses for a training step's number)
        parts = [f"'{l.name}' ran on {l.runs} of the {sampled:,} sampled steps, the last at training step "
                 f"{l.last_run[1]:,}" + (f" (the {_ordinal(l.last_run[0])} sampled step)"
                                         if l.last_run[0] != l.last_run[1] else "")
                 + f", and on none of the {sampled - l.last_run[0]:,} sampled since" for l in stopped[:6]]
        more = f" (and {len(stopped) - 6} more)" if len(stopped) > 6 else ""
        return Finding(
            Status.DEAD_LAYER,
            "stopped running: " + "; ".join(parts) + more + ": a module that no longer runs gets no gradient, so "
            "its weights learn nothing, and the model works with the ones that still run",
            "If these are experts of a mixture of experts, the router has stopped sending them inputs (router "
            "collapse): add a load-balancing loss on the router's choices, noise on its logits, or a cap on each "
            "expert's share of the batch; if the model skips them by design, this only says they stopped.",
            {"stopped": [{"place": l.name, "runs": l.runs, "last_sampled_step": l.last_run[0],
                          "last_step": l.last_run[1]} for l in stopped]})

    def _sample_by(self, samples, step: int | None) -> int | None:
        """The latest of a place's sampled steps ``samples`` taken at training step ``step`` or before (None: none,
        or no step)."""
        if step is None:
            return None
        return next((g for g in reversed(samples) if (self._step_sampled(g) or step + 1) <= step), None)

    def _step_sampled(self, g: int) -> int | None:
        """The training step that sampled step g (1 for the first sampled) was taken at; None where it is not kept
        (SampledSteps)."""
        at = getattr(self, "_sampled_at", None)
        return at.at(g) if at is not None else None

    def report(self) -> MonitorReport:
        """The latest sampled step's report, with how many steps have run since (it says so before any sample)."""
        notes = [self._cost_note()] if self._auto and self.calibrated_cost is not None else []
        unread = self._unread_step()  # a step open now, or one made and never entered
        if self._built() is None:
            n = self.step_count - self._step0  # this monitor's own steps (a resumed run counts from first_step)
            words = ("no step has been sampled yet: none has run" if not n else
                     f"no step has been sampled yet: {n} step{'' if n == 1 else 's'} run"
                     + (f"; every='auto' leaves the first {_WARMUP_STEPS + 1} unsampled, to time them"
                        if self._auto and unread is None else ""))
            if self._skips.count:  # sampled, every one skipped by the loss scaler (Monitor(scaler=...))
                words = f"no sampled step read yet: {self._skips.words(self.sampled_steps, None)}"
            if unread is not None:
                words = f"{words}; {unread}"
            reading = Reading((Finding(Status.STARTING, words, "", {}),))
            return MonitorReport(self.step_count, 0, self.every, (), math.nan, None, reading,
                                 tuple(self._current_notes(tuple(self.notes)) + notes), self.step_count,
                                 auto=self._auto)
        if unread is not None:
            notes.append(unread)
        last = self._with_late_held_out()
        late = self._between_report(last) if unread is None else None
        if late is not None:
            last = late
        if self._skips.count:
            notes.append(self._skips.words(self.sampled_steps, last.step))
        gap = self.step_count - last.step
        if getattr(self, "_ended", False) and gap > 0 and getattr(self, "_final", None) is not None:
            notes.append(f"the run ended at step {self.step_count:,}; this report's rows are of step {last.step:,}, "
                         f"the last sampled one, and its reading takes in the losses of the {_counted(gap, 'step')} "
                         "after it, which hold a NaN, an inf or a blow-up")
        elif getattr(self, "_ended", False) and gap > 0:  # the final report, of an earlier step (W29: 'sampled at step
            # 362 of 400', and nothing said the last 38 steps were never read)
            notes.append(f"the run ended at step {self.step_count:,}; this report is of step {last.step:,}, the "
                         f"last sampled one, and the {_counted(gap, 'step')} after it {'was' if gap == 1 else 'were'} "
                         "not read: "
                         "`with mon.step(sample=True)` on a run's last step samples it, so that the final report is "
                         "of the end of the run")
        elif gap > 0 and late is not None:  # mid-run, its reading taking in a NaN or a blow-up since the sample
            notes.insert(0, f"this report's rows are of training step {last.step:,}, the latest sampled one; its "
                            f"reading takes in the losses of the {_counted(gap, 'step')} run since, which hold a NaN, "
                            "an inf or a blow-up (the next sampled step reads the units and gradients)")
        elif gap > 0 and unread is None:  # mid-run, between samples: the words are of the latest sampled step (W58
            # walkthrough finding 10: report() at step 410 said 'healthy ... 92% below chance' of step 400, while the
            # mean loss of steps 400-409 was 7.6, 55 times that)
            empty = self._empty_last if self._empty_last > last.step else None  # a step since held no sample
            if empty is not None and self._noted_empty not in last.notes:
                notes.append(self._noted_empty)
            notes.insert(0, f"this report is of training step {last.step:,}, the latest sampled one; the "
                            f"{_counted(gap, 'step')} run since {'is' if gap == 1 else 'are'} not read yet (the next "
                            "sampled step reads them; `with mon.step(sample=True)` samples one now)" if empty is None
                         else f"this report is of training step {last.step:,}, the latest sampled one read: training "
                              f"step {empty:,} held no sample and is not read (the note below)"
                              + (f", and {_counted(gap - 1, 'other step')} run since "
                                 f"{'is' if gap == 2 else 'are'} not read yet" if gap > 1 else ""))
        return dataclasses.replace(last, steps_run=self.step_count, every=self.every, auto=self._auto,
                                   notes=tuple(self._current_notes(last.notes) + notes))

    def _still_unrowed(self, weight_norm: dict[str, float], output: str | None, summaries: list) -> tuple:
        """RunSummary.still_unrowed: the still weights on no row and not the output layer's, with their gradient's
        norm on this step."""
        rowed = {l.weights for l in summaries}
        return tuple((f"'{n}.weight'", weight_norm[n]) for n in self._still_weights
                     if n in weight_norm and n != output and f"'{n}.weight'" not in rowed)

    def _never_on(self, layer, dead_only: bool = False) -> int:
        """LayerSummary.never_on: the training step of the run's first sampled step where no unit of ``layer`` was
        on at any sampled batch from it on, the run began at step 1 and its losses before that step did not blow up
        (a blow-up dated after it); 0 otherwise. ``dead_only``: LayerSummary.dead_from_start, the same of its dead
        units alone (the caller checks that they were never on)."""
        first = self._step_sampled(1)
        if (not dead_only and layer.lit != 0) or not layer.samples or first is None or layer.first_seen != first \
                or self._step0 != 0:
            return 0
        blown = self._blown_up
        return first if blown is None or (self._blown_from or blown[0]) > first else 0

    def _output_non_finite(self, output: str | None) -> str:
        """The output layer's parameters that hold a NaN or an inf, in words ("'4.weight' and '4.bias'"); "" where
        none does, or there is no output layer."""
        module = self._weighted_by_name.get(output) if output is not None else None
        if module is None:
            return ""
        bad = [f"'{output}.{n}'" for n, p in module.named_parameters(recurse=False)
               if p.is_floating_point() and not bool(torch.isfinite(p.detach()).all())]
        return _listed(bad) if bad else ""

    def _loop_weight(self, chain: list) -> tuple[str, torch.Tensor] | None:
        """The recurrent weight of a loop chain: the one weight its calls follow, square, of a watched module, no wider
        than LOOP_SPECTRUM_MOST, as (its name in words, the weight); None where there is no such weight."""
        words = next((row.weights for _, _, row in chain if row.weights), "")
        names = re.findall(r"'([^']+)'", words) or ([words] if words else [])  # ('hh.weight' or "'hh.weight'")
        module = self._weighted_by_name.get(names[0].removesuffix(".weight")) \
            if len(names) == 1 and names[0].endswith(".weight") else None
        w = getattr(module, "weight", None)
        if not isinstance(w, torch.Tensor) or w.dim() != 2 or w.shape[0] != w.shape[1] \
                or w.shape[0] > LOOP_SPECTRUM_MOST:
            return None
        return f"'{names[0]}'", w

    def _note_loop_weights(self, loops: tuple, step: int) -> None:
        """The singular values of each loop's recurrent weight the first time a report finds the loop (its first
        sampled step: as initialised, where the run began there), kept for the vanishing reading's remedy."""
        for chain in loops[0]:
            found = self._loop_weight(chain)
            # (a weight read once is not read again: the scan of its values for NaN is paid once too)
            if found is not None and found[0] not in self._first_spectra:
                values = _spectrum(found[1])
                if values is not None:
                    self._first_spectra[found[0]] = (step, *values)

    def _loop_spectrum(self, loops: tuple, name: str) -> tuple | None:
        """RunSummary.loop_spectrum for the loop chain called ``name``: (its recurrent weight in words, the smallest and
        largest singular values now, the training step they were first read at, the smallest and largest then); None
        where its calls follow no one such weight (_loop_weight). Read only where a loop's gradient vanishes (4 ms at
        256 wide, 26 ms at 512), besides once per loop weight (_note_loop_weights)."""
        chain = next((c for c in loops[0] if _chain_name(c) == name), None)
        found = self._loop_weight(chain) if chain is not None else None
        if found is None:
            return None
        words, w = found
        now = _spectrum(w)
        if now is None:
            return None
        first = self._first_spectra.get(words)
        return (words, *now, *(first if first is not None else (None, None, None)))

    def _first_sampled(self) -> tuple[int, int] | None:
        """RunSummary.first_sampled: the first sampled step's training step and the updates this monitor saw before
        it, where there were any; None otherwise."""
        if self._first_sample is None:  # (kept: SampledSteps drops its oldest runs past a bound)
            self._first_sample = self._sampled_at.at(1)
        first = self._first_sample
        before = first - 1 - self._step0 if first is not None else 0
        return (first, before) if before > 0 else None

    def _loop_exploded_first(self, exploding: list, step: int, held_to: int | None) -> tuple | None:
        """RunSummary.loop_exploded: the first report's loop whose gradient grew back through its calls past
        EXPLODING_RATIO (else whose activations' std grew through them), as (its calls in words, that report's step,
        the weight its calls follow or '', the growth, whether it is the std's), kept for the run: a run that
        diverges after it diverged through the loop (W75 walkthrough finding 5)."""
        if self._loop_exploded is None and held_to is None:
            grown = [c for c in exploding if c[7]]
            if grown:
                top = max(grown, key=lambda c: c[2] / c[3])
                self._loop_exploded = (top[0], step, top[6], top[2] / top[3], False)
            elif exploding:  # the state's std grew through the calls (W89 walkthrough finding 3: a ReLU recurrence
                # at 1.15 I, its state's std 0.155 to 808 over 50 calls and the gradient 593 times, diverged at step 2
                # and was told to lower the learning rate, the loop unsaid)
                top = max(exploding, key=lambda c: c[5] / c[4])
                self._loop_exploded = (top[0], step, top[6], top[5] / top[4], True)
        return self._loop_exploded

    def _grew_at_first(self, loops: tuple, step: int, held_to: int | None) -> tuple | None:
        """RunSummary.calls_grew: the loop that grew its state at the first report built, with that report's step (a
        far start is a start: what a loop did at the first read is its cause, while training may shrink the state
        after it, and the remedy must not turn to the output layer's initialisation on the second step)."""
        if self._first_grew is None and held_to is None:
            self._first_grew = (step, _growing_chain(loops))
        first = self._first_grew
        return None if first is None or first[1] is None else (*first[1], first[0])

    def _end_extras(self, reading: bool) -> dict:
        """What the log's end line adds where held-out losses were given after the last sampled step (its line was
        written before them): those losses (``held_out_given``, as a report carries them) and, where ``reading``, the
        reading report() gives, which takes them in, with the held-out loss it used (W42 finding 7: a validation
        after the run's last step was on no chart and in no reading). {} where none was given since."""
        last = self._pending[3] if self._pending is not None else None
        late = self._held_out_given(0, self.step_count + 1, before=-1 if last is None else last)
        if not late:
            return {}
        extras = {"held_out_given": [[t, jsonable(v)] for t, v in late]}
        if reading and last is not None:
            final = self._with_late_held_out()
            extras["reading"] = final.reading.to_dict()
            if final.held_out is not None:
                extras["held_out"] = [final.held_out[0], jsonable(final.held_out[1])]
        return extras

    def _between_report(self, last: MonitorReport) -> MonitorReport | None:
        """Mid-run, between sampled steps: the latest sampled step's report built again with the losses of the steps
        since taken in, where one of them is NaN or infinite or past the blow-up line (_closing_report's rule); None
        otherwise, and once the run has ended (its final report does this). Built once for each step count. W80
        walkthrough finding 2: under every="auto", report() at steps 305 (loss 78) and 310 (NaN) read 'healthy ...
        99.9% below chance' of step 262, though every step's loss was given."""
        if getattr(self, "_ended", False) or self._pending is None or self._pending[3] != last.step \
                or self.step_count <= last.step or last.status is Status.DIVERGED:
            return None
        kept = getattr(self, "_between_kept", None)
        if kept is None or kept[0] != self.step_count:
            kept = self._between_kept = (self.step_count, self._closing_report())
        return kept[1]

    def _with_late_held_out(self) -> MonitorReport:
        """The latest sampled step's report, its reading taking in the held-out losses given since that step too
        (or a held_out(None) said since): W42 finding 7, a validation after an epoch's last step, the run's last one
        given, was in no report. Built once for each held-out loss given, and kept."""
        if getattr(self, "_final", None) is not None:  # the run ended, its last steps' losses taken in
            return self._final
        last = self._built()
        late = [h for h in getattr(self, "_held_out", ()) if h[0] >= last.step]
        late_bad = any(h[0] >= last.step for h in self._held_out_bad)  # (a NaN one: its note)
        if not (late or late_bad) or self._pending is None or self._pending[3] != last.step:
            return last
        key = (last.step, len(self._held_out), late[-1][:2] if late else None, self._held_out_bad_count)
        kept = getattr(self, "_late_report", None)
        if kept is None or kept[0] != key:
            kept = self._late_report = (key, self._report(*self._pending, held_to=self.step_count + 1))
        return kept[1]


def _adapter_names(parent: str, names: list[str]) -> str:
    """How the words name a frozen weight's adapters under module ``parent``: "the adapter of 'body.fc1' (A, B)"."""
    short = [n[len(parent) + 1:].removesuffix(".weight") for n in names]
    return f"the adapter of '{parent}' ({', '.join(short)})"


def _zero_adapters(reading: Reading, named: list[str]) -> Reading:
    """The reading where frozen layers' adapters are all 0, every factor of each (_adapter_of): said first, as weights
    that never change, and the vanishing or no-gradient findings that their gradient of exactly 0 makes are dropped
    (W86 walkthrough finding 2: LoRA's A and B both initialised at 0 read 'healthy ... only the output layer trains',
    and once the adapters were read, 'vanishing ... Try He initialisation')."""
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    one = len(named) == 1
    found = Finding(Status.WEIGHTS_STILL,
                    f"weights not changing: {listed} {'is' if one else 'are'} 0 in every factor: each factor's "
                    "gradient passes through the other factors, so factors that are all 0 get a gradient of "
                    f"exactly 0 and never move, and the frozen layer{'' if one else 's'} they adapt train nothing",
                    "Initialise one factor of each adapter at random and the other at 0 (LoRA starts A at random, B at "
                    "0): the adapter then adds nothing at the start, as meant, and its gradient is not 0.",
                    {"zero_adapters": list(named)})
    rest = tuple(f for f in reading.findings if f.status not in (Status.VANISHING, Status.NO_GRADIENT))
    return Reading((found, *rest))


def _matrices_note(norms: dict[str, float], output_norm: float) -> str:
    """A note on the gradients of trained matrices that are no module's .weight (an nn.LSTM's weight_ih_l0 and
    weight_hh_l0, an attention's in_proj_weight, a bare nn.Parameter), read on the sampled step: "|dL/dW| of trained
    matrices that are no module's .weight: 'rnn.weight_ih_l0' 0.0301, 0.89 of the output layer's; ...", the first
    six in the model's order; "" where none was read. W74 walkthrough finding 7: an LSTM's matrices got 0.89 and 0.34
    of the output layer's gradient, and no figure said so."""
    if not norms:
        return ""
    def said(name: str, v: float) -> str:
        ratio = grad_ratio(v, output_norm)
        of = f", {ratio:.2g} of the output layer's" if math.isfinite(ratio) and math.isfinite(v) else ""
        return f"'{name}' {v:.3g}{of}" if v != 0 else f"'{name}' 0 (its gradient was computed, and is exactly 0)"
    shown = [said(n, v) for n, v in list(norms.items())[:6]]
    more = f"; and {len(norms) - 6} more" if len(norms) > 6 else ""
    return f"|dL/dW| of trained matrices that are no module's .weight: {'; '.join(shown)}{more}"


def _on_no_row(weight_norm: dict[str, float], on_rows: set[str], output: str | None, skip: frozenset[str],
               output_norm: float, unknown: list | tuple = ()) -> str:
    """A note on the trained weights whose gradient is on no row: each feeds no watched activation directly (its output
    is summed with another module's before one, as a recurrent cell's input and hidden projections are; or goes into
    attention, a residual sum, the output). W43 walkthrough, finding 4: a hand-written LSTM's 'ih.weight' (|dL/dW|
    0.085) was in no report, no log and on no page, every gate read on 'hh''s row. Empty where there is none."""
    off = [(n, v) for n, v in weight_norm.items() if n not in on_rows and n != output and n not in skip
           and math.isfinite(v)]
    if not off:
        return ""
    def said(name: str, v: float) -> str:
        ratio = grad_ratio(v, output_norm)
        of = "" if not math.isfinite(ratio) else f", {ratio:.2g} of the output layer's"
        # (a gradient not computed is NaN and left out above: a 0 here was computed, W86 walkthrough finding 2)
        return f"'{name}.weight' {v:.3g}{of}" if v > 0 else f"'{name}.weight' 0 (its gradient was computed, and is " \
            "exactly 0)"
    zero = [n for n, v in off if v == 0]
    if len(off) <= 3:
        listed = "; ".join(said(n, v) for n, v in off)
    else:
        low, high = min(off, key=lambda p: p[1]), max(off, key=lambda p: p[1])
        listed = (f"{len(off)} of them, from {said(*low)} to {said(*high)}"
                  + (f"; {len(zero)} get a gradient of exactly 0: {', '.join(repr(n + '.weight') for n in zero[:4])}"
                     f"{' ...' if len(zero) > 4 else ''}" if zero else ""))
    # the model's activation modules that actlab has no record for run unwatched: a weight that feeds one is on no
    # row for that reason first (W73 walkthrough finding 5: a conv net's layer before an nn.PReLU read as 'summed with
    # another module's ... as a recurrent cell's', none of which it was)
    named = ", ".join(f"'{n}' ({k})" for n, k in unknown[:3]) + (" ..." if len(unknown) > 3 else "")
    why = (f"it feeds an activation the monitor does not watch ({named}), or its output is summed with another "
           "module's before a watched one" if unknown else "its output is summed with another module's before one")
    return (f"|dL/dW| of weights on no row (each feeds no watched activation directly: {why}, as a recurrent "
            f"cell's input and hidden projections are, or goes into attention, a residual sum or the output): "
            f"{listed}")


def _later_call(name: str) -> bool:
    """Whether a place's name is a later call's: 'hh>add:tanh#2', not 'hh>add:tanh'."""
    _, mark, k = name.rpartition("#")
    return bool(mark) and k.isdigit()


def _loop_period(labels: list[str], base: str) -> int:
    """How many times each pass of a loop calls the function ``base``, from the places in the order they ran in the
    forward (``labels``, each call's name without its number): the places from its first call to its last repeat with
    a shortest period (an LSTM cell's pass: sigmoid, sigmoid, tanh, sigmoid, tanh), and the function's calls in one
    period are its calls per pass (3 sigmoid gates). 1 where nothing repeats twice."""
    at = [i for i, b in enumerate(labels) if b == base]
    if not at:
        return 1
    span = labels[at[0]:at[-1] + 1]
    for p in range(1, len(span) // 2 + 1):
        if all(span[j] == span[j + p] for j in range(len(span) - p)):
            return max(1, span[:p].count(base))
    return 1


LOOP_SPECTRUM_MOST = 1024  # the widest recurrent weight whose singular values a report reads


def _spectrum(w: torch.Tensor) -> tuple[float, float] | None:
    """A matrix's smallest and largest singular values, in float64 on the CPU; None where it holds a NaN or an inf."""
    w = w.detach().to("cpu", torch.float64)
    if not bool(torch.isfinite(w).all()):
        return None
    values = torch.linalg.svdvals(w)
    return float(values.min()), float(values.max())


def _loop_chains(rows: list) -> tuple[list[list], bool]:
    """The places of one module or function called 3 or more times in one forward (a recurrent loop over time steps,
    a block applied again), each chain's calls as (call number, row index, row) in call order, and whether a sigmoid
    gate runs in the same loops. Where each pass of the loop calls the function more than once (an LSTM cell's input,
    forget and output gates, all sigmoid), each of those is a chain of its own (W66 walkthrough finding 3: the three
    gates read as one chain from the input gate at step 1 to the output gate at step 30)."""
    chains: dict[str, list] = {}
    labels = []
    for i, row in enumerate(rows):
        base, _, k = row.name.rpartition("#")
        base, k = (base, int(k)) if base and k.isdigit() else (row.name, 1)
        chains.setdefault(base, []).append((k, i, row))
        labels.append(base)
    looped = []
    for calls in chains.values():
        if len(calls) < 3:
            continue
        if len({row.weights for _, _, row in calls if row.weights}) > 1:
            # each call after another layer's weights: one activation module reused down a stack, no loop over time
            # (W55 walkthrough: a plain MLP with one nn.ReLU after every layer read 'through time ... gated cells'),
            # whose gradient flow the layers' ratios read
            continue
        calls.sort(key=lambda c: c[0])
        q = _loop_period(labels, calls[0][2].name.rpartition("#")[0] or calls[0][2].name)
        looped += [calls[r::q] for r in range(q) if len(calls[r::q]) >= 3]
    return looped, any(chain[0][2].activation == "sigmoid" for chain in looped)


def _chain_name(chain: list) -> str:
    """A chain's calls in words: its first call's name, or, where a pass calls the function more than once, which of
    its calls ('act, #4, ..., #88')."""
    return chain[0][2].name if chain[1][0] - chain[0][0] == 1 else \
        f"{chain[0][2].name}, #{chain[1][0]}, ..., #{chain[-1][0]}"


def _vanishing_chains(loops: tuple) -> list[tuple[str, int, float, float, bool, int]]:
    """The loops' chains (_loop_chains) whose |dL/da| at the first call is under VANISHING_RATIO of the last's: (the
    chain's calls in words, how many, |dL/da| at the first, at the last, whether a sigmoid gate runs in the same loop,
    how many calls from the first are exactly 0, the first figure then the first call's not 0)
    each, the gradient vanishing through the calls."""
    looped, gated = loops
    said = []
    for chain in looped:
        first, last = chain[0][2].act_grad_norm, chain[-1][2].act_grad_norm
        # the calls at the start whose gradient is exactly 0 are left out, and the first call not 0 is compared: one
        # alone may be a call nothing depends on (a forget gate at the first step multiplies a zero state, and its
        # next call's gradient is like the last's), or the first the gradient no longer reaches; two or more in a
        # row are calls the gradient no longer reaches (every unit of a later call flat to the last bit, tanh's 1 - a^2
        # at a = 1, or values past the dtype's smallest). W73 walkthrough finding 1: a tanh RNN over 150 steps,
        # exactly 0 at the first 90 and 1.7e-22 at the 91st, read 'gradients reach every layer', where over 30 steps,
        # 1.1e-11 at the first, it read 'vanishing through time'. The first figure is then the first call's not 0
        # (and read as vanishing only where the first call not 0 is itself under the line: steps masked out of a
        # padded sequence get exactly 0 too, and the first step after them a gradient like the last's)
        zeros = next((i for i, c in enumerate(chain) if c[2].act_grad_norm != 0), len(chain))
        if zeros >= 1 and zeros < len(chain):  # (one alone too: W76 walkthrough finding 2, a saturated tanh cell's
            # first call exactly 0 and 2.5e-21 at the second read 'gradients reach every layer')
            first = chain[zeros][2].act_grad_norm
        if not (math.isfinite(first) and math.isfinite(last) and last > 0):
            continue
        if 0 < first < VANISHING_RATIO * last:
            said.append((_chain_name(chain), len(chain), first, last, gated, zeros))
    return said


def _growing_chain(loops: tuple) -> tuple | None:
    """The loop chain (_loop_chains) whose activations' std grows the most from its first call to its last, where it
    grows EXPLODE_TOTAL times or more: (its calls in words, how many, the std at the first call, at the last, the
    weight its calls follow or ''); None otherwise. A recurrence that grows its state hands the output layer large
    inputs (W74 walkthrough finding 5: a first cross-entropy 2.3 times chance, from a state whose std went from 0.36
    to 4.4 over 30 calls, was told first to start from the output layer's default initialisation, which it had)."""
    grown = []
    for chain in loops[0]:
        a, b = chain[0][2].std, chain[-1][2].std
        if math.isfinite(a) and math.isfinite(b) and a > 0 and b >= EXPLODE_TOTAL * a:
            grown.append((_chain_name(chain), len(chain), a, b,
                          next((row.weights for _, _, row in chain if row.weights), "")))
    return max(grown, key=lambda c: c[3] / c[2], default=None)


def _saturated_chain(loops: tuple) -> tuple | None:
    """The loop chain (_loop_chains) half or more of whose units are saturated at every call, the most of them on
    average: (its calls in words, how many, the fewest units saturated at a call, the most, the width, the weight the
    calls follow or ''); None where none is. A state pushed to its activation's flat ends at every call (a tanh
    recurrence whose weight is too large) passes little gradient back through time. W75 walkthrough finding 6: 27 to 30
    of 32 tanh units saturated at each call read only 'vanishing through time', with a remedy for a weight too small,
    and with the state saturated and no vanishing chain, 'starting: ... 1914 of 1920 hidden units are saturated', no
    remedy."""
    found = []
    looped, gated = loops
    if gated:  # a gated cell (a sigmoid gate in the loop): gates at 0 or 1 are its own matter (_calls_vanishing's)
        return None
    for chain in looped:
        width = chain[0][2].width
        counts = [row.saturated for _, _, row in chain if row.low_word == "saturated"]
        if width and len(counts) == len(chain) and all(c is not None and 2 * c >= width for c in counts):
            found.append((_chain_name(chain), len(chain), min(counts), max(counts), width,
                          next((row.weights for _, _, row in chain if row.weights), "")))
    return max(found, key=lambda c: (c[2] + c[3]) / c[4], default=None)


def _exploding_chains(loops: tuple) -> list[tuple]:
    """The loops' chains (_loop_chains) that grow what they carry: |dL/da| at the first call over EXPLODING_RATIO
    times the last's, or the activations' std growing by the layers' rule (EXPLODE_PER_LAYER a call on average and
    EXPLODE_TOTAL in all, to EXPLODE_FLOOR or more at the last call). Each as (the chain's calls in words, how many,
    |dL/da| at the first call, at the last, the std at the first call, at the last, the weight the calls follow or
    '', whether the gradient grew so, whether the std did). W74 walkthrough findings 3 and 4: a ReLU recurrence with
    its weight 3 times PyTorch's default read 'the gradient passed back to module 'act' is 5.0e6 times the one at the
    last watched activation (module 'act' (call 50))', the loop's calls merged and set against the last of them, and
    at 4 times over 9 calls 'the activations' std grows about 1.7 times per layer ... over 9 watched layers'."""
    said = []
    for chain in loops[0]:
        first, last = chain[0][2].act_grad_norm, chain[-1][2].act_grad_norm
        a, b = chain[0][2].std, chain[-1][2].std
        grad = math.isfinite(first) and math.isfinite(last) and last > 0 and first > EXPLODING_RATIO * last
        middle = chain[len(chain) // 2][2].std
        std = (math.isfinite(a) and math.isfinite(b) and a > 0 and b >= max(EXPLODE_TOTAL * a, EXPLODE_FLOOR)
               and ((b / a) ** (1 / (len(chain) - 1)) >= EXPLODE_PER_LAYER
                    # or, over a long loop, by EXPLODING_RATIO in all as the gradient's rule, and by EXPLODE_TOTAL over
                    # its second half (a first call near 0 the next calls leave behind is no growth; W89 walkthrough
                    # finding 1: a ReLU recurrence at 1.15 I took the state's std from 0.155 to 808 over 50 calls, 1.19
                    # times a call, and read 'starting far from chance', then only the clipping that held it)
                    or b >= EXPLODING_RATIO * a and math.isfinite(middle) and b >= EXPLODE_TOTAL * middle))
        if grad or std:
            said.append((_chain_name(chain), len(chain), first, last, a, b,
                         next((row.weights for _, _, row in chain if row.weights), ""), grad, std))
    return said


def _through_calls(chains: list, said_already: bool = False) -> str:
    """A note where the gradient vanishes through the calls of one module or function (``chains``, as
    _vanishing_chains finds them). W43 walkthrough, finding 4: a hand-written LSTM's first time step got 3e-6 of the
    last's, visible only in the a/last column of 101 rows. Empty where none does, or where the reading says the one
    chain there is (said_already)."""
    if said_already and len(chains) == 1:
        return ""
    said = [f"through the {n} calls of {name} in one forward, |dL/da| falls from {last:.3g} at the last call to "
            + (f"{first:.3g} at the first, {first / last:.2g} of it" if not zeros else underflow_words(zeros, n, first))
            for name, n, first, last, _, zeros in chains]
    if not said:
        return ""
    help_ = (f"{KEEPING_GATE} and a lower learning rate (gates pushed to 0 or 1 pass no gradient) let a gated cell "
             "carry it further" if chains[0][4] else
             "gated cells (nn.LSTM, nn.GRU) carry it further, as does an orthogonal initialisation of the recurrent "
             "weight")
    return ("; ".join(said[:3]) + ": the gradient vanishes through the calls (through time, in a loop over a "
            f"sequence), so what the earliest calls see barely trains; {help_}")
