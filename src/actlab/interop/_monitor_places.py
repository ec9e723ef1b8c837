"""What the PyTorch monitor watches: a place (an activation module or function), its derivative and the tensor
reductions it makes. The function mode that finds activations applied as functions is in _monitor_functions.py.

Part of actlab.torch (interop/torch.py holds the Monitor and re-exports the public names)."""

from __future__ import annotations

import copy
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..activations import Activation
from ..instruments import SATURATION_FRACTION


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


def _weight_of(module: nn.Module) -> torch.Tensor | None:
    """The parameter that trains a module's weight: its own 'weight'; or, where the weight the forward uses is
    computed from others, the one that holds its values: torch.nn.utils.prune's 'weight_orig' (the weight is it
    times a mask) and the old spectral_norm's, or torch.nn.utils.parametrize's original (of several, the largest
    matrix: weight_norm's direction, not its scale). Its .grad is what the optimiser steps with: pruning's is the
    computed weight's gradient on the entries kept. W93 walkthrough findings 1 to 5: pruned and parametrised layers
    were no weighted modules, and read 'only the output layer trains', or 'diverged' where every layer was so."""
    w = module._parameters.get("weight")
    if w is not None:
        return w
    return max((p for p in _weight_sources(module) if p.dim() >= 2), key=lambda p: p.numel(), default=None)


def grad_norms(grads: list[torch.Tensor]) -> Sequence[torch.Tensor]:
    """torch._foreach_norm of ``grads`` (one fused call), a sparse one's taken apart: coalesced (a row touched twice
    holds two entries until summed), the norm of its values. foreach_norm has no sparse kernel: an nn.Embedding with
    sparse=True under SparseAdam raised NotImplementedError from inside the script's backward (W93 walkthrough
    finding 6). (Tried first as it is: a look at each gradient's layout cost every sampled step.)"""
    if not grads:
        return ()
    try:
        return torch._foreach_norm(grads)
    except (NotImplementedError, RuntimeError):
        if not any(g.is_sparse for g in grads):
            raise
    dense = [g for g in grads if not g.is_sparse]
    found = iter(torch._foreach_norm(dense) if dense else ())
    return [torch.linalg.vector_norm(g.coalesce().values()) if g.is_sparse else next(found) for g in grads]


def _weight_sources(module: nn.Module) -> list[torch.Tensor]:
    """The parameters a module's weight is computed from as it runs (pruning's weight_orig, every original of a
    parametrization); [] where the weight is a parameter of its own."""
    if "weight" in module._parameters:
        return []
    orig = module._parameters.get("weight_orig")
    if orig is not None:
        return [orig]
    found = module._modules["parametrizations"]._modules.get("weight") if "parametrizations" in module._modules \
        else None
    return [] if found is None else [p for p in found._parameters.values() if p is not None]


_NO_WEIGHT = torch.zeros(0)  # a weighted module's weight where it has none now: read as a frozen one (no .grad)


def _held_weight(module: nn.Module) -> torch.Tensor:
    """_weight_of(module), or _NO_WEIGHT where a module watched as weighted holds none now (its weight removed
    mid-run): the checks read every weighted module's weight on each sampled step, and none may raise there."""
    w = _weight_of(module)
    return _NO_WEIGHT if w is None else w


def _is_weighted(module: nn.Module) -> bool:
    """A module with a weight matrix or kernel (_weight_of): nn.Linear, a convolution, an embedding; a lazy one
    (nn.LazyLinear) before its first forward, whose weight has no shape yet and becomes, in place, the matrix it is
    made for."""
    w = _weight_of(module)
    return w is not None and (isinstance(w, nn.parameter.UninitializedParameter) or w.dim() >= 2)


def _unit_axis(t: torch.Tensor) -> int:
    """Units are features: the last axis of (N, H) and (N, T, H); the channel axis of (N, C, H, W). A tensor whose
    weighted module says otherwise is laid out first (_as_units): a Conv1d's (N, C, L)."""
    return 1 if t.dim() >= 4 else t.dim() - 1


def _feeds(module: nn.Module) -> tuple[bool, int] | None:
    """Where a weighted module puts its units, for the activation after it: (True, channels) for a convolution, whose
    channels are axis 1 of its output; (False, features) for a module whose features are the last axis (nn.Linear,
    an embedding, nn.Bilinear); None where neither is known."""
    if isinstance(module, nn.modules.conv._ConvNd):
        return True, module.out_channels
    size = next((getattr(module, k) for k in ("out_features", "embedding_dim") if hasattr(module, k)), None)
    return (False, size) if isinstance(size, int) else None


def _as_units(t: torch.Tensor, feeds: tuple[bool, int] | None) -> torch.Tensor:
    """t laid out so that _unit_axis finds its units, read from the weighted module before it (feeds, _feeds):
    a Conv1d's (N, C, L) output as (N, C, L, 1), whose units are then its C channels and not its L positions (W53
    walkthrough finding 1: 6 of 16 channels killed read '40 units, 0 dead'); a Linear's output on a 4-D input (N, H,
    W, F: a channels-last block) as (N * H * W, F), whose units are its F features. Where the module's axis does not
    hold its size (a permute between them) the other one is taken if it does, and otherwise t is left as it is."""
    d = t.dim()
    if feeds is None or d < 3:
        return t
    first, size = feeds
    for axis in ((1, d - 1) if first else (d - 1, 1)):
        if t.shape[axis] == size:
            if axis == d - 1:
                return t.flatten(0, -2) if d >= 4 else t
            return t.unsqueeze(-1) if d == 3 else t
    return t


def _reduce_dims(t: torch.Tensor) -> list[int]:
    axis = _unit_axis(t)
    return [d for d in range(t.dim()) if d != axis]


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

    # the module's qualified name ('act#2' for its second call); for a function, the weighted module before it and
    # the function ('fc1:gelu': F.gelu on fc1's output; 'fc3>add:sigmoid': a sigmoid on a sum computed after fc3)
    name: str
    label: str  # how the words name it
    module: nn.Module  # the activation module (for a function: an equivalent module built from its arguments)
    record: Activation
    functional: bool = False
    # a function's input (_FunctionWatch sets both on every call): "output" where it is the weighted module's output
    # (reshaped or dropped out at most), "scaled" for that output times or plus a number, "part" for a chunk or slice
    # of it, "other" for any other value (a residual sum, a product, a normalisation of it); acts_on_words says that
    # other value in words ("a sum (add)")
    acts_on: str = "output"
    acts_on_words: str = ""
    chained: bool = False  # applied to another watched activation's output (tanh on softplus): the same units
    order: int = -1  # execution order on the last sampled step it ran in
    weight_module: str | None = None  # the weighted module that ran just before it
    width: int = 0
    samples: deque = field(default_factory=deque)  # the sampled-step numbers of its last `window` batches
    last_active: np.ndarray | None = None  # (H,): the sampled step at which each unit last had f' != 0 (0: never)
    # (2, H): how many sampled batches each unit was active on, each older batch weighed down by (1 - 1/window) a
    # batch, and by (1 - 1/RECENT_BATCHES) (_monitor_counts), and those weighed counts of the place's batches after each
    # of its samples (aligned with samples): how often a unit was on before it fell silent (_Counting._dead)
    on: np.ndarray | None = None
    batches: deque = field(default_factory=deque)
    # the points (rows) of each of those batches, aligned with samples: how much a unit's silence over them says
    points: deque = field(default_factory=deque)
    # the latest sampled step on which one of its units was on, and the latest on which one came back on after every
    # unit had been off on each of at least min(window, DEAD_EVIDENCE) sampled batches (0: none): a place whose units
    # came back so within its window is not dead as a whole at once (_Counting._dead)
    lit: int = 0
    revived: int = 0
    # the training step of its first sample (0: none yet): with lit still 0, no unit of it was on at any sampled
    # batch since then (LayerSummary.never_on where that is the run's first step)
    first_seen: int = 0
    # where the weighted module before it puts its units (_feeds): how its tensors are laid out to be read (_as_units)
    feeds: tuple[bool, int] | None = None
    ran: bool = False  # did it run on this sampled step
    # how many sampled steps it ran on, and the last of them (sampled step, training step): a mixture of experts'
    # expert that the router stopped sending tokens to stops running (_stopped_places)
    runs: int = 0
    last_run: tuple[int, int] = (0, 0)
    # its output on this step's forward needed no gradient: True where gradients were disabled around it (no_grad(),
    # checkpoint(use_reentrant=True)), "frozen" where they were enabled and nothing before it needed one
    blind: bool | str = False
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
    # sumsq is the sum of (a - mean)^2 (the compiled passes: _torch_stats_numba._centred), not of a^2
    centered: bool = False
    # the same two in float64 on the host, where float32 overflowed on a CPU (_overflowed); the tensors are then None
    sumsq_host: float | None = None
    grad_sq_host: float | None = None
    # this step: how many backward calls reached the place, and the gradient they brought, summed (held only while
    # a backward that keeps the graph may be followed by another); grad_summed: more than one did (_Measures._summing)
    grad_calls: int = 0
    grad_sum: torch.Tensor | None = None
    grad_summed: bool = False
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
    kept_bytes: int = 0  # its size: the node hook keeps it and the gradient reaching it (of its size) to the end of
    # backward while the step holds at most HELD_BYTES so (_reduce_held)
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
    # nn.ReLU with the compiled passes: where its one pass (_torch_stats_numba.relu_sums) writes on every sampled step
    # (_ReluMeasures._relu_buffers): float64 NumPy views for the per-unit counts, the per-unit sums and the two sums of
    # squares, the same as torch tensors (the last two 0-d), an empty (0, H) array of the place's dtype for a step
    # whose gradient the pass does not read, and the float64 block they lie in (the place's own, or the monitor's
    # lane, laid out as _collect's transfer is: _Collecting._lay_lane)
    relu_buffers: tuple | None = None
    # where the lane holds this place's numbers while its relu_buffers are views of it: (its first unit, its index)
    lane_slot: tuple[int, int] = (0, 0)
    # _relu_fast's node pre-hook, made once: (the output's slot, the kernels' module, the hook)
    fast_hook: tuple | None = None

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


def _centred_sq(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The sum of (t - mean)^2 and the sum of t, 0-d, on t's device with no synchronisation: taken about t's first
    value k, as the sum of (t - k)^2 less (the sum of (t - k))^2 / n, and n k plus the sum of (t - k). Neither
    cancels where the values barely differ: the sum of t^2 less n mean^2 does, to float32's rounding, and so does
    torch's own float32 var on a CPU (a tanh layer at 0.99999976, std 8.8e-8, read 2.0e-7 by torch.var, 2.4e-4 by
    the first: W73 walkthrough finding 6); torch's float32 sum read its mean 0.99999994."""
    flat = t.reshape(-1)
    n = flat.numel()
    if not n:
        return flat.sum(), flat.sum()
    k = torch.nan_to_num(flat[0], nan=0.0, posinf=0.0, neginf=0.0)  # (a NaN or an inf: every difference NaN)
    d = flat - k
    s = d.sum()
    q = torch.dot(d, d)
    # (the sum of (t - k))^2 / n is at most q (Cauchy-Schwarz): the difference is NaN only where q is inf, a spread
    # whose squares pass the dtype's range, and reads inf, as the sum of t^2 did (made again in float64 on a CPU,
    # a bound elsewhere); NaN data reads NaN in the sum of t, which is what tells it. A rounding below 0 is left for
    # the host's max(var, 0): a clamp at 0 here, inside the forward, was taken by the function watch for an
    # activation (a clamp(min=0) is a ReLU written as a function)
    centred = torch.addcmul(q, s / n, s, value=-1).nan_to_num_(math.inf, math.inf)
    return centred, torch.add(s, k, alpha=n)


# on a CPU, each float32 sum of squares is read where it is made (a CPU number costs no synchronisation) and made
# again in float64 if it overflowed (_overflowed), and a step's 0-d figures are read one by one rather than stacked
# for one transfer (_collect); a test turns this off to see the path every device takes
SUM64_ON_CPU = True


def _overflowed(s: torch.Tensor, t: torch.Tensor, centered: bool = False) -> float | None:
    """A float32 sum of squares s of t that overflowed (finite values near 1.8e19 or more square past float32's
    range) made again in float64, on a CPU only, where reading s costs no synchronisation: the figure itself, for the
    host to use instead of s. None where s is not float32, is off the CPU, or is finite (an inf inside t also sums
    to inf: float64 gives inf again, and the place reads non-finite as before). ``centered``: s is the sum of
    (t - mean)^2, and so is the figure made again."""
    if s.dtype != torch.float32 or not t.is_cpu or not math.isinf(s.item()):
        return None
    flat = t.detach().reshape(-1).double()
    if centered:
        flat = flat - flat.mean()
    return float(torch.dot(flat, flat))


def _outside_graph(hook):
    """The hook as torch.compile sees it: run as plain Python, never traced into a compiled graph. Dynamo inlines
    module hooks into the graph it compiles, and a hook's reads of a number (.item()), its numba kernels and its
    tensor hooks each broke the graph with a warning pointing into this file; a hook left out of the graph runs
    eagerly between the graph's pieces, on the real tensors, so it measures what an uncompiled step measures.

    Only while Dynamo traces does the call go through torch.compiler.disable's wrapper (Dynamo reads
    torch.compiler.is_compiling() as True as it traces, and breaks the graph at the disabled call, which then runs
    eagerly); an eager call runs the hook itself. The wrapper on every call cost the benchmark's MLP some 200-330 us
    of a 5.9 ms step with every=1 (its eight ReLU hooks and the model's own: the wrapper swaps the frame evaluation
    callback in and out around each call, and the hook's body ran slower inside it), against 0.8 us a call alone."""
    disabled = torch.compiler.disable(hook, recursive=True)
    if _skip_frames is None:
        return disabled
    compiling = torch.compiler.is_compiling

    def run(*args):
        if compiling():
            return disabled(*args)
        return hook(*args)
    _skip_frames(run.__code__)
    return run


def _frame_skipper():
    """Marks a code object so that Dynamo never compiles a frame of it nor of anything it calls (a hook run eagerly
    between a compiled graph's pieces, as torch.compiler.disable's wrapper runs it, with no wrapper to pay for on
    an eager call). Dynamo's own switch (torch 2.13's eval_frame.set_code_exec_strategy); None where this torch
    has none, and the hooks keep torch.compiler.disable's wrapper on every call."""
    try:
        from torch._dynamo import eval_frame
        strategy = eval_frame.FrameExecStrategy(eval_frame.FrameAction.SKIP, eval_frame.FrameAction.SKIP)
        set_strategy = eval_frame.set_code_exec_strategy
    except (ImportError, AttributeError, TypeError):
        return None

    def skip(code) -> None:
        set_strategy(code, strategy)
    return skip


_skip_frames = _frame_skipper()
