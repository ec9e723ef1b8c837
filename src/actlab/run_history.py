"""A whole run in bounded memory, for the watch page's charts: the points RunHistory keeps of a monitor's reports.

Split from monitor_log (which reads and checks the log's lines): this module only summarises reports already
checked.
"""

from __future__ import annotations

import json
import math
from collections import deque

from ._json import jsonable

HEAD_POINTS = 256  # the run's first reports, every one of them (the start, where gradients vanish and units die)
THINNED_POINTS = 1000  # at most this many points between the first reports and the newest ones
RECENT_POINTS = 500  # the newest sampled steps, every one of them
MAX_SPANS = 64  # stretches of steps that held a NaN or an inf (the nearest two merge past this)


def number(value):
    """A number of the log as JSON can carry it, in the package's one convention (actlab._json: a float that is
    not finite becomes "inf", "-inf" or None for NaN); anything else as it is."""
    return jsonable(value) if isinstance(value, float) else value


def _count(value) -> int | None:
    """A count of units as the log holds it, or None where it holds none (a step with a NaN, a width not known)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def point_of(index: int, report: dict) -> dict:
    """What the history charts draw of one report: its step, its loss as the log holds it, whether it held a NaN or
    an inf, the gradient reaching each layer's activation (None where that layer has no finite one), and each
    layer's unit health as the log counts it: dead, saturated (or rarely active) and dormant units of ``units``
    (None where the log holds no count)."""
    grads = []
    for layer in report["layers"]:
        g = layer.get("act_grad_norm")
        is_drawn = (not layer.get("non_finite") and isinstance(g, (int, float)) and not isinstance(g, bool)
                    and math.isfinite(g) and g >= 0)
        grads.append(g if is_drawn else None)
    layers = report["layers"]
    return {"index": index, "step": report["step"], "loss": number(report.get("loss")),
            "non_finite": bool(report.get("non_finite")), "grads": grads,
            **{key: [_count(layer.get(key)) for layer in layers] for key in ("dead", "saturated", "dormant")},
            "units": [_count(layer.get("width")) for layer in layers]}


class RunHistory:
    """A bounded summary of a whole run, for its charts: the first ``head`` reports' points, every one (the start of
    a run, where gradients vanish and units die, spans a few hundred steps that a long run would otherwise thin
    away), the newest ``recent`` reports' points, every one, and between them every ``every``-th report's point.
    When more than ``thinned`` points lie between, ``every`` doubles and every other one goes, so a run of any
    length is held in at most ``head + thinned + recent`` points of five numbers per layer, and ``every`` is the
    smallest power of two that fits.

    Thinning keeps real steps with their own numbers, where one point per bucket (a mean, a minimum and a maximum)
    would not: the layers' lines compare gradients at one step (layer 1 gets 1e-7 of layer 8's), and the readout
    names a step and what the log holds for it. What a thinned history loses is a spike between two kept steps; a
    step that held a NaN or an inf is not lost: ``spans`` keeps each stretch of them (first step, last step, how
    many), at most ``MAX_SPANS``, merging the two nearest past that."""

    def __init__(self, thinned: int = THINNED_POINTS, recent: int = RECENT_POINTS, spans: int = MAX_SPANS,
                 head: int = HEAD_POINTS):
        self.thinned_cap, self.recent_cap, self.spans_cap, self.head_cap = thinned, recent, spans, head
        self.every = 1
        self.head: list[dict] = []  # the points of the first head_cap reports that left recent
        self.thinned: list[dict] = []  # from head_cap to recent_from, the points whose index is a multiple of every
        self.recent: deque = deque()  # the newest points, one per report
        self.spans: list[list[int]] = []  # [first step, last step, how many steps held a NaN or an inf]
        self.non_finite = 0  # reports that held a NaN or an inf
        self.total = 0  # reports added
        # the first report that held a NaN or an inf and the step of the report before it: where a monitor samples
        # every k-th step, the run went bad somewhere after that earlier step, not necessarily at the one seen
        self.first_seen: dict | None = None

    def kept(self, index: int) -> bool:
        """Whether the point of report ``index`` is kept (the page drops the others by the same rule)."""
        return index < self.head_cap or index >= self.recent_from or index % self.every == 0

    @property
    def recent_from(self) -> int:
        """The index of the first report kept at full resolution: every report from it on has its point."""
        return self.total - len(self.recent)

    def add(self, report: dict) -> None:
        point = point_of(self.total, report)
        if point["non_finite"] and self.first_seen is None:
            self.first_seen = {"step": point["step"], "previous": self.recent[-1]["step"] if self.recent else None}
        if point["non_finite"]:
            self._mark(point["step"], after_one=bool(self.recent) and self.recent[-1]["non_finite"])
        self.recent.append(point)
        self.total += 1
        if len(self.recent) > self.recent_cap:
            old = self.recent.popleft()
            if old["index"] < self.head_cap:
                self.head.append(old)
            elif old["index"] % self.every == 0:
                self.thinned.append(old)
            if len(self.thinned) > self.thinned_cap:
                self.every *= 2
                self.thinned = [p for p in self.thinned if p["index"] % self.every == 0]

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

    def since(self, index: int, max_bytes: int) -> list[dict]:
        """The points with index >= ``index``, oldest first, as many as fit in ``max_bytes`` of JSON (at least one,
        should a single point be larger)."""
        out, used = [], 2  # the list's brackets; each point adds its compact JSON and a comma
        start = next((k for k, p in enumerate(self.thinned) if p["index"] >= index), len(self.thinned))
        for points in (self.head[index:], self.thinned[start:], self.recent):
            for p in points:
                if p["index"] < index:
                    continue
                size = len(json.dumps(p, separators=(",", ":"))) + (1 if out else 0)
                if out and used + size > max_bytes:
                    return out
                out.append(p)
                used += size
        return out
