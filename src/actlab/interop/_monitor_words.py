"""The PyTorch monitor's report: its per-layer rows, the table and the words around them.

Part of actlab.torch (interop/torch.py holds the Monitor and re-exports the public names)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from ..readings import (
    MOVED_FRACTION,
    Finding,
    Reading,
    Status,
)
from ..readings import sampled_step as _sampled  # a sampled step by its training step, as every face names it
from ._monitor_base import DEAD_POINTS, START_WEIGHTS


def _counted(n: int, noun: str, nouns: str = "") -> str:
    """A count with its noun in the right number: 'no sampled step', '1 sampled step', '2,400 sampled batches'
    (``nouns``: the plural where it is not noun + 's')."""
    return f"no {noun}" if n == 0 else f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


def _share(k: int, n: int, noun: str, nouns: str = "") -> str:
    """k of n things in words that read right at every count: 'the only output unit', 'all 4 output units',
    'none of the 4 output units', '3 of 4 output units' (M21 item 3: '1 of 1 output units')."""
    many = nouns or noun + "s"
    if n == 1:
        return f"the only {noun}" if k == 1 else f"no {noun}"
    if k == n:
        return f"all {n:,} {many}"
    return f"none of the {n:,} {many}" if k == 0 else f"{k:,} of {n:,} {many}"


def _ordinal(n: int) -> str:
    """'1st', '2nd', '3rd', '11th', '24th', '1,001st' (the watch page's ordinal() in watch-status.js says the same)."""
    tens, ones = n % 100, n % 10
    return f"{n:,}" + ("th" if 11 <= tens <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(ones, "th"))


def _short_window(need: int, most: int) -> str:
    """Why a silent unit is not counted dead where the window, ``most`` sampled batches, is shorter than the ``need``
    it takes at this batch size to hold DEAD_POINTS points ("" where it is not)."""
    if not most or need <= most:
        return ""
    return (f"not counted dead with this window: at this batch size its {most:,} sampled batches hold fewer than the "
            f"{DEAD_POINTS} points dead needs (Monitor(window={need:,}) would hold them)")


def _latest(n: int, noun: str, nouns: str = "") -> str:
    """The latest n things: 'the last sampled batch', 'the last 5 sampled batches'."""
    return f"the last {noun}" if n == 1 else f"the last {n:,} {nouns or noun + 's'}"


def _label(name: str, kind: str = "", call: int = 0) -> str:
    """How the words name a module: by its qualified name, as the report's table does. A name that ends in a bare
    index (an nn.Sequential's '1', 'encoder.3') says nothing of what the module is, so its class follows it, as the
    note on unknown activations has it: "module '1' (ReLU)"; a later call of the module says which ("module '1'
    (ReLU, call 2)", "module 'act' (call 2)")."""
    if not name:
        return "the model"
    about = [kind] if kind and name.rpartition(".")[2].isdigit() else []
    if call:
        about.append(f"call {call}")
    return f"module '{name}'" + (f" ({', '.join(about)})" if about else "")


# exploding activations: over at least EXPLODE_MIN_LAYERS watched hidden layers, the activations' std grows by
# EXPLODE_PER_LAYER or more per layer on average (geometric mean, first to last) and by EXPLODE_TOTAL or more in all.
# Reference: ReLU layers whose weights have std g * sqrt(2 / fan_in) (He times a gain g) multiply the second moment of
# the activations by g^2 per layer (Var z = fan_in * Var W * E[a^2] = 2 g^2 E[a^2], and E[relu(z)^2] = Var z / 2), so
# the std by g: He (g = 1) keeps it, g = 2 doubles it per layer
EXPLODE_MIN_LAYERS = 3


EXPLODE_PER_LAYER = 1.5


EXPLODE_TOTAL = 10.0


# and the last of those layers' std reaches this at least: activations that grow layer by layer from 1e-18 to 3e-9
# have collapsed, not exploded (W53 walkthrough finding 2: weights pulled to 0 by weight decay left only the biases'
# small differences, and 'exploding activations ... grows about 1.8e+04 times per layer' said to add weight decay)
EXPLODE_FLOOR = 1.0
# activations whose growth came with training (not at the first sampled step) and whose largest std stays under this
# are said in a note, not as the status: a conv net's stds grown from 0.14 to 3-17 over four layers learned (W95
# walkthrough finding 4); growth that far and beyond is read as exploding whatever the loss
GREW_HARMLESS = 100.0


# a chance loss above this is a regression's targets' variance far from 1 (a classifier's, ln C, stays under 12 up to
# 100,000 classes): targets with a std over 10 ask the network's activations to grow to reach them
UNSCALED_TARGET_VARIANCE = 100.0
# the same targets under a loss that grows as the error's size (L1, Huber, smooth L1: "absolute"): a constant guess
# at their middle loses their mean distance from it, over 10 there
UNSCALED_TARGET_SPREAD = 10.0


def _growth(stds: list[tuple[str, float]]) -> tuple[float, float] | None:
    """The activations' std growth per layer and in all, from the first watched layer to the last (finite, positive
    stds only); None where fewer than EXPLODE_MIN_LAYERS are."""
    stds = [(label, v) for label, v in stds if math.isfinite(v) and v > 0]
    if len(stds) < EXPLODE_MIN_LAYERS:
        return None
    total = stds[-1][1] / stds[0][1]
    return total ** (1 / (len(stds) - 1)), total


def _large_targets(chance_loss: float | None, measure: str | None) -> str:
    """Where the chance loss says a regression's targets are large, how it says so, in words ("" where it does not):
    under a squared error (or a loss not known) it is their variance (UNSCALED_TARGET_VARIANCE); under a loss that
    grows as the error's size (measure "absolute": L1, Huber, smooth L1) their mean distance from their middle
    (UNSCALED_TARGET_SPREAD), and no variance (W85 walkthrough finding 1: a Huber loss's chance_loss of 721 was read
    as a variance, 'a std of 26.8', of targets whose std was 864)."""
    if chance_loss is None:
        return ""
    if measure == "absolute":
        return (f"chance_loss is {chance_loss:.3g} under a loss that grows as the error's size, as L1 and Huber do: "
                f"the targets lie some {chance_loss:.3g} from their middle on average"
                if chance_loss > UNSCALED_TARGET_SPREAD else "")
    return (f"chance_loss, their variance, is {chance_loss:.3g}: a std of {math.sqrt(chance_loss):.3g}"
            if chance_loss > UNSCALED_TARGET_VARIANCE else "")


def _exploding_activations(stds: list[tuple[str, float]], chance_loss: float | None = None,
                           first_read: tuple[int, list[tuple[str, float]]] | None = None,
                           measure: str | None = None) -> Finding | None:
    """An EXPLODING finding when the forward activations' std grows layer by layer (the criterion above). Where the
    chance loss says the targets are large (_large_targets: ``measure``, the regression loss's growth with the error,
    says how it is read), the words say so and the remedy leads with standardising them (W38 walkthrough: a ReLU MLP
    on MSE targets of variance 1.55e6 read 'exploding activations: ... grows about 8.5 times per layer' with a remedy
    to initialise or normalise; with the same targets at scale 1 the same model read healthy, its std about 0.3 in
    every layer)."""
    found = _growth(stds)
    if found is None or found[0] < EXPLODE_PER_LAYER or found[1] < EXPLODE_TOTAL:
        return None
    growth = found[0]
    stds = [(label, v) for label, v in stds if math.isfinite(v) and v > 0]
    if stds[-1][1] < EXPLODE_FLOOR:
        return None
    (first, a), (last, b) = stds[0], stds[-1]
    words = (f"exploding activations: the activations' std grows about {growth:.2g} times per layer, from {a:.3g} at "
             f"{first} to {b:.3g} at {last} over {len(stds)} watched layers (flagged from {EXPLODE_PER_LAYER:g} times "
             f"per layer and {EXPLODE_TOTAL:g} times in all)")
    remedy = ("Initialise for the activation (He for the ReLU family: weight std sqrt(2 / fan_in); Xavier for tanh), "
              "or put a normalisation layer (LayerNorm, BatchNorm) between the layers.")
    large = _large_targets(chance_loss, measure)
    if large:
        words += (f"; the targets are large ({large}), and a network whose output must reach them grows its "
                  "activations to do so")
        remedy = ("Standardise the targets (subtract their mean, divide by their std; train on those and scale the "
                  "predictions back): the network then works at the scale its initialisation is made for. If the "
                  f"growth stays after that: {remedy[0].lower()}{remedy[1:]}")
    early = _growth(first_read[1]) if first_read is not None else None
    # (large targets are their own cause, with their own remedy: the growth is the network reaching them)
    grew = early is not None and (early[0] < EXPLODE_PER_LAYER or early[1] < EXPLODE_TOTAL) and not large
    if grew:  # not so at the first step read: training grew it, and no initialisation undoes that (W41 walkthrough: a
        # CNN that had learned its task read 'exploding' for 500 steps with 'Initialise for the activation (He ...)';
        # at step 4 its stds shrank layer by layer)
        step, then = first_read
        shown = ", ".join(f"{v:.3g}" for _, v in then if math.isfinite(v) and v > 0)
        how = (f"grew only {early[0]:.2g} times per layer" if early[0] >= 1 else
               f"shrank layer by layer ({early[0]:.2g} times per layer)")
        words += f"; at training step {step:,}, the first sampled step read, it {how} ({shown}): training grew it"
        remedy = ("The growth came with training, not from the initialisation: the weights grow as the loss is "
                  "pushed down. Where the loss is down and gradients reach every layer that is harmless; where not, "
                  "lower the learning rate or add weight decay (torch.optim.AdamW's weight_decay), or put a "
                  "normalisation layer (LayerNorm, BatchNorm) between the layers.")
    return Finding(Status.EXPLODING, words, remedy, {"activation_std": [v for _, v in stds], "growth_per_layer": growth,
                                                     "chance_loss": chance_loss, "grew_in_training": grew,
                                                     "large_targets": bool(large)})


# a layer at least this share of whose units were active earlier in the run and are dead now reads "dying layer"
# (Status.DEAD_LAYER): a few units dying is common in a ReLU network and said on the layer's line; most of a layer
# dying is a fault (W19: 40 of 64 units killed at step 101 read 'healthy')
DYING_SHARE = 0.5


@dataclass(frozen=True)
class Stopping:
    """A hidden layer's units that stopped after being on (interop/_monitor_counts._stopped): dead now, or gone silent
    and not yet counted dead; the training steps most of them were first off on and last on, and the earliest and
    latest steps any of them was first off on (None: not known)."""

    label: str
    width: int
    dead: int  # every dead unit of the layer, those dead from the start too
    died: int  # dead now, after being active
    silent: int  # gone silent, not yet counted dead
    window: int  # the sampled batches the dead count covers
    silent_for: int  # the latest sampled batches every silent unit has been off on
    need: int  # the sampled batches off after which a unit counts as dead
    bulk: int  # how many went off on the step most of them went off on
    bulk_from: int | None
    bulk_on: int | None
    first_from: int | None
    last_from: int | None
    # where they went a few at a time: the step by which a tenth of them (two at least) had gone, and the sampled step
    # before it, where those were on
    spread_from: int | None = None
    spread_on: int | None = None
    most: int = 0  # the window's length, in sampled batches (0: not known)
    # of the units that stopped, those that may have been on up to the update that threw the weights (a blow-up's or a
    # jump's: _Counting._fit_throw)
    threw_fits: int = 0
    threw_on: int | None = None  # the training step of the layer's latest sampled step at or before that update's
    # no unit of the layer was on on its latest sampled batch (a rectifier's derivative 0 on every point): the units
    # neither dead nor gone silent are rarely active ones, off there too (W49 walkthrough: 'the layer works with the 5
    # units left' where none was on from step 400 on)
    all_off: bool = False

    @property
    def stopped(self) -> int:
        return self.died + self.silent

    @property
    def spread(self) -> bool:
        """Whether they went off a few at a time over several sampled steps, not most of them on one (W31 finding 4:
        biases pushed down a little every step)."""
        return (self.bulk_from is not None and 2 * self.bulk < self.stopped and self.spread_from is not None
                and self.last_from is not None and self.last_from > self.spread_from)


def is_dying(d: Stopping, seen: set[str]) -> bool:
    """Whether _stopping_layers names the layer dying: units stopped after being on, DYING_SHARE or more of the
    layer (half that where it read dying before, ``seen``), and not every unit dead."""
    return bool(d.width and d.stopped and d.dead < d.width
                and d.stopped >= DYING_SHARE * d.width * (0.5 if d.label in seen else 1.0))


def _sample_date(d: Stopping) -> int | None:
    """The training step a dying layer's units were last seen on at by the samples (the checkpoint comes before it):
    where they went a few at a time, that of the first of them, else that of most of them."""
    if d.spread:
        return d.spread_on if d.spread_on is not None else d.spread_from
    return d.bulk_on if d.bulk_on is not None else d.bulk_from


def _off_date(d: Stopping) -> int | None:
    """The training step a layer's stopped units were first seen off at by the samples (_sample_date's counterpart:
    the first of them where they went a few at a time, else most of them)."""
    return d.spread_from if d.spread else d.bulk_from


def _stopping_layers(layers: list[Stopping], restart: Callable[..., str], seen: set[str],
                     blown_up: int | None = None, best: tuple[int, str] | None = None,
                     learned_from: int | None = None, far: tuple[str, str] | None = None,
                     lower: bool = True) -> Finding | None:
    """A DEAD_LAYER finding, "dying layer", for the layers whose units that stopped after being on (dead now, or gone
    silent) are DYING_SHARE or more of the layer, and not all of it (a whole dead layer has the reading's own
    finding; W27: 30 of 32 units died mid-run and 2 never ran, and the words said 'the layer works with the units
    left'). A layer named in ``seen`` (it read dying before) reads so while half that share has stopped, and is added
    to it: W30 walkthrough, 31 or 32 of 64 units dead flipped the status between 'dead_layer' and 'healthy' from one
    sample to the next; it leaves ``seen`` once under that, and reads dying again only at the full share. Silent
    units count (W29: under every="auto", 40 of 64 units killed at step 200 read 'healthy'
    to step 362, 5 sampled batches off being 250 steps). The step named is the one most of the units went off on, and
    the remedy's checkpoint comes before the sampled step before it, where they were on: any update between the two
    may have killed them (W27: 'saved before step 312' named checkpoints that held the dead units), and before the
    update that made a blow-up (``blown_up``: its step) where there was one. ``best``: where a run that learned and
    lost it was at its best (the step, and why there, as its reading's remedy names it): the checkpoint named where
    that comes earlier (W49 walkthrough: a range test's report named 'before step 212' for its dying layer, whose
    weights scored 0.834 on the whole data set, and 'before training step 173, where the loss was at its lowest',
    0.584, in its other finding). The report gives it only where the loss rose from that point by more than its
    noise (reading_loss.risen_in_low). ``learned_from``: the training step whose judged mean first read MOVED_FRACTION
    below chance; a checkpoint before it holds next to none of the learning, and the remedy says to start afresh (W53
    walkthrough finding 6: Adam warmed up to lr 0.2 killed units from step 11 while the loss fell to step 66, and the
    remedy named 'before training step 6', at chance). ``far``: where the run began far above chance before any
    update and its loss has not come below chance since (reading_loss.began_far), that start in words and its
    remedy: the remedy leads with it, and no checkpoint of the run is named (W83 walkthrough finding 2: weights at 10
    times PyTorch's default, a layer dead over steps 8 to 18 as the loss came down from 9,300 times chance, and
    'Lower the learning rate ... or from a checkpoint saved before training step 6', weights that held that start).
    ``lower``: a lower learning rate may be offered (reading_remedies.offers_lower_lr); otherwise the remedy keeps the
    rate where it is."""
    dying = [d for d in layers if is_dying(d, seen)]
    # a layer that read dying and no longer does leaves ``seen``: it reads dying again only at the full share (W53
    # walkthrough finding 4: a layer back down to 31 and 32 of 128 stopped units, about the half share, went between
    # 'dying layer' and 'not generalising' 18 times in 67 steps)
    seen.intersection_update(d.label for d in dying)
    if not dying:
        return None
    seen.update(d.label for d in dying)
    # the layers whose units most may have been on up to an update that threw the weights, where the samples date
    # them before the sampled step just before it (at that step itself, their own dates are as close: W30's units on
    # at the sampled step 201 and off from 211, with lr 3 on steps 201-203)
    thrown = [d for d in dying if blown_up is not None and 2 * d.threw_fits > d.stopped and d.threw_on is not None
              and _sample_date(d) is not None and _sample_date(d) < d.threw_on]
    parts = []
    for d in dying:
        one = d.stopped == 1
        share = (f"{_share(d.stopped, d.width, 'unit')} of {d.label} {'was' if one else 'were'} active earlier in "
                 "the run")
        off = f"{'each of ' if d.silent_for > 1 else ''}{_latest(d.silent_for, 'sampled batch', 'sampled batches')}"
        dead_for = (f"derivative 0 on every point of {'each of ' if d.window > 1 else ''}"
                    f"{_latest(d.window, 'sampled batch', 'sampled batches')}")
        tail = ""
        short = _short_window(d.need, d.most)  # "" where the window holds the points dead needs
        if not d.silent:
            what = f"{share} and {'has' if one else 'have'} had {dead_for}"
        elif not d.died:
            what = f"{share} and {'has' if one else 'have'} been off on every point of {off}"
            tail = f"; gone silent, {short or (('it counts' if one else 'they count') + ' as dead once off for ')}" + (
                "" if short else f"{d.need} sampled batches in a row at least, more for a unit that was on less often")
        else:  # the date said before the two kinds, each with its bracket
            what = f"{share} and have stopped"
            tail = (f": {d.died} dead ({dead_for}) and {d.silent} gone silent (off on every point of {off}, "
                    + (short or f"counted dead once off for {d.need} in a row at least, more for a unit that was on "
                       "less often") + ")")
        if d in thrown:  # most may have been on up to the update that threw the weights: their dates, off on every
            # sampled batch from a step before it, are the samples' (W35)
            most = "all of them" if d.threw_fits == d.stopped else f"{d.threw_fits} of them"
            what += (f" ({most} off on every sampled batch since the loss shot up at training step {blown_up:,}, and "
                     "before it off on too few sampled batches, for how often each was on, to say it had stopped "
                     "sooner)")
        elif d.spread:
            before = (f"; the first of them still on at training step {d.spread_on:,}, the sampled step before" if
                      d.spread_on is not None and d.spread_on < d.spread_from - 1 else "")
            what += (f" (first off a few at a time, on sampled steps from training step {d.spread_from:,} to "
                     f"{d.last_from:,}{before})")
        elif d.bulk_from is not None:
            most = ("" if d.bulk == d.stopped else f"{d.bulk} of them " if d.bulk > 1 else "one of them ")
            before = (f"; on at training step {d.bulk_on:,}, the sampled step before" if d.bulk_on is not None
                      and d.bulk_on < d.bulk_from - 1 else "")
            rest = d.stopped - d.bulk
            others = ""
            if rest:
                span = ([f"the first on training step {d.first_from:,}"] if d.first_from is not None
                        and d.first_from < d.bulk_from else []) + (
                    [f"the latest on training step {d.last_from:,}"] if d.last_from is not None
                    and d.last_from > d.bulk_from else [])
                one_other = (d.first_from if d.first_from is not None and d.first_from < d.bulk_from else
                             d.last_from)
                others = (f"; the other one from training step {one_other:,}" if rest == 1 and one_other else
                          f"; the other {rest} from other sampled steps" + (f", {' and '.join(span)}" if span else
                                                                           ""))
            # 'off on every sampled batch from', not 'first off on': the steps between samples are not seen, and a
            # unit off on every sampled batch may have fired between them (W33 walkthrough finding 4: 12 of 27 units
            # 'first off on training step 62' were on at unsampled steps up to 161)
            what += f" ({most}off on every sampled batch from training step {d.bulk_from:,} on{before}{others})"
        never = d.dead - d.died  # dead, and never seen active: the layer's own dead count holds them too (W65
        # walkthrough finding 5: '28 dead ... and 6 gone silent' beside the layer's line '29 of 64 units ... dead')
        if never > 0:
            tail += (f"; {never} more {'was' if never == 1 else 'were'} not seen active on any sampled batch "
                     f"({d.dead} dead in all, as the layer's line counts)")
        parts.append(what + tail)
    # the checkpoint: before the sampled step most units were last on (the earliest such step among the layers); where
    # they went a few at a time, before the one the first of them was last on
    last_on = [blown_up - 1 if d in thrown else _sample_date(d) for d in dying if d.bulk_from is not None]
    first = min(last_on, default=None)
    seen_off = min((_off_date(d) for d in dying if d.bulk_from is not None and _off_date(d) is not None), default=None)
    if blown_up is not None and first is not None:  # the loss blew up at that step (the reading says so): before the
        # update that made it, the step before (W32: units first off at 212 and on at 162 named 'a checkpoint saved
        # before step 162', then, as one unit more or less moved the bulk, 'before step 212', after the blow-up at 201
        # that the same words blamed)
        first = min(first, blown_up - 1)
    working = [d for d in dying if not d.all_off]
    off = [d for d in dying if d.all_off]
    left = [d.width - d.stopped - d.dead + d.died for d in working]  # each one's units neither dead nor stopped
    # 'on its sampled batches': a unit counted dead or silent may fire between samples (W35 walkthrough: '56 dead ...
    # and the layer works with the 6 units left' at batch 32 under every="auto", where 11 units fired in the last 50
    # training steps). Several layers: each one's count (W66 walkthrough finding 4: 'the layers work with the 6 units
    # left', 2 in one layer and 4 in another)
    other = "other " if off else ""
    works = (f"the {other}layer works with the {_counted(sum(left), 'unit')} left on its sampled batches"
             if len(working) == 1 else
             f"the {other}layers work with the units left on their sampled batches: "
             + ", ".join(f"{n:,} in {d.label}" for n, d in zip(left, working, strict=True)))
    if off:  # a layer none of whose units was on on its latest sampled batch passes no gradient back there at all
        one = len(off) == 1
        none_on = (f"no unit of {'the layer' if len(dying) == 1 else ' and '.join(d.label for d in off)} was on on "
                   f"{'its' if one else 'their'} latest sampled batch (the units not counted dead or gone silent are "
                   f"rarely active ones), so {'it passes' if one else 'they pass'} no gradient back there at all")
        works = f"{works}, and {none_on}" if working else none_on
    # how they went: most on one step (one large update), or a few at a time over many (W31 finding 4: biases pushed
    # down a little every step, 20 units off over steps 41 to 86, and the remedy blamed 'one large update')
    spread = [d for d in dying if d.spread and d not in thrown]
    how = ("one large update can push a ReLU unit below 0 on every input for good" + (
        f": here most of them stopped with the loss shooting up at training step {blown_up:,}" if thrown else "")
        if not spread else
           "updates too large for where the weights are push ReLU units below 0 on every input for good, one large "
           "update or many in a row: here they went off a few at a time, over training steps "
           f"{min(d.spread_from for d in spread):,} to {max(d.last_from for d in spread):,}")
    evidence = {"dying_layers": [d.label for d in dying], "died_units": [d.died for d in dying],
                "silent_units": [d.silent for d in dying], "stopped_after": first, "stopped_by": seen_off}
    words = ("dying layer: " + "; ".join(parts) + ": a unit off on a batch passes no gradient back from it, so the "
             "weights feeding these units learn little or nothing through them, and " + works)
    if far is not None and learned_from is None:
        return Finding(Status.DEAD_LAYER, f"{words}; {far[0]}, and the loss has not come below chance since",
                       f"Fix the start first: {far[0]}, so its gradients, and the first updates with them, were huge, "
                       f"and the units stopped before the loss had ever come below chance. {far[1]} If units still "
                       f"stop from a start near chance: lower the learning rate ({how}), or use an activation with a "
                       f"slope below 0 (nn.LeakyReLU, nn.GELU); then {restart(step=1)}.", evidence)
    return Finding(Status.DEAD_LAYER, words,
                   (f"Lower the learning rate ({how}), or use" if lower else
                    # (a raised rate put back since: no rate to lower, W99 walkthrough finding 2)
                    f"Keep the learning rate where it is again ({how}), and use")
                   + " an activation with a slope below 0 (nn.LeakyReLU, nn.GELU); then "
                   + (restart(f"saved before training step {best[0]:,}, {best[1]}", best[0])
                      if best is not None and (first is None or best[0] < first) else
                      f"restart from {START_WEIGHTS}: the units began to stop before the loss had come "
                      f"down (its mean first read {MOVED_FRACTION:.0%} below chance at training step "
                      f"{learned_from:,}), so a checkpoint saved before training step {first:,} holds next to none "
                      "of the learning"
                      if first is not None and learned_from is not None and first < learned_from and (
                          seen_off is None or seen_off <= learned_from) else
                      # seen on before the loss came down and off after it: when they stopped, the samples do not
                      # tell (W79 walkthrough finding 2: sampled at 12 and 62, the mean below chance from 22)
                      f"restart from {START_WEIGHTS}, or from a checkpoint saved between training steps "
                      f"{learned_from:,} and {seen_off:,} where one holds the units on: the samples saw them on at "
                      f"training step {first:,} and off at {seen_off:,}, and the loss's mean first read "
                      f"{MOVED_FRACTION:.0%} below chance at {learned_from:,}, so one saved before {first:,} holds "
                      "next to none of the learning"
                      if first is not None and learned_from is not None and first < learned_from else
                      restart(f"saved before training step {first:,}", first) if first is not None else restart())
                   + ".", evidence)


def _natural_key(name: str) -> list:
    """Sort 'layers.2' before 'layers.10': the digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def _group_names(names: list[str]) -> str:
    """Module names in natural order, with runs that differ only in a last number joined: 'layers.0-11'."""
    groups: dict[str, list[int]] = {}
    singles = []
    for name in names:
        m = re.fullmatch(r"(.*?)(\d+)", name)
        if m:
            groups.setdefault(m.group(1), []).append(int(m.group(2)))
        else:
            singles.append(name)
    parts = list(singles)
    for prefix, found in groups.items():
        ints = sorted(set(found))
        start = prev = ints[0]
        for n in ints[1:] + [None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            parts.append(f"{prefix}{start}" if start == prev else f"{prefix}{start}-{prev}")
            if n is not None:
                start = prev = n
    return ", ".join(sorted(parts, key=_natural_key))


def _first_seen(here: dict) -> str:
    """When a NaN or an inf appeared: a fact where the step before was sampled, else the sampled steps around it."""
    step, before = here["step"], here.get("last_finite_step")
    if before is not None and before < step - 1:
        # (the reading's words, reading_loss._when, and the watch page say it so: kept the same here)
        return f"was first seen at {_sampled(step, f'the last finite sample was step {before:,}')}"
    return f"first appeared at step {step:,}" if before is not None or step == 1 else \
        f"was first seen at training step {step:,}, the first step sampled"


def _opaque_words(name: str, module: nn.Module) -> str:
    """What a recurrent module applies inside its fused kernel, which no hook reaches."""
    kind = type(module).__name__
    inside = ("its sigmoid gates and tanh" if isinstance(module, nn.LSTM | nn.GRU | nn.LSTMCell | nn.GRUCell)
              else f"its {getattr(module, 'nonlinearity', 'tanh')}")
    return f"'{name or 'model'}' ({kind}) applies {inside} inside one fused kernel"


# torch modules whose forward is affine in its input (dropout too: a fixed mask on a step). A model built of these
# alone, in plain nn.Sequential containers, has no non-linearity at all: no other means can hide one
_AFFINE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
           nn.Identity, nn.Flatten, nn.Unflatten, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AvgPool1d,
           nn.AvgPool2d, nn.AvgPool3d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)


def _is_affine(model: nn.Module) -> bool:
    """Whether the model is provably linear: nn.Sequential containers and _AFFINE modules only (exact types: a
    subclass may have a forward of its own)."""
    return all(type(m) is nn.Sequential or type(m) in _AFFINE for m in model.modules())


# how to have a fused recurrent module's units watched (W89 walkthrough finding 4: an nn.LSTM, nn.GRU and nn.RNN at
# chance read 'unwatched' with no remedy at all)
UNFUSED = ("To watch its units, write the recurrence out for a diagnostic run: a loop over the time steps whose gates "
           "are nn.Linear layers followed by torch.sigmoid and torch.tanh (nn.LSTMCell and nn.GRUCell are fused too). "
           "The monitor then reads each call: dead and saturated units, and the gradient through time. It runs slower "
           "than the fused kernel, so go back to that once the run is read.")


def _unwatched_reading(opaque: list[str], loss_text: str, unknown: list[tuple[str, str]] = ()) -> Reading:
    """The monitor saw no activation while the model has some it cannot reach: never 'a linear model'."""
    ran = ", ".join(f"'{n}' ({k})" for n, k in unknown[:3]) + (" ..." if len(unknown) > 3 else "")
    has = "has" if len(unknown) == 1 else "have"
    if opaque:
        where = "; ".join(opaque[:3]) + (" ..." if len(opaque) > 3 else "") + ", which the monitor cannot hook"
        if unknown:
            where += f"; {ran} {has} no actlab record"
    elif unknown:
        where = f"its activation module{'' if len(unknown) == 1 else 's'}, {ran}, {has} no actlab record"
    else:  # W17: a model with no non-linearity at all was told it applies one by other means
        where = ("no activation module or function it knows ran: the model applies its non-linearity by other means "
                 "(an expression written by hand, such as h * (h > 0) or torch.where, a custom autograd Function, a "
                 "C++ kernel: the notes say between which layers), or it has none, and its weighted layers then "
                 "compute one affine map, as a single layer would")
    head = "cannot see this model's activations" if opaque or unknown else "saw no activation in this model"
    return Reading((Finding(Status.UNWATCHED, f"unwatched: the monitor {head}: {where}; "
                            "the table has a row for each watched activation, so it is empty, and nothing here says "
                            f"whether units are dead or saturated or whether gradients vanish{loss_text}",
                            UNFUSED if opaque else "To have it watched, apply the activation with a torch module "
                            "or function that actlab knows (nn.ReLU, F.gelu, torch.tanh, ...).",
                            {"unwatched": opaque, "unknown": [n for n, _ in unknown]}),))


@dataclass(frozen=True)
class LayerStats:
    """One activation layer at the latest sampled step (dead counts over the window)."""

    name: str
    activation: str  # the registry record's name
    module_type: str
    width: int
    act_grad_norm: float  # ||dL/da|| of the activation's output
    act_grad_ratio_to_last: float
    weight_grad_norm: float  # ||dL/dW|| of the weighted module before it
    mean: float
    std: float
    # the unit counts are None on a step whose activations hold a NaN or an inf: nothing is read from such data
    zero_derivative_fraction: float | None
    saturated: int | None  # mean |f'| under 1% of its maximum, or outputs within 1% of a level: see Monitor
    dead: int | None  # units never active (f' = 0 on every sample) over the finite sampled batches in the window
    dormant: int | None
    window: int  # how many sampled batches the dead count covers
    non_finite: bool
    words: str
    weight_grad_ratio_to_output: float = math.nan  # ||dL/dW|| over the output layer's: the ratio the words read
    weights: str = ""  # the parameter that ratio is of ('fc1.weight'); "" where no weighted module runs before
    weights_frozen: bool = False  # that parameter has requires_grad=False: it gets no gradient by design
    # what the 'saturated' count's units are called for this activation (readings.low_gradient_word): ReLU cannot
    # saturate, so its units under the threshold are "rarely active"
    low_word: str = "saturated"
    # of the `saturated` units, those gone silent: on in most of their sampled batches before, off on every point of
    # the latest ones, and not yet counted dead (the layer's words say how long); they are not called rarely active
    silent: int = 0
    # the sampled batches after which a unit off on every point of them is counted dead (the dead count's warm-up):
    # min(window, 5), or more where a batch holds few points (DEAD_POINTS); 0 for a function that has no dead units
    dead_from: int = 0
    # the dead units by index along the unit axis (a convolution's channels), the first DEAD_NAMED of them
    dead_units: tuple[int, ...] = ()
    # the `saturated` units by index, the silent ones left out (they are in silent_units), the first DEAD_NAMED
    saturated_units: tuple[int, ...] = ()
    silent_units: tuple[int, ...] = ()  # the units gone silent by index, the first DEAD_NAMED

    def to_dict(self) -> dict:
        from .._json import fields_jsonable

        return fields_jsonable(self)


NAME_COLUMN = 40  # the widest module column of a report's table
# a module called more than FOLD_CALLS times in one forward (a recurrent cell over a long sequence) keeps its first and
# last FOLD_KEEP calls' rows in the text and notebook tables, the calls between folded into one line (W97 walkthrough
# finding 5: a 60-step RNN's report ran to 60 rows and 59 alike lines under them); report.layers and the log keep
# every call
FOLD_CALLS = 12
FOLD_KEEP = 3


def _call_of(name: str) -> tuple[str, int]:
    """A row's module and its call in the forward: ('act', 7) for 'act#7', ('act', 1) for 'act'."""
    base, sep, k = name.rpartition("#")
    return (base, int(k)) if sep and k.isdigit() else (name, 1)


def _folded(layers: tuple[LayerStats, ...]) -> list:
    """The table's rows: each layer's index, except that the calls of a module called more than FOLD_CALLS times,
    between its first and last FOLD_KEEP, are one tuple of their indices, in the place of the first of them."""
    calls: dict[str, list[int]] = {}
    for i, l in enumerate(layers):
        calls.setdefault(_call_of(l.name)[0], []).append(i)
    hidden = {}
    for rows in calls.values():
        if len(rows) > FOLD_CALLS:
            folded = tuple(rows[FOLD_KEEP:-FOLD_KEEP])
            hidden.update({i: folded for i in folded})
    out = []
    for i in range(len(layers)):
        if i not in hidden:
            out.append(i)
        elif hidden[i][0] == i:
            out.append(hidden[i])
    return out


def _fold_line(layers: tuple[LayerStats, ...], rows: tuple[int, ...]) -> str:
    """The table's line for folded calls: which, how many, and the range of their |dL/da| and dead counts."""
    these = [layers[i] for i in rows]
    grads = [l.act_grad_norm for l in these if l.act_grad_norm is not None and math.isfinite(l.act_grad_norm)]
    dead = [l.dead for l in these if l.dead is not None]
    spread = (f": |dL/da| {min(grads):.3g} to {max(grads):.3g}" if grads else "") + (
        "" if not dead else f", dead {min(dead)} to {max(dead)}" if min(dead) != max(dead) else
        f", dead {dead[0]} at each")
    return (f"... {len(these)} calls folded, {these[0].name} to {these[-1].name}{spread} (report.layers holds "
            "every one)")


def _names_in_runs(names: list[str]) -> str:
    """Row names in words, a run of a module's consecutive calls as 'act#2 to act#60'."""
    out, k = [], 0
    while k < len(names):
        base, n = _call_of(names[k])
        j = k
        while j + 1 < len(names) and _call_of(names[j + 1]) == (base, n + j + 1 - k):
            j += 1
        out.append(names[k] if j - k < 2 else f"{names[k]} to {names[j]}")
        if 0 < j - k < 2:
            out += names[k + 1:j + 1]
        k = j + 1
    return ", ".join(out)


def _num(v, spec: str = ".3g") -> str:
    """A number for the report's table; '-' where there is none (a NaN step's counts, a frozen weight's ratio)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, spec)


# the report table's columns after the module's name, each with its narrowest width (the header's, or the widest
# number it usually holds): a wider cell widens its column (W17: a layer of 200000 units overflowed 'units')
_COLUMNS = (("act", 3), ("units", 5), ("|dL/da|", 9), ("a/last", 8), ("|dL/dW|", 9), ("W/out", 8), ("mean", 7),
            ("std", 7), ("dead", 5), ("sat", 5), ("dorm", 5))


def _low_count(l: LayerStats) -> str:
    """The 'sat' cell: the units under the saturation threshold, and how many of them have gone silent, which the
    layer's words tell apart from the rarely active ones ('2 (1 silent)')."""
    return _num(l.saturated, "d") + (f" ({l.silent} silent)" if l.silent else "")


WEIGHTS_COLUMN = 32  # the widest weights column of a report's table: a longer name keeps its end


def _weights_cell(l: LayerStats) -> str:
    """The report table's last cell: the parameter |dL/dW| is of ('fc1.weight'), '(frozen)' after a frozen one's name,
    '-' where none is read on this row."""
    name = l.weights if len(l.weights) <= WEIGHTS_COLUMN else "…" + l.weights[-(WEIGHTS_COLUMN - 1):]
    return (f"{name} (frozen)" if l.weights_frozen else name) if name else "-"


def _row(l: LayerStats) -> list[str]:
    return [l.activation, str(l.width), _num(l.act_grad_norm), _num(l.act_grad_ratio_to_last),
            _num(l.weight_grad_norm), _num(l.weight_grad_ratio_to_output), _num(l.mean), _num(l.std),
            _num(l.dead, "d"), _low_count(l), _num(l.dormant, "d")]


# a note's opening and its details are parted by a line break: the text report puts the details on lines of their own
# under the opening, the notebook's table and the watch page behind a disclosure (W27: the cost note ran to 1,600
# characters on one line of str(report))
DETAILS = "\n"


def _notes_html(notes: tuple[str, ...]) -> str:
    """The notes under the notebook's table: a note's details (after its line break) behind a disclosure."""
    import html

    def item(note: str) -> str:
        opening, _, details = note.partition(DETAILS)
        more = (f" <details><summary>The rest of this note</summary>{html.escape(details)}</details>"
                if details else "")
        return f"<li>{html.escape(opening)}{more}</li>"

    return f"<ul>{''.join(item(n) for n in notes)}</ul>" if notes else ""


@dataclass(frozen=True)
class MonitorReport:
    """What Monitor.report() returns: the latest sampled step's reading of the model.

    ``status`` is the reading's status ("healthy", "starting", "vanishing", "unwatched", ...; the most serious of its
    findings), ``reading`` holds the findings with their words and remedies, ``layers`` one LayerStats per watched
    activation in forward order, ``notes`` what the monitor could not see and why. ``step`` is the step the sample was
    taken at and ``sampled_steps`` how many steps were sampled so far; str(report) is the table and the words, and
    to_dict() the same as plain data (what the log writes)."""

    step: int
    sampled_steps: int
    every: int | None
    layers: tuple[LayerStats, ...]
    output_grad_norm: float
    loss: float | None
    reading: Reading
    notes: tuple[str, ...]  # what the monitor could not see, and why
    steps_run: int | None = None  # steps run when the report was asked for (the sample may be older)
    auto: bool = False  # every="auto": the interval is re-timed, so "every" is the latest choice
    # the first sampled step whose activations or loss held a NaN or an inf, and the first place it reached
    # ({"step": int, "place": str, "last_finite_step": int | None}: the sampled step before it that was finite)
    first_non_finite: dict | None = None
    # the sampled step, finite, before the run of non-finite ones the reading dates the divergence from; below that
    # step - 1 the steps between were not sampled, and the NaN was first seen, not first made, there
    last_finite_step: int | None = None
    # the losses of the training steps between the sampled step before and this one, (step, loss), where the script
    # gave one each step (s.loss): the log carries them for /watch's loss chart; None where one was no single number
    losses_between: tuple[tuple[int, float | None], ...] = ()
    # the held-out loss the reading took in (Monitor.held_out): (the training step it was given after, the loss); the
    # log carries it for /watch's loss chart (W40: the number behind a not_generalising headline was on no chart).
    # None where none was given, or held_out(None) stopped them
    held_out: tuple[int, float] | None = None
    # every held-out loss given since the sampled step before (up to HELD_OUT_GIVEN of them: the lowest and the latest
    # always among them), as (step given after, loss): /watch draws each where it was given (W41 walkthrough: 75
    # given, 29 drawn, the lowest, which the remedy named, on no chart)
    held_out_given: tuple[tuple[int, float], ...] = ()
    # the loss's named parts on this sampled step (s.parts), (name, value): the log carries them for /watch's loss chart
    parts: tuple[tuple[str, float], ...] = ()
    # the learning rate's changes the monitor read since the sampled step before (the first report: since it began),
    # per parameter group holding a watched weight, (its label, ((training step, rate), ...)): the log carries them
    # for /watch's learning-rate chart (W60 walkthrough: the readings name the rate, and no chart drew it)
    rates: tuple[tuple[str, tuple[tuple[int, float], ...]], ...] = ()
    # the chance level the reading judged the loss against (chance_loss; None where none was given or the loss is not
    # judged against it): /watch draws it on the loss chart (W84 walkthrough finding 11: every verdict is against
    # chance, and the chart never showed it)
    chance_loss: float | None = None

    @property
    def status(self) -> Status:
        """The reading's status, the most serious of its findings: report.status == report.reading.status."""
        return self.reading.status

    @property
    def non_finite(self) -> bool:
        """This step's activations or loss hold a NaN or an inf."""
        return any(l.non_finite for l in self.layers) or (self.loss is not None and not math.isfinite(self.loss))

    def to_dict(self) -> dict:
        from .._json import jsonable

        return {"step": self.step, "steps_run": self.steps_run, "sampled_steps": self.sampled_steps,
                "every": self.every, "auto": self.auto,
                "layers": [l.to_dict() for l in self.layers], "output_grad_norm": jsonable(self.output_grad_norm),
                "loss": jsonable(self.loss), "non_finite": self.non_finite,
                "first_non_finite": self.first_non_finite, "last_finite_step": self.last_finite_step,
                "reading": self.reading.to_dict(),
                "notes": list(self.notes),
                **({"losses_between": [[t, jsonable(v)] for t, v in self.losses_between]} if self.losses_between
                   else {}),
                **({"held_out": [self.held_out[0], jsonable(self.held_out[1])]} if self.held_out else {}),
                **({"held_out_given": [[t, jsonable(v)] for t, v in self.held_out_given]} if self.held_out_given
                   else {}),
                **({"parts": {name: jsonable(v) for name, v in self.parts}} if self.parts else {}),
                **({"rates": {label: [[t, jsonable(v)] for t, v in changes] for label, changes in self.rates}}
                   if self.rates else {}),
                **({"chance_loss": jsonable(self.chance_loss)} if self.chance_loss is not None else {})}

    def _head(self) -> str:
        """The report's first line: the step it is of, among the steps run, and the sampling rule."""
        age = (f" of {self.steps_run}" if self.steps_run is not None and self.steps_run != self.step else "")
        n = self.sampled_steps
        ran = self.steps_run if self.steps_run is not None else self.step
        head = (f"actlab monitor: sampled at step {self.step}{age}, {n} step{'' if n == 1 else 's'} sampled" if n else
                f"actlab monitor: no step sampled yet, {ran} step{'' if ran == 1 else 's'} run")
        return head + (f" (every ~{self.every}, auto)" if self.every and self.auto else
                       f" (every {self.every})" if self.every else "")

    def _under_table(self) -> list[tuple[str, str]]:
        """What follows the table, each as (label, text), in the order both faces give it: the columns' legends, each
        layer's words, the status, the reading, the remedy, the other findings, and the notes (label "note")."""
        out = []
        rare = sorted({l.activation for l in self.layers if l.low_word != "saturated"})
        if rare:
            out.append(("sat", f"for {', '.join(rare)}, units rarely active (on for under 1% of the batch): a function "
                               "whose only flat part is 0 cannot saturate"))
        warming = [l for l in self.layers if l.dead_from and l.window < l.dead_from and not l.non_finite]
        if warming:  # (W48 walkthrough, finding 5: a resumed run's 40 dead units read 0 dead, and 'healthy', for the
            # first 4 sampled steps, with nothing to say the count had not begun)
            need, have = max(l.dead_from for l in warming), min(l.window for l in warming)
            had = _counted(have, "sampled batch", "sampled batches")
            out.append(("dead", f"not counted yet: a unit is called dead once its derivative was 0 on every point "
                                f"of {need:,} sampled batches, and this report has {had}; a unit off on every one so "
                                "far counts in the sat column until then"))
        if any(l.silent for l in self.layers):
            out.append(("sat (n silent)", "n of those units were on before and have been off on every point since "
                                          "(gone silent, not rarely active): counted dead if they stay off"))
        out += self._layer_words()
        out += [("status", self.reading.status.value), ("reading", self.reading.words)]
        if self.reading.remedy:
            out.append(("remedy", self.reading.remedy))
        out += [("also", f.words) for f in self.reading.others]
        return out + [("note", note) for note in self.notes]

    def _layer_words(self) -> list[tuple[str, str]]:
        """Each layer's words, labelled by its row; the calls of a module whose rows fold (_folded) with the same
        words said once, labelled by them all ('act#2 to act#60 (Tanh, 32 units)')."""
        folds = {_call_of(self.layers[i].name)[0] for row in _folded(self.layers) if isinstance(row, tuple)
                 for i in row}
        out, grouped = [], {}
        for l in self.layers:
            if not l.words:
                continue
            base = _call_of(l.name)[0]
            if base in folds:
                key = (base, l.words, l.module_type, l.width)
                if key not in grouped:
                    grouped[key] = []
                    out.append(key)
                grouped[key].append(l.name)
            else:
                out.append((f"{l.name} ({l.module_type}, {l.width} unit{'' if l.width == 1 else 's'})", l.words))
        return [(f"{_names_in_runs(grouped[key])} ({key[2]}, {key[3]} unit{'' if key[3] == 1 else 's'})", key[1])
                if key in grouped else key for key in out]

    def __str__(self) -> str:
        lines = [self._head()]
        # a/last: |dL/da| over the last watched activation's (the watch page's "ratio to last"); W/out: |dL/dW| of
        # the weights before the activation over the output layer's, the ratio the words below read
        # the module column fits the longest name up to NAME_COLUMN characters; a longer one keeps its end, which tells
        # places apart ('…layers.11.linear1:gelu'), and the lines under the table name each place in full
        nw = min(max([6] + [len(l.name) for l in self.layers]), NAME_COLUMN)
        cells = [_row(l) for l in self.layers]
        widths = [max([least] + [len(row[i]) for row in cells]) for i, (_, least) in enumerate(_COLUMNS)]
        head = f"{'module':<{nw}} {'act':<{widths[0]}} " + " ".join(
            f"{title:>{w}}" for (title, _), w in zip(_COLUMNS[1:], widths[1:], strict=True))
        # the weight whose gradient |dL/dW| and W/out are of, last and left-aligned, its end kept where it is long
        # (W26: the table did not say which weight belonged to which row; '-' where another row carries it)
        weights = [_weights_cell(l) for l in self.layers]
        head += " weights"  # left-aligned, the lines keep no trailing space
        lines += [head, "-" * len(head)]
        for row_at in _folded(self.layers):
            if isinstance(row_at, tuple):  # a long loop's middle calls, on one line
                lines.append(_fold_line(self.layers, row_at))
                continue
            l, row, weight = self.layers[row_at], cells[row_at], weights[row_at]
            name = l.name if len(l.name) <= nw else "…" + l.name[-(nw - 1):]
            lines.append(f"{name:<{nw}} {row[0]:<{widths[0]}} " + " ".join(
                f"{cell:>{w}}" for cell, w in zip(row[1:], widths[1:], strict=True)) + f" {weight}")
        for label, text in self._under_table():
            if label == "note":  # a note's details (after its line break) on lines of their own, under its opening
                opening, *details = text.split(DETAILS)
                lines += [f"note: {opening}", *(f"      {d}" for d in details)]
            elif label in ("status", "reading", "remedy", "also"):
                lines.append(f"{label}: {text}")
            else:  # the legends and the layers' words, indented under the table
                lines.append(f"  {label}: {text}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The notebook's face of the same parts as the text's (W29: the table dropped the mean and std, the step
        and every layer's words, and read 'healthy: healthy: ...')."""
        import html

        head = "".join(f"<th>{html.escape(t)}</th>" for t in ("module", *(t for t, _ in _COLUMNS), "weights"))
        span = len(_COLUMNS) + 2
        rows = "".join(
            f"<tr><td colspan=\"{span}\">{html.escape(_fold_line(self.layers, at))}</td></tr>" if isinstance(at, tuple)
            else "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (
                self.layers[at].name, *_row(self.layers[at]), _weights_cell(self.layers[at]))) + "</tr>"
            for at in _folded(self.layers))
        under = self._under_table()
        said = "".join(f"<p><b>{html.escape(label)}</b>: {html.escape(text)}</p>" for label, text in under
                       if label in ("status", "reading", "remedy", "also"))
        legends = "".join(f"<li>{html.escape(label)}: {html.escape(text)}</li>" for label, text in under
                          if label not in ("status", "reading", "remedy", "also", "note"))
        return (f"<p>{html.escape(self._head())}</p>{said}<table><tr>{head}</tr>{rows}</table>"
                + (f"<ul>{legends}</ul>" if legends else "")
                + _notes_html(tuple(text for label, text in under if label == "note")))


# how the note on steps that raised begins (report() puts the latest version in place of the one a sampled step kept)
STEP_ERROR_HEADS = ("an exception inside `with mon.step()`", "exceptions inside `with mon.step()`")

_FATES = {
    "unsampled": "not a sampled step, so the monitor had measured nothing of it",
    "dropped": "a sampled step, and it raised before its backward had ended: the monitor dropped what it had measured "
               "of it (the readings, the counts and the dead-unit history leave it out, and it is not among the "
               "sampled steps counted)",
    "kept": "a sampled step, and it raised after its backward had ended: the monitor kept its measurements, read as "
            "any sampled step's",
}


def _step_error_words(errors: dict, steps_run: int | None = None) -> str:
    """The note on the steps whose `with mon.step()` block raised: which (the first and the latest), the exception
    in words, and what the monitor kept or dropped of each kind. ``errors``: count, first and latest as (step, words,
    fate), and a count per fate; with ``steps_run``, how many steps ran after the latest."""
    step, words, fate = errors["latest"]
    after = steps_run - step if steps_run is not None else 0
    later = f"; {after} step{'' if after == 1 else 's'} ran after it" if after > 0 else ""
    if errors["count"] == 1:
        return f"{STEP_ERROR_HEADS[0]}: step {step} raised {words}; it was {_FATES[fate]}{later}"
    kinds = {"unsampled": "not sampled", "dropped": "sampled, measurements dropped",
             "kept": "sampled, measurements kept"}
    parts = ", ".join(f"{errors[k]} {kinds[k]}" for k in ("unsampled", "dropped", "kept") if errors[k])
    first = errors["first"]
    return (f"{STEP_ERROR_HEADS[1]}: {errors['count']} steps raised one ({parts}); the latest, step {step}, raised "
            f"{words}, and was {_FATES[fate]}{later}; the first, step {first[0]}, raised {first[1]}")
