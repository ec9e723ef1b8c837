"""Streamed statistics of an activation's inputs, one record per layer.

A forward pass hands each layer's pre-activation z, shape (T, U) for T positions and U units, to a
Recorder. The recorder keeps counts, sums, a fine histogram and each unit's largest input, never the
tensors themselves, so a long text costs a few kilobytes per layer.

Percentiles are read from the histogram: they are exact to one bin (BIN_WIDTH) inside [HIST_LOW, HIST_HIGH]
and clamp to the observed minimum or maximum outside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import activations

HIST_LOW, HIST_HIGH, BIN_WIDTH = -16.0, 16.0, 0.01
N_BINS = round((HIST_HIGH - HIST_LOW) / BIN_WIDTH)
# SiLU's dip (reported for SiLU only): the negative inputs where its output sits clearly below zero, around its
# minimum. dip_outputs() computes the outputs at both ends and at the minimum, so no depth is typed in here.
DIP = (-5.0, -0.5)
SATURATION_MARGIN = 0.01  # a bounded activation is saturated within 1% of its output range of either end
PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


def dip_outputs(name: str = "silu") -> tuple[float, float, float]:
    """The activation's output at both ends of DIP and at its minimum: how deep the dip is."""
    act = activations.get(name)
    ends = act(np.array(DIP))
    low = float(act(np.array([act.output_min_at]))[0]) if act.output_min_at is not None else float(ends.min())
    return float(ends[0]), float(ends[1]), low


@dataclass
class LayerStats:
    """What one layer's activation inputs looked like, accumulated batch by batch."""

    layer: str
    activation: str
    units: int
    compare_to: str | None = None  # a second activation whose largest gap to this one is tracked
    count: int = 0
    negative: int = 0
    in_dip: int = 0
    saturated: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    deriv_total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    gap_max: float = 0.0
    gap_at: float = math.nan
    hist: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    unit_max: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.hist = np.zeros(N_BINS + 2, dtype=np.int64)  # [below, bins..., above]
        self.unit_max = np.full(self.units, -np.inf)

    def add(self, z: np.ndarray) -> None:
        """Fold in a batch of inputs, shape (..., U)."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.units)
        act = activations.get(self.activation)
        self.count += z.size
        self.negative += int(np.count_nonzero(z < 0))
        self.in_dip += int(np.count_nonzero((z > DIP[0]) & (z < DIP[1])))
        z64 = z.astype(np.float64)
        self.total += float(z64.sum())
        self.total_sq += float(np.square(z64).sum())
        self.low = min(self.low, float(z.min()))
        self.high = max(self.high, float(z.max()))
        self.unit_max = np.maximum(self.unit_max, z.max(axis=0))
        idx = np.floor((z - HIST_LOW) / BIN_WIDTH).astype(np.int64) + 1
        np.clip(idx, 0, N_BINS + 1, out=idx)
        self.hist += np.bincount(idx.ravel(), minlength=N_BINS + 2)
        value, deriv = act.forward_and_derivative_array(z)
        if deriv is None:
            deriv = act.derivative_array(z, value)
        self.deriv_total += float(deriv.astype(np.float64).sum())
        lo, hi = act.output_range
        if math.isfinite(lo) and math.isfinite(hi):
            margin = SATURATION_MARGIN * (hi - lo)
            self.saturated += int(np.count_nonzero((value < lo + margin) | (value > hi - margin)))
        if self.compare_to is not None:
            other = activations.get(self.compare_to).forward_array(z.astype(np.float64))
            gap = np.abs(act.forward_array(z.astype(np.float64)) - other)
            i = int(np.argmax(gap))
            if gap.flat[i] > self.gap_max:
                self.gap_max, self.gap_at = float(gap.flat[i]), float(z.flat[i])

    def percentile(self, q: float) -> float:
        """The q-th percentile (0..100), to one histogram bin."""
        if self.count == 0:
            return math.nan
        target = q / 100 * self.count
        cum = np.cumsum(self.hist)
        i = int(np.searchsorted(cum, target, side="left"))
        if i == 0:
            return self.low
        if i == N_BINS + 1:
            return self.high
        below = cum[i - 1]
        inside = self.hist[i]
        frac = (target - below) / inside if inside else 0.5
        value = HIST_LOW + (i - 1 + frac) * BIN_WIDTH
        return float(min(max(value, self.low), self.high))

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else math.nan

    @property
    def std(self) -> float:
        if not self.count:
            return math.nan
        return math.sqrt(max(self.total_sq / self.count - self.mean**2, 0.0))

    @property
    def never_active(self) -> int:
        """Units whose input never exceeded 0 on this text (the gate stayed on its negative side)."""
        return int(np.count_nonzero(self.unit_max <= 0))

    def histogram(self, low: float = -8.0, high: float = 8.0, width: float = 0.25) -> dict:
        """The counts regrouped into wider bins over [low, high] (what a chart draws), as shares of all inputs."""
        per = round(width / BIN_WIDTH)
        first = round((low - HIST_LOW) / BIN_WIDTH) + 1
        n = round((high - low) / width)
        counts = self.hist[first:first + n * per].reshape(n, per).sum(axis=1)
        edges = low + width * np.arange(n + 1)
        return {"edges": [round(float(e), 6) for e in edges],
                "share": [float(c) / self.count for c in counts] if self.count else [0.0] * n}

    def to_dict(self) -> dict:
        out = {
            "layer": self.layer, "activation": self.activation, "units": self.units, "count": self.count,
            "share_negative": self.negative / self.count if self.count else math.nan,
            "share_in_dip": (self.in_dip / self.count if self.count else math.nan)
            if self.activation == "silu" else None,
            "mean": self.mean, "std": self.std, "min": self.low, "max": self.high,
            "percentiles": {str(q): self.percentile(q) for q in PERCENTILES},
            "mean_derivative": self.deriv_total / self.count if self.count else math.nan,
            "never_active": self.never_active,
        }
        lo, hi = activations.get(self.activation).output_range
        out["share_saturated"] = (self.saturated / self.count if self.count else math.nan) \
            if math.isfinite(lo) and math.isfinite(hi) else None
        if self.compare_to is not None:
            out["max_gap"] = {"to": self.compare_to, "value": self.gap_max, "at": self.gap_at}
        return out


class Recorder:
    """Collects LayerStats by layer name; a forward pass calls ``recorder(layer, activation, z)``."""

    def __init__(self, compare_to: str | None = None):
        self.layers: dict[str, LayerStats] = {}
        self.compare_to = compare_to

    def __call__(self, layer: str, activation: str, z: np.ndarray) -> None:
        stats = self.layers.get(layer)
        if stats is None:
            stats = self.layers[layer] = LayerStats(layer, activation, z.shape[-1], compare_to=self.compare_to)
        stats.add(z)

    def total(self, name: str = "all layers") -> dict:
        """Shares over every layer together (counts add; percentiles from the summed histograms)."""
        layers = list(self.layers.values())
        if not layers:
            return {}
        merged = LayerStats(name, layers[0].activation, layers[0].units, compare_to=self.compare_to)
        for s in layers:
            merged.count += s.count
            merged.negative += s.negative
            merged.in_dip += s.in_dip
            merged.saturated += s.saturated
            merged.total += s.total
            merged.total_sq += s.total_sq
            merged.deriv_total += s.deriv_total
            merged.low, merged.high = min(merged.low, s.low), max(merged.high, s.high)
            merged.hist += s.hist
            if s.gap_max > merged.gap_max:
                merged.gap_max, merged.gap_at = s.gap_max, s.gap_at
        out = merged.to_dict()
        out["never_active"] = sum(s.never_active for s in layers)
        out["units"] = sum(s.units for s in layers)
        return out

    def to_dict(self) -> dict:
        return {"layers": [s.to_dict() for s in self.layers.values()], "total": self.total()}
