"""The loss's named parts (`s.parts = {"cls": loss_cls, "reg": loss_reg}`): a loss summed over several heads or tasks
is one number, and a part that learns nothing hides behind the others (W46 walkthrough, finding 2: a regression head
on random targets, its loss 1.02 against a target variance of 0.99, under a summed loss read 'healthy ... 54% below
chance'). Each part is held as the loss is (a detached tensor), read in one transfer when a report is built, and the
report compares its latest steps' mean with its first steps'.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math
import numbers
from collections import deque
from collections.abc import Mapping

import torch

from ..reading_loss import MOVED_FRACTION
from ..reading_record import percent_below
from ..run_points import NAME_MOST, PARTS_MOST  # named parts a step may give, and characters of a part's name
from ._monitor_base import JUDGED_STEPS, _short

PARTS_LEAST = 20  # steps with parts before the first and the latest of them are compared


def _check_name(name, where: str, error: type[Exception]) -> None:
    if not isinstance(name, str) or not name or len(name) > NAME_MOST:
        raise error(f"{where}: each part is named by a string of 1 to {NAME_MOST} characters; got {_short(name)}")


def checked_parts(value) -> dict:
    """s.parts as the monitor holds it: a dict of at most PARTS_MOST names, each a one-value tensor (detached) or a
    real number; anything else raises TypeError saying which part and what is allowed."""
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"s.parts = {_short(value)}: give a dict of the loss's named parts, such as "
                        "s.parts = {'cls': loss_cls, 'reg': loss_reg} (each one number, a tensor or a float)")
    if len(value) > PARTS_MOST:
        raise TypeError(f"s.parts: {len(value)} parts given, at most {PARTS_MOST} are read")
    held = {}
    for name, part in value.items():
        _check_name(name, "s.parts", TypeError)
        if isinstance(part, torch.Tensor) and part.numel() == 1:
            held[name] = part.detach().reshape(())
        elif isinstance(part, numbers.Real) and not isinstance(part, bool):
            held[name] = float(part)
        else:
            raise TypeError(f"s.parts[{name!r}] = {_short(part)}: each part is one number (a tensor of one value, "
                            "or a float), as s.loss is")
    return held


def checked_part_chance(value) -> dict[str, float]:
    """Monitor(part_chance=...) as the monitor holds it: a dict of at most PARTS_MOST part names, each to its chance
    level, a finite number above 0; None gives {}. Anything else raises ValueError saying which entry and what is
    allowed."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"part_chance: a dict of part names (as s.parts names them) to each part's chance level, "
                         f"such as part_chance={{'reg': float(y_reg.var())}}, or None; got {_short(value)}")
    if len(value) > PARTS_MOST:
        raise ValueError(f"part_chance: {len(value)} parts given, at most {PARTS_MOST} are read")
    held = {}
    for name, level in value.items():
        _check_name(name, "part_chance", ValueError)
        if (isinstance(level, bool) or not isinstance(level, numbers.Real) or not math.isfinite(level)
                or level <= 0):
            raise ValueError(f"part_chance[{name!r}] = {_short(level)}: the part's loss under the best constant "
                             "guess, a finite number above 0 (the targets' variance for a mean squared error, ln C "
                             "for cross-entropy over C balanced classes)")
        held[name] = float(level)
    return held


PART_LEAD_SHARE = 0.05  # a part under this share of all the parts' latest means is not said in the headline
# a part whose latest mean is this many times its first steps' while the whole loss came down is traded for the others
# (a VAE's KL term rises as the code carries more): said in the note, not in a healthy run's headline (W85 walkthrough
# finding 3: a working VAE's KL, 0.0351 to 0.114, led the headline 'healthy, but part 'kl' ... has not come down')
PART_ROSE = 1.5
# a part whose latest mean is under this share of its first steps' has been driven to near 0 (_parts_words' fell)
PART_FELL = 0.1


class _Parts:
    """Holding the loss's named parts, and the note that compares each one's latest steps with its first."""

    _parts_small: set | frozenset = frozenset()  # the parts under PART_LEAD_SHARE of all theirs (_parts_words)

    _parts_first: list | None = None  # the first steps' parts, [step, {name: value}], up to JUDGED_STEPS of them
    _parts_latest = None  # the latest JUDGED_STEPS steps' parts (a deque, made with the first)
    # per part, its lowest mean over the latest steps at a report: (mean, the last of those steps, how many)
    _parts_low: dict | None = None

    def _hold_parts(self, step: int, parts: dict | None) -> None:
        if not parts:
            return
        if self._parts_first is None:
            self._parts_first, self._parts_latest = [], deque(maxlen=JUDGED_STEPS)
        entry = [step, dict(parts)]
        if len(self._parts_first) < JUDGED_STEPS:
            self._parts_first.append(entry)
        self._parts_latest.append(entry)

    def _track_parts_low(self) -> None:
        """At a sampled step: each part's mean over its latest steps after its first ones (as _parts_words takes
        them), kept where it is the part's lowest so far (_parts_low). Reads the held parts (one transfer, which a
        report built at this step would make anyway)."""
        first = self._parts_first
        if not first or len(first) < PARTS_LEAST:
            return
        late = [e for e in self._parts_latest if e[0] > first[-1][0]]  # as _parts_words takes them
        if len(late) < PARTS_LEAST:
            return
        self._read_parts()
        lows = self._parts_low = self._parts_low or {}
        for name in {k for _, d in late for k in d}:
            values = [d[name] for _, d in late if math.isfinite(d.get(name, math.nan))]
            if len(values) >= PARTS_LEAST:
                mean = sum(values) / len(values)
                if name not in lows or mean < lows[name][0]:
                    lows[name] = (mean, late[-1][0], len(values))

    def _read_parts(self) -> None:
        """The held tensors read as floats, in one transfer (when a report is built: a log line or report())."""
        if self._parts_first is None:
            return
        unread = [(d, k) for e in (*self._parts_first, *self._parts_latest) for d in (e[1],) for k, v in d.items()
                  if isinstance(v, torch.Tensor)]
        if not unread:
            return
        ts = [d[k] for d, k in unread]
        try:
            read = torch.stack(ts).tolist()
        except RuntimeError:  # several dtypes or devices
            read = torch.stack([t.to("cpu", torch.float64) for t in ts]).tolist()
        for (d, k), v in zip(unread, read, strict=True):
            d[k] = float(v)

    def _parts_of(self, step: int) -> tuple[tuple[str, float], ...]:
        """The parts given on training step ``step`` (a sampled one), as floats, in the order given; () where none
        were (a report carries them for /watch's loss chart)."""
        latest = self._parts_latest
        if not latest or latest[-1][0] < step:
            return ()
        self._read_parts()
        own = next((d for t, d in reversed(latest) if t == step), None)
        return tuple((name, float(v)) for name, v in own.items()) if own else ()

    def _parts_words(self, moved: bool) -> tuple[str, list[str], list[str], dict[str, tuple[float, float]]]:
        """The note on the parts (empty before PARTS_LEAST steps gave them), the names of those that have not come
        down by MOVED_FRACTION from their first steps' mean (or below their chance level, where part_chance gives
        one; not those that rose PART_ROSE times while the whole loss came down, which the note says apart), the
        names of those that have come down that far below their chance level, and those with no chance level given
        that fell under PART_FELL of their first steps' mean, by name: (first mean, latest mean). ``moved``: the
        whole loss has come down."""
        self._read_parts()
        early = self._parts_first
        if not early or len(early) < PARTS_LEAST:
            return "", [], [], {}
        late = [e for e in self._parts_latest if e[0] > early[-1][0]]  # the latest steps after the first ones
        if len(late) < PARTS_LEAST:
            return "", [], [], {}
        names = list(dict.fromkeys(k for _, d in (*early, *late) for k in d))
        said, stuck, unjudged, learned, rose, fell = [], [], [], [], {}, {}
        chances = self.part_chance
        self._parts_small = set()  # (the parts whose latest mean is under PART_LEAD_SHARE of all theirs: below)
        nows = {}
        for name in names:
            a = [d[name] for _, d in early if math.isfinite(d.get(name, math.nan))]
            b = [d[name] for _, d in late if math.isfinite(d.get(name, math.nan))]
            if not a or not b:
                continue
            was, now = sum(a) / len(a), sum(b) / len(b)
            nows[name] = now
            chance = chances.get(name)
            low = (self._parts_low or {}).get(name) or (now, late[-1][0], len(b))
            # a part that has risen from its lowest mean by a tenth of its chance level (of that low, with none
            # given): said, or a head that lost most of what it learned reads as one that came down (W51
            # walkthrough: "'reg' 0.543, 46% below its chance level 1 (...: 0.637)", its lowest mean 0.181)
            risen = (f"; its lowest mean, over the {low[2]} steps to training step {low[1]:,}, was {low[0]:.3g}"
                     if now - low[0] > MOVED_FRACTION * (chance if chance is not None else low[0]) else "")
            # (never rounded up to 100%: 99.7% read '100% below' beside a headline's '99.7% below', W87 finding 9)
            change = ("" if was <= 0 else f", {_below(now, was)} below" if now < was else
                      f", {now / was - 1:.0%} above" if now > was else ", the same as")
            if chance is not None:  # judged against its chance level, as the whole loss is (W48 walkthrough,
                # finding 4: a head on targets 5 + noise learned their mean alone, its loss from 13.3 to 1.04, the
                # noise's variance, and read '92% below its first steps')
                (stuck if now > (1 - MOVED_FRACTION) * chance else learned).append(name)
                level = (f"{_below(now, chance)} below" if now < chance else f"{now / chance - 1:.0%} above"
                         if now > chance else "at")
                said.append(f"'{name}' {now:.3g}, {level} its chance level {chance:.3g} (part_chance; its mean over "
                            f"its first {len(a)} steps: {was:.3g}{risen})")
                continue
            if was > 0 and moved and now >= PART_ROSE * was:
                rose[name] = now / was
            elif was > 0 and now > (1 - MOVED_FRACTION) * was:
                stuck.append(name)
            elif was > 0:
                unjudged.append(name)
                if now < PART_FELL * was:
                    fell[name] = (was, now)
            said.append(f"'{name}' {now:.3g}{change} its mean over its first {len(a)} steps ({was:.3g}{risen})")
        if not said:
            return "", [], [], {}
        # a part this small next to the others (a z-loss, a weight decay written into the loss) is said in the note
        # and not in the headline (W63 walkthrough finding 6: a z-loss at 1% of the loss, rising as such a term does,
        # led a healthy run's headline)
        total = sum(v for v in nows.values() if v > 0)
        self._parts_small = {n for n, v in nows.items() if total > 0 and abs(v) < PART_LEAD_SHARE * total}
        steps = f"training steps {late[0][0]:,} to {late[-1][0]:,}"
        words = f"the loss's parts (s.parts), mean over {steps}: " + "; ".join(said)
        if stuck and moved and len(stuck) < len(said):
            one = len(stuck) == 1
            against = (("below its chance level" if one else "below their chance levels")
                       if all(n in chances for n in stuck) else f"from {'its' if one else 'their'} first steps")
            words += (f". {_listed(stuck)} {'has' if one else 'have'} not come down "
                      f"{MOVED_FRACTION:.0%} or more {against} while the whole loss has: the head or task "
                      f"{'it measures' if len(stuck) == 1 else 'they measure'} may be learning nothing (targets it "
                      "cannot predict, a head cut off from the gradient, or a weight in the sum too small for it "
                      "to matter), where a part meant to stay up (a regulariser, a KL term) is no fault")
        if rose:
            one = len(rose) == 1
            by = "; ".join(f"'{n}' {x:.2g} times" for n, x in rose.items())
            words += (f". {_listed(list(rose))} rose while the whole loss came down ({by} {'its' if one else 'their'} "
                      f"first steps' mean): the optimiser trades {'it' if one else 'them'} for the other parts, as a "
                      "KL term or a regulariser is traded for the fit, which is no fault; a task's own loss that "
                      "rises so is losing the shared weights to the others")
        if unjudged:
            one = len(unjudged) == 1
            words += (f". That {_listed(unjudged)} came down from {'its' if one else 'their'} first steps does not "
                      f"tell that {'it' if one else 'they'} learned more than a constant guess (a regression head "
                      "that learns only its targets' mean comes down to their variance): part_chance={name: its "
                      "chance level} "
                      "judges a part against chance, as chance_loss does the whole loss")
        return words, stuck, learned, fell


def _below(value: float, base: float) -> str:
    """How far below ``base`` a value is, to whole percents, with a figure more only where that would read 100%."""
    share = 1 - value / base
    return f"{share:.0%}" if share < 0.995 or value <= 0 else percent_below(value, base)


def _listed(names: list[str]) -> str:
    """Names in words: 'a', 'a and b', 'a, b and c'; names that are not labels already are quoted."""
    quoted = [n if n.startswith("module ") or n.startswith("'") else f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
