"""Activations applied as functions (F.gelu, torch.tanh, TransformerEncoderLayer(activation="gelu")): which torch
functions are activations, and the function mode that measures them where they are called and follows what each one
acts on.

Part of actlab.torch (interop/torch.py holds the Monitor and re-exports the public names)."""

from __future__ import annotations

import os
import sys
import types
from collections import deque
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ._monitor_places import _Layer, _outside_graph
from ._monitor_words import _label

if TYPE_CHECKING:
    from .torch import Monitor


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
        # torch.clamp(x, -1, 1), a hard tanh written by hand: which activation it is depends on its bounds (_clamp_as)
        "clamp": ([torch.clamp, torch.clip, torch.clamp_, torch.clip_, torch.Tensor.clamp, torch.Tensor.clip,
                   torch.Tensor.clamp_, torch.Tensor.clip_], None),
    }
    for name, (fns, make) in table.items():
        for fn in fns:
            _FUNCTIONS[fn] = (name, make)
    return _FUNCTIONS


def _lazy_arg(args: tuple, kwargs: dict) -> bool:
    """Whether a call is given a lazy module's parameter or buffer that has no shape yet."""
    return any(torch.nn.parameter.is_lazy(a) for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor))


def _bound(a) -> float | None:
    return float(a) if isinstance(a, int | float) and not isinstance(a, bool) else None


def _clamp_as(args: tuple, kwargs: dict):
    """torch.clamp(x, min, max) as the activation it computes, (name, make) as _FUNCTIONS holds them, or None: both
    bounds numbers, the lower below the upper, is a hard tanh (0 and 6: ReLU6); a lower bound of 0 alone is ReLU. A
    single other bound (clamp(x, min=1e-6), a guard before a log or a division) or a tensor bound is no activation."""
    lo, hi = _arg(args, kwargs, 1, "min", None), _arg(args, kwargs, 2, "max", None)
    low, high = _bound(lo), _bound(hi)
    if low is not None and high is not None and low < high:
        if (low, high) == (0.0, 6.0):
            return "relu6", lambda a, k: nn.ReLU6()
        return "hardtanh", lambda a, k: nn.Hardtanh(low, high)
    if low == 0.0 and hi is None:
        return "relu", lambda a, k: nn.ReLU()
    return None


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


def _softmaxes() -> frozenset:
    """The torch functions a softmax is applied by, outside an nn.Softmax module."""
    F = nn.functional
    return frozenset((F.softmax, torch.softmax, torch.Tensor.softmax, F.softmin))


def _op(func) -> str:
    """torch's name of a function, the way the words say it: '__radd__', '__iadd__' and 'add_' are all 'add'."""
    name = getattr(func, "__name__", "").strip("_")
    return name[1:] if name[:1] in ("r", "i") and name[1:] in _SAID else name


GATES = 16  # sigmoid outputs held per forward for the hand-written SiLU check (its product follows at once)
ROOTS = 64  # results of elementwise arithmetic held per forward for the gate check (GELU's tanh form: some 8 calls)
_ELEMENTWISE = frozenset(("add", "sub", "mul", "div", "truediv", "pow", "neg", "rsub"))


def _muls() -> frozenset:
    """The torch functions a product a * b reaches a function mode as (the hand-written Swish's beta * x)."""
    return frozenset((torch.mul, torch.Tensor.mul, torch.Tensor.__mul__, torch.Tensor.__rmul__))


def _is_scalar(a) -> bool:
    """A number, or a tensor of one value (a learnable scale, nn.Parameter(torch.tensor(1.0))): multiplying by it
    scales a tensor, as multiplying by a number does."""
    return isinstance(a, int | float) and not isinstance(a, bool) or (isinstance(a, torch.Tensor) and a.numel() == 1)


def _swish_words(place: str, scale, model: nn.Module) -> str:
    """The note on x * torch.sigmoid(beta * x): a Swish written by hand, named by the module whose parameter beta
    is, where it is one (nn.Parameter(torch.tensor(1.0)) in the script's own Swish module)."""
    owner = ""
    if isinstance(scale, torch.Tensor):
        name = next((n for n, p in model.named_parameters() if p is scale), None)
        if name is not None:
            module = name.rpartition(".")[0]
            owner = (f" in {_label(module, type(model.get_submodule(module)).__name__)}, whose parameter '{name}' "
                     f"is beta" if module else f", whose parameter '{name}' is beta")
    value = float(scale.detach().reshape(())) if isinstance(scale, torch.Tensor) else float(scale)
    return (f"'{place}' is a sigmoid used as a gate: the model computes x * torch.sigmoid(beta * x){owner} (Swish, "
            f"beta {value:.3g} on the step this was seen; SiLU where beta is 1), and its row reads the gate (values "
            "between 0 and 1, the sigmoid of x scaled by beta) and the gradient that reaches it, not the Swish's "
            f"output; {_GATE_SATURATED}. nn.SiLU() or F.silu(x) would be read as SiLU, for beta fixed at 1")


def _tanh_gate_words(place: str) -> str:
    """The note on a tanh of x (or of a function of x) that the model multiplies, shifted or scaled, by x: GELU's
    tanh form, 0.5 * x * (1 + tanh(...)), and Mish, x * tanh(softplus(x)), written by hand."""
    return (f"'{place}' is a tanh used as a gate: the model multiplies it, or a shift or scale of it, by the input it "
            "is computed from (GELU's tanh form, 0.5 * x * (1 + torch.tanh(...)), and Mish, x * "
            "torch.tanh(F.softplus(x)), are written so), and its row reads the gate and the gradient that reaches it, "
            "not the product's; where the tanh sits at 1 the product is x and passes its gradient whole, so none of "
            "its units counts as saturated, and a row before it in the chain holds the same units, counted once. "
            "F.gelu(x, approximate='tanh'), F.mish(x), nn.GELU or nn.Mish would be read as what they are")


# what a gate's row counts as saturated (_monitor_report: the units saturated at 0 alone)
_GATE_SATURATED = ("its saturated units are only those whose gate sits at 0, where the product is flat too (a gate at "
                   "1 passes the input whole)")


def _relay(func, args: tuple, kwargs: dict):
    return func(*args, **kwargs)


_RELAYS: dict = {}  # (the caller's code, its line) -> _relay, compiled as if written on that line, in that module


def _called_as_by(caller, func, args: tuple, kwargs: dict):
    """func(*args, **kwargs), through a frame that warnings take for the script's own line (W30 finding 8).

    A warning that torch raises in a function called under the mode (a C++ warning, or a Python one with stacklevel=2)
    is put on the Python frame that called the function, which was __torch_function__ here: F.softmax(h) without dim,
    in the script's forward, read "actlab/interop/_monitor_functions.py:155: UserWarning: Implicit dimension choice
    ...". The call goes through _relay, its code given the file and line of the frame the script called the function
    from and its globals that module's, so that the warning is said there and the script's filters and registry act
    on it as they would without the monitor ("default": once per line). warnings.catch_warnings was not used: it
    would bump the filters' version on every call, which shows every "default" warning of the program once more.
    An error raised inside the function shows that line once more in its traceback, in this frame."""
    if caller is None:
        return func(*args, **kwargs)
    key = (caller.f_code, caller.f_lineno)
    relay = _RELAYS.get(key)
    if relay is None:
        if len(_RELAYS) >= 1024:
            _RELAYS.clear()
        code = _relay.__code__.replace(co_filename=caller.f_code.co_filename, co_name=caller.f_code.co_name,
                                       co_firstlineno=max(caller.f_lineno - 1, 1))
        relay = _RELAYS[key] = types.FunctionType(code, caller.f_globals)
    return relay(func, args, kwargs)


def _outside_model(caller, ids: frozenset[int]) -> bool:
    """Whether the frame ``caller`` is the forward of a module that is not the watched model's (its `self`)."""
    owner = caller.f_locals.get("self")
    return isinstance(owner, nn.Module) and id(owner) not in ids


def _caller(func):
    """The frame that called func, seen from __torch_function__: past torch's dispatch (torch/overrides.py) and the
    frame of func itself where func is written in Python (F.softmax calls handle_torch_function, which calls the
    mode)."""
    frame = sys._getframe(2)
    code = getattr(func, "__code__", None)
    while frame is not None and frame.f_code.co_filename == _OVERRIDES:
        frame = frame.f_back
    if frame is not None and code is not None and frame.f_code is code:
        frame = frame.f_back
    return frame


_OVERRIDES = sys.modules[TorchFunctionMode.__module__].__file__
_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep


def _in_custom_function(frame, depth: int = 4) -> bool:
    """Whether a call is made inside the forward of a custom torch.autograd.Function (its first argument the ctx), at
    most ``depth`` frames up: an activation computed there has a backward of the script's own, and no gradient of
    its own to read (under the Function's no-grad forward), so it is no layer (the Function is, unwatched, and a note
    says so)."""
    while frame is not None and depth > 0:
        code = frame.f_code
        if code.co_name == "forward" and code.co_argcount and \
                isinstance(frame.f_locals.get(code.co_varnames[0]), torch.autograd.function.FunctionCtx):
            # torch's own (the reentrant checkpoint's CheckpointFunction runs the block's forward in its own) is not
            return not code.co_filename.startswith(_TORCH_DIR)
        frame, depth = frame.f_back, depth - 1
    return False


_MODULE_CALL = sys.modules[torch.nn.Module.__module__].__file__


def _in_hook(frame, depth: int = 12) -> bool:
    """Whether a call is made inside a hook that a module's call runs (a forward hook or pre-hook of the script's
    own), not inside that module's forward: the frame just above torch's call of the module (its ``inner`` or
    ``_call_impl``) at most ``depth`` frames up runs code other than the forward it calls. False where none is
    found, or the forward is no Python function."""
    while frame is not None and depth > 0:
        back = frame.f_back
        if back is not None and back.f_code.co_filename == _MODULE_CALL and back.f_code.co_name in ("inner",
                                                                                                    "_call_impl"):
            code = getattr(back.f_locals.get("forward_call"), "__code__", None)
            return code is not None and frame.f_code is not code
        frame, depth = back, depth - 1
    return False


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
        self._modules = monitor._weighted_by_name
        self._owner: str | None = None
        self._outputs: dict[int, tuple] = {}
        self._weights: dict[int, torch.Tensor] = {}
        self._made: deque = deque(maxlen=16)  # the latest results (tensor, version, function)
        # by id, the latest GATES sigmoid places' outputs (output, its input, the place): a product of the two is SiLU
        # written by hand (at most GATES held, however many sigmoids one forward calls: a hand-written LSTM's)
        self._gates: dict[int, tuple] = {}
        # by id, the latest GATES products of a tensor and a scalar (beta * x): (product, the tensor, the scalar), so
        # that x * torch.sigmoid(beta * x) is known as a gate on x scaled (a Swish with its beta)
        self._scaled: dict[int, tuple] = {}
        # by id, the latest GATES activation places' outputs (output, its input): a tanh on softplus(x) multiplied by x
        # is a gate on x (Mish written by hand: W54 walkthrough, finding 3)
        self._fed: dict[int, tuple] = {}
        # by id, the latest ROOTS results of elementwise arithmetic on one tensor (0.044715 * x ** 3 + x: x), with
        # that tensor, and those on a gate's output (1 + tanh(...)), with the gate: a product of the two kinds with the
        # same tensor behind them is a gate on it (W55 walkthrough: GELU's tanh form written by hand, read as a tanh
        # with 44 of 64 units saturated where 1 unit's GELU was flat)
        self._roots: dict[int, tuple] = {}
        self._from_gate: dict[int, tuple] = {}
        self._muls = _muls()
        self._softmax = _softmaxes()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        try:
            spec = _FUNCTIONS.get(func)
        except TypeError:  # an unhashable callable is no activation of ours
            spec = None
        if spec is not None and spec[0] == "clamp":  # an activation or not, by its bounds (W46 walkthrough, finding 3:
            # a hand-written hard tanh, torch.clamp(x, -1, 1), had no row, and the model was said to have no
            # non-linearity)
            spec = _clamp_as(args, kwargs)
        mon = self.monitor
        if mon._inside or (mon._lazy and _lazy_arg(args, kwargs)):
            # (a lazy module making its parameters on this forward: tensors with no shape yet, which no check can
            # read (W44 walkthrough: ValueError from numel() inside the first sampled step). Only the calls given
            # one are passed by: a lazy module that never runs kept the whole watch off)
            return func(*args, **kwargs)
        # while Dynamo traces (torch.compile), nothing is followed: the places keep the names of the module before
        # them, as they had before inputs were followed
        following = mon._last_weighted is not None and not torch.compiler.is_compiling()
        # (while Dynamo traces, the call is made as it is: it cannot trace through a relay named after another file)
        caller = None if torch.compiler.is_compiling() else _caller(func)
        if spec is not None and caller is not None and _outside_model(caller, mon._module_ids):  # a module of
            # another network's (an EMA target run inside the step while the watch is on: W96 walkthrough finding 1,
            # a BYOL target's ReLUs read as rows after the predictor, taking its weight gradient)
            spec = None
        if spec is not None and not torch.is_grad_enabled() and _in_custom_function(caller):  # (a ReLU written
            # into a custom Function's forward read as a row 'made with gradients disabled ... under torch.no_grad()')
            spec = None
        if spec is not None and caller is not None and (not torch.is_grad_enabled() or (
                args and torch.is_tensor(args[0]) and not args[0].requires_grad)) and _in_hook(caller):
            # a script's own metric in a hook of its own, on a value cut from the graph (under no_grad, detached,
            # a copy of it): no gradient passes back through it, so it is no layer (W84 walkthrough finding 10:
            # F.gelu(o.detach().float()) in a hook on each block's fc1 made rows 'blocks.0.fc1>float:gelu'). A hook
            # that returns an activation of the module's output (a layer written as a hook) keeps its place
            spec = None
        if spec is None or not args or not torch.is_tensor(args[0]) or not torch.is_floating_point(args[0]):
            out = _called_as_by(caller, func, args, kwargs)
            if (mon._flow is not None and func in self._softmax and not mon._skip and following and args
                    and isinstance(args[0], torch.Tensor) and self._what(args[0])[0] in ("output", "scaled")):
                # a softmax applied to a weighted module's output, as a hidden layer's activation (W32: F.softmax
                # between two layers had no note, where nn.Softmax has one, and the graph's walk stops at any
                # softmax); attention's, on q @ k, is no layer's output
                after = mon._last_weighted
                mon._flow.softmax_at.append((f"{_op(func)} applied as a function to the output of "
                                             f"{_label(after, mon._kinds.get(after, ''))}", mon._order))
            if len(args) == 2 and func in self._muls:
                if self._gates:
                    self._gated(func, args)
                self._scaling(args, out)
            if following:
                self._derive(func, args, out)
            if following:
                self._trace(func, args, kwargs, out)
            return out
        z, before = args[0], len(mon._seq)
        what = self._what(z) if following else None  # before the call: an in-place activation changes z
        if what is not None and what[2] == "detach":  # on a detached value: no gradient passes back through it, so
            # it is no layer of the graph being trained (W35 walkthrough: F.gelu(out.detach()) in a script's own
            # forward hook, a metric, became a place, and the model's own GELU rows were renamed ':gelu#2')
            return _called_as_by(caller, func, args, kwargs)
        out = _called_as_by(caller, self._call, (spec, func, args, kwargs), {})
        if spec[0] in ("sigmoid", "tanh") and torch.is_tensor(out) and len(mon._seq) > before:
            if spec[0] == "sigmoid":
                scaled = self._scaled.get(id(z))
                base, scale = (scaled[1], scaled[2]) if scaled is not None and scaled[0] is z else (None, None)
            else:  # a tanh: on another activation's output (softplus(x)), whose input x the product may take, or on
                # arithmetic on one tensor (GELU's c * (x + 0.044715 * x ** 3))
                fed = self._fed.get(id(z))
                base, scale = (self._root_of(fed[1]) if fed is not None and fed[0] is z else self._root_of(z)), None
            self._gates[id(out)] = (out, z, mon._seq[-1], base, scale)
            if len(self._gates) > GATES:
                del self._gates[next(iter(self._gates))]  # the oldest
        if torch.is_tensor(out) and len(mon._seq) > before:
            self._fed[id(out)] = (out, z)
            if len(self._fed) > GATES:
                del self._fed[next(iter(self._fed))]
        if what is not None:
            if len(mon._seq) > before:
                self._describe(mon._seq[-1], *what)
            if torch.is_tensor(out):
                self._made.append((out, out._version, func))
        return out

    def _scaling(self, args: tuple, out) -> None:
        """Keeps a product of a tensor and a scalar (beta * x), for the gate check (_gated)."""
        a, b = args
        base, scale = (b, a) if _is_scalar(a) and isinstance(b, torch.Tensor) else (a, b)
        if isinstance(base, torch.Tensor) and not _is_scalar(base) and _is_scalar(scale) \
                and isinstance(out, torch.Tensor):
            self._scaled[id(out)] = (out, base, scale)
            if len(self._scaled) > GATES:
                del self._scaled[next(iter(self._scaled))]  # the oldest

    def _root_of(self, t):
        """The tensor that elementwise arithmetic made ``t`` from (t itself where none did)."""
        held = self._roots.get(id(t))
        return held[1] if held is not None and held[0] is t else t

    def _gate_of(self, t) -> tuple | None:
        """The gate record (_gates) of a gate place's output, or of a shift or scale of it (1 + tanh(...))."""
        gate = self._gates.get(id(t))
        if gate is not None and gate[0] is t:
            return gate
        held = self._from_gate.get(id(t))
        return held[1] if held is not None and held[0] is t else None

    def _derive(self, func, args: tuple, out) -> None:
        """Follows elementwise arithmetic: on tensors with one tensor behind them (_root_of), and on a gate's output
        with numbers (_gate_of), for the gate check (_gated)."""
        if not isinstance(out, torch.Tensor) or _op(func) not in _ELEMENTWISE:
            return
        tensors = [a for a in args[:2] if isinstance(a, torch.Tensor) and a.numel() != 1]
        if not tensors:
            return
        if len(tensors) == 1 and self._gates:
            gate = self._gate_of(tensors[0])
            if gate is not None:
                self._from_gate[id(out)] = (out, gate)
                if len(self._from_gate) > ROOTS:
                    del self._from_gate[next(iter(self._from_gate))]
                return
        roots = {id(r): r for r in (self._root_of(t) for t in tensors)}
        if len(roots) == 1:
            self._roots[id(out)] = (out, next(iter(roots.values())))
            if len(self._roots) > ROOTS:
                del self._roots[next(iter(self._roots))]

    def _gated(self, func, args: tuple) -> None:
        """A product of a sigmoid place's output with that sigmoid's own input: SiLU written by hand (W15: the row of
        torch.sigmoid(h) * h read the gate's mean 0.502 and std 0.151 where the SiLU's were 0.106 and 0.370, and
        nothing said so). Said once per place, in the notes; the row stays the sigmoid's, which is what ran."""
        if _op(func) != "mul":
            return
        a, b = args
        for g, other in ((a, b), (b, a)):
            gate = self._gate_of(g) if isinstance(g, torch.Tensor) else None
            behind = self._root_of(other) if isinstance(other, torch.Tensor) else None
            if gate is not None and behind is not None and (
                    gate[1] is other or gate[3] is other or behind is gate[3] or behind is self._root_of(gate[1])):
                layer, mon = gate[2], self.monitor
                if layer.record.name == "tanh":
                    if layer.name not in mon._noted_gates:
                        mon._noted_gates.add(layer.name)
                        mon.notes.append(_tanh_gate_words(layer.name))
                elif layer.name not in mon._noted_gates and gate[1] is not other:  # x * torch.sigmoid(beta * x)
                    mon._noted_gates.add(layer.name)
                    mon.notes.append(_swish_words(layer.name, gate[4], mon.model))
                elif layer.name not in mon._noted_gates:
                    mon._noted_gates.add(layer.name)
                    mon.notes.append(
                        f"'{layer.name}' is a sigmoid used as a gate: the model multiplies it by its own input "
                        "(torch.sigmoid(h) * h is SiLU written by hand), and its row reads the sigmoid's output "
                        "(values between 0 and 1) and the gradient that reaches it, not the SiLU's; "
                        f"{_GATE_SATURATED}. Written as F.silu(h) or nn.SiLU(), it would be read as SiLU")
                return

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
                elif first is None or (first.numel() == 1 and a.numel() != 1):  # beta * h: h, not beta
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
        elif name in _SCALED and not any(isinstance(a, torch.Tensor) and a is not first and a.numel() != 1
                                         for a in args[:2]):  # (a tensor of one value scales, as a number does)
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
        layer.chained = acts_on == "other" and op in {name for name, _ in _functions().values()}
        after = self.monitor._last_weighted
        where = _label(after, self.monitor._kinds.get(after, ""))
        if acts_on == "scaled":
            what = f"the output of {where}, scaled or shifted by a number"
        elif acts_on == "part":
            what = f"a part of the output of {where} ({words})"
        elif words == "changed in place":
            what = f"the output of {where}, changed in place after it returned (not the output it made)"
        elif acts_on == "other":
            # a noun phrase that reads whole wherever the label goes ("2 of 8 units in relu applied as a function to
            # ... are dead"): M21 item 1, ", not its output are dead" was garbled
            what = f"{words or 'a value'} computed after {where} (not its output)"
        else:
            what = f"the output of {where}"
        layer.label = f"{layer.record.name} applied as a function to {what}"
        # 'fc3>add:sigmoid': after fc3, on a sum. An output changed in place (by an in-place activation module before
        # the function) keeps its name, which test_monitor_places pins ('fc3:silu' after nn.ELU(inplace=True))
        if op and layer.name.startswith(f"{after}:"):
            layer.name = f"{after}>{op}:{layer.name[len(after) + 1:]}"
