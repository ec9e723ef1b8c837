"""A loss scaler's steps as the monitor reads them (Monitor(model, scaler=...)): float16 training multiplies the loss
by a scale before backward (torch.amp.GradScaler), so every gradient the hooks read is the scale times the loss's own,
and a step whose scaled gradients overflow float16 is one the scaler skips (no update) before it lowers its scale.

W43 walkthrough, finding 1: under a GradScaler the monitor read `diverged` ("the optimiser may already have written
non-finite values into the weights", with a remedy about sqrt at 0) on each of 29 steps the scaler skipped, and showed
|dL/dW| 262,144 times the loss's own. With the scaler given, the gradients are divided by its scale and a skipped step
is left out of the readings (its forward still counts units); without it, the remedy of a finite loss with an
infinite gradient says what a scaler does.
"""

from __future__ import annotations

import math
import statistics

import torch

from ._monitor_base import _what
from ._monitor_places import grad_norms

# skips named in the note: the first, then at most this many of the latest
SKIPS_NAMED = 5


def checked_scaler(scaler):
    """``scaler`` as Monitor(scaler=...) takes it: None, or an object with get_scale() and is_enabled() (a
    torch.amp.GradScaler); TypeError saying what was given otherwise."""
    if scaler is None:
        return None
    if not (callable(getattr(scaler, "get_scale", None)) and callable(getattr(scaler, "is_enabled", None))):
        raise TypeError(f"scaler: the loss scaler the script scales the loss with before backward (a "
                        f"torch.amp.GradScaler), or None; got {_what(scaler)}, which has no get_scale() and "
                        "is_enabled()")
    return scaler


def scale_of(scaler) -> float:
    """The scale the scaler multiplied this step's loss by (1.0 where none is given or it is disabled). Read on a
    sampled step, after backward and before the script's scaler.update(): the scale backward ran with. Off a CPU it
    costs one synchronisation (GradScaler.get_scale reads the scale tensor)."""
    if scaler is None or not scaler.is_enabled():
        return 1.0
    held = getattr(scaler, "_scale", None)
    if torch.is_tensor(held) and held.is_cpu and held.numel() == 1:
        return float(held.item())
    return float(scaler.get_scale())


def unscale(scale: float, weight_norm: dict[str, float], raw: list) -> None:
    """Divides every gradient norm of the step by ``scale``: each weight's |dL/dW| and each place's |dL/da| (the
    third value from the end of its row, _collect's layout); ratios between them are unchanged."""
    for name, v in weight_norm.items():
        weight_norm[name] = v / scale
    for r in raw:
        r[-3] = r[-3] / scale


def overflowed(scale: float, loss: float | None, weight_norm: dict[str, float], skip: set[str], raw: list,
               model: torch.nn.Module, read) -> bool:
    """Whether this step is one the scaler skips: a scale above 1, a loss that is finite (or not given), every
    watched activation finite, and a gradient that is not: a place's |dL/da|, a computed weight's |dL/dW| (the names
    in ``skip``, frozen or not computed, read NaN by design), or any other parameter's gradient (``read``: the ids of
    the weights already read), looked at in one fused norm only where the others are finite (W43: of 29 skips, 4
    were of an inf in the output layer's bias alone). At a scale of 1 or less an overflow is not the scaling's doing,
    and the readings judge it as any other."""
    if scale <= 1 or (loss is not None and not math.isfinite(loss)) or any(r[-1] for r in raw):
        return False
    if any(r[-2] for r in raw) or any(not math.isfinite(v) for n, v in weight_norm.items() if n not in skip):
        return True
    others = [p.grad.detach() for p in model.parameters() if p.grad is not None and id(p) not in read]
    norms = grad_norms(others)
    return bool(others) and not math.isfinite(float(torch.stack([n.double() for n in norms]).sum()))


class Skips:
    """The sampled steps the scaler skipped: how many, the first, the latest few, and the scale of the latest."""

    def __init__(self):
        self.count = 0
        self.first: int | None = None
        self.latest: list[int] = []
        self.scale = math.nan
        self.far: tuple[int, float, float] | None = None  # the latest skipped step whose loss stood far out (far_out)

    def add(self, step: int, scale: float, loss: float | None = None, before: list[float] | None = None) -> None:
        """One skipped sampled step: its training step, the scale it overflowed at, its loss and the finite losses
        judged before it (for far_out)."""
        self.count += 1
        self.first = step if self.first is None else self.first
        self.latest = (self.latest + [step])[-SKIPS_NAMED:]
        self.scale = scale
        if loss is not None and before and far_out(loss, before):
            self.far = (step, loss, statistics.median(before))

    def words(self, sampled: int, reported: int | None) -> str:
        """The note: which steps, why they are left out, and whether that is usual."""
        if self.count == 1:
            which = f"sampled step {self.first:,}"
        else:
            shown = [self.first] + [s for s in self.latest if s != self.first]
            listed = ", ".join(f"{s:,}" for s in shown)
            which = (f"{self.count:,} of the {sampled:,} sampled steps (steps {listed})" if self.count <= len(shown)
                     else f"{self.count:,} of the {sampled:,} sampled steps (the first, step {self.first:,}; the "
                          f"latest, {', '.join(f'{s:,}' for s in self.latest)})")
        others = f" (those of the other {sampled - self.count:,} are)" if sampled > self.count else ""
        report = ("no sampled step has had finite gradients yet, so nothing is read from them" if reported is None
                  else f"the report is of step {reported:,}, the latest sampled step with finite gradients")
        far = ""
        if self.far is not None:
            step, loss, median = self.far
            far = (f". The loss of step {step:,} was {loss:.3g}, {loss / median:,.0f} times the median of the losses "
                   f"judged before it ({median:.3g}): one batch unlike the others (its inputs or its targets) makes "
                   "such a loss, and the overflow with it; look at that batch")
        return (f"the GradScaler skipped {which}: their scaled gradients overflowed (an inf or a NaN at a scale of "
                f"{self.scale:g} on the latest), so the optimiser made no update on them and the scaler lowered its "
                f"scale; their gradients and losses are not read{others}, and {report}{far}. Skips while the "
                "scaler finds its "
                "scale, early in a run, and one now and then after it has grown the scale, are how a loss scaler "
                "works; one that "
                "skips step after step until its scale is 1 or less overflows at any scale, and is read as a "
                "divergence")


# a skipped step's loss this many times the median of the losses judged before it is said in the skips' note
FAR_OUT = 10.0


def far_out(loss: float, before: list[float]) -> bool:
    """Whether a skipped step's loss (finite: a step whose loss is not is no skip) stood FAR_OUT times or more above
    the median of the finite losses ``before`` it (above 0: a loss on a ratio scale)."""
    median = statistics.median(before)
    return median > 0 and loss >= FAR_OUT * median


def unscaled_note(scale: float) -> str:
    return (f"the gradient norms (|dL/da|, |dL/dW|) are divided by the GradScaler's scale ({scale:g} on this step): "
            "they are the loss's own, as the optimiser steps with them after scaler.unscale_()")


def scaler_hint(half: bool = False) -> str:
    """Added to the remedy of a finite loss with an infinite gradient where no scaler was given; ``half``: the
    watched activations were float16, and the hint leads the remedy."""
    return (("The activations are float16, and i" if half else "I") +
            "f the loss is scaled before backward (torch.amp.GradScaler, for float16), a step whose scaled gradients "
            "overflow is one the scaler skips before it lowers its scale, and a few are normal: give Monitor(model, "
            "scaler=scaler), and the monitor divides the gradients by its scale and leaves the skipped steps out.")


def half_note() -> str:
    """Said where watched activations are float16 and no scaler was given."""
    return ("the activations are float16 (autocast or .half()): where the loss is scaled before backward "
            "(scaler.scale(loss).backward() with a torch.amp.GradScaler, as float16 training does), every gradient "
            "here is the scale times the loss's own, and a step the scaler skips reads as a divergence: give "
            "Monitor(model, scaler=scaler)")
