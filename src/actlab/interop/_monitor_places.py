"""What the PyTorch monitor watches: a place (an activation module or function), its derivative,
the tensor reductions it makes, and the function mode that finds activations applied as functions.

Part of actlab.torch (interop/torch.py holds the Monitor and re-exports the public names)."""

from __future__ import annotations

import copy
import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..activations import Activation
from ..instruments import SATURATION_FRACTION
from ._monitor_words import _label

if TYPE_CHECKING:
    from .torch import Monitor


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


def _is_weighted(module: nn.Module) -> bool:
    w = module._parameters.get("weight")
    return w is not None and w.dim() >= 2


def _unit_axis(t: torch.Tensor) -> int:
    """Units are features: the last axis of (N, H) and (N, T, H); the channel axis of (N, C, H, W)."""
    return 1 if t.dim() >= 4 else t.dim() - 1


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
    # nn.ReLU with the compiled passes: where its one pass (_torch_stats_numba.relu_sums) writes on every sampled step
    # (_Measures._relu_buffers): float64 NumPy views for the per-unit counts, the per-unit sums and the two sums of
    # squares, the same as torch tensors (the last two 0-d), an empty (0, H) array of the place's dtype for a step
    # whose gradient the pass does not read, and the float64 block they lie in (the place's own, or the monitor's
    # lane, laid out as _collect's transfer is: _Collecting._lay_lane)
    relu_buffers: tuple | None = None

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


# what a function's input is (_FunctionWatch._trace): torch functions whose result holds the same values as their first
# argument, or a part of them; and how the words say the result of a few others
_SAME = frozenset(("view", "reshape", "flatten", "unflatten", "permute", "transpose", "t", "contiguous", "to", "float",
                   "double", "half", "bfloat16", "type", "type_as", "squeeze", "unsqueeze", "view_as", "reshape_as",
                   "movedim", "swapaxes", "clone", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                   "feature_alpha_dropout"))
_PART = frozenset(("chunk", "split", "tensor_split", "unbind", "getitem", "narrow", "select", "split_with_sizes",
                   "unsafe_chunk", "unsafe_split", "max_pool1d", "max_pool2d", "max_pool3d", "adaptive_max_pool1d",
                   "adaptive_max_pool2d", "adaptive_max_pool3d"))
_SCALED = frozenset(("mul", "div", "truediv", "add", "sub", "neg"))  # (_op's names: 'add' for '__radd__' too)
_SAID = {"add": "a sum", "sub": "a difference", "mul": "a product", "div": "a quotient", "truediv": "a quotient",
         "cat": "a concatenation", "stack": "a stack", "matmul": "a matrix product", "layer_norm": "a layer norm",
         "batch_norm": "a batch norm", "group_norm": "a group norm", "instance_norm": "an instance norm",
         "rms_norm": "an RMS norm"}


def _op(func) -> str:
    """torch's name of a function, the way the words say it: '__radd__', '__iadd__' and 'add_' are all 'add'."""
    name = getattr(func, "__name__", "").strip("_")
    return name[1:] if name[:1] in ("r", "i") and name[1:] in _SAID else name


class _FunctionWatch(TorchFunctionMode):
    """Active during the model's forward on a sampled step (only while functional activations are looked for or
    known): each call of an activation function outside an activation module is measured like a module.

    It also follows what each function acts on (W14 finding 6: torch.sigmoid(h) * h on h = tanh(fc3(x)) + x was named
    as if it took fc3's output). A call that takes the weighted module's own weight (or a tensor made from its
    parameters alone, weight.t()) with other data makes that module's output; views, copies and dropout of it are it
    still, chunks and slices a part of it; anything else is another value, said by the function that made it."""

    def __init__(self, monitor: Monitor):
        super().__init__()
        self.monitor = monitor
        self._call = _outside_graph(monitor._functional_call)
        # by id, for the weighted module that ran last (each tensor held, so that no id is reused, and dropped when
        # another one runs): its outputs (tensor, version, _Layer.acts_on, the function that took a part), and tensors
        # made from its parameters alone
        self._modules = dict(monitor._weighted)
        self._owner: str | None = None
        self._outputs: dict[int, tuple] = {}
        self._weights: dict[int, torch.Tensor] = {}
        self._made: deque = deque(maxlen=16)  # the latest results (tensor, version, function)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        try:
            spec = _FUNCTIONS.get(func)
        except TypeError:  # an unhashable callable is no activation of ours
            spec = None
        mon = self.monitor
        if mon._inside:
            return func(*args, **kwargs)
        # while Dynamo traces (torch.compile), nothing is followed: the places keep the names of the module before
        # them, as they had before inputs were followed
        following = mon._last_weighted is not None and not torch.compiler.is_compiling()
        if spec is None or not args or not torch.is_tensor(args[0]) or not torch.is_floating_point(args[0]):
            out = func(*args, **kwargs)
            if following:
                self._trace(func, args, kwargs, out)
            return out
        z, before = args[0], len(mon._seq)
        what = self._what(z) if following else None  # before the call: an in-place activation changes z
        out = self._call(spec, func, args, kwargs)
        if what is not None:
            if len(mon._seq) > before:
                self._describe(mon._seq[-1], *what)
            if torch.is_tensor(out):
                self._made.append((out, out._version, func))
        return out

    def _trace(self, func, args: tuple, kwargs: dict, out) -> None:
        """What a torch call outside the activations made (some 2 us a call on a loaded 2-core machine; a
        transformer's sampled step watches some 80, most of them in the attention between two watched places)."""
        owner = self.monitor._last_weighted
        if owner != self._owner:  # another weighted module ran: its parameters, no outputs yet
            module = self._modules.get(owner)
            self._owner, self._outputs = owner, {}
            self._weights = {id(p): p for p in module._parameters.values() if p is not None} if module else {}
        weights, first, own = self._weights, None, False
        for a in (*args, *kwargs.values()) if kwargs else args:
            if isinstance(a, torch.Tensor):
                if id(a) in weights:
                    own = True
                elif first is None:
                    first = a
        if isinstance(out, torch.Tensor):  # (the function, or the name of the weighted module whose output it is)
            self._made.append((out, out._version, f"'{owner}'" if own and first is not None else func))
            if own and first is None:  # made from the parameters alone: weight.t()
                weights[id(out)] = out
                return
        seen = self._outputs.get(id(first)) if first is not None else None
        if own:
            kind, how = "output", ""
        elif seen is None or seen[0] is not first or seen[1] != first._version:
            return
        elif (name := _op(func)) in _SAME:
            kind, how = seen[2], seen[3]
        elif name in _PART:  # how: the function that took the part ('chunk', 'max_pool2d')
            kind, how = "part", name
        elif name in _SCALED and not any(isinstance(a, torch.Tensor) and a is not first for a in args[:2]):
            kind, how = ("scaled", "") if seen[2] == "output" else seen[2:]  # 2 * h, h + 1: scaled or shifted
        else:
            return
        for t in (out if isinstance(out, tuple | list) else (out,)):
            if isinstance(t, torch.Tensor):
                self._outputs[id(t)] = (t, t._version, kind, how)

    def _what(self, z: torch.Tensor) -> tuple[str, str, str]:
        """What z is: ("output" | "part", "", "") for the last weighted module's output or a part of it, else
        ("other", the value in words, the function that made it, where known)."""
        if self._owner != self.monitor._last_weighted:  # no torch call of that module's forward was seen (a C++
            return "output", "", ""  # extension): nothing is known, and the place keeps its name
        seen = self._outputs.get(id(z))
        if seen is not None and seen[0] is z:
            if seen[1] == z._version:
                return seen[2], seen[3], ""
            return "other", "changed in place", ""  # (the name stays: see _describe)
        made = next((m for m in reversed(self._made) if m[0] is z and m[1] == z._version), None)
        if made is None:
            return "other", "", "value"
        op = made[2] if isinstance(made[2], str) else _op(made[2])
        if op.startswith("'"):  # another weighted module's output
            return "other", f"the output of module {op}", op.strip("'")
        return "other", f"{_SAID[op]} ({op})" if op in _SAID else f"the result of {op}", op

    def _describe(self, layer: _Layer, acts_on: str, words: str, op: str) -> None:
        """The place's name and label say what the function acts on (hooks' _functional_call named it after the
        weighted module that ran last: 'fc3:sigmoid', 'sigmoid applied as a function to the output of ...')."""
        if (layer.acts_on, layer.acts_on_words) == (acts_on, words):  # as on the last sampled step (or, on the
            return  # first, the weighted module's output, as hooks named it)
        layer.acts_on, layer.acts_on_words = acts_on, words
        after = self.monitor._last_weighted
        where = _label(after, self.monitor._kinds.get(after, ""))
        if acts_on == "scaled":
            what = f"the output of {where}, scaled or shifted by a number"
        elif acts_on == "part":
            what = f"a part of the output of {where} ({words})"
        elif words == "changed in place":
            what = f"the output of {where}, changed in place after it returned (not the output it made)"
        elif acts_on == "other":
            what = f"{words or 'a value'} computed after {where}, not its output"
        else:
            what = f"the output of {where}"
        layer.label = f"{layer.record.name} applied as a function to {what}"
        # 'fc3>add:sigmoid': after fc3, on a sum. An output changed in place (by an in-place activation module before
        # the function) keeps its name, which test_monitor_places pins ('fc3:silu' after nn.ELU(inplace=True))
        if op and layer.name.startswith(f"{after}:"):
            layer.name = f"{after}>{op}:{layer.name[len(after) + 1:]}"


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
