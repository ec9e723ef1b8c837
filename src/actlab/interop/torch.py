"""actlab's instruments on any torch.nn.Module: gradient flow, dead, saturated and dormant units, and the reading.

The one home of PyTorch in actlab, imported only by whoever asks for it (the core never imports torch).

    from actlab.torch import Monitor
    mon = Monitor(model, every="auto", budget=0.03, log="runs/exp1.jsonl")
    for x, y in loader:
        with mon.step() as s:
            loss = loss_fn(model(x), y)
            loss.backward()
            s.loss = loss            # optional: lets the reading judge learning against chance
        opt.step(); opt.zero_grad()
    print(mon.report())

How it measures, on a sampled step only (no hook stays attached in between, so eval fast paths and compiled
graphs are untouched):
- each activation module that maps to a registry record (nn.ReLU, nn.GELU, nn.LeakyReLU, ...) gets a forward hook
  that reduces its output at once to per-unit sums (|a|, a, and the distance to a saturation level where the record
  has one), ||a|| and a tensor hook for ||dL/da||; f' comes from the output where torch's own backward takes it
  from there (ReLU, Leaky ReLU, tanh, sigmoid) and otherwise from a forward pre-hook on the input, before an
  in-place module overwrites it, through torch's backward kernels, reduced to per-unit sums of |f'| and of
  nonzero f' (units: the last axis, or the channel axis of an image). A module called twice in one forward is two
  places. Module full-backward hooks are never used (in-place ReLU breaks them);
- activations applied as functions (F.gelu, torch.tanh, TransformerEncoderLayer(activation="gelu")) are watched
  where they are called, by a torch function mode; the first sampled step looks for them through the whole
  forward, and later steps turn the mode on only from the start of a weighted module a function was found after
  to the start of the next weighted module (none at all when none was found); the gaps where no activation ran
  (where a function that first runs later would be) are watched too on every RELEARN_EVERY-th sampled step;
- the weight gradients of the weighted modules (a 2-D or larger "weight") are normed in one fused call after
  backward; each activation is paired with the weighted module that ran just before it, and the last weighted
  module to run is the output layer;
- after backward, dead (each unit keeps the sampled step it was last active at), saturated and dormant counts are
  computed for every layer at once, and every number of the step is brought to the host in one transfer (on a
  CPU, where reading a number costs no synchronisation, the per-unit sums in one and each 0-d figure by itself);
  the words and the reading are built only when a report is asked for or logged.
The per-layer summary feeds readings.diagnose(), the same function that reads actlab's own networks, so
"vanishing", "dead layer" and the rest mean the same thing everywhere.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import dataclasses
import json
import math
import numbers
import re
import statistics
import time
import weakref
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..activations import Activation
from ..instruments import DORMANT_TAU, SATURATION_FRACTION, layer_reading
from ..monitor_log import LOG_FORMAT, end_line, read_log
from ..readings import (
    Finding,
    LayerSummary,
    Reading,
    RunSummary,
    Status,
    _loss_text,
    diagnose,
    grad_ratio,
    low_gradient_word,
)
from . import _torch_stats
from .torch_recipes import RecipeModule, TorchSource, export_code, module_for, record_for, torch_source

__all__ = ["LayerStats", "Monitor", "MonitorReport", "RecipeModule", "TorchSource", "export_code", "module_for",
           "read_log", "record_for", "torch_source"]
# how a remedy says "start again" to a script (the lab's own words say "reset", its button)
TORCH_RESTART = "restart from freshly initialised weights or from a checkpoint saved before the problem began"
RELEARN_EVERY = 32  # sampled steps that reuse a learned structure before the next one learns it again
MAX_AUTO_EVERY = 50  # every="auto" samples at least this often, whatever the budget
_MIN_AUTO_EVERY = 2  # every="auto" keeps an unsampled step between samples to time them against
# every="auto" chooses the interval that spends this share of the budget by its own timing: the rest is margin for
# what the timing of a sampled step inside the block cannot see or gets wrong (an outside measurement's own noise,
# the step's work outside the block slowed by a sampled step's traffic), so that the amortised overhead measured
# from outside, at the upper end of its interval, still stays within the budget
AUTO_AIM = 0.5
# dead needs evidence: a unit is dead when it was off on every sampled batch of the window, and the window holds at
# least this many (min(window, DEAD_EVIDENCE)); a unit off on the first batch or two is not dead. A layer whose every
# unit has been off on each of at least this many latest sampled batches is dead at once, not a full window later:
# nothing passes back through it, so nothing below it (and none of its own weights) can bring it back
DEAD_EVIDENCE = 5
# learning is judged on the mean loss of this many latest sampled batches with a loss, not on one batch's (one
# batch's loss wobbles around the 10%-below-chance line, and the status flickered between healthy and starting)
LOSS_BATCHES = 10
_WARMUP_STEPS = 2  # untimed: first calls allocate and pick kernels
_CALIBRATION_PAIRS = 4  # then unsampled and sampled steps alternate, so a slow patch of the machine hits both


# --- derivatives of torch activation modules (records from modules: torch_recipes.record_for) ---------


def derivative(record: Activation, module: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """f'(z) for a torch activation module, as torch's own backward computes it.

    The commonest activations call torch's backward kernel directly (one pass, about a tenth of the cost of a
    small autograd graph); every other module is differentiated by autograd on a copy of its forward. A test
    checks each direct path against autograd and against the registry's derivative."""
    aten = torch.ops.aten
    one = torch.ones((), dtype=z.dtype, device=z.device).expand_as(z)
    name = record.name
    if name == "relu":
        return aten.threshold_backward(one, z, 0)
    if name == "leaky_relu":
        return aten.leaky_relu_backward(one, z, record.params["negative_slope"], False)
    if name in ("gelu", "gelu_tanh"):
        return aten.gelu_backward(one, z, approximate="tanh" if name == "gelu_tanh" else "none")
    if name == "silu" and type(module).__name__ == "SiLU":
        return aten.silu_backward(one, z)
    if name == "tanh":
        return aten.tanh_backward(one, torch.tanh(z))
    if name == "sigmoid":
        return aten.sigmoid_backward(one, torch.sigmoid(z))
    fn = copy.copy(module)
    if hasattr(fn, "inplace"):
        fn.inplace = False  # the derivative is taken on a copy; the model's own module stays as it is
    with torch.enable_grad():
        zz = z.detach().requires_grad_(True)
        (d,) = torch.autograd.grad(fn.forward(zz), zz, torch.ones_like(zz))  # forward(): no hooks run again
    return d


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


def _say_what_the_count_covers(reading: Reading, left_out: list[str]) -> Reading:
    """The reading's count of dead hidden units ("3 of 64 hidden units are dead") is made over the layers whose weights
    train; where watched layers were left out of it (frozen weights before them, or weights that got no gradient),
    it says so, naming them."""
    findings = list(reading.findings)
    for i, f in enumerate(findings):
        dead = f.evidence.get("dead_units") if isinstance(f.evidence, dict) else None
        if not dead:
            continue
        at = f.words.find(" hidden unit")
        end = f.words.find(" dead", at)
        if at < 0 or end < 0:
            continue
        end += len(" dead")
        names = "; ".join(left_out[:4]) + (" ..." if len(left_out) > 4 else "")
        words = (f"{f.words[:end]} (counted over the layers whose weights are trained; not counted: {names})"
                 f"{f.words[end:]}")
        findings[i] = dataclasses.replace(f, words=words)
    return Reading(tuple(findings))


# exploding activations: over at least EXPLODE_MIN_LAYERS watched hidden layers, the activations' std grows by
# EXPLODE_PER_LAYER or more per layer on average (geometric mean, first to last) and by EXPLODE_TOTAL or more in all.
# Reference: ReLU layers whose weights have std g * sqrt(2 / fan_in) (He times a gain g) multiply the second moment of
# the activations by g^2 per layer (Var z = fan_in * Var W * E[a^2] = 2 g^2 E[a^2], and E[relu(z)^2] = Var z / 2), so
# the std by g: He (g = 1) keeps it, g = 2 doubles it per layer
EXPLODE_MIN_LAYERS = 3
EXPLODE_PER_LAYER = 1.5
EXPLODE_TOTAL = 10.0


def _exploding_activations(stds: list[tuple[str, float]]) -> Finding | None:
    """An EXPLODING finding when the forward activations' std grows layer by layer (the criterion above)."""
    stds = [(label, v) for label, v in stds if math.isfinite(v) and v > 0]
    if len(stds) < EXPLODE_MIN_LAYERS:
        return None
    (first, a), (last, b) = stds[0], stds[-1]
    growth = (b / a) ** (1 / (len(stds) - 1))
    if growth < EXPLODE_PER_LAYER or b / a < EXPLODE_TOTAL:
        return None
    return Finding(Status.EXPLODING,
                   f"exploding activations: the activations' std grows about {growth:.2g} times per layer, from "
                   f"{a:.3g} at {first} to {b:.3g} at {last} over {len(stds)} watched layers (flagged from "
                   f"{EXPLODE_PER_LAYER:g} times per layer and {EXPLODE_TOTAL:g} times in all)",
                   "Initialise for the activation (He for the ReLU family: weight std sqrt(2 / fan_in); Xavier for "
                   "tanh), or put a normalisation layer (LayerNorm, BatchNorm) between the layers.",
                   {"activation_std": [v for _, v in stds], "growth_per_layer": growth})


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
        return f"was first seen at sampled step {step} (the last finite sample was step {before})"
    return f"first appeared at step {step}" if before is not None or step == 1 else \
        f"was first seen at sampled step {step}, the first step sampled"


def _opaque_words(name: str, module: nn.Module) -> str:
    """What a recurrent module applies inside its fused kernel, which no hook reaches."""
    kind = type(module).__name__
    inside = ("its sigmoid gates and tanh" if isinstance(module, nn.LSTM | nn.GRU | nn.LSTMCell | nn.GRUCell)
              else f"its {getattr(module, 'nonlinearity', 'tanh')}")
    return f"'{name or 'model'}' ({kind}) applies {inside} inside one fused kernel"


def _unwatched_reading(opaque: list[str], loss_text: str) -> Reading:
    """The monitor saw no activation while the model has some it cannot reach: never 'a linear model'."""
    where = (("; ".join(opaque[:3]) + (" ..." if len(opaque) > 3 else "") + ", which the monitor cannot hook")
             if opaque else "no activation module or function it knows ran, so the model's non-linearity is "
             "applied by other means (a custom autograd Function, a C++ kernel: the notes say between which layers)")
    return Reading((Finding(Status.UNWATCHED, f"unwatched: the monitor cannot see this model's activations: {where}; "
                            "it reads the loss and the weight gradients of the linear layers, but nothing here says "
                            f"whether units are dead or saturated or whether gradients vanish{loss_text}",
                            "" if opaque else "To have it watched, apply the activation with a torch module or "
                            "function (nn.ReLU, F.gelu, torch.tanh, ...).", {"unwatched": opaque}),))


def _is_weighted(module: nn.Module) -> bool:
    w = module._parameters.get("weight")
    return w is not None and w.dim() >= 2


def _unit_axis(t: torch.Tensor) -> int:
    """Units are features: the last axis of (N, H) and (N, T, H); the channel axis of (N, C, H, W)."""
    return 1 if t.dim() >= 4 else t.dim() - 1


def _reduce_dims(t: torch.Tensor) -> list[int]:
    axis = _unit_axis(t)
    return [d for d in range(t.dim()) if d != axis]


# --- what one monitored place keeps between sampled steps ---------------------------------------


def _nonneg_output(record: Activation) -> bool:
    return record.output_range[0] >= 0


def _nonneg_derivative(record: Activation) -> bool:
    return record.deriv_range[0] >= 0


def _from_output(record: Activation, module: nn.Module) -> bool:
    """Activations whose f' torch's own backward computes from the output (ReLU: a > 0; tanh: 1 - a^2; sigmoid:
    a(1 - a); Leaky ReLU with a positive slope: a > 0 exactly when z > 0): these need no forward pre-hook."""
    kind = type(module).__name__
    if record.name in ("relu", "tanh", "sigmoid"):
        return kind in ("ReLU", "Tanh", "Sigmoid")
    return record.name == "leaky_relu" and kind == "LeakyReLU" and record.params["negative_slope"] > 0


@dataclass(eq=False)
class _Layer:
    """One watched place: an activation module (one entry per call when a module is called more than once in a
    forward), or an activation applied as a function on a sampled step's forward."""

    name: str  # the module's qualified name ('act#2' for its second call; 'fc1:gelu' for F.gelu on fc1's output)
    label: str  # how the words name it
    module: nn.Module  # the activation module (for a function: an equivalent module built from its arguments)
    record: Activation
    functional: bool = False
    order: int = -1  # execution order on the last sampled step it ran in
    weight_module: str | None = None  # the weighted module that ran just before it
    width: int = 0
    samples: deque = field(default_factory=deque)  # the sampled-step numbers of its last `window` batches
    last_active: np.ndarray | None = None  # (H,): the sampled step at which each unit last had f' != 0 (0: never)
    ran: bool = False  # did it run on this sampled step
    rows: int = 0  # samples per unit this step (batch x sequence, or batch x pixels)
    # this step's per-unit sums (H,) of |f'| and |a|; the totals of nonzero f' and of a (None where the host takes
    # them from the per-unit sums: ReLU's f' is 0 or 1, a >= 0 makes |a| = a), of a^2 (exact where a is +-1 or 0,
    # as a squared norm is not: a constant layer's std reads 0) and ||dL/da||
    dsum: torch.Tensor | None = None
    nz: torch.Tensor | None = None
    asum: torch.Tensor | None = None
    ssum: torch.Tensor | None = None
    sumsq: torch.Tensor | None = None
    grad_sq: torch.Tensor | None = None  # ||dL/da||^2 (the host takes the root)
    # the same two in float64 on the host, where float32 overflowed on a CPU (_overflowed); the tensors are then None
    sumsq_host: float | None = None
    grad_sq_host: float | None = None
    # fixed by the record: which passes can be skipped
    from_output: bool = False
    nonneg_out: bool = False
    nonneg_deriv: bool = False
    binary_deriv: bool = False  # f' is 0 or 1 (ReLU): the nonzero count is the |f'| sum
    # Activation.saturated_outputs: a unit also saturates when its outputs sit, on average, within
    # SATURATION_FRACTION x scale of a level in record.saturates_at. dist: this step's per-unit sums the host
    # turns into the distance (|a - mid| for "ends", unless mid is 0 and |a| serves; a for "floor"; the distance
    # itself for "levels")
    saturation_rule: tuple | None = None  # ("ends", mid, half) | ("floor", level) | ("levels", levels)
    saturation_limit: float = -math.inf  # the mean distance below which the unit is saturated
    dist: torch.Tensor | None = None
    can_die: bool = True  # Activation.has_zero_region: only then is a unit with f' = 0 throughout dead
    kept: torch.Tensor | None = None  # a ReLU's (rows, H) output, to the end of the sampled step
    kept_version: int = 0  # its version counter when the hook saw it
    defer_ok: bool = False  # nothing wrote into its output on the last learning step: its sums may wait for backward
    input_version: int = -1  # f' waits for the post-hook: the input's version counter when the pre-hook saw it
    derive_early: bool = False  # the module wrote into its input: f' is taken before its forward (the pre-hook)
    # f' of the post-hook, as a (rows, H) NumPy view of the scratch buffer torch wrote it into, not yet reduced: the
    # same hook reduces it with the output in one compiled pass (_measure_output), before any other place can reuse
    # the buffer
    held_derivative: np.ndarray | None = None
    # nn.GELU (erf form) in float32 with the compiled passes: no f' at all; its input, held by the post-hook for
    # _measure_output, which reads it with the output in one pass (_torch_stats_numba.gelu_sums)
    erf_gelu: bool = False
    held_input: torch.Tensor | None = None

    def __post_init__(self) -> None:
        self.from_output = _from_output(self.record, self.module)
        self.nonneg_out = _nonneg_output(self.record)
        self.nonneg_deriv = _nonneg_derivative(self.record)
        self.binary_deriv = self.record.name == "relu" and type(self.module).__name__ == "ReLU"
        self.erf_gelu = self.record.name == "gelu" and type(self.module) is nn.GELU and not self.functional
        self.can_die = self.record.has_zero_region
        levels = tuple(float(v) for v in self.record.saturates_at)
        if levels:
            lo, hi = (float(v) for v in self.record.output_range)
            scale = (hi - lo) / 2 if math.isfinite(lo) and math.isfinite(hi) else max(abs(v) for v in levels)
            self.saturation_limit = SATURATION_FRACTION * scale
            if sorted(levels) == [lo, hi]:  # outputs lie between the levels: distance = half - |a - mid|
                self.saturation_rule = ("ends", (lo + hi) / 2, (hi - lo) / 2)
            elif levels == (lo,):  # outputs lie above the one level: distance = a - level
                self.saturation_rule = ("floor", lo)
            else:
                self.saturation_rule = ("levels", levels)


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

    def to_dict(self) -> dict:
        from .._json import fields_jsonable

        return fields_jsonable(self)


NAME_COLUMN = 40  # the widest module column of a report's table


def _num(v, width: int, spec: str = ".3g") -> str:
    """A number for the report's table; '-' where there is none (a NaN step's counts, a frozen weight's ratio)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return f"{'-':>{width}}"
    return f"{v:>{width}{spec}}"


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
                "every": self.every,
                "layers": [l.to_dict() for l in self.layers], "output_grad_norm": jsonable(self.output_grad_norm),
                "loss": jsonable(self.loss), "non_finite": self.non_finite,
                "first_non_finite": self.first_non_finite, "last_finite_step": self.last_finite_step,
                "reading": self.reading.to_dict(),
                "notes": list(self.notes)}

    def __str__(self) -> str:
        age = (f" of {self.steps_run}" if self.steps_run is not None and self.steps_run != self.step else "")
        n = self.sampled_steps
        ran = self.steps_run if self.steps_run is not None else self.step
        head = (f"actlab monitor: sampled at step {self.step}{age}, {n} step{'' if n == 1 else 's'} sampled" if n else
                f"actlab monitor: no step sampled yet, {ran} step{'' if ran == 1 else 's'} run")
        lines = [head + (f" (every ~{self.every}, auto)" if self.every and self.auto else
                         f" (every {self.every})" if self.every else "")]
        # a/last: |dL/da| over the last watched activation's (the watch page's "ratio to last"); W/out: |dL/dW| of
        # the weights before the activation over the output layer's, the ratio the words below read
        # the module column fits the longest name up to NAME_COLUMN characters; a longer one keeps its end, which tells
        # places apart ('…layers.11.linear1:gelu'), and the lines under the table name each place in full
        nw = min(max([6] + [len(l.name) for l in self.layers]), NAME_COLUMN)
        aw = max([3] + [len(l.activation) for l in self.layers])
        head = f"{'module':<{nw}} {'act':<{aw}} {'units':>5} {'|dL/da|':>9} {'a/last':>8} {'|dL/dW|':>9} " \
               f"{'W/out':>8} {'mean':>7} {'std':>7} {'dead':>5} {'sat':>5} {'dorm':>5}"
        lines += [head, "-" * len(head)]
        for l in self.layers:
            name = l.name if len(l.name) <= nw else "…" + l.name[-(nw - 1):]
            lines.append(f"{name:<{nw}} {l.activation:<{aw}} {l.width:>5} {_num(l.act_grad_norm, 9)} "
                         f"{_num(l.act_grad_ratio_to_last, 8)} {_num(l.weight_grad_norm, 9)} "
                         f"{_num(l.weight_grad_ratio_to_output, 8)} {_num(l.mean, 7)} {_num(l.std, 7)} "
                         f"{_num(l.dead, 5, 'd')} {_num(l.saturated, 5, 'd')} {_num(l.dormant, 5, 'd')}")
        rare = sorted({l.activation for l in self.layers if l.low_word != "saturated"})
        if rare:
            lines.append(f"  sat: for {', '.join(rare)}, units rarely active (on for under 1% of the batch): "
                         "a function whose only flat part is 0 cannot saturate")
        lines += [f"  {l.name} ({l.module_type}, {l.width} unit{'' if l.width == 1 else 's'}): {l.words}"
                  for l in self.layers if l.words]
        lines.append(f"status: {self.reading.status.value}")
        lines.append(f"reading: {self.reading.words}")
        if self.reading.remedy:
            lines.append(f"remedy: {self.reading.remedy}")
        lines += [f"also: {f.words}" for f in self.reading.findings[1:]]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        def cell(v, spec=".3g"):
            return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)

        rows = "".join(f"<tr><td>{html.escape(l.name)}</td><td>{l.activation}</td><td>{l.width}</td>"
                       f"<td>{cell(l.act_grad_norm)}</td><td>{cell(l.act_grad_ratio_to_last)}</td>"
                       f"<td>{cell(l.weight_grad_norm)}</td><td>{cell(l.weight_grad_ratio_to_output)}</td>"
                       f"<td>{cell(l.dead, 'd')}</td><td>{cell(l.saturated, 'd')}</td><td>{cell(l.dormant, 'd')}</td>"
                       f"</tr>" for l in self.layers)
        return (f"<p>{html.escape(self.reading.status.value)}: <b>{html.escape(self.reading.words)}</b> "
                f"{html.escape(self.reading.remedy)}</p>"
                "<table><tr><th>layer</th><th>activation</th><th>units</th><th>‖∂L/∂a‖</th><th>a / last</th>"
                "<th>‖∂L/∂W‖</th><th>W / output</th><th>dead</th><th>saturated / rarely active</th>"
                "<th>dormant</th></tr>"
                f"{rows}</table>")


# --- the monitor ----------------------------------------------------------------------------

_LOW_PRECISION = (torch.float16, torch.bfloat16)


def _shape(t: torch.Tensor) -> tuple[int, int]:
    """(units, samples per unit) of an activation tensor."""
    if t.dim() == 0:
        return 1, 1
    width = t.shape[_unit_axis(t)]
    return width, (t.numel() // width if width else 0)


def _per_unit(t: torch.Tensor) -> torch.Tensor:
    """The sum over every axis but the unit axis, (H,), in float32 at least (a half-precision count would round)."""
    acc = torch.float32 if t.dtype in _LOW_PRECISION else None
    if t.dim() <= 1:
        return t.to(acc) if acc is not None else t.clone()
    if t.dim() <= 3:
        return t.reshape(-1, t.shape[-1]).sum(0, dtype=acc)  # one pass down the rows
    return t.sum(dim=_reduce_dims(t), dtype=acc)


def _total(t: torch.Tensor) -> torch.Tensor:
    """The sum of every element, 0-d, in float32 at least."""
    return t.sum(dtype=torch.float32 if t.dtype in _LOW_PRECISION else None)


def _sumsq(t: torch.Tensor) -> torch.Tensor:
    """The sum of t^2 (in float32 at least): one dot product, no square root to round."""
    if t.dtype in _LOW_PRECISION:
        return torch.linalg.vector_norm(t, dtype=torch.float32).square()
    flat = t.reshape(-1)
    return torch.dot(flat, flat)


# on a CPU, each float32 sum of squares is read where it is made (a CPU number costs no synchronisation) and made
# again in float64 if it overflowed (_overflowed), and a step's 0-d figures are read one by one rather than stacked
# for one transfer (_collect); a test turns this off to see the path every device takes
SUM64_ON_CPU = True


def _overflowed(s: torch.Tensor, t: torch.Tensor) -> float | None:
    """A float32 sum of squares s of t that overflowed (finite values near 1.8e19 or more square past float32's
    range) made again in float64, on a CPU only, where reading s costs no synchronisation: the figure itself, for the
    host to use instead of s. None where s is not float32, is off the CPU, or is finite (an inf inside t also sums
    to inf: float64 gives inf again, and the place reads non-finite as before)."""
    if s.dtype != torch.float32 or not t.is_cpu or not math.isinf(s.item()):
        return None
    flat = t.detach().reshape(-1).double()
    return float(torch.dot(flat, flat))


# activations applied as functions: what torch hands a function mode -> (name, equivalent module from the arguments)
def _arg(args: tuple, kwargs: dict, position: int, name: str, default):
    return args[position] if len(args) > position else kwargs.get(name, default)


_FUNCTIONS: dict = {}


def _functions() -> dict:
    if _FUNCTIONS:
        return _FUNCTIONS
    F = nn.functional
    table = {
        "relu": ([F.relu, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_], lambda a, k: nn.ReLU()),
        "gelu": ([F.gelu], lambda a, k: nn.GELU(approximate=_arg(a, k, 1, "approximate", "none"))),
        "silu": ([F.silu], lambda a, k: nn.SiLU()),
        "tanh": ([torch.tanh, torch.Tensor.tanh], lambda a, k: nn.Tanh()),
        "sigmoid": ([torch.sigmoid, torch.Tensor.sigmoid], lambda a, k: nn.Sigmoid()),
        "leaky_relu": ([F.leaky_relu], lambda a, k: nn.LeakyReLU(_arg(a, k, 1, "negative_slope", 0.01))),
        "elu": ([F.elu], lambda a, k: nn.ELU(_arg(a, k, 1, "alpha", 1.0))),
        "celu": ([F.celu], lambda a, k: nn.CELU(_arg(a, k, 1, "alpha", 1.0))),
        "selu": ([F.selu], lambda a, k: nn.SELU()),
        "mish": ([F.mish], lambda a, k: nn.Mish()),
        "softplus": ([F.softplus], lambda a, k: nn.Softplus(_arg(a, k, 1, "beta", 1.0), _arg(a, k, 2, "threshold",
                                                                                              20.0))),
        "hardtanh": ([F.hardtanh], lambda a, k: nn.Hardtanh(_arg(a, k, 1, "min_val", -1.0),
                                                            _arg(a, k, 2, "max_val", 1.0))),
        "relu6": ([F.relu6], lambda a, k: nn.ReLU6()),
        "hardswish": ([F.hardswish], lambda a, k: nn.Hardswish()),
        "hardsigmoid": ([F.hardsigmoid], lambda a, k: nn.Hardsigmoid()),
    }
    for name, (fns, make) in table.items():
        for fn in fns:
            _FUNCTIONS[fn] = (name, make)
    return _FUNCTIONS


class _FunctionWatch(TorchFunctionMode):
    """Active during the model's forward on a sampled step (only while functional activations are looked for or
    known): each call of an activation function outside an activation module is measured like a module."""

    def __init__(self, monitor: Monitor):
        super().__init__()
        self.monitor = monitor
        self._call = _outside_graph(monitor._functional_call)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        try:
            spec = _FUNCTIONS.get(func)
        except TypeError:  # an unhashable callable is no activation of ours
            spec = None
        mon = self.monitor
        if spec is None or mon._inside or not args or not torch.is_tensor(args[0]) \
                or not torch.is_floating_point(args[0]):
            return func(*args, **kwargs)
        return self._call(spec, func, args, kwargs)


def _outside_graph(hook):
    """The hook as torch.compile sees it: run as plain Python, never traced into a compiled graph. Dynamo inlines
    module hooks into the graph it compiles, and a hook's reads of a number (.item()), its numba kernels and its
    tensor hooks each broke the graph with a warning pointing into this file; a hook left out of the graph runs
    eagerly between the graph's pieces, on the real tensors, so it measures what an uncompiled step measures."""
    return torch.compiler.disable(hook, recursive=True)


def _end_log(path: Path, steps: list) -> None:
    """The finaliser of a monitor with a log: appends the end line (never raises: it may run at exit)."""
    with contextlib.suppress(OSError):
        with path.open("a") as fh:
            fh.write(end_line(steps[0]))


def _what(value, whole: bool = False) -> str:
    """How a refused argument is described: its value and, for what is not a number, its kind."""
    if isinstance(value, bool):
        return f"{value!r}, a bool (True and False are not numbers here)"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"{value!r}, a string"
        return f"{value!r}, a string (give the number itself, without quotes)"
    if isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and not whole):
        return repr(value)
    return f"{value!r}, a {type(value).__name__}"


def _is_number(value, whole: bool = False) -> bool:
    """A real number (a whole one where ``whole``): int, float or NumPy's, never a bool or a string."""
    kind = numbers.Integral if whole else numbers.Real
    return isinstance(value, kind) and not isinstance(value, bool)


class _StepHandle:
    """What ``with mon.step() as s`` gives: set ``s.loss`` to let the reading weigh the loss."""

    def __init__(self) -> None:
        self.loss: torch.Tensor | float | None = None


class Monitor:
    """Watches a PyTorch model's activations and gradients while it trains, and says in words how they are doing.

        mon = Monitor(model, every="auto", budget=0.03, log="runs/exp1.jsonl", chance_loss=math.log(10))
        for x, y in loader:
            with mon.step() as s:            # forward, loss and loss.backward() go inside
                loss = loss_fn(model(x), y)
                loss.backward()
                s.loss = loss                # optional: lets the reading judge the loss against chance
            opt.step(); opt.zero_grad()
        print(mon.report())
        mon.close()                          # ends the log (also done when the monitor is collected)

    Only sampled steps are measured: hooks are attached for that step and taken off after it, so the steps in
    between cost almost nothing and compiled or eval fast paths are left alone.

    Args:
        model: the torch.nn.Module to watch (or torch.compile(model): the model inside it is watched). Every
            activation module actlab knows (nn.ReLU, nn.GELU, nn.Tanh, nn.LeakyReLU, ...) and every activation
            applied as a function (F.relu, F.gelu, torch.tanh, ...) is a watched layer.
        every: sample every n-th step (every=1, "debug mode", samples all of them), or "auto" (the default): time
            the first steps and choose the interval (2 to 50) that keeps the monitor's share of the training time
            within ``budget``; on a CPU it keeps timing and follows the cost.
        budget: for every="auto", the share of a step's time the monitor may add, averaged over the steps: 0.03 is
            3%. auto aims at half of it and keeps the rest as margin for what its own timing misses.
        window: how many of the latest sampled batches the dead count looks back over: a unit is dead when it was
            inactive (derivative 0) on every one of them, counted once at least min(window, 5) were sampled; a
            layer whose every unit was inactive on each of its last 5 sampled batches reads dead at once.
        log: a file to write as JSON lines, one report per sampled step, replaced if it exists (``actlab watch
            FILE`` shows it live in the lab); None (the default) writes nothing.
        chance_loss: the loss of the best constant prediction, if known (ln C for C balanced classes with
            cross-entropy, the targets' variance with MSE). Without it the status says only whether gradients
            flow; with it, whether the model is learning ("healthy", "starting", "not learning").

    What report() says (print it, or read its fields; to_dict() gives the same as JSON): one row per watched
    layer, from the latest sampled step: |dL/da|, the gradient reaching the activation's output, and a/last, its
    ratio to the last watched layer's; |dL/dW|, the gradient of the weights just before the activation, and W/out,
    its ratio to the output layer's; the mean and std of the activations; dead units (over ``window``), units
    saturated (or, for ReLU, rarely active) and dormant units (Sokar et al. 2023); then a line of words per layer
    that has something to say, the status (healthy, flowing, vanishing, exploding, dead_layer, diverged, unwatched,
    ...), the reading in words with a remedy where one applies, and notes on what the monitor could not see and why.

    A unit is saturated on a batch, as the NumPy engine counts it (instruments.saturated_mask), by either of two
    rules: its mean |f'| is under 1% of f''s maximum, or, for a function with saturation levels (tanh's -1 and 1,
    sigmoid's 0 and 1, ELU's -alpha), its outputs sit on average within 1% of the output's scale of a level (tanh: 1,
    sigmoid: 0.5). The second catches units whose mean f' is a little above 1% (for tanh, f' = 1 - a^2 is under 2%
    when 1 - |a| is under 1%). Dead units are counted once, as dead, not again as saturated.
    """

    def __init__(self, model: nn.Module, every: int | str = "auto", budget: float = 0.03, window: int = 100,
                 log: str | Path | None = None, chance_loss: float | None = None):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: a torch.nn.Module; got {type(model).__name__}")
        compiled = isinstance(getattr(model, "_orig_mod", None), nn.Module) and type(model).__name__ == \
            "OptimizedModule"
        if compiled:  # torch.compile(model): its hooks would never run in the compiled graph; watch the model in it
            model = model._orig_mod
        self._compiled = compiled
        auto = isinstance(every, str) and every == "auto"
        if not auto and not (_is_number(every, whole=True) and every >= 1):
            raise ValueError(f"every: a whole number of steps, 1 or more (every=1 samples every step), or 'auto'; "
                             f"got {_what(every, whole=True)}")
        if not (_is_number(budget) and 0 < budget < 1):
            raise ValueError(f"budget: a share of a step's time, a number between 0 and 1 (0.03 is 3%); "
                             f"got {_what(budget)}")
        if not (_is_number(window, whole=True) and window >= 1):
            raise ValueError(f"window: a whole number of sampled batches, 1 or more; got {_what(window, whole=True)}")
        if chance_loss is not None and not (_is_number(chance_loss) and math.isfinite(chance_loss)
                                            and chance_loss > 0):
            raise ValueError(f"chance_loss: the loss of the best constant guess, a finite number above 0 (ln C for "
                             f"C balanced classes with cross-entropy), or None; got {_what(chance_loss)}")
        every = every if auto else int(every)
        window = int(window)
        budget = float(budget)
        chance_loss = float(chance_loss) if chance_loss is not None else None
        self.model = model
        self.budget = budget
        self.window = window
        self.chance_loss = chance_loss
        self.every: int | None = every if isinstance(every, int) else None
        self.calibrated_cost: float | None = None  # every="auto": the share of a step spent sampling (upper end)
        self.sampled_extra: float | None = None  # every="auto": a sampled step's extra time over an unsampled one's
        self._auto = every == "auto"
        self.step_count = 0
        self._last_sample = -1
        self.sampled_steps = 0
        # every="auto": each sampled step's extra time as a share of the unsampled steps just before it (a local
        # comparison: a shared machine's load drifts between samples); on a CPU the interval keeps following them,
        # on an accelerator only the first steps are timed (a timing there needs a synchronisation)
        self._times: dict[str, deque] = {"base": deque(maxlen=8), "extra": deque(maxlen=32)}
        self._recalibrate = all(p.device.type == "cpu" for p in model.parameters())
        # a CPU model: its sums take the compiled passes, loaded in a background thread (numba's import took 3.7-6.5 s
        # under load, which Monitor() used to wait for); the torch path makes the same sums until they are ready
        if self._recalibrate:
            _torch_stats.preload()
        self._layers: list[_Layer] = []  # every watched place, in the order first seen
        self._modules: list[tuple[nn.Module, _Layer]] = []  # activation modules and their first-call place
        self._calls_of: dict[tuple, _Layer] = {}  # (base name, call number) or (after, function, call) -> place
        self._repeat_notes: dict[str, int] = {}  # a module run several times in one forward -> its note's index
        self._weighted = [(n, m) for n, m in model.named_modules() if _is_weighted(m)]
        self._kinds = {n: type(m).__name__ for n, m in self._weighted}  # how the words name a function's input
        # made once: a closure per module and step would be made and dropped on every sampled step
        self._weight_pre_hooks = [(m, self._weight_pre_hook(n)) for n, m in self._weighted]
        self.notes: list[str] = []
        if compiled:
            self.notes.append("Monitor was given torch.compile(model): it watches the model inside it (the report "
                              "names its modules without '_orig_mod.'); calling the compiled model in the step works")
        for name, module in model.named_modules():
            record = record_for(module)
            if record is not None:
                layer = _Layer(name, _label(name, type(module).__name__), module, record)
                self._layers.append(layer)
                self._modules.append((module, layer))
                self._calls_of[(name, 0)] = layer
        self._module_hooks = [(m, l, self._pre_hook(l), self._post_hook(l)) for m, l in self._modules]
        # the model's own hooks, made once and kept out of a compiled graph like the modules' (_outside_graph)
        self._started_hook = _outside_graph(self._forward_started)
        self._enter_hook = _outside_graph(self._enter_mode)
        self._leave_hook = _outside_graph(self._leave_mode_hook)
        # the keys of this monitor's hooks in the modules' hook tables (_attach): a weighted module's pre-hook, an
        # activation module's pre-hook and hook, the model's pre-hook and hook of the function watch (distinct, since
        # one module may be several of these; objects, so that no other hook's integer id can equal them)
        self._hook_keys = tuple(object() for _ in range(6))
        _functions()
        self._functional: bool | None = None  # None: the first sampled step looks for activations called as functions
        # where they were found, or may yet appear: the weighted modules they follow (None: the model's input). Later
        # sampled steps watch functions only from such a module's start to the next weighted module's, not through
        # the whole forward (the mode intercepts every torch call it spans, in Python): _choose_windows
        self._windows: frozenset = frozenset()
        self._note_what_cannot_be_seen()
        self._log_path = Path(log) if log is not None else None
        if self._log_path is not None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            with self._log_path.open("w") as fh:  # a new log per monitor: the header names the layers
                fh.write(self._header())
        # the log's last line says the run ended (the watch page shows it): written by close(), or when the monitor
        # is collected or the interpreter exits; the step count is shared with the finaliser through this list
        self._steps_box = [0]
        self._closer = (weakref.finalize(self, _end_log, self._log_path, self._steps_box)
                        if self._log_path is not None else None)
        self._header_layers = len(self._layers)  # how many places the log's latest header names
        self._last: MonitorReport | None = None
        self._order = 0
        self._weight_order: dict[str, int] = {}
        self._last_weighted: str | None = None
        self._calls: dict = {}
        self._open: dict[int, list[_Layer]] = {}  # module id -> places whose forward has started (pre-hook)
        self._inside = 0  # > 0 while an activation module's forward runs (its F.relu is not a functional one)
        self._mode: _FunctionWatch | None = None
        self._ones: dict[tuple, torch.Tensor] = {}  # full ones for torch's backward kernels (a stride-0 one is slow)
        self._pending: tuple | None = None
        self._noted_none = False
        self._noted_functional: set[str] = set()  # the function places the notes name
        self._functional_note: int | None = None  # where in self.notes
        self._loss: float | None = None
        self._losses: deque = deque(maxlen=LOSS_BATCHES)  # the latest sampled steps' finite losses
        self._weight_norms: list | None = None  # the weight norms read when this step's backward ended
        self._frozen_now: frozenset[str] = frozenset()  # weighted modules whose weight is frozen, at the last read
        # each weight's .grad when the sampled step's forward began, with its version (None: no .grad then), and
        # whether the last read found any gradient this step wrote (_weight_grad_norms)
        self._grad_marks: list | None = None
        self._grads_written = False
        self._known: tuple | None = None  # the places, in the order they ran, when the structure was last learned
        self._since_learned = 0  # sampled steps since then
        self._reuse = False  # this sampled step reuses the learned structure (no weighted-module hooks)
        self._seq: list = []  # the places claimed on this sampled step, in order
        self._weight_read_queued = False
        self._first_non_finite: dict | None = None  # {"step", "place"}: the first sampled step with a NaN or inf
        # the first sampled step of the current unbroken run of sampled steps holding a NaN or an inf (None once a
        # sampled step is finite again): the step a divergence is dated from
        self._non_finite_since: dict | None = None
        self._last_finite_sample: int | None = None  # the latest sampled step with no NaN or inf
        self._in_step = False  # inside `with mon.step()`: a second one opened there is a mistake, said so
        self._forwards = 0  # the model's forwards on this sampled step
        self._skip = False  # a later forward of the step: the hooks watch nothing
        self._noted_forwards = False
        self._grad_watched = False  # this sampled step hooked a place whose output needs a gradient
        self._noted_loss_shape = False
        # the places' last_active arrays as views of one buffer, and those views in its order (_advance_history)
        self._history: np.ndarray = np.zeros(0, dtype=np.int64)
        self._history_views: tuple = ()

    def close(self) -> None:
        """Ends the log: a last line saying the run finished (``actlab watch`` shows it). Idempotent."""
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _header(self) -> str:
        return json.dumps({"format": LOG_FORMAT, "layers": [l.name for l in self._layers],
                           "activations": [l.record.name for l in self._layers]}) + "\n"

    # -- what the monitor cannot see ---------------------------------------------------------

    def _note_what_cannot_be_seen(self) -> None:
        # one note per kind of thing said, naming every block it is said of (a 12-layer encoder: 'layers.0-11')
        by_function: dict[tuple[str, str], list[str]] = {}
        blocks: dict[str, list[str]] = {}
        for name, module in self.model.named_modules():
            fn = getattr(module, "activation", None)
            if isinstance(module, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer):
                kind = type(module).__name__
                if callable(fn) and not isinstance(fn, nn.Module):
                    by_function.setdefault((getattr(fn, "__name__", str(fn)), kind), []).append(name or "model")
                blocks.setdefault(kind, []).append(name or "model")
        for (fname, kind), names in by_function.items():
            module_kind = {"relu": "ReLU", "gelu": "GELU"}.get(fname)
            as_module = f"activation=nn.{module_kind}()" if module_kind else "an activation module"
            self.notes.append(f"{_group_names(names)} ({kind}) appl{'ies' if len(names) == 1 else 'y'} {fname} as "
                              f"a function: it is watched where it is called, on linear1's output ({as_module} "
                              "would make it a module)")
        for kind, names in blocks.items():
            self.notes.append(f"{_group_names(names)} ({kind}): in eval mode, while hooks are attached (sampled "
                              "steps only), PyTorch skips the fast path it takes for inference; training is not "
                              "affected")
        self._unmatched = len(self._weighted) > 1
        # recurrent modules apply their non-linearities inside a fused kernel: no hook sees them
        self._opaque = [_opaque_words(name, module) for name, module in self.model.named_modules()
                        if isinstance(module, nn.RNNBase | nn.RNNCellBase)]
        for words in self._opaque:
            self.notes.append(f"{words} that the monitor cannot hook: its units are not read (no dead or saturated "
                              "counts there) and its weights are not among the weight gradients read")
        # activation modules of torch's own that actlab has no record for (nn.PReLU, nn.RReLU, ...): they run, unwatched
        self._unknown = [(name, type(module).__name__) for name, module in self.model.named_modules()
                         if type(module).__module__ == "torch.nn.modules.activation" and record_for(module) is None
                         and not list(module.children())
                         and type(module).__name__ not in ("Softmax", "LogSoftmax", "Softmin", "Softmax2d")]
        if self._unknown:
            names = ", ".join(f"'{n}' ({k})" for n, k in self._unknown[:6]) + (" ..." if len(self._unknown) > 6 else "")
            self.notes.append(f"unknown activations: module {names} has no actlab record, so it runs unwatched (no "
                              "units, dead or saturated counts there); the weights before it are still read")

    # -- stepping ----------------------------------------------------------------------------

    def _should_sample(self) -> bool:
        s = self.step_count
        if self._auto and self.every is None:  # calibrating: warm-up, then unsampled and sampled in turn
            return s >= _WARMUP_STEPS and (s - _WARMUP_STEPS) % 2 == 1
        if self._auto:  # counted from the last sample, so a new interval never puts two samples side by side
            return s - self._last_sample >= self.every
        return s % self.every == 0

    @contextlib.contextmanager
    def step(self) -> Iterator[_StepHandle]:
        """One training step: forward, loss and backward go inside; the optimiser step may go after."""
        if self._in_step:
            raise RuntimeError("mon.step() is already open: steps do not nest. Open one `with mon.step()` per "
                               "training step, with the forward, the loss and loss.backward() inside it")
        handle = _StepHandle()
        self._in_step = True
        sample = self._should_sample()
        if sample:
            self._last_sample = self.step_count
        # a one-off step: the first sampled step (the search for activation functions, first allocations) or one that
        # finds a new place; its time says nothing about what the sampled steps after it cost
        first, places = self.sampled_steps == 0, len(self._layers)
        self._sync()
        t0 = time.perf_counter()  # before the hooks are attached: attaching them is part of a sampled step's cost
        hooks = self._attach() if sample else []
        try:
            yield handle
        finally:
            self._in_step = False
            for table, key in hooks:
                table.pop(key, None)
            self._leave_mode()
            if sample:
                self._collect(handle)
            self._sync()
            self._calibrate(sample, time.perf_counter() - t0, one_off=first or len(self._layers) != places)
            self.step_count += 1
            self._steps_box[0] = self.step_count

    def _sync(self) -> None:
        if self._auto and self.every is None and torch.cuda.is_available():  # timing a GPU step needs a sync
            torch.cuda.synchronize()

    def _calibrate(self, sampled: bool, seconds: float, one_off: bool = False) -> None:
        """every="auto": each sampled step's time against the unsampled steps just before it (a local comparison:
        a shared machine speeds up and slows down between samples; a base kept from long ago made a sped-up
        machine's sampled steps look free, and every=1 then had no unsampled step left to correct it). The interval
        is chosen from the upper end of the recent extra shares, their mean plus three standard errors, so that noise
        in the timings errs towards sampling less often, never more, and so that this upper end spread over the
        interval spends AUTO_AIM (half) of the budget, leaving the rest as margin; it is at least 2, so that every
        sampled step has an unsampled neighbour to be compared with. A one-off sampled step (the first, which searches
        the model for activation functions: 586 ms against 1.4-1.9 ms for the next ones on a small MLP, or one that
        finds a new place) is left out: counted, it put 'a sampled step takes 667 times as long' in the report."""
        if not self._auto or self.step_count < _WARMUP_STEPS or (self.every is not None and not self._recalibrate):
            return
        base = self._times["base"]
        if not sampled:
            base.append(seconds)
            return
        if not base:
            return
        if one_off:
            base.clear()
            return
        reference = statistics.median(base)
        base.clear()  # the next sampled step is compared with the unsampled steps after this one only
        if reference <= 0:
            return
        extras = self._times["extra"]
        extras.append(seconds / reference - 1)
        if len(extras) >= _CALIBRATION_PAIRS:
            # a sampled step is one timing, not a median like its reference: on a loaded machine one of them now and
            # then takes several times as long (8.3 and 12.3 against a run of 0.9-1.7 on a small MLP); each extra is
            # held to the median plus 5 scaled median absolute deviations before the mean, so that one such step does
            # not move the interval tenfold
            mid = statistics.median(extras)
            spread = 1.4826 * statistics.median(abs(e - mid) for e in extras)
            held = [min(e, mid + 5 * spread) for e in extras]
            upper = statistics.fmean(held) + 3 * statistics.stdev(held) / math.sqrt(len(held))
            upper = max(upper, 0.0)
            # never sample so rarely that the readings go stale: a model whose step is tiny next to the hooks' cost
            # is sampled every MAX_AUTO_EVERY steps, over budget, and the report says so
            self.every = min(max(_MIN_AUTO_EVERY, math.ceil(upper / (AUTO_AIM * self.budget) - 1e-9)),
                             MAX_AUTO_EVERY)
            self.sampled_extra = upper
            self.calibrated_cost = upper / self.every  # amortised: one sampled step's extra spread over the interval

    # -- hooks (sampled steps only) ----------------------------------------------------------

    def _attach(self) -> list:
        self._order = 0
        self._weight_norms = None
        self._grad_marks = None  # taken when the model's forward begins (_forward_started)
        self._weight_read_queued = False
        self._grad_watched = False
        # the structure (which weighted module each place follows, in what order) is learned with a pre-hook on every
        # weighted module; once known, and with no activation functions to watch, later sampled steps reuse it and
        # attach no such hook (nine hooks cost about 0.4 ms a step on the benchmark's MLP). A step whose places run
        # in another sequence, and every RELEARN_EVERY-th sampled step, learn it again.
        self._reuse = (self._functional is False and self._known is not None
                       and self._since_learned < RELEARN_EVERY)
        # the function watch: on every sampled step where functions were found; where none was, only on a step that
        # learns the structure, which also watches the gaps where no activation ran (_choose_windows)
        self._watching = self._functional is not False or (not self._reuse and bool(self._windows))
        self._seq = []
        if not self._reuse:
            self._weight_order = {}
            self._last_weighted = None
        self._calls = {}
        self._open = {}
        self._inside = 0
        for layer in self._layers:
            layer.ran = False
            layer.dsum = layer.nz = layer.asum = layer.ssum = layer.sumsq = layer.grad_sq = layer.dist = None
            layer.sumsq_host = layer.grad_sq_host = None
            layer.kept, layer.input_version = None, -1
        # the hooks go straight into each module's hook tables under keys of this monitor's own, and come out of them
        # at the end of the step: register_forward_hook() and its handle's remove() cost some 3 us a hook (a quarter
        # of a 128 x 256 ReLU's whole measurement), for bookkeeping (keyword hooks, always-called hooks) these hooks
        # do not use; Module calls them from the same tables in the same order
        keys = self._hook_keys
        # first in the model's table: counts the model's forwards, so that a second one in the step (gradient
        # accumulation's micro-batches) is not read as new layers ('1#2', '1#3', ...)
        self._forwards, self._skip = 0, False
        self.model._forward_pre_hooks[keys[5]] = self._started_hook
        attached = [(self.model._forward_pre_hooks, keys[5])]
        if not self._reuse:
            for m, hook in self._weight_pre_hooks:
                m._forward_pre_hooks[keys[0]] = hook
                attached.append((m._forward_pre_hooks, keys[0]))
        functional = self._watching
        for module, layer, pre, post in self._module_hooks:
            # a pre-hook only where f' needs the input, or to tell a module's own F.relu from a functional one
            if functional or not layer.from_output:
                module._forward_pre_hooks[keys[1]] = pre
                attached.append((module._forward_pre_hooks, keys[1]))
            module._forward_hooks[keys[2]] = post
            attached.append((module._forward_hooks, keys[2]))
        if functional and (self._functional is None or None in self._windows):
            self.model._forward_pre_hooks[keys[3]] = self._enter_hook
            attached.append((self.model._forward_pre_hooks, keys[3]))
        if functional:
            self.model._forward_hooks[keys[4]] = self._leave_hook
            attached.append((self.model._forward_hooks, keys[4]))
        return attached

    def _forward_started(self, module, inputs) -> None:
        """The model's forward begins: from its second call in a step on, the hooks watch nothing (the step's
        readings are those of its first forward and the gradients that reach it)."""
        self._forwards += 1
        if self._forwards == 1:  # here, not as the block opens: a zero_grad() in the block before the forward
            self._mark_gradients()  # is not a gradient written
        if self._forwards > 1 and not self._skip:
            self._skip = True
            self._leave_mode()

    def _enter_mode(self, module, inputs) -> None:
        if self._skip:
            return
        if self._mode is None:
            self._mode = _FunctionWatch(self)
            self._mode.__enter__()

    def _leave_mode_hook(self, module, inputs, output) -> None:
        self._leave_mode()

    def _leave_mode(self) -> None:
        if self._mode is not None:
            mode, self._mode = self._mode, None
            mode.__exit__(None, None, None)

    def _weight_pre_hook(self, name: str):
        def hook(module, inputs):
            if self._skip:
                return
            self._weight_order[name] = self._order
            self._order += 1
            self._last_weighted = name
            # after the first sampled step (which watches the whole forward): a window for the functions found
            # after this module (or, on a step that learns the structure, a gap where none ran) opens, any other closes
            if self._watching and self._functional is not None:
                if name in self._windows:
                    self._enter_mode(module, inputs)
                else:
                    self._leave_mode()
        return _outside_graph(hook)

    def _place(self, base: _Layer) -> _Layer:
        """The place of this call of an activation module: its first call is the module's own; later calls in the
        same forward are places of their own (a shared nn.ReLU() after three Linears is three layers)."""
        k = self._calls.get(base.module, 0)
        self._calls[base.module] = k + 1
        if k == 0:
            return base
        key = (base.name, k)
        layer = self._calls_of.get(key)
        if layer is None:
            name = f"{base.name}#{k + 1}"
            layer = _Layer(name, _label(base.name, type(base.module).__name__, k + 1), base.module, base.record)
            self._calls_of[key] = layer
            self._layers.append(layer)
            self._note_repeated(base, k + 1)
        return layer

    def _note_repeated(self, base: _Layer, calls: int) -> None:
        """Says that a module ran several times in one forward and how each call is read (one note per module, kept
        up to the most calls seen)."""
        later = ", ".join(f"'{base.name}#{i}'" for i in range(2, calls + 1))
        note = (f"{base.label} ran {calls} times in one forward (one module applied to several inputs, as in "
                f"a siamese network): each call is read as a place of its own, over its own input and the gradient "
                f"that reaches its own output: '{base.name}' is the first call, {later} the later ones")
        where = self._repeat_notes.get(base.name)
        if where is None:
            self._repeat_notes[base.name] = len(self.notes)
            self.notes.append(note)
        else:
            self.notes[where] = note

    def _claim(self, layer: _Layer) -> None:
        self._seq.append(layer)
        if self._reuse:
            if layer.order < 0:  # a place first seen now: placed after the one before it (this step only; the
                # changed sequence makes the next sampled step learn the structure again)
                prev = self._seq[-2] if len(self._seq) > 1 else None
                layer.order = prev.order + 0.5 if prev is not None else -0.5
                layer.weight_module = prev.weight_module if prev is not None else None
            return  # otherwise its order and weighted module are those learned
        layer.order = self._order
        self._order += 1
        layer.weight_module = self._last_weighted

    def _pre_hook(self, base: _Layer):
        def hook(module, inputs):
            if self._skip:
                return
            layer = self._place(base)
            self._open.setdefault(id(module), []).append(layer)
            self._inside += 1
            self._claim(layer)
            z = inputs[0] if inputs else None
            if not torch.is_tensor(z) or not torch.is_floating_point(z):
                return
            if not layer.from_output:
                if layer.derive_early or getattr(module, "inplace", False):
                    self._measure_derivative(layer, z.detach())
                else:  # after the forward, from the same input (see _post_hook)
                    layer.input_version = z._version
        return _outside_graph(hook)

    def _post_hook(self, base: _Layer):
        def hook(module, inputs, output):
            if self._skip:
                return
            opened = self._open.get(id(module))
            if opened:
                layer = opened.pop()
                if layer.input_version >= 0:  # (still inside: derivative() may call the module's own F.elu)
                    # f' from the input the forward just read, rather than before the forward: z is still in the
                    # cache then, and the module's own pass over z did not follow one that pushed it out (on the
                    # benchmark's transformer the forward cost 2.2 ms more with f' taken before it). A module that
                    # wrote into its input without an inplace attribute is found by z's version, and its f' is
                    # taken before the forward from the next sampled step on
                    z, version, layer.input_version = inputs[0], layer.input_version, -1
                    if z._version == version:
                        self._measure_derivative(layer, z.detach(), hold=True)
                    else:
                        layer.derive_early = True
                self._inside -= 1
            else:
                layer = self._place(base)
                if torch.is_tensor(output) and torch.is_floating_point(output):
                    self._claim(layer)
            self._measure_output(layer, output)
        return _outside_graph(hook)

    def _functional_call(self, spec, func, args, kwargs):
        if self._skip:
            return func(*args, **kwargs)
        name, make = spec
        after = self._last_weighted
        k = self._calls.get((after, name), 0)
        self._calls[(after, name)] = k + 1
        key = (after, name, k)
        layer = self._calls_of.get(key)
        if layer is None:
            module = make(args, kwargs)
            record = record_for(module)
            if record is None:
                return func(*args, **kwargs)
            site = f"{after or 'input'}:{record.name}" + (f"#{k + 1}" if k else "")
            where = f"the output of {_label(after, self._kinds.get(after, ''))}" if after else "the model's input"
            layer = _Layer(site, f"{record.name} applied as a function to {where}", module, record, functional=True)
            self._calls_of[key] = layer
            self._layers.append(layer)
        self._claim(layer)
        z = args[0]
        if not layer.from_output:
            self._measure_derivative(layer, z.detach())
        out = func(*args, **kwargs)
        self._measure_output(layer, out)
        return out

    def _cached(self, kind: str, t: torch.Tensor, make) -> torch.Tensor:
        """A tensor shaped like t, made once by ``make`` and kept (at most 16 shapes) for every later pass."""
        key = (kind, t.shape, t.dtype, t.device)
        held = self._ones.get(key)
        if held is None:
            if len(self._ones) >= 16:
                self._ones.clear()
            held = self._ones[key] = make(t.shape, dtype=t.dtype, device=t.device)
        return held

    def _ones_like(self, t: torch.Tensor) -> torch.Tensor:
        return self._cached("ones", t, torch.ones)

    def _scratch(self, t: torch.Tensor) -> torch.Tensor:
        """A buffer shaped like t, reused by every place of that shape: each is reduced before the next runs, and a
        fresh activation-sized tensor per pass costs an allocation (and page faults) every time."""
        return self._cached("scratch", t, torch.empty)

    def _derivative(self, layer: _Layer, t: torch.Tensor) -> torch.Tensor:
        """f' from the input z, or from the output a where layer.from_output; torch's own backward kernels with a
        full tensor of ones (about a third faster than derivative()'s broadcast one), derivative() otherwise."""
        aten = torch.ops.aten
        name = layer.record.name
        if layer.from_output:
            if name == "relu":
                return torch.sign(t, out=self._scratch(t))  # a >= 0: 1 where the unit is on, 0 where it is off
            one, out = self._ones_like(t), self._scratch(t)
            if name == "tanh":
                return aten.tanh_backward.grad_input(one, t, grad_input=out)
            if name == "sigmoid":
                return aten.sigmoid_backward.grad_input(one, t, grad_input=out)
            return aten.leaky_relu_backward.grad_input(one, t, layer.record.params["negative_slope"], False,
                                                       grad_input=out)
        if name in ("gelu", "gelu_tanh"):
            return aten.gelu_backward.grad_input(self._ones_like(t), t, approximate="tanh" if name == "gelu_tanh"
                                                 else "none", grad_input=self._scratch(t))
        if name == "silu" and type(layer.module).__name__ == "SiLU":
            return aten.silu_backward.grad_input(self._ones_like(t), t, grad_input=self._scratch(t))
        return derivative(layer.record, layer.module, t)

    def _fit(self, layer: _Layer, t: torch.Tensor) -> bool:
        width, rows = _shape(t)
        if t.dim() == 0 or not width or not rows:
            return False
        if width != layer.width:  # a new width: the unit history starts again
            layer.width = width
            layer.last_active = None
            layer.samples = deque(maxlen=self.window)
        layer.rows = rows
        return True

    def _measure_derivative(self, layer: _Layer, z: torch.Tensor, fitted: bool = False, hold: bool = False) -> None:
        """Per-unit sums of |f'| and of nonzero f', reduced at once: an in-place module overwrites z, and a kept f'
        would hold memory until backward. z is detached, so nothing here is recorded by autograd. ``hold`` (the
        post-hook, whose _measure_output follows at once): where the compiled pass can read f', it is left in
        layer.held_derivative for _measure_output to reduce with the output in one pass."""
        if not fitted and not self._fit(layer, z):
            return
        if hold and layer.erf_gelu and z.dtype is torch.float32 and _torch_stats.kernels() is not None:
            if _torch_stats.rows_view(z) is not None and _torch_stats.gelu_zeros():
                layer.held_input = z
                return
        d = self._derivative(layer, z)  # a scratch buffer or a fresh tensor: never z itself
        kernels = _torch_stats.kernels()
        v = _torch_stats.rows_view(d) if kernels is not None else None
        if v is not None:
            if hold:
                layer.held_derivative = v
                return
            self._derivative_compiled(kernels, layer, v)
            return
        ad = d if layer.nonneg_deriv else d.abs_()
        layer.dsum = _per_unit(ad)
        layer.nz = None if layer.binary_deriv else _total(ad.sign_())

    @staticmethod
    def _derivative_compiled(kernels, layer: _Layer, v: np.ndarray) -> None:
        """One compiled pass over f' (v: its (rows, H) NumPy view): the per-unit |f'| sums and the nonzero count."""
        w = v.shape[1]
        buf = torch.from_numpy(np.empty(w + 1, dtype=v.dtype))
        kernels.derivative_sums(v, layer.nonneg_deriv, buf.numpy())
        layer.dsum = buf[:w]
        layer.nz = None if layer.binary_deriv else buf[w]

    def _measure_relu(self, layer: _Layer, a: torch.Tensor) -> bool:
        """The commonest place, nn.ReLU on (N, H) or (N, T, H) in float32 or float64, in four calls and no checks
        beyond these (a sampled step pays each Python and dispatch step once per layer): per-unit counts of a > 0
        and sums of a, and the sum of a^2. Returns False where the general path must run."""
        shape = a.shape
        if len(shape) == 2:
            rows = shape[0]
        elif len(shape) == 3:
            rows = shape[0] * shape[1]
            a = a.reshape(rows, shape[2])
        else:
            return False
        if shape[-1] != layer.width or a.dtype in _LOW_PRECISION or not rows:
            return False
        layer.rows = rows
        # the output is kept to the end of the step (autograd keeps it too: ReLU's backward and the next layer's
        # read it). Where no in-place module changed it on the last learning step, the sums are made after backward
        # (about a quarter cheaper there than between the forward's own passes); its version tells, at the end,
        # whether anything wrote into it since
        layer.kept, layer.kept_version = a, a._version
        if not (self._reuse and layer.defer_ok):
            self._reduce_relu(layer, a)
        return True

    def _reduce_deferred(self, layer: _Layer) -> None:
        """A deferred ReLU's sums, from its kept output, if nothing wrote into it since its hook saw it; otherwise the
        place is dropped from this step and the structure is learned again (its numbers would be of other data)."""
        a, layer.kept = layer.kept, None
        if a._version == layer.kept_version:
            self._reduce_relu(layer, a)
        else:
            layer.ran, layer.defer_ok, self._known = False, False, None

    def _reduce_relu(self, layer: _Layer, a: torch.Tensor) -> None:
        """Per-unit counts of a > 0 and sums of a, and the sum of a^2, of a ReLU's (rows, H) output."""
        layer.dsum = torch.sign(a, out=self._scratch(a)).sum(0)  # a >= 0: 1 where the unit is on, 0 where it is off
        layer.asum = a.sum(0)
        flat = a.reshape(-1)
        layer.sumsq = s = torch.dot(flat, flat)
        if SUM64_ON_CPU and flat.is_cpu and s.dtype is torch.float32 and math.isinf(s.item()):
            self._check_squares(layer, flat)

    def _reduce_kept(self) -> None:
        """After backward: the deferred ReLU sums that backward did not make (a step with no backward, or none through
        the place); on a learning step, which places may defer on the next ones."""
        for layer in self._layers:
            a = layer.kept
            if a is None:
                continue
            if layer.dsum is not None:  # reduced in the hook: this tells whether the next steps may defer
                layer.kept = None
                layer.defer_ok = a._version == layer.kept_version
            else:
                self._reduce_deferred(layer)

    def _measure_output(self, layer: _Layer, output) -> None:
        z, layer.held_input = layer.held_input, None
        if z is not None:  # nn.GELU's input (_measure_derivative): with its output in one pass, without f'
            a = output.detach() if torch.is_tensor(output) else None
            v = _torch_stats.rows_view(a) if a is not None and a.dtype is torch.float32 else None
            zv = _torch_stats.rows_view(z)
            if v is not None and v.shape == zv.shape and self._fit(layer, a):
                self._gelu_compiled(layer, zv, a, v)
                layer.ran = True
                self._watch_gradient(layer, output)
                return
            self._measure_derivative(layer, z, fitted=True)  # f' by torch, as for every other place
        held, layer.held_derivative = layer.held_derivative, None
        if not torch.is_tensor(output) or not torch.is_floating_point(output):
            if held is not None:
                self._derivative_compiled(_torch_stats.kernels(), layer, held)
            return
        a = output.detach()
        if held is not None:  # f' of the post-hook: with the output in one pass where the pass can read both
            rule = layer.saturation_rule
            v = _torch_stats.rows_view(a) if rule is None or rule[0] != "levels" else None
            if (v is not None and v.shape == held.shape and v.dtype == held.dtype and self._fit(layer, a)
                    and held.shape[1] == layer.width):
                self._sums_compiled(_torch_stats.kernels(), layer, held, a, v, rule)
                layer.ran = True
                self._watch_gradient(layer, output)
                return
            self._derivative_compiled(_torch_stats.kernels(), layer, held)
        if layer.binary_deriv and layer.from_output and self._measure_relu(layer, a):
            layer.ran = True
            self._watch_gradient(layer, output, deferred=layer.dsum is None)
            return
        if not self._fit(layer, a):
            return
        if layer.from_output:
            self._measure_derivative(layer, a, fitted=True)
        if layer.dsum is None or layer.dsum.shape[0] != layer.width:
            return
        rule = layer.saturation_rule
        kernels = _torch_stats.kernels()
        v = _torch_stats.rows_view(a) if kernels is not None and (rule is None or rule[0] != "levels") else None
        if v is not None:
            self._output_compiled(kernels, layer, a, v, rule)
            layer.ran = True
            self._watch_gradient(layer, output)
            return
        layer.asum = _per_unit(a if layer.nonneg_out else torch.abs(a, out=self._scratch(a)))
        layer.sumsq = s = _sumsq(a)
        if SUM64_ON_CPU and a.is_cpu and s.dtype is torch.float32 and math.isinf(s.item()):
            self._check_squares(layer, a)
        if rule is not None:
            if rule[0] == "ends":  # tanh, hardtanh (mid 0): the |a| sums serve
                if rule[1] != 0 or layer.nonneg_out:
                    layer.dist = _per_unit(torch.sub(a, rule[1], out=self._scratch(a)).abs_())
            elif rule[0] == "floor":  # ELU, SELU, CELU: sum (a - level) from the per-unit sums of a
                layer.dist = _per_unit(a)
            else:
                levels = torch.tensor(rule[1], dtype=a.dtype, device=a.device)
                layer.dist = _per_unit((a.unsqueeze(-1) - levels).abs().amin(-1))
        # the total of a: from the per-unit sums where they hold it (a >= 0, or the "floor" rule's sums of a)
        layer.ssum = None if layer.nonneg_out or (rule is not None and rule[0] == "floor") else _total(a)
        layer.ran = True
        self._watch_gradient(layer, output)

    @staticmethod
    def _output_compiled(kernels, layer: _Layer, a: torch.Tensor, v: np.ndarray, rule: tuple | None) -> None:
        """The output's sums of _measure_output in one compiled pass over a (v: its (rows, H) NumPy view): per-unit
        |a| (a where a >= 0), the saturation rule's per-unit distances ("ends" and "floor"), the total of a and of
        a^2."""
        w = v.shape[1]
        mode, mid = 0, 0.0
        if rule is not None and rule[0] == "ends" and (rule[1] != 0 or layer.nonneg_out):
            mode, mid = 1, float(rule[1])
        elif rule is not None and rule[0] == "floor":
            mode = 2
        buf = torch.empty(2 * w + 2, dtype=a.dtype)
        host = buf.numpy()
        kernels.output_sums(v, layer.nonneg_out, mode, mid, host)
        layer.asum, layer.sumsq = buf[:w], buf[2 * w + 1]
        if mode:
            layer.dist = buf[w:2 * w]
        # the total of a: from the per-unit sums where they hold it (a >= 0, or the "floor" rule's sums of a)
        layer.ssum = None if layer.nonneg_out or mode == 2 else buf[2 * w]
        if SUM64_ON_CPU and a.dtype is torch.float32 and math.isinf(host[2 * w + 1]):  # float32 overflowed
            Monitor._check_squares(layer, a)

    @staticmethod
    def _sums_compiled(kernels, layer: _Layer, d: np.ndarray, a: torch.Tensor, v: np.ndarray, rule: tuple | None
                       ) -> None:
        """_derivative_compiled and _output_compiled in one compiled pass down f' (d) and the output (v: a's
        (rows, H) NumPy view), the same figures from the same additions."""
        w = v.shape[1]
        mode, mid = 0, 0.0
        if rule is not None and rule[0] == "ends" and (rule[1] != 0 or layer.nonneg_out):
            mode, mid = 1, float(rule[1])
        elif rule is not None and rule[0] == "floor":
            mode = 2
        buf = torch.from_numpy(np.empty(3 * w + 3, dtype=v.dtype))
        host = buf.numpy()
        kernels.layer_sums(d, v, layer.nonneg_deriv, layer.nonneg_out, mode, mid, host)
        layer.dsum = buf[:w]
        layer.nz = None if layer.binary_deriv else buf[w]
        o = w + 1
        layer.asum, layer.sumsq = buf[o:o + w], buf[o + 2 * w + 1]
        if mode:
            layer.dist = buf[o + w:o + 2 * w]
        layer.ssum = None if layer.nonneg_out or mode == 2 else buf[o + 2 * w]
        if SUM64_ON_CPU and a.dtype is torch.float32 and math.isinf(host[o + 2 * w + 1]):  # float32 overflowed
            Monitor._check_squares(layer, a)

    @staticmethod
    def _gelu_compiled(layer: _Layer, z: np.ndarray, a: torch.Tensor, v: np.ndarray) -> None:
        """nn.GELU's sums from its input z and output a (z, v: (rows, H) NumPy views) in one compiled pass, with no f'
        written: the figures of _sums_compiled (each f' within 4e-7 of torch's; the nonzero count torch's, from
        where torch's f' is 0 on this machine, _torch_stats.gelu_zeros)."""
        w = v.shape[1]
        tail, points = _torch_stats.gelu_zeros()
        buf = torch.from_numpy(np.empty(2 * w + 3, dtype=np.float32))
        host = buf.numpy()
        _torch_stats.kernels().gelu_sums(z, v, tail, points, host)
        layer.dsum, layer.nz = buf[:w], buf[w]
        layer.asum, layer.ssum, layer.sumsq = buf[w + 1:2 * w + 1], buf[2 * w + 1], buf[2 * w + 2]
        if SUM64_ON_CPU and math.isinf(host[2 * w + 2]):  # float32 overflowed
            Monitor._check_squares(layer, a)

    @staticmethod
    def _check_squares(layer: _Layer, t: torch.Tensor) -> None:
        """The std's sum of squares in float64 where float32's overflowed (a CPU place: _overflowed)."""
        exact = _overflowed(layer.sumsq, t)
        if exact is not None:
            layer.sumsq, layer.sumsq_host = None, exact

    @staticmethod
    def _check_gradient(layer: _Layer, g: torch.Tensor) -> None:
        exact = _overflowed(layer.grad_sq, g)
        if exact is not None:
            layer.grad_sq, layer.grad_sq_host = None, exact

    def _watch_gradient(self, layer: _Layer, output: torch.Tensor, deferred: bool = False) -> None:
        """||dL/da||^2 from a pre-hook on the node that made a (it receives the same gradient a tensor hook does, at
        about half the cost), as one dot product. A ReLU whose sums were deferred makes them there too, as backward
        reaches the node that reads a (ReLU's backward): a is then freed when autograd frees it. Kept to the end of
        the step, every ReLU output of the forward outlived backward, the allocator grew the heap for backward's
        gradients instead of reusing their memory and gave it back at the end, and the next step faulted it in
        again (on the benchmark's MLP, 62-189 minor page faults a sampled step against 34-81 now)."""
        if not output.requires_grad:
            return
        self._grad_watched = True
        node, slot = output.grad_fn, output.output_nr
        read = self._read_weights_when_backward_ends
        # on a CPU, a float32 ||dL/da||^2 that overflowed is made again in float64 (_overflowed; one read of a CPU
        # number, no synchronisation); elsewhere the host is told it overflowed and says so
        check = SUM64_ON_CPU and output.is_cpu and output.dtype == torch.float32
        if node is None:
            def grad_hook(g):
                layer.grad_sq = q = _sumsq(g.detach())
                if check and math.isinf(q.item()):
                    self._check_gradient(layer, g)
                read()
            output.register_hook(grad_hook)
            return

        if output.dtype in _LOW_PRECISION:
            def node_hook(grad_outputs):
                g = grad_outputs[slot]
                if g is not None:
                    layer.grad_sq = _sumsq(g.detach())
                read()
        elif deferred:
            scratch = self._scratch(layer.kept)  # found here once, not in the hook: the hook runs inside backward
            def node_hook(grad_outputs):
                a = layer.kept
                if a is not None:  # _reduce_deferred and _reduce_relu, written out: the commonest place's sums
                    layer.kept = None
                    if a._version == layer.kept_version:
                        layer.dsum = torch.sign(a, out=scratch).sum(0)
                        layer.asum = a.sum(0)
                        flat = a.reshape(-1)
                        layer.sumsq = q = torch.dot(flat, flat)
                        if check and math.isinf(q.item()):
                            self._check_squares(layer, flat)
                    else:
                        layer.ran, layer.defer_ok, self._known = False, False, None
                g = grad_outputs[slot]
                if g is not None:
                    g = g.reshape(-1)
                    layer.grad_sq = q = torch.dot(g, g)
                    if check and math.isinf(q.item()):
                        self._check_gradient(layer, g)
                read()
        else:
            def node_hook(grad_outputs):  # the commonest case, in three calls (four on a CPU)
                g = grad_outputs[slot]
                if g is not None:
                    g = g.reshape(-1)
                    layer.grad_sq = q = torch.dot(g, g)
                    if check and math.isinf(q.item()):
                        self._check_gradient(layer, g)
                read()
        node.register_prehook(node_hook)

    # -- after backward: one transfer, one report --------------------------------------------

    def _collect(self, handle: _StepHandle) -> None:
        """After backward: every number of the step goes to the host in one transfer (the per-unit sums too; on a
        CPU the 0-d figures are read one by one, which costs no synchronisation there), and the counts are made
        there with NumPy, whose calls on a few thousand numbers cost a fraction of a torch call's dispatch; dead
        units keep their history on the host."""
        self.sampled_steps += 1
        g = self.sampled_steps
        if self._forwards > 1 and not self._noted_forwards:
            self._noted_forwards = True
            self.notes.append(f"the model's forward ran {self._forwards} times in one step (gradient accumulation's "
                              "micro-batches, or several inputs): each reading is of the step's first forward, its "
                              "activations and the gradients that reach them; the weight gradients are read when "
                              "the first backward through them ends")
        self._reduce_kept()
        ran = [l for l in self._layers if l.ran]
        if not self._reuse:
            self._choose_windows(ran)
            self._known, self._since_learned = tuple(self._seq), 0
        else:
            self._since_learned += 1
            if tuple(self._seq) != self._known:  # the places ran in another sequence: learn the structure again
                self._known = None
        # ||dL/dW|| of each weighted module, taken when backward ended (_read_weights), so a script that steps the
        # optimiser and zeroes the gradients inside the block is measured all the same; read here when no backward
        # ran a hook of ours
        backward_ran = self._weight_norms is not None  # a gradient hook of ours ran: backward ran inside the block
        weights = self._weight_norms if backward_ran else self._weight_grad_norms()
        self._weight_norms = None
        scalars = [t for _, t in weights if t is not None]
        slots = []  # per place: where its total a, nonzero f', a^2 and ||dL/da||^2 are among the scalars (-1: not
        # sent, the host has it from the per-unit sums, or no gradient reached the place)
        # the per-unit sums: every place's f' sums first, in the order of `ran` (the host marks the active units of
        # every place at once there, _advance_history), then each place's |a| sums and distances
        parts = [l.dsum for l in ran]
        for l in ran:
            parts.append(l.asum)
            if l.dist is not None:
                parts.append(l.dist)
            slot = []
            for t in (l.ssum, l.nz, l.sumsq, l.grad_sq):
                slot.append(len(scalars) if t is not None else -1)
                if t is not None:
                    scalars.append(t)
            slots.append(slot)
        loss = self._checked_loss(handle.loss)
        # the one host transfer of the step. On a CPU nothing needs one: each 0-d figure is read where it lies
        # (.item() costs no synchronisation there, and 26 such reads cost half a torch.stack of them on the benchmark's
        # MLP), and only the per-unit sums are joined. Elsewhere the 0-d figures are stacked and joined with them.
        # Parts of one dtype and device are the rule (a cat that promotes is several times dearer, so none is asked
        # for); otherwise each goes to float64 on one device first (a float32 norm of a float64 model would lose digits)
        loss_on_host = torch.is_tensor(loss) and loss.is_cpu
        if SUM64_ON_CPU and all(t.is_cpu for t in scalars) and (loss_on_host or not torch.is_tensor(loss)):
            values = [t.item() for t in scalars]
            if loss_on_host:
                values.append(loss.item())
        else:
            values = None
            if torch.is_tensor(loss):
                scalars.append(loss.detach().reshape(()))
            try:
                parts.append(torch.stack(scalars))
            except RuntimeError:  # places on several devices
                parts.append(torch.stack([t.to(scalars[0].device, torch.float64) for t in scalars]))
        host = np.zeros(0)
        if parts:
            try:  # parts of several dtypes are promoted by cat, exactly (float32 to float64, half to float32)
                joined = torch.cat(parts)
            except RuntimeError:  # parts on several devices
                joined = torch.cat([t.to(parts[-1].device, torch.float64) for t in parts])
            host = (joined.numpy() if joined.is_cpu and not joined.requires_grad
                    else joined.numpy(force=True)).astype(np.float64)
        k = sum(l.width for l in ran)  # where the |a| sums begin, after the f' sums
        j = 0
        raw = []
        for l in ran:
            w = l.width
            d, a = host[j:j + w], host[k:k + w]
            j += w
            k += w
            extra = None
            if l.dist is not None:
                extra = host[k:k + w]
                k += w
            raw.append([l, d, a, extra, l.rows])
        if values is None:
            values = host[k:].tolist()
            host = host[:k]
        # the scalars, the loss last where it is a tensor; index -1, a value not sent, reads 0
        values.append(0.0)
        weight_norm = {}
        not_computed = set()  # trained weights whose gradient this step's backward never wrote
        i = 0
        for name, t in weights:
            if t is None:  # frozen (requires_grad=False), or not computed (no_grad, detached, no backward): NaN
                weight_norm[name] = math.nan
                if name not in self._frozen_now:
                    not_computed.add(name)
            else:
                weight_norm[name] = values[i]
                i += 1
        self._renorm_overflowed(weight_norm)
        # places whose output needs a gradient were hooked, yet backward reached none of them inside the block: the
        # weights' .grad is not this step's (backward runs after the block). Gradients left at exactly 0 by
        # zero_grad(set_to_none=False) are then not computed either, not "no gradient"
        # (a backward that reached none of them, as backward(inputs=[the head's weights]) does, still wrote gradients)
        stale = self._grad_watched and not backward_ran and not self._grads_written
        if stale and all(not v for n, v in weight_norm.items() if n not in self._frozen_now):
            not_computed = {n for n in weight_norm if n not in self._frozen_now}
            weight_norm.update(dict.fromkeys(not_computed, math.nan))
        # one look at every number of the step; only where one is a NaN or an inf is each place looked at alone
        # (a sum of finite values that overflows only sends the places to be looked at one by one)
        all_finite = bool(np.isfinite(host).all()) and math.isfinite(sum(values))
        overflowed = []  # places whose activation or gradient is finite but too large to square in float32
        summed64 = []  # such places on a CPU, whose sums of squares were made again in float64
        if all_finite and not any(l.sumsq_host is not None or l.grad_sq_host is not None for l in ran):
            # the common step, as the loop below makes it when every number is finite and nothing was summed
            # again in float64: every place's dead history advances at once, and its figures are read
            self._advance_history(ran, host, g)
            for r, slot, l in zip(raw, slots, ran, strict=True):
                r.append((l.last_active, l.samples))
                grad = slot[3]
                r += (values[slot[0]], values[slot[1]], values[slot[2]],
                      math.sqrt(values[grad]) if grad >= 0 else math.nan, False, False)
        else:
            for r, slot, l in zip(raw, slots, ran, strict=True):
                ssum, nonzero, sumsq, grad_sq = values[slot[0]], values[slot[1]], values[slot[2]], values[slot[3]]
                if l.sumsq_host is not None:  # made again in float64 on a CPU, float32's having overflowed
                    sumsq = l.sumsq_host
                if l.grad_sq_host is not None:
                    grad_sq = l.grad_sq_host
                # a NaN or an inf in the place's numbers: its unit history is not advanced by this step (no unit is
                # active or inactive on NaN data) and its counts are not made. The sums of squares are left out of the
                # test unless NaN: a float32 tensor of finite values near 1e19 or more squares past float32's range
                # (an inf sum of squares), yet holds no inf; its per-unit sums of |a| and f' say whether it does
                finite = all_finite or (math.isfinite(ssum) and not math.isnan(sumsq + grad_sq)
                                        and bool(np.isfinite(r[1]).all() and np.isfinite(r[2]).all()))
                if finite:  # the one per-step update of the dead history: each unit's last active sampled step (a sum
                    # of |f'| is > 0 exactly when one term is); the dead count reads it when the report is built
                    last = l.last_active
                    if last is None:
                        last = l.last_active = np.zeros(l.width, dtype=np.int64)
                    l.samples.append(g)
                    last[r[1] > 0] = g
                r.append((l.last_active, l.samples))
                if l.sumsq_host is not None or l.grad_sq_host is not None:
                    summed64.append(l.label)
                elif finite and not math.isfinite(sumsq + grad_sq):  # off a CPU: float32's sums of squares overflowed
                    overflowed.append(l.label)
                    # the std reads inf (a bound: its sum of squares is past float32's range, and a note says so);
                    # |dL/da| is not shown, since the reading weighs it and an inf there would read as a divergence
                    grad_sq = math.nan if not math.isfinite(grad_sq) else grad_sq
                # no gradient was computed for the place (its output needed none, or backward never reached it): NaN
                has_grad = slot[3] >= 0 or l.grad_sq_host is not None
                # the activations themselves (a non-finite gradient from an inf loss flags the place too, and they may
                # still be finite: the practitioner's ReLU at 4.8e16 under an MSE loss of inf)
                act_finite = finite or (math.isfinite(ssum) and not math.isnan(sumsq)
                                        and bool(np.isfinite(r[1]).all() and np.isfinite(r[2]).all()))
                r += (ssum, nonzero, sumsq, math.sqrt(grad_sq) if has_grad else math.nan, not finite, not act_finite)
        if torch.is_tensor(loss):
            self._loss = values[-2]
        elif loss is not None:
            self._loss = float(loss)
        if loss is not None and math.isfinite(self._loss):
            self._losses.append(self._loss)
        judged = self._loss if self._loss is None or not math.isfinite(self._loss) or not self._losses else \
            statistics.fmean(self._losses)
        for l in ran:  # drop this step's tensors (the last sums stay only until the next sampled step)
            l.dsum = l.nz = l.asum = l.ssum = l.sumsq = l.grad_sq = l.dist = None
        seen = sorted(((l, (l.order, l.weight_module, l.width, len(l.samples)), r) for l, r in zip(ran, raw,
                                                                                                   strict=True)),
                      key=lambda p: p[1][0])
        order = sorted(self._weight_order, key=self._weight_order.get)
        self._note_hidden(seen, order)
        # the words and the reading are built when asked for (report()) or logged: Python work a step need not pay
        step = self.step_count + 1
        bad = bad_grad = None  # on a step whose every number is finite, no place is looked for
        if not all_finite:
            bad = next((l for l, _, r in seen if r[-1]), None)  # the first place whose activations hold a NaN or inf
            bad_grad = next((l for l, _, r in reversed(seen) if r[-2]), None)  # backward's first (last in forward)
        bad_loss = self._loss is not None and not math.isfinite(self._loss)
        if bad is not None or bad_loss or bad_grad is not None:
            place = (bad.label if bad is not None else "the loss" if bad_loss else
                     f"the gradient at {bad_grad.label}")
            # the sampled step before, finite: between the two, unsampled steps may have been the first non-finite
            here = {"step": step, "place": place, "last_finite_step": self._last_finite_sample}
            self._first_non_finite = self._first_non_finite or here
            self._non_finite_since = self._non_finite_since or here
        else:
            self._non_finite_since = None
            self._last_finite_sample = step
        step_notes = tuple(self.notes)
        if summed64:
            step_notes += (f"the activations or their gradients at {', '.join(summed64[:4])} are finite but above "
                           "about 1.8e19, whose squares pass float32's range: their std and |dL/da| were summed again "
                           "in float64; values this large usually precede a divergence (lower the learning rate)",)
        if overflowed:
            step_notes += (f"the activations or their gradients at {', '.join(overflowed[:4])} are finite but above "
                           "about 1.8e19, whose squares float32 cannot sum: the std reads inf, a bound, and |dL/da| is "
                           "not shown (summing them again in float64 on this device would cost a synchronisation per "
                           "place); values this large usually precede a divergence (lower the learning rate)",)
        self._pending = (seen, order, weight_norm, step, self.sampled_steps, self._loss, step_notes,
                         self._frozen_now, self._first_non_finite, self._non_finite_since, frozenset(not_computed),
                         stale, judged, len(self._losses))
        self._last = None
        if self._log_path is not None:
            with self._log_path.open("a") as fh:
                if len(self._layers) != self._header_layers:  # places first seen on this step (a second call of a
                    # module, an activation applied as a function): a new header names every place seen so far, and
                    # a reader keeps the latest one
                    self._header_layers = len(self._layers)
                    fh.write(self._header())
                built = self._built()
                if self._auto and self.calibrated_cost is not None:  # /watch shows the cost as the report does
                    built = dataclasses.replace(built, notes=built.notes + (self._cost_note(),))
                fh.write(json.dumps(built.to_dict(), allow_nan=False) + "\n")

    def _advance_history(self, ran: list[_Layer], host: np.ndarray, g: int) -> None:
        """The dead history's update on a finite sampled step, for every place that ran at once: each unit with a
        nonzero f' sum (host[:W], the places' f' sums in the order of `ran`) was last active on sampled step g. The
        places' last_active arrays are views of one buffer, laid out as host[:W] is, so this is one NumPy call and
        not one per place; the buffer is laid out again (each place's history copied in) when another set of places
        runs, a width changes, or a history was replaced elsewhere (a width's reset, the non-finite path)."""
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
        np.copyto(self._history, g, where=host[:len(self._history)] > 0)
        for l in ran:
            l.samples.append(g)

    def _renorm_overflowed(self, weight_norm: dict[str, float]) -> None:
        """A float32 gradient's norm is summed in float32 by torch: finite values near 1e19 square past its range
        and the norm reads inf. Such a norm (rare: a run about to diverge) is taken again in float64 from .grad, which
        still holds this step's gradient unless the script changed it inside the block: kept only where it is above
        float32's range, as an overflowed norm is, so a zeroed or stepped .grad is never read instead."""
        if math.inf not in weight_norm.values():  # the common step: one scan in C, not a look-up per module
            return
        for name, module in self._weighted:
            if weight_norm.get(name) != math.inf:
                continue
            grad = module._parameters["weight"].grad
            if grad is None or grad.dtype == torch.float64:
                continue
            again = float(torch.linalg.vector_norm(grad.detach(), dtype=torch.float64))
            if math.isfinite(again) and again > float(torch.finfo(torch.float32).max) ** 0.5:
                weight_norm[name] = again

    def _checked_loss(self, loss):
        """s.loss as the reading can use it: one number. Anything else is set aside with a note saying what to set."""
        if loss is None:
            return None
        if torch.is_tensor(loss):
            if loss.numel() == 1:
                return loss
            what = f"a tensor of {loss.numel()} values"
        else:
            try:
                return float(loss)
            except (TypeError, ValueError):
                what = f"a {type(loss).__name__}"
        if not self._noted_loss_shape:
            self._noted_loss_shape = True
            self.notes.append(f"s.loss was {what}, not one number, so the loss is not judged; set s.loss to the "
                              "scalar that backward() was called on (with reduction='none', s.loss = loss.mean())")
        return None

    def _mark_gradients(self) -> None:
        """Remembers each weight's .grad as the step's forward begins (the tensor and its version counter), so that
        a gradient autograd never wrote on this step is told from one it computed, zero or not."""
        self._grad_marks = [(g, g._version) if g is not None else None
                            for g in (m._parameters["weight"].grad for _, m in self._weighted)]

    def _weight_grad_norms(self) -> list[tuple[str, torch.Tensor | None]]:
        """||dL/dW|| of each weighted module's weight, in one fused call (hooks that take each as its gradient is
        accumulated cost more: a Python call and a dispatch per module); None where no gradient was computed on this
        step, and the frozen ones (requires_grad=False) are noted in self._frozen_now.

        A .grad that is the same tensor, unchanged, as when the step's forward began was not written by this step's
        backward (autograd accumulates into it in place, bumping its version, or puts a new tensor there): it holds
        an earlier step's gradient, or zero_grad(set_to_none=False)'s zeros, for a part backward never reached (a
        detached backbone, backward(inputs=...) on the head, backward after the block). It is not computed, not 0;
        a gradient autograd did compute stays whatever it is, exactly 0 included (a layer behind dead units)."""
        marks = self._grad_marks or ()
        grads, frozen = [], []
        for i, (name, m) in enumerate(self._weighted):
            w = m._parameters["weight"]  # not Module.__getattr__ per module
            g = w.grad
            if not w.requires_grad:
                frozen.append(name)
                g = None
            elif g is not None and i < len(marks):
                mark = marks[i]
                if mark is not None and g is mark[0] and g._version == mark[1]:  # not written on this step
                    g = None
            grads.append(g)
        present = [t for t in grads if t is not None]
        self._grads_written = bool(present)
        norms = iter(torch._foreach_norm(present) if present else ())
        self._frozen_now = frozenset(frozen)
        return [(name, None if grad is None else next(norms)) for (name, _), grad in zip(self._weighted, grads,
                                                                                         strict=True)]

    def _read_weights_when_backward_ends(self) -> None:
        """Called from a gradient hook of ours during backward: the weight norms are read once the whole backward
        has run (every weight's gradient is then accumulated), before the script can step or zero them."""
        if not self._weight_read_queued:
            self._weight_read_queued = True
            torch.autograd.Variable._execution_engine.queue_callback(self._read_weights)

    def _read_weights(self) -> None:
        self._weight_read_queued = False  # a second backward in the same step queues its own read, the later wins
        self._weight_norms = self._weight_grad_norms()

    @staticmethod
    def _count(l: _Layer, d: np.ndarray, a: np.ndarray, extra: np.ndarray | None, rows: int,
               history: tuple[np.ndarray, deque], ssum: float, nonzero: float, sumsq: float, grad_norm: float,
               non_finite: bool, act_non_finite: bool = False) -> dict:
        """One place's numbers from its per-unit sums on the host (the engine's masks, as instruments.py reads them);
        made when a report is built, not on every sampled step. A place holding a NaN or an inf gets its norms and
        no counts: which unit is dead, saturated or dormant cannot be read from NaN data."""
        width = len(d)
        size = width * rows
        rule = l.saturation_rule
        if l.nonneg_out:
            ssum = float(a.sum())
        elif rule is not None and rule[0] == "floor":
            ssum = float(extra.sum())
        if non_finite:
            return {"act_grad": grad_norm, "mean": ssum / size, "std": math.nan, "zero": None, "saturated": None,
                    "dead": None, "dormant": None, "non_finite": True, "act_non_finite": act_non_finite}
        if l.binary_deriv:
            nonzero = float(d.sum())
        # only a function with a zero region has dead units (elsewhere an f' of 0 is underflow: saturated)
        dead, cover = Monitor._dead(l, *history)
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
                "non_finite": False, "window": cover}

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

    def _choose_windows(self, ran: list[_Layer]) -> None:
        """Where the next sampled step watches for activations applied as functions: after each weighted module a
        function was found after, on every sampled step; and, on the steps that learn the structure, every gap
        between two weighted modules where no activation ran at all (a function that first runs on a later step, a
        branch taken from step 5 on, is found there, at most RELEARN_EVERY sampled steps after it first ran). The
        first sampled step watched the whole forward; the model's input and what follows the last weighted module
        are watched only then."""
        found = {l.weight_module for l in ran if l.functional}
        windows = set(found)
        wo = self._weight_order
        order = sorted(wo, key=wo.get)
        acts = sorted(l.order for l in ran)
        for a, b in zip(order, order[1:], strict=False):
            i = bisect.bisect_right(acts, wo[a])
            if i == len(acts) or acts[i] > wo[b]:  # no place ran between a and b
                windows.add(a)
        self._windows = frozenset(windows)
        # only functions found keep the watch on every sampled step: the gaps where no activation ran are watched
        # again on the steps that learn the structure (every RELEARN_EVERY-th sampled step, or one whose places ran
        # in another sequence). Watching them on every step cost a transformer's sampled step about 2 ms of 62-80
        # (the gap after each layer's linear2 spans the next layer's attention, dozens of torch calls, each through
        # the mode in Python), for a function that first runs on a later step: one now waits at most RELEARN_EVERY
        # sampled steps to be found
        self._functional = bool(found)

    def _note_hidden(self, seen: list, order: list[str]) -> None:
        if self._unmatched:  # once, from the first sampled step's order: name where an activation may be hidden
            self._unmatched = False
            acts = [fixed[0] for _, fixed, _ in seen]
            # the way into a transformer block's feed-forward runs through its attention (a softmax): not bare
            attended = {f"{n}.linear1" for n, m in self.model.named_modules()
                        if isinstance(m, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer)}
            bare = [(a, b) for a, b in zip(order, order[1:], strict=False)
                    if b not in attended
                    and not any(self._weight_order[a] < o < self._weight_order[b] for o in acts)]
            if bare:
                pairs = "; ".join(f"{a} -> {b}" for a, b in bare[:5])
                self.notes.append(f"no watched activation runs between {pairs}: an activation applied there by "
                                  "other means than a module actlab knows or a torch function (a custom autograd "
                                  "function, a C++ kernel"
                                  + (", or a module named in the note on unknown activations" if self._unknown else "")
                                  + ") is not watched")
        functional = {layer.name for layer, _, _ in seen if layer.functional}
        if not functional <= self._noted_functional:  # places first found on this step join the note
            self._noted_functional |= functional
            names = sorted(self._noted_functional, key=_natural_key)
            note = ("activations applied as functions, watched where they are called: "
                    + ", ".join(names[:8]) + (" ..." if len(names) > 8 else ""))
            if self._functional_note is None:
                self._functional_note = len(self.notes)
                self.notes.append(note)
            else:
                self.notes[self._functional_note] = note
        if not seen and order and not self._noted_none:  # a forward ran (a step with none says so elsewhere)
            self._noted_none = True
            self.notes.append("no activation found: neither an activation module (nn.ReLU, nn.GELU, ...) nor an "
                              "activation function (F.relu, F.gelu, torch.tanh, ...) ran in the model's forward")

    def _built(self) -> MonitorReport:
        if self._last is None and self._pending is not None:
            self._last = self._report(*self._pending)
        return self._last

    def _report(self, seen: list, order: list[str], weight_norm: dict[str, float], step: int, sampled: int,
                loss: float | None, notes: tuple[str, ...], frozen: frozenset[str],
                first_non_finite: dict | None, non_finite_since: dict | None = None,
                not_computed: frozenset[str] = frozenset(), stale: bool = False, judged: float | None = None,
                loss_batches: int = 1) -> MonitorReport:
        seen = [(layer, fixed, self._count(*raw)) for layer, fixed, raw in seen]
        # the output layer: the last weighted module to run whose weight is trained and got a gradient (a frozen head
        # has no ratio)
        output = next((name for name in reversed(order) if name not in frozen and name not in not_computed), None)
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
        if self.chance_loss is None and loss is not None:
            notes.append("the loss is not judged, since no chance_loss was given: the status says whether gradients "
                         "flow ('flowing') but never 'healthy' or 'not learning'; Monitor(model, chance_loss=...) "
                         "takes the loss of the best constant guess (ln C for C balanced classes with cross-entropy, "
                         "the targets' variance with MSE)")
        # the ratios' reference: the output layer, or the last trained layer when the output layer gets no gradient
        reference = "the output layer" if output is None or output == order[-1] else "the last trained layer"
        if reference != "the output layer":
            why = "frozen" if order[-1] in frozen else "without a gradient on this step"
            notes.append(f"the output layer, {_label(order[-1], self._kinds.get(order[-1], ''))}, is {why}: the "
                         "weight-gradient ratios are taken "
                         f"against the last trained layer, '{output}.weight'")
        if stale:
            notes.append("backward did not run inside this sampled step's `with mon.step()` block (no gradient "
                         "reached a watched activation there), so the gradients read are not this step's: call "
                         "loss.backward() inside the block; opt.step() and opt.zero_grad() may follow it")
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
            notes.append(f"{names} received no gradient on sampled step {step}: {whose} in the model's forward, so "
                         f"the reading leaves {'it' if len(idle) == 1 else 'them'} out")
        first_bad = next((layer.label for layer, _, r in seen if r.get("act_non_finite")), None)
        bad_grad = next((layer.label for layer, _, r in reversed(seen) if r["non_finite"]), None)
        bad_loss = loss is not None and not math.isfinite(loss)
        if first_bad is not None:
            notes.append(f"non-finite activations first appear at {first_bad}")
        elif bad_loss:
            notes.append(f"every watched activation is finite: the NaN or inf starts in the loss ({loss}), and the "
                         "gradients backward computes from it" + (" are non-finite too" if bad_grad else ""))
        elif bad_grad is not None:
            notes.append(f"every watched activation and the loss are finite: the gradients are the first to hold a "
                         f"NaN or an inf, backward reaching {bad_grad} first")
        if first_non_finite is not None and first_non_finite["step"] != step:
            notes.append(f"a NaN or an inf {_first_seen(first_non_finite)}, first at {first_non_finite['place']}")
        if non_finite_since is not None and first_non_finite is not None and non_finite_since != first_non_finite:
            notes.append(f"finite again after that; the sampled steps hold a NaN or an inf again from step "
                         f"{non_finite_since['step']} on, first at {non_finite_since['place']}")
        summaries = []
        left_out = []  # watched layers the reading's counts leave out, and why
        forward_stds = []  # (label, std) of each hidden activation, in forward order
        for layer, (_, weight_module, width, window), r in seen:
            w = weight_norm.get(weight_module, math.nan) if weight_module else math.nan
            is_frozen = weight_module in frozen
            is_missing = weight_module in not_computed
            param = (f"{weight_module}.weight" if weight_module else "weight") if weight_module is not None else ""
            ratio = grad_ratio(w, output_norm)
            window = r.get("window", window)  # the batches the dead count covers (fewer for a layer dead at once)
            # the activation applied to the output layer's result (a binary classifier's sigmoid): saturation there is
            # a confident prediction, and the hidden layers' reading does not weigh it
            at_output = after_output((layer, (None, weight_module)))
            words = self._layer_words(layer, r, width, window, param, is_frozen, w, ratio, output_norm, is_missing,
                                      at_output, reference)
            dead = r["dead"]
            # saturated units this batch include the dead ones (f' = 0): each unit is counted once, as dead
            sat = None if dead is None else max(int(r["saturated"]) - dead, 0)
            stats = LayerStats(layer.name, layer.record.name,
                               f"F.{layer.record.name}" if layer.functional else type(layer.module).__name__,
                               width, r["act_grad"], grad_ratio(r["act_grad"], last_act), w, r["mean"],
                               r["std"], r["zero"], sat, dead, r["dormant"], window, bool(r["non_finite"]),
                               words, ratio, param, is_frozen, low_gradient_word(layer.record))
            rows.append(stats)
            # the reading weighs the weights that are trained and got a gradient on this step
            if weight_module is not None and not at_output:
                forward_stds.append((layer.label, r["std"]))
            if not is_frozen and not is_missing and weight_module is not None:
                summaries.append(LayerSummary(stats.activation, width, w, dead or 0,
                                              (0 if at_output else sat or 0) + (dead or 0),
                                              r["act_grad"], layer.label, f"'{param}'"))
            else:
                left_out.append(f"{layer.label}, after the frozen '{param}'" if is_frozen else
                                f"{layer.label}, after '{param}', which got no gradient" if is_missing else
                                f"{layer.label}, after no weighted module")
        judged = loss if judged is None else judged  # the mean of the latest sampled losses judges learning
        spans = sorted({s.window for s in rows if s.dead is not None and s.width and s.dead == s.width})
        dead_span = (f"its last {spans[0]}" if len(spans) == 1 else f"the last {spans[0]} to {spans[-1]}") if spans \
            else ""
        summary = RunSummary(
            tuple(summaries), output_norm, judged, self.chance_loss, None, step,
            # dated from the first sampled step of this unbroken run of non-finite ones (the step the notes name),
            # not from the step sampled last
            diverged_at_step=non_finite_since["step"] if non_finite_since is not None else None,
            last_finite_step=non_finite_since.get("last_finite_step") if non_finite_since is not None else None,
            output_signal_norm=last_act if rows else None,
            signal_reference=f"the last watched activation ({ref[0].label})" if rows else "",
            keeps_last_finite=False, restart=TORCH_RESTART,
            reference_name="" if reference == "the output layer" else reference,
            dead_over=f"on every point of {dead_span} sampled batches" if dead_span else "on every sampled batch",
            loss_batches=loss_batches if judged is not None and math.isfinite(judged) else None)
        if output is None and order and set(order) <= frozen and not any(p.requires_grad
                                                                          for p in self.model.parameters()):
            reading = Reading((Finding(
                Status.NO_GRADIENT, "nothing is being trained: every parameter of the model is frozen "
                "(requires_grad=False), so no gradient reached any parameter on sampled step "
                f"{step}", "If the model should learn, set requires_grad=True on the parameters to train "
                "(model.requires_grad_(True), or only the layers to fine-tune) and give those to the optimiser.",
                {"frozen": sorted(frozen)}),))
        elif output is None and order and set(order) <= frozen:
            reading = Reading((Finding(Status.FLOWING, "every weighted module's weight is frozen "
                                       "(requires_grad=False): no weight gradient to read; only the model's other "
                                       "parameters (biases, norms) are trained", "", {}),))
        elif output is None and order:
            reading = Reading((Finding(
                Status.NO_GRADIENT, f"not computed: no weight got a gradient on sampled step {step} (every "
                "trained weight's .grad is " + ("None or left as it was before the step, and backward reached no "
                                                "watched activation inside the block)" if stale else
                                                "None or left as it was before the step)")
                + "; nothing is read as vanishing or "
                "zero", "Call loss.backward() inside `with mon.step()`, on a forward run with gradients enabled (not "
                "under torch.no_grad(), not detached); opt.step() and opt.zero_grad() may follow the block.",
                {"not_computed": sorted(not_computed)}),))
        elif self._weighted and not order and self._compiled:  # no forward seen: the compiled code may predate
            # the hooks (Dynamo does not guard on module hooks: torch._dynamo.config.skip_nnmodule_hook_guards)
            reading = Reading((Finding(
                Status.NO_GRADIENT, f"nothing seen: the monitor's hooks saw no forward of the compiled model on "
                f"sampled step {step}, so nothing was read. A compiled model that ran before Monitor() was made "
                "keeps running the code compiled then, which calls no hook added later (Dynamo does not look at "
                "module hooks again)", "Make the Monitor before the compiled model's first call, or call "
                "torch._dynamo.reset() once after making it (the model is compiled again, with the monitor's hooks "
                "in view); and call the model, with loss.backward(), inside `with mon.step()`.", {}),))
        elif self._weighted and not order:  # no forward, so no gradient: not 'flowing'
            reading = Reading((Finding(
                Status.NO_GRADIENT, f"nothing ran: no weighted module of the watched model ran its forward on sampled "
                f"step {step}, so no gradient was computed", "Run the model's forward (and loss.backward()) inside "
                "`with mon.step()`, calling the model the Monitor was given (or the compiled one made from it).",
                {}),))
        else:
            reading = diagnose(summary) if rows or (len(self._weighted) <= 1 and not self._opaque) else \
                _unwatched_reading(self._opaque, _loss_text(summary))
        exploding = _exploding_activations(forward_stds)
        if exploding is not None and reading.status != Status.UNWATCHED:  # placed by seriousness
            rank = list(Status)
            reading = Reading(tuple(sorted(reading.findings + (exploding,), key=lambda f: rank.index(f.status))))
        if left_out and summaries:
            reading = _say_what_the_count_covers(reading, left_out)
        if reading.status == Status.DIVERGED and (first_bad or bad_loss or bad_grad):  # say where it started
            first = reading.findings[0]
            where = (f"the first watched activation holding a NaN or an inf is {first_bad}" if first_bad else
                     "every watched activation is finite: it starts in the loss" if bad_loss else
                     f"every watched activation is finite: backward's gradient is first non-finite at {bad_grad}")
            reading = Reading((dataclasses.replace(first, words=f"{first.words}; {where}"),) + reading.findings[1:])
        return MonitorReport(step, sampled, self.every, tuple(rows), output_norm, loss, reading, tuple(notes),
                             first_non_finite=None if first_non_finite is None else
                             {k: first_non_finite[k] for k in ("step", "place")},
                             last_finite_step=summary.last_finite_step)

    @staticmethod
    def _layer_words(layer: _Layer, r: dict, width: int, window: int, param: str, is_frozen: bool, w: float,
                     ratio: float, output_norm: float, is_missing: bool = False, at_output: bool = False,
                     reference: str = "the output layer") -> str:
        """The place in words: the gradient of the weights before it (named as the parameter, 'fc1.weight', since
        the gradient may reach the activation's output and stop there), then its units (named as the module)."""
        if r["non_finite"]:
            if not r.get("act_non_finite"):  # finite activations, a non-finite gradient (an inf loss's backward)
                return (f"{layer.label}'s activations are finite, but the gradient reaching them holds a NaN or an "
                        "inf on this step: no unit is counted dead, saturated or dormant from it")
            return (f"{layer.label} holds a NaN or an inf on this step: no unit is counted dead, saturated or dormant "
                    "from it")
        parts = []
        if is_frozen:
            parts.append(f"'{param}' is frozen (requires_grad=False): it gets no gradient by design")
        elif is_missing:
            parts.append(f"no gradient was computed for '{param}' on this step (not computed, not zero)")
        elif param:
            parts.append(layer_reading(f"'{param}'", reference, ratio, 0, 0, width, w, output_norm))
        dead, sat_all = int(r["dead"]), int(r["saturated"])
        units = layer_reading(layer.label, "the output layer", 1.0, dead, dead if at_output else max(sat_all, dead),
                              width, low_word=low_gradient_word(layer.record))
        if dead:  # dead here means: over the window of sampled batches, not one batch
            units = units.replace(" dead", f" dead over the last {window} sampled batches", 1)
        parts.append(units)
        if at_output and sat_all > dead:
            parts.append(f"{sat_all - dead} of {width} output units saturated (after the output layer: a confident "
                         "prediction, not a fault)")
        return "; ".join(p for p in parts if p)

    def _cost_note(self) -> str:
        """every="auto"'s choice in words: what one sampled step costs, what that comes to spread over the interval
        (the amortised overhead, the figure the budget is about) and whether it is within the budget."""
        extra, cost, budget = self.sampled_extra, self.calibrated_cost, self.budget
        one = (f"a sampled step takes about {1 + extra:.3g} times as long as an unsampled one" if extra >= 1 else
               f"a sampled step takes about {extra:.1%} longer than an unsampled one")
        head = f"every='auto' samples every {self.every} steps: {one}"
        spread = f"spread over {self.every} steps that adds about {cost:.1%} to the average step's time"
        aim = (f"auto aims at {AUTO_AIM * budget:.1%}, {AUTO_AIM:.0%} of the budget, leaving the rest for what its "
               "timing inside the block misses")
        if cost <= budget:
            return (f"{head}; {spread}, within the {budget:.0%} budget (figures at the upper end of their measured "
                    f"range; {aim})")
        # the interval auto would choose without its floor of one sample per MAX_AUTO_EVERY steps
        keep = math.ceil(extra / (AUTO_AIM * budget) - 1e-9)  # 54 / 0.015 is 3600.0000000000005 in floating point
        return (f"{head}; {spread}, over the {budget:.0%} budget: the model's steps are short next to the hooks' "
                f"cost, and 'auto' samples at least every {MAX_AUTO_EVERY} steps so that the readings stay fresh; "
                f"Monitor(model, every={keep}) would keep within the budget with auto's margin ({aim}), with readings "
                f"{keep} steps apart")

    def report(self) -> MonitorReport:
        """The latest sampled step's report, with how many steps have run since (it says so before any sample)."""
        notes = [self._cost_note()] if self._auto and self.calibrated_cost is not None else []
        if self._built() is None:
            n = self.step_count
            words = ("no step has been sampled yet: none has run" if not n else
                     f"no step has been sampled yet: {n} step{'' if n == 1 else 's'} run"
                     + (f"; every='auto' leaves the first {_WARMUP_STEPS + 1} unsampled, to time them"
                        if self._auto else ""))
            reading = Reading((Finding(Status.STARTING, words, "", {}),))
            return MonitorReport(self.step_count, 0, self.every, (), math.nan, None, reading,
                                 tuple(self.notes + notes), self.step_count)
        return dataclasses.replace(self._last, steps_run=self.step_count, every=self.every, auto=self._auto,
                                   notes=self._last.notes + tuple(notes))
