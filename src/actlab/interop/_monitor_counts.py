"""The units' side of a sampled step on the host: the dead history (the sampled step each unit was last active on)
and a place's counts (dead, saturated, dormant, the share of zero f', mean and std) from its per-unit sums.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ..instruments import DORMANT_TAU, SATURATION_FRACTION
from ._monitor_base import DEAD_EVIDENCE
from ._monitor_places import _Layer


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
        if len(views) != len(ran) or any(l.last_active is not v for l, v in zip(ran, views, strict=True)):
            buffer = np.zeros(sum(l.width for l in ran), dtype=np.int64)
            k = 0
            for l in ran:
                view = buffer[k:k + l.width]
                if l.last_active is not None and len(l.last_active) == l.width:
                    view[:] = l.last_active
                l.last_active = view
                k += l.width
            self._history = buffer
            self._history_views = tuple(l.last_active for l in ran)
        if kernels is not None:
            if not kernels.mark_if_finite(host, self._history, g):
                return False
        else:
            np.copyto(self._history, g, where=host[:len(self._history)] > 0)
        for l in ran:
            l.samples.append(g)
        return True

    @staticmethod
    def _count(l: _Layer, d: np.ndarray, a: np.ndarray, extra: np.ndarray | None, rows: int,
               history: tuple[np.ndarray, deque], ssum: float, nonzero: float, sumsq: float, grad_norm: float,
               non_finite: bool, act_non_finite: bool = False) -> dict:
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
        dead, cover = _Counting._dead(l, *history)
        limit = SATURATION_FRACTION * (l.record.deriv_max if math.isfinite(l.record.deriv_max) else 1.0)
        saturated = d / rows < limit  # instruments.saturated_mask: mean |f'| below 1% of the maximum, or
        if rule is not None:  # the outputs within 1% of the scale of a level (Activation.saturated_outputs)
            if rule[0] == "ends":
                dist = rule[2] * rows - (a if extra is None else extra)
            elif rule[0] == "floor":
                dist = extra - rule[1] * rows
            else:
                dist = extra
            saturated |= dist / rows < l.saturation_limit
        # Sokar et al.: E|a_i| <= tau * mean_j E|a_j|, i.e. sum|a_i| * H <= tau * sum_j sum|a_j|
        dormant = int(np.count_nonzero(a * width <= DORMANT_TAU * a.sum()))
        mean = ssum / size
        var = (sumsq - size * mean * mean) / max(size - 1, 1)
        # inf where float32's sum of squares overflowed off a CPU (a bound, with a note); NaN only from NaN data
        std = math.sqrt(max(var, 0.0)) if math.isfinite(var) else math.inf if var == math.inf else math.nan
        return {"act_grad": grad_norm, "mean": mean, "std": std, "zero": 1 - nonzero / size,
                "saturated": int(np.count_nonzero(saturated)), "dead": dead, "dormant": dormant,
                "non_finite": non_finite, "act_non_finite": False, "window": cover}

    @staticmethod
    def _dead(l: _Layer, last_active: np.ndarray | None, samples: deque) -> tuple[int, int]:
        """(dead units, the sampled batches that count covers). A unit is dead when it was off on every sampled batch
        of the window and the window holds at least min(window, DEAD_EVIDENCE) of them; every unit is dead when
        each has been off on at least that many latest sampled batches (a layer that died mid-run, long before its
        window turns over)."""
        n = len(samples)
        if not l.can_die or last_active is None or not n:
            return 0, n
        need = min(samples.maxlen or n, DEAD_EVIDENCE)
        # each unit's run of sampled batches it was off on, up to now: those after its last active one
        off_for = n - np.searchsorted(np.fromiter(samples, np.int64, n), last_active, side="right")
        shortest = int(off_for.min())
        if shortest >= need:  # every unit off for at least `need` sampled batches: the whole layer is dead
            return len(off_for), shortest
        if n < need:  # too few batches to call any unit dead
            return 0, n
        return int(np.count_nonzero(off_for >= n)), n
