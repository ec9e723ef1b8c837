"""A whole run in bounded memory, for the watch page's charts: the points RunHistory keeps of a monitor's reports.

Split from monitor_log (which reads and checks the log's lines): this module only summarises reports already
checked.
"""

from __future__ import annotations

import json
import math
from collections import deque

from .run_changes import StatusChanges
from .run_points import RATE_GROUPS_MOST, _pairs, number, point_of, rates_of, tail_of  # noqa: F401 (number and point_of: importable from here too)

HEAD_POINTS = 256  # the run's first reports, every one of them (the start, where gradients vanish and units die)
THINNED_POINTS = 1000  # at most this many points between the first reports and the newest ones
RECENT_POINTS = 500  # the newest sampled steps, every one of them
MAX_SPANS = 64  # stretches of steps that held a NaN or an inf (the nearest two merge past this)
# places given a series of their own: every kept point holds one entry per place, so a log whose reports keep naming
# new places (malformed, or written by other means) would grow each point and the place list without end; a place
# first named past this many gets no series (dropped_places counts them)
MAX_PLACES = 1024


HELD_OUT_POINTS = 4096  # the held-out losses a history keeps (past it, every other one goes; the lowest stays)
RATE_POINTS = 4096  # the learning-rate changes a history keeps per group (past it, every other one goes)


def _widen_loss(band: dict, low_high: list | None) -> None:
    """A band's loss range widened, in place, by [low, high] (the losses of the steps up to the next report)."""
    if low_high is not None:
        band["loss"] = _span(band["loss"], list(low_high))


def _place_of(report: dict) -> str | None:
    """Where a report that held a NaN or an inf says it first came: the monitor's first_non_finite place, else the
    first layer that held one (by its name), else None."""
    first = report.get("first_non_finite")
    if isinstance(first, dict) and isinstance(first.get("place"), str):
        return first["place"]
    name = next((layer.get("name") for layer in report["layers"] if layer.get("non_finite")), None)
    return f"layer '{name}'" if isinstance(name, str) else None


HEALTH = ("dead", "saturated", "dormant")  # the unit-health counts a point holds per layer


def _band_of(point: dict) -> dict:
    """The range a single point spans: its own numbers (a step that held a NaN or an inf spans none of them)."""
    bad = point["non_finite"]
    loss = point["loss"]
    has_loss = not bad and isinstance(loss, (int, float)) and not isinstance(loss, bool) and math.isfinite(loss)
    return {"last": point["step"], "loss": [loss, loss] if has_loss else None,
            "grads": [None if bad or g is None else [g, g] for g in point["grads"]],
            **{key: [None if bad else n for n in point[key]] for key in HEALTH}}


def _upper(a, b):
    return b if a is None else a if b is None else max(a, b)


def _span(a, b):
    return b if a is None else a if b is None else [min(a[0], b[0]), max(a[1], b[1])]


def _take_in(band: dict, point: dict) -> None:
    """``band`` widened, in place, by one more report's point (what _widen(band, _band_of(point)) gives, without
    building a band per report: a 107 MB log's thinned middle is tens of thousands of them)."""
    band["last"] = max(band["last"], point["step"])
    if point["non_finite"]:
        return
    loss = point["loss"]
    if type(loss) in (int, float) and math.isfinite(loss):
        low_high = band["loss"]
        if low_high is None:
            band["loss"] = [loss, loss]
        elif loss < low_high[0]:
            low_high[0] = loss
        elif loss > low_high[1]:
            low_high[1] = loss
    grads = band["grads"]
    if len(grads) < len(point["grads"]):  # a new header adds places
        grads.extend([None] * (len(point["grads"]) - len(grads)))
    for k, g in enumerate(point["grads"]):
        if g is None:
            continue
        low_high = grads[k]
        if low_high is None:
            grads[k] = [g, g]
        elif g < low_high[0]:
            low_high[0] = g
        elif g > low_high[1]:
            low_high[1] = g
    for key in HEALTH:
        most, counts = band[key], point[key]
        if len(most) < len(counts):
            most.extend([None] * (len(counts) - len(most)))
        for k, n in enumerate(counts):
            if n is not None and (most[k] is None or n > most[k]):
                most[k] = n


def _copy(band: dict) -> dict:
    """A band as sent: its own lists, which _take_in may change while the answer is being written."""
    return {key: [None if r is None else list(r) for r in value] if key == "grads" else
            list(value) if isinstance(value, list) else value for key, value in band.items()}


def _widen(band: dict, other: dict) -> None:
    """``band`` widened to cover ``other``, the stretch just after it (the page's watch.js widens the same way)."""
    band["last"] = max(band["last"], other["last"])  # widening twice by the same stretch changes nothing
    band["loss"] = _span(band["loss"], other["loss"])
    n = max(len(band["grads"]), len(other["grads"]))  # a new header adds places

    def pad(values: list) -> list:
        return values + [None] * (n - len(values))

    band["grads"] = [_span(a, b) for a, b in zip(pad(band["grads"]), pad(other["grads"]), strict=True)]
    for key in HEALTH:
        band[key] = [_upper(a, b) for a, b in zip(pad(band[key]), pad(other[key]), strict=True)]


class RunHistory:
    """A bounded summary of a whole run, for its charts: the first ``head`` reports' points, every one (the start of
    a run, where gradients vanish and units die, spans a few hundred steps that a long run would otherwise thin
    away), the newest ``recent`` reports' points, every one, and between them the point of every ``every``-th report
    counted from report ``head``. When more than ``thinned`` points lie between, ``every`` doubles and every other
    one goes, so a run of any length is held in at most ``head + thinned + recent`` points, and ``every`` is the
    smallest power of two that fits.

    Thinning keeps real steps with their own numbers (the layers' lines compare gradients at one step, and the
    readout names a step and what the log holds for it), and each kept point of the thinned stretch also carries the
    range of the reports it stands for, from its own to the next kept one (``bands``: the lowest and highest finite
    loss and gradient of each layer, and the most dead, saturated and dormant units of each layer), so a spike between
    two kept steps still shows on the charts. A step that held a NaN or an inf is not lost either: ``spans`` keeps
    each stretch of them (first step, last step, how many), at most ``MAX_SPANS``, merging the two nearest past
    that."""

    def __init__(self, thinned: int = THINNED_POINTS, recent: int = RECENT_POINTS, spans: int = MAX_SPANS,
                 head: int = HEAD_POINTS):
        self.thinned_cap, self.recent_cap, self.spans_cap, self.head_cap = thinned, recent, spans, head
        self.every = 1
        self.head: list[dict] = []  # the points of the first head_cap reports that left recent
        self.thinned: list[dict] = []  # from head_cap to recent_from, every every-th point counted from head_cap
        self.bands: dict[int, dict] = {}  # per thinned point's index, the range of the reports it stands for
        self.recent: deque = deque()  # the newest points, one per report
        self.spans: list[list[int]] = []  # [first step, last step, how many steps held a NaN or an inf]
        self.non_finite = 0  # reports that held a NaN or an inf
        self.total = 0  # reports added
        # the first report that held a NaN or an inf, the step of the report before it (where a monitor samples
        # every k-th step, the run went bad somewhere after that earlier step, not necessarily at the one seen) and
        # where the monitor first met one (the page's banner says it for the whole run read so far, not for the
        # newest report, whose own first_non_finite a log written by other means may leave out)
        self.first_seen: dict | None = None
        # every place named so far (the header's, then any a report names first), in that order: the charts' series,
        # one per place, and the latest sampled step each ran on
        self.places: list[str] = []
        self._slot: dict[str, int] = {}
        # the places in the order the forward runs them, as the reports list their layers (the header lists modules
        # in the order the model registers them, which can differ: V25); places no report named yet follow
        self._forward: list[str] = []
        self._last_run: tuple = ()  # the names of the newest report, in its order: a report like it changes nothing
        self.last_ran: dict[str, int] = {}
        self.dropped_places = 0  # places first named after MAX_PLACES were: no series of their own
        # every held-out loss the reports carry (held_out_given), [step, loss], in order: at most HELD_OUT_POINTS, every
        # other one dropped past that but the lowest (the step an early-stopping remedy names)
        self.held_out: list[list] = []
        # the learning rate's changes the reports carry (rates), per parameter group, [step, rate], in order: at most
        # RATE_POINTS a group, every other one dropped past that but the first and the latest
        self.rates: dict[str, list[list]] = {}
        # where the reading's status changed (run_changes): the page marks each on its charts
        self.status = StatusChanges()
        # the losses of the steps after the last sampled one, from the end line (run_points.tail_of); None: none
        self.tail: dict | None = None

    def kept(self, index: int) -> bool:
        """Whether the point of report ``index`` is kept (the page drops the others by the same rule)."""
        return index < self.head_cap or index >= self.recent_from or (index - self.head_cap) % self.every == 0

    @property
    def recent_from(self) -> int:
        """The index of the first report kept at full resolution: every report from it on has its point."""
        return self.total - len(self.recent)

    def _place(self, name) -> int | None:
        slot = self._slot.get(name)
        if slot is None:
            if len(self.places) >= MAX_PLACES:
                self.dropped_places += 1
                return None
            slot = self._slot[name] = len(self.places)
            self.places.append(name)
        return slot

    def _follow(self, ran: tuple) -> None:
        """Takes a report's places (``ran``, in its forward order) into the forward order: a place not placed yet goes
        just after the place that ran before it in this report; a place already placed keeps its place, so the order
        is the one the log first recorded."""
        if ran == self._last_run:  # the usual case: the same places as the report before, in the same order
            return
        self._last_run = ran
        at = {name: k for k, name in enumerate(self._forward)}
        after = -1  # where the place that ran before this one stands in the order
        for name in ran:
            if name in at:
                after = max(after, at[name])
                continue
            self._forward.insert(after + 1, name)
            after += 1
            at = {name: k for k, name in enumerate(self._forward)}

    @property
    def order(self) -> list[str]:
        """Every place in the forward order the reports record, then those no report named yet (the header's, in its
        order): the order the watch page lists layers in, on every chart and in the table."""
        placed = set(self._forward)
        return self._forward + [name for name in self.places if name not in placed]

    def add(self, report: dict, places: list | None = None) -> None:
        """Adds one report; ``places``: the names its header gives, in order (the series keep that order)."""
        for name in places if isinstance(places, list) else ():
            if isinstance(name, str):
                self._place(name)
        slots, seen = [], set()
        for k, layer in enumerate(report["layers"]):
            name = layer.get("name")
            if not isinstance(name, str) or name in seen:  # written by other means: its position names it
                name = f"layer {k + 1}"
            seen.add(name)
            slot = self._place(name)
            slots.append(slot)
            if slot is not None:
                self.last_ran[name] = report["step"]
        self._follow(tuple(self.places[slot] for slot in slots if slot is not None))
        point = point_of(self.total, report, slots, len(self.places))
        self._keep_held_out(point.get("held_out_given", ()))
        self._keep_rates(point.get("rates"))
        if point["non_finite"] and self.first_seen is None:
            previous = self.recent[-1]["step"] if self.recent else None
            self.first_seen = {"step": point["step"], "previous": previous, "place": _place_of(report)}
            own = report.get("first_non_finite")
            if (isinstance(own, dict) and type(own.get("step")) is int and previous is not None
                    and previous < own["step"] <= point["step"] and report.get("last_finite_step") == own["step"] - 1):
                # a step between the two samples, or the sampled one itself, dated by the monitor from every step's
                # loss, held (W28): the banner names it as the reading does ('first seen at training step 51 (...;
                # the last finite sample was step 46)' beside 'Diverged at step 51', the held loss of 50 finite)
                self.first_seen = {"step": own["step"], "previous": own["step"] - 1, "place": own.get("place")}
        if point["non_finite"]:
            self._mark(point["step"], after_one=bool(self.recent) and self.recent[-1]["non_finite"])
        self.status.take(point["step"], report.get("reading"))
        self.recent.append(point)
        self.total += 1
        if len(self.recent) > self.recent_cap:
            old = self.recent.popleft()
            # the losses of the steps between it and the next report (which that report carries): they join its band
            after = self.recent[0].get("between")
            if old["index"] < self.head_cap:
                self.head.append(old)
            elif (old["index"] - self.head_cap) % self.every == 0:
                self.thinned.append(old)
                self.bands[old["index"]] = _band_of(old)
                _widen_loss(self.bands[old["index"]], after)
            else:  # the stretch of the thinned point before it
                _take_in(self.bands[self.thinned[-1]["index"]], old)
                _widen_loss(self.bands[self.thinned[-1]["index"]], after)
            if len(self.thinned) > self.thinned_cap:
                self.every *= 2
                kept = []
                for p in self.thinned:
                    if (p["index"] - self.head_cap) % self.every == 0:
                        kept.append(p)
                    else:
                        _widen(self.bands[kept[-1]["index"]], self.bands.pop(p["index"]))
                self.thinned = kept

    def take_end(self, end: dict) -> None:
        """Takes in the run's end line: the held-out losses it carries, given after the last sampled step, and the
        losses of the training steps after that step (run_points.tail_of)."""
        self.tail = tail_of(end, self.recent[-1]["step"] if self.recent else None)
        self._keep_held_out(_pairs(end.get("held_out_given")))
        self._keep_rates(rates_of(end.get("rates")))

    def _keep_rates(self, given: dict | None) -> None:
        for name, changes in (given or {}).items():
            if name not in self.rates and len(self.rates) >= RATE_GROUPS_MOST:
                continue
            kept = self.rates.setdefault(name, [])
            last = kept[-1][0] if kept else None
            kept.extend(c for c in changes if last is None or c[0] > last)
            if len(kept) > RATE_POINTS:
                self.rates[name] = [c for k, c in enumerate(kept) if k % 2 == 0 or k == len(kept) - 1]

    def _keep_held_out(self, given) -> None:
        last = self.held_out[-1][0] if self.held_out else None
        self.held_out.extend(pair for pair in given if last is None or pair[0] > last)
        if len(self.held_out) > HELD_OUT_POINTS:
            low = min(range(len(self.held_out)), key=lambda k: self.held_out[k][1])
            self.held_out = [pair for k, pair in enumerate(self.held_out) if k % 2 == 0 or k == low
                             or k == len(self.held_out) - 1]

    def _mark(self, step: int, after_one: bool) -> None:
        if after_one and self.spans:  # the report before held one too: the same stretch goes on
            self.spans[-1][1] = step
            self.spans[-1][2] += 1
        else:
            self.spans.append([step, step, 1])
        self.non_finite += 1
        if len(self.spans) > self.spans_cap:  # merge the two stretches with the fewest steps between them
            k = min(range(len(self.spans) - 1), key=lambda i: self.spans[i + 1][0] - self.spans[i][1])
            a, b = self.spans[k], self.spans.pop(k + 1)
            a[1], a[2] = b[1], a[2] + b[2]

    def grown(self, index: int) -> dict | None:
        """{"index", "band"} of the thinned point older than report ``index`` whose stretch holds it, or None where no
        stretch does. An asker that has every point before ``index`` holds that point's band as it was when it had
        it: the reports after it that were thinned away since widened it (the page replaces its copy)."""
        k = next((k for k, p in enumerate(self.thinned) if p["index"] >= index), len(self.thinned))
        if not k or index <= self.thinned[k - 1]["index"]:
            return None
        end = self.thinned[k]["index"] if k < len(self.thinned) else self.recent_from
        point = self.thinned[k - 1]
        return {"index": point["index"], "band": _copy(self.bands[point["index"]])} if index < end else None

    def since(self, index: int, max_bytes: int) -> list[dict]:
        """The points with index >= ``index``, oldest first, as many as fit in ``max_bytes`` of JSON (at least one,
        should a single point be larger); a thinned point carries its ``band``."""
        out, used = [], 2  # the list's brackets; each point adds its compact JSON and a comma
        start = next((k for k, p in enumerate(self.thinned) if p["index"] >= index), len(self.thinned))
        for points in (self.head[index:], self.thinned[start:], self.recent):
            for p in points:
                if p["index"] < index:
                    continue
                if p["index"] in self.bands:  # a thinned point: with the range of the reports it stands for
                    p = {**p, "band": _copy(self.bands[p["index"]])}
                size = len(json.dumps(p, separators=(",", ":"))) + (1 if out else 0)
                if out and used + size > max_bytes:
                    return out
                out.append(p)
                used += size
        return out
