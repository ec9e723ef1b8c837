"""What the network drawing shows of the weights: a bounded set of links, chosen stably, and a summary per layer.

The page strokes at most LINK_BUDGET links (the browser spends about 15 us on each), so a frame sends only those
links' weights, not the matrices: at the hard cap of 32 x 256 the matrices are two million numbers (about 15 MB
of JSON a frame) for 1,200 lines. The full weights leave the lab only on an explicit export (export.py).

The budget is shared out between the weight layers (a layer with fewer links than its share gives the rest to the
others), and each layer shows its strongest links by |w|. The choice is stable: a layer's links are ranked again
only every RERANK_FRAMES frames (each frame re-ranks one layer, in turn, so no frame pays for all of them), and a
link already shown keeps its place unless another is STAY_FACTOR times stronger; in between, the chosen links'
current weights are sent. Each layer's summary (count, root mean square, largest |w|) covers every weight.
"""

from __future__ import annotations

import numpy as np

LINK_BUDGET = 1200  # the page's own budget (views/network.js draws what it is sent)
STAY_FACTOR = 1.25  # a shown link is replaced only by one this many times stronger: no flicker between near-equals


def quotas(sizes: list[int], budget: int = LINK_BUDGET) -> list[int]:
    """Links shown per layer: an equal share of ``budget``, a small layer's unused share passed to the others."""
    out = [0] * len(sizes)
    left, open_layers = budget, sorted(range(len(sizes)), key=lambda l: sizes[l])
    while open_layers:
        share = left // len(open_layers)
        l = open_layers[0]
        if sizes[l] <= share:  # the smallest layer fits whole
            out[l] = sizes[l]
            left -= sizes[l]
            open_layers.pop(0)
            continue
        for k, l in enumerate(open_layers):  # no layer fits: each gets the share, the remainder to the first ones
            out[l] = share + (1 if k < left - share * len(open_layers) else 0)
        break
    return out


class LinkSelection:
    """The links a network drawing shows, kept from frame to frame (see the module docstring)."""

    def __init__(self, weights: list[np.ndarray], budget: int = LINK_BUDGET):
        self.quota = quotas([w.size for w in weights], budget)
        self.chosen: list[np.ndarray] = [self._rank(w, q, None) for w, q in zip(weights, self.quota, strict=True)]
        self._next = 0  # the layer the next frame ranks again

    @staticmethod
    def _rank(w: np.ndarray, q: int, current: np.ndarray | None) -> np.ndarray:
        """Flat indices of the ``q`` strongest links of ``w`` (those in ``current`` counted STAY_FACTOR stronger),
        in index order (a stable drawing order)."""
        if q >= w.size:
            return np.arange(w.size)
        strength = np.abs(w).ravel()
        if current is not None and current.size:
            strength = strength.copy()
            strength[current] *= STAY_FACTOR
        return np.sort(np.argpartition(strength, w.size - q)[w.size - q:])

    def update(self, weights: list[np.ndarray]) -> None:
        """One frame: rank one layer again (each layer in turn)."""
        if not weights:
            return
        l = self._next % len(weights)
        self.chosen[l] = self._rank(weights[l], self.quota[l], self.chosen[l])
        self._next = l + 1

    def to_json(self, weights: list[np.ndarray], widths: list[int]) -> list[dict]:
        """Per weight layer: the chosen links as parallel lists (from: input unit, to: output unit, w: the weight,
        rounded to 4 decimals) and the layer's summary over all its weights. ``widths``: each layer's units after
        it; a gated layer's matrix has twice as many columns (value and gate halves) and no one link per pair of
        units, so it is summarised with no links."""
        out = []
        for w, idx, width in zip(weights, self.chosen, widths, strict=True):
            if w.shape[1] != width:
                idx = idx[:0]
            rows, cols = np.divmod(idx, w.shape[1])
            flat = w.ravel()
            with np.errstate(all="ignore"):
                rms = float(np.sqrt(np.vdot(flat, flat) / flat.size)) if flat.size else 0.0
                largest = float(np.max(np.abs(flat))) if flat.size else 0.0
            out.append({"from": rows, "to": cols, "w": np.round(flat[idx], 4), "count": int(w.size), "rms": rms,
                        "max_abs": largest})
        return out
