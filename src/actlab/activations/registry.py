"""Activation records: one frozen record per function, the REGISTRY and the alias table.

A record carries the formula, its derivative, the parameters (PyTorch's names) and every
property the lesson talks about. Numbers that can be computed from the functions (ranges,
derivative maxima and where they are reached, monotonicity) are typed in here and checked
against the functions by the test suite.

Ranges are intervals with a closedness flag per end: an end is closed when the function reaches
it at some finite x (ReLU's 0, GELU's minimum), open when it is only approached (sigmoid's 0 and
1). The derivative's range is over the points where f is differentiable; at a kink (``kinks``)
actlab returns a convention (``deriv_at_zero``), which is not part of the range.
tests/activations/test_ranges.py checks every end against mpmath.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from .._json import jsonable  # the one wire format: infinities as "inf" and "-inf"
from . import functions as F
from ._numerics import as_real_array

INF = math.inf

# The explorer's groups, in the lesson's order; a record names its own (a plugin's default: OTHER_GROUP)
LESSON_SIX, MORE, GATED, OTHER_GROUP = "The lesson's six", "More", "Gated units", "Other"


@dataclass(frozen=True)
class Slider:
    """How an interface offers a parameter on a slider: a sub-range of the allowed interval and a step."""

    min: float
    max: float
    step: float

    def to_dict(self) -> dict[str, float]:
        return {"min": self.min, "max": self.max, "step": self.step}


@dataclass(frozen=True)
class Param:
    """A numeric hyperparameter: default, the allowed interval (open ends unless closed) and its slider.

    ``slider`` is None where a slider cannot say what the parameter means (softplus's threshold, whose default
    None switches PyTorch's shortcut off); interfaces then offer a number field, or nothing."""

    default: float | None
    low: float = -INF
    high: float = INF
    low_closed: bool = False
    high_closed: bool = False
    optional: bool = False  # None is allowed (softplus threshold: off)
    doc: str = ""
    slider: Slider | None = None

    def describe(self) -> dict[str, Any]:
        """JSON-ready: the default, the interval (infinite ends as 'inf' and '-inf'), the slider and the doc."""
        return {"default": self.default, "allowed": self.interval(), "low": jsonable(self.low),
                "high": jsonable(self.high), "low_closed": self.low_closed, "high_closed": self.high_closed,
                "optional": self.optional, "slider": self.slider.to_dict() if self.slider else None, "doc": self.doc}

    def check(self, activation: str, name: str, value: object) -> float | None:
        if value is None and self.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{activation}: parameter {name} must be a real number; got {value!r}")
        v = float(value)
        low_ok = v >= self.low if self.low_closed else v > self.low
        high_ok = v <= self.high if self.high_closed else v < self.high
        if not (math.isfinite(v) and low_ok and high_ok):
            raise ValueError(f"{activation}: parameter {name}={value!r} is out of range; allowed: {self.interval()}")
        return v

    def interval(self) -> str:
        lo = ("[" if self.low_closed else "(") + _fmt(self.low)
        hi = _fmt(self.high) + ("]" if self.high_closed else ")")
        extra = " or None" if self.optional else ""
        return f"{lo}, {hi}{extra} (finite)"


@dataclass(frozen=True)
class TorchRecipe:
    """How PyTorch computes an activation, as data: a torch.nn module, or an expression where torch has none.

    ``interop.torch`` turns a recipe into a module (``module_for``), into source code (``export_code``) and
    back (``record_for``: a module and its settings to the record). The core never imports torch.

    - ``module``: a class of torch.nn, built with ``kwargs`` (module keyword, registry parameter) and ``fixed``
      (module keyword, constant: the constants also pick the record when mapping back, as GELU's approximate).
    - ``none_as``: (registry parameter, what the module takes for None): softplus's threshold None (no
      shortcut) is PyTorch's threshold=inf.
    - ``only_if``: (registry parameter, value) the module needs; other values take the expression (SiLU has
      no beta).
    - ``expression``: one line of torch code, with ``torch`` in scope, the parameters by name, and ``x`` the
      input, or for a gated unit ``a`` and ``b``, the value and gate halves of its last axis.
    """

    module: str | None = None
    kwargs: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, Any], ...] = ()
    none_as: tuple[tuple[str, Any], ...] = ()
    only_if: tuple[tuple[str, Any], ...] = ()
    expression: str | None = None

    def uses_module(self, params: Mapping[str, Any]) -> bool:
        """Does the torch.nn module compute the record at these parameter values (else the expression)?"""
        return self.module is not None and all(params.get(k) == v for k, v in self.only_if)

    def module_kwargs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The module's keyword arguments for these parameter values."""
        none_as = dict(self.none_as)
        out = dict(self.fixed)
        for keyword, param in self.kwargs:
            value = params[param]
            out[keyword] = none_as[param] if value is None and param in none_as else value
        return out

    def describe(self) -> dict[str, Any]:
        return {"module": self.module, "kwargs": dict(self.kwargs), "fixed": dict(self.fixed),
                "none_as": {k: jsonable(v) for k, v in self.none_as}, "only_if": dict(self.only_if),
                "expression": self.expression}


def _fmt(v: float) -> str:
    return "inf" if v == INF else "-inf" if v == -INF else f"{v:g}"


def interval_text(bounds: tuple[float, float], closed: tuple[bool, bool]) -> str:
    """An interval as a reader writes it: [0, ∞), (0, 0.25], (-0.5, 1.5); an infinite end is always open."""
    lo, hi = bounds
    left = "[" if closed[0] and math.isfinite(lo) else "("
    right = "]" if closed[1] and math.isfinite(hi) else ")"
    return f"{left}{_num6(lo)}, {_num6(hi)}{right}"


def _num6(v: float) -> str:
    return "∞" if v == INF else "-∞" if v == -INF else f"{v:.6g}"


@dataclass(frozen=True)
class Activation:
    """One activation function with its derivative, parameters and properties.

    Call it for values (``act(x)``) and use ``act.derivative(x)`` for derivatives. Both accept
    Python scalars and array-likes, preserve shape and float dtype (integers become float64).
    Gated entries (``is_gated``) map a last axis of size 2d to d; their derivative has the input's
    shape and holds d out/d a and d out/d b side by side.
    """

    name: str
    fn: Callable[..., np.ndarray] = field(repr=False)
    deriv: Callable[..., np.ndarray] = field(repr=False)
    formula: str  # LaTeX
    deriv_formula: str  # LaTeX
    title: str
    output_range: tuple[float, float]
    deriv_range: tuple[float, float]  # over the points where f is differentiable
    deriv_max: float
    deriv_argmax: float | None  # where f' reaches deriv_max; None when it is an interval or not reached
    deriv_argmax_text: str  # the same in words: "x = 0", "x > 0", "as x → ∞ (not reached)"
    zero_centred: bool
    monotonic: bool
    smoothness: str  # "discontinuous" (a jump), "C0" (kinks), "C1", "C-inf"
    self_gated: bool
    year: int  # the year of the first work ``paper`` cites
    paper: str  # where the function was introduced (or, where it says so, recommended or named), with years
    used_in: tuple[str, ...]
    hf_names: tuple[str, ...]
    strength: str
    weakness: str
    group: str = OTHER_GROUP  # the lesson's grouping of the explorer: LESSON_SIX, MORE, GATED or a plugin's own
    # the bound values; left empty, the defaults of param_specs (the one place a default is written)
    params: Mapping[str, Any] = field(default_factory=dict)
    param_specs: Mapping[str, Param] = field(default_factory=dict, repr=False)
    deriv_at_zero: float | None = None  # the value actlab (and PyTorch) return at a kink at 0
    # the subgradients at a kink at 0: only a convex kink (left slope below right slope) has any; SELU's
    # slope falls from lambda alpha to lambda there, so it has none, although it has a kink
    subgradient_at_zero: tuple[float, float] | None = None
    output_closed: tuple[bool, bool] = (False, False)  # is each end of output_range reached?
    deriv_closed: tuple[bool, bool] = (False, False)  # is each end of deriv_range reached?
    kinks: tuple[float, ...] = ()  # where f is not differentiable (or, with a jump, not continuous)
    output_min_at: float | None = None  # where a non-monotonic function has its minimum
    is_gated: bool = False
    note: str = ""
    # properties that change with the parameters: params -> {field: value}
    param_props: Callable[[Mapping[str, Any]], dict[str, Any]] | None = field(default=None, repr=False)
    # f'(z) written from the output a = f(z), for the network's backward pass (PyTorch does the same
    # for tanh and sigmoid); None where the output does not determine the derivative
    deriv_from_output: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    # rules between parameters that no single interval says (hardtanh: min_val < max_val): params -> None, or a
    # ValueError naming the parameters, what was wrong and what is allowed
    check_params: Callable[[Mapping[str, Any]], None] | None = field(default=None, repr=False)
    # the output levels where the function goes flat (a horizontal asymptote or a clip), so that a unit whose
    # outputs sit there has lost its gradient: "saturated". Every flat level of a function bounded on both sides
    # (sigmoid's 0 and 1, tanh's -1 and 1, ReLU6's 0 and 6); of one bounded on one side, a flat level other than
    # 0 (ELU's -alpha). A flat 0 is left out on purpose: GELU and SiLU pass through 0 at x = 0 with slope 1/2, so an
    # output near 0 says nothing of the slope there. Their far left tail (output ~0, f' ~0, never exactly 0) is
    # saturated all the same: the derivative test finds it (instruments.saturated_mask). Only a flat part where f'
    # is exactly 0 and the output 0 (ReLU's x < 0) is "off", the dead-unit instrument's business. See
    # saturated_outputs() and saturation_text.
    saturates_at: tuple[float, ...] = ()
    torch_recipe: TorchRecipe | None = None  # how PyTorch computes it; None: no recipe (interop cannot export it)

    def __post_init__(self) -> None:
        params = dict(self.params) if self.params else {k: p.default for k, p in self.param_specs.items()}
        if set(params) != set(self.param_specs):
            raise ValueError(f"{self.name}: params {sorted(params)} must name exactly the parameters of "
                             f"param_specs {sorted(self.param_specs)}")
        object.__setattr__(self, "params", MappingProxyType(params))
        object.__setattr__(self, "param_specs", MappingProxyType(dict(self.param_specs)))

    def __call__(self, x: object) -> np.ndarray:
        return self._apply(self.fn, x)

    def derivative(self, x: object) -> np.ndarray:
        """f'(x), with the subgradient convention of ``deriv_at_zero`` at kinks."""
        return self._apply(self.deriv, x)

    def forward_array(self, z: np.ndarray) -> np.ndarray:
        """f(z) for a float ndarray already checked by the caller (the network's hot path)."""
        return self.fn(z, **self.params)

    def derivative_array(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """f'(z) for checked float arrays, from the output a = f(z) where that is exact enough."""
        if self.deriv_from_output is not None:
            return self.deriv_from_output(a)
        return self.deriv(z, **self.params)

    def value_and_derivative(self, x: object) -> tuple[np.ndarray, np.ndarray]:
        """(f(x), f'(x)) in one pass that computes the parts both share once (see functions.FUSED)."""
        arr = as_real_array(x)
        if self.is_gated:
            _check_gated_shape(self.name, arr)
        fused = F.value_and_deriv_of(self.fn, self.deriv)
        if arr.dtype == np.float16:  # compute in float32, return float16
            value, deriv = fused(arr.astype(np.float32), **self.params)
            return value.astype(np.float16), deriv.astype(np.float16)
        return fused(arr, **self.params)

    def forward_and_derivative_array(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(f(z), f'(z)) for checked float arrays; f'(z) is None where backward reads it from the output."""
        if self.deriv_from_output is not None:
            return self.fn(z, **self.params), None
        return F.value_and_deriv_of(self.fn, self.deriv)(z, **self.params)

    def _apply(self, func: Callable[..., np.ndarray], x: object) -> np.ndarray:
        arr = as_real_array(x)
        if self.is_gated:
            _check_gated_shape(self.name, arr)
        if arr.dtype == np.float16:  # compute in float32, return float16
            return func(arr.astype(np.float32), **self.params).astype(np.float16)
        return func(arr, **self.params)

    def saturated_outputs(self, outputs: np.ndarray, fraction: float) -> np.ndarray:
        """Per unit (the last axis): do the outputs sit, on average, within ``fraction`` of the output's scale of
        a level in ``saturates_at``? The scale is half the output range's width when it is finite (tanh: 1,
        sigmoid: 0.5), else the level's size (ELU: alpha). (N, H) -> (H,) bool; all False without levels."""
        outputs = np.asarray(outputs)
        if not self.saturates_at:
            return np.zeros(outputs.shape[-1], dtype=bool)
        lo, hi = self.output_range
        bounded = math.isfinite(lo) and math.isfinite(hi)
        scale = (hi - lo) / 2 if bounded else max(abs(v) for v in self.saturates_at)
        axes = tuple(range(outputs.ndim - 1))
        if sorted(self.saturates_at) == [lo, hi]:
            # the outputs lie between the two levels, so the nearest is (hi - lo) / 2 - |a - mid| away: one
            # temporary array (this runs on every training frame)
            off_centre = outputs - (lo + hi) / 2
            np.abs(off_centre, out=off_centre)
            return (hi - lo) / 2 - off_centre.mean(axis=axes) < fraction * scale
        distance = outputs - self.saturates_at[0]  # (N, H): to the nearest level
        np.abs(distance, out=distance)
        for level in self.saturates_at[1:]:
            np.minimum(distance, np.abs(outputs - level), out=distance)
        return distance.mean(axis=axes) < fraction * scale

    @functools.cached_property
    def has_zero_region(self) -> bool:
        """Is f' exactly 0 on a whole interval of inputs (ReLU's z < 0, ReLU6's and hardtanh's clips, hardswish's
        z < -3; a gated unit's gate)? Only such a function has dead units: inputs anywhere in that interval pass
        no gradient at all. Sigmoid, tanh, GELU, ELU and the like only approach 0 in their tails, so an f' that
        reads 0 there is floating-point underflow of a saturated unit, which the instruments count as saturated,
        never as dead. Probed in float64 on [-10, 10], where those tails are still far from underflow."""
        z = np.linspace(-10.0, 10.0, 2001)
        d = self.derivative(np.stack([np.ones_like(z), z], axis=-1))[:, 1] if self.is_gated else self.derivative(z)
        zero = d == 0
        return bool(np.any(zero[1:] & zero[:-1]))

    @property
    def torch_name(self) -> str | None:
        """The torch.nn module as PyTorch spells it, with the settings that pick this record:
        "LeakyReLU", "GELU(approximate='tanh')"; None where torch has no module for it."""
        recipe = self.torch_recipe
        if recipe is None or recipe.module is None:
            return None
        fixed = ", ".join(f"{k}={v!r}" for k, v in recipe.fixed)
        return f"{recipe.module}({fixed})" if fixed else recipe.module

    @property
    def bounded_above(self) -> bool:
        return self.output_range[1] < INF

    @property
    def bounded_below(self) -> bool:
        return self.output_range[0] > -INF

    @property
    def is_smooth(self) -> bool:
        return self.smoothness == "C-inf"

    @property
    def has_kink(self) -> bool:
        return self.smoothness == "C0"

    @property
    def output_interval(self) -> str:
        return interval_text(self.output_range, self.output_closed)

    @property
    def deriv_interval(self) -> str:
        return interval_text(self.deriv_range, self.deriv_closed)

    @property
    def deriv_max_text(self) -> str:
        """The largest derivative and where it is reached, as one phrase: "0.25 at x = 0", "1 for x > 0"."""
        where = self.deriv_argmax_text
        if math.isinf(self.deriv_max):
            return f"none: f′ grows without bound ({where})"
        # "x = 0" is a point, "x > 0" a set; "everywhere" and "as x → ∞ ..." read on their own
        joint = " at " if where.startswith("x = ") else " " if where.startswith(("everywhere", "as ")) else " for "
        return f"{_num6(self.deriv_max)}{joint}{where}"

    @functools.cached_property
    def saturation_text(self) -> str:
        """Where the function saturates, in the words every face shows (`actlab show`, the lesson's cards, the
        describe() record), read from the function itself: each tail that flattens out (|f'| under 1e-6 at
        x = +-1e4) is "saturated" there, unless f' is exactly 0 on a whole interval at a level that saturates_at
        leaves out (ReLU's x < 0): that tail is "off", and a unit whose input stays there is dead. A gated unit is
        read through its gate (a = 1, b = x)."""
        far = np.array([-1e4, -10.0, -9.99, 1e4, 10.0, 9.99])
        if self.is_gated:
            pair = np.stack([np.ones_like(far), far], axis=-1)
            values, derivs = self(pair)[..., 0], self.derivative(pair)[:, 1]
        else:
            values, derivs = self(far), self.derivative(far)
        ends = [e for e in self.output_range if math.isfinite(e)]
        parts = []
        for side, k in (("left (x → −∞)", 0), ("right (x → +∞)", 3)):
            v, d = float(values[k]), float(derivs[k])
            if not (math.isfinite(v) and abs(d) < 1e-6):
                continue
            level = next((e for e in ends if abs(v - e) < 1e-3), v) + 0.0  # + 0.0: GELU's -0.0 reads 0
            exact = derivs[k + 1] == 0 and derivs[k + 2] == 0
            if exact and not any(abs(level - s) < 1e-6 for s in self.saturates_at):
                parts.append(f"{side}: off, f = {level:g} and f′ = 0 exactly, so a unit whose input stays there is "
                             "dead, not saturated")
            else:
                how = ("f′ = 0 exactly (a unit there on every input also counts as dead)" if exact else
                       "f′ → 0 without reaching 0, so a unit there is not dead")
                parts.append(f"{side}: saturated, f → {level:g} and {how}")
        return "; ".join(parts) if parts else "nowhere: neither tail is flat"

    @property
    def deriv_at_zero_text(self) -> str | None:
        """What f′(0) is when x = 0 is a kink, in words; None where f is differentiable at 0."""
        if 0.0 not in self.kinks or self.deriv_at_zero is None:
            return None
        if self.smoothness == "discontinuous":
            return f"not defined (f jumps there); actlab returns {self.deriv_at_zero:g}"
        if self.subgradient_at_zero is None:
            return (f"not defined, and no subgradient exists there (the slope falls across the kink); "
                    f"actlab and PyTorch return {self.deriv_at_zero:.6g}")
        lo, hi = self.subgradient_at_zero
        return (f"not defined; any value in [{lo:g}, {hi:g}] is a subgradient; "
                f"actlab and PyTorch return {self.deriv_at_zero:g}")

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(sorted(a for a, target in ALIASES.items() if target == self.name))

    def describe(self) -> dict[str, Any]:
        """A JSON-ready dict of every property (infinities as the strings 'inf' and '-inf')."""
        return {
            "name": self.name,
            "title": self.title,
            "aliases": list(self.aliases),
            "formula": self.formula,
            "deriv_formula": self.deriv_formula,
            "group": self.group,
            "params": dict(self.params),
            "param_specs": {k: p.describe() for k, p in self.param_specs.items()},
            "output_range": [jsonable(v) for v in self.output_range],
            "output_closed": list(self.output_closed),
            "output_interval": self.output_interval,
            "deriv_range": [jsonable(v) for v in self.deriv_range],
            "deriv_closed": list(self.deriv_closed),
            "deriv_interval": self.deriv_interval,
            "deriv_max": jsonable(self.deriv_max),
            "deriv_argmax": self.deriv_argmax,
            "deriv_argmax_text": self.deriv_argmax_text,
            "deriv_max_text": self.deriv_max_text,
            "zero_centred": self.zero_centred,
            "monotonic": self.monotonic,
            "smoothness": self.smoothness,
            "smooth": self.is_smooth,
            "bounded_above": self.bounded_above,
            "bounded_below": self.bounded_below,
            "self_gated": self.self_gated,
            "gated": self.is_gated,
            "year": self.year,
            "paper": self.paper,
            "used_in": list(self.used_in),
            "torch_name": self.torch_name,
            "torch_recipe": self.torch_recipe.describe() if self.torch_recipe else None,
            "hf_names": list(self.hf_names),
            "strength": self.strength,
            "weakness": self.weakness,
            "deriv_at_zero": self.deriv_at_zero,
            "subgradient_at_zero": list(self.subgradient_at_zero) if self.subgradient_at_zero else None,
            "deriv_at_zero_text": self.deriv_at_zero_text,
            "kinks": list(self.kinks),
            "output_min_at": self.output_min_at,
            "saturates_at": list(self.saturates_at),
            "saturation": self.saturation_text,
            "note": self.note,
        }

    def __str__(self) -> str:
        params = f" {dict(self.params)}" if self.params else ""
        return (f"{self.name}{params}: {self.title}; output {self.output_interval}, f′ in {self.deriv_interval}, "
                f"max f′ {self.deriv_max_text}")

    def _repr_html_(self) -> str:
        """Every property of describe() as a table, for a notebook (text escaped; see actlab/_html.py)."""
        from .._html import key_value_table

        return key_value_table(self.describe().items(), caption=f"{self.name}: {self.title}")


def _check_gated_shape(name: str, arr: np.ndarray) -> None:
    if arr.ndim == 0 or arr.shape[-1] == 0 or arr.shape[-1] % 2:
        raise ValueError(
            f"{name} is a gated unit: its input's last axis must have an even, non-zero size 2d "
            f"(value half, gate half); got shape {arr.shape}"
        )


# --- the records ---------------------------------------------------------------------------

def _leaky_props(p: Mapping[str, Any]) -> dict[str, Any]:
    s = p["negative_slope"]  # in [0, 1]
    if s == 1.0:  # the identity: no kink left
        return {"output_range": (-INF, INF), "output_closed": (False, False), "deriv_range": (1.0, 1.0),
                "deriv_closed": (True, True), "deriv_max": 1.0, "deriv_argmax_text": "everywhere",
                "monotonic": True, "zero_centred": True, "smoothness": "C-inf", "kinks": (),
                "subgradient_at_zero": None, "deriv_at_zero": 1.0}
    return {
        "output_range": (0.0 if s == 0 else -INF, INF),
        "output_closed": (s == 0, False),  # slope 0 is ReLU: 0 is reached
        "deriv_range": (s, 1.0),
        "deriv_closed": (True, True),
        "monotonic": True,
        "subgradient_at_zero": (s, 1.0),
        "deriv_at_zero": s,
    }


# silu(x) = x sigma(x) has its minimum m = -0.27846... at x* = -1.27846... (x* solves 1 + x + e^x = 0, and
# m = x* + 1); silu' lies in [-0.09984, 1.09984], its ends at x = -+2.39936.
_SILU_MIN, _SILU_MIN_AT, _SILU_DMAX_AT = -0.27846454276107380, -1.2784645427610738, 2.3993572805154676


def _silu_weakness(minimum: float) -> str:
    return f"Needs an exponential per value; it dips below 0 (minimum {minimum:.3g}), so it is not monotonic."


def _silu_props(p: Mapping[str, Any]) -> dict[str, Any]:
    b = p["beta"]
    # silu_beta(x) = silu(b x) / b: the minimum and its place scale by 1/b; silu_beta'(x) = silu'(b x), so the
    # derivative keeps its range and its extremes move to x / b
    return {
        "output_range": (_SILU_MIN / b, INF),
        "output_min_at": _SILU_MIN_AT / b,
        "deriv_argmax": _SILU_DMAX_AT / b,
        "deriv_argmax_text": f"x = {_SILU_DMAX_AT / b:.6g}",
        "weakness": _silu_weakness(_SILU_MIN / b),
    }


def _elu_props(p: Mapping[str, Any]) -> dict[str, Any]:
    a = p["alpha"]
    # f' is 1 for x > 0 and alpha e^x in (0, alpha) for x < 0: the top end 1 is reached, while alpha > 1 is only
    # approached from the left of the kink
    props: dict[str, Any] = {
        "output_range": (-a, INF),
        "saturates_at": (-a,),
        "deriv_range": (0.0, max(1.0, a)),
        "deriv_closed": (False, a <= 1.0),
        "deriv_max": max(1.0, a),
        "deriv_at_zero": a,
        "smoothness": "C1" if a == 1.0 else "C0",
        "kinks": () if a == 1.0 else (0.0,),
        # a convex kink (alpha < 1) has the subgradients [alpha, 1]; a concave one (alpha > 1) has none
        "subgradient_at_zero": (a, 1.0) if a < 1.0 else None,
    }
    if a > 1.0:
        props.update(deriv_argmax=None, deriv_argmax_text="as x → 0 from the left (a supremum, not reached)")
    elif a < 1.0:
        props.update(deriv_argmax=None, deriv_argmax_text="x > 0")
    return props


def _celu_props(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"output_range": (-p["alpha"], INF), "saturates_at": (-p["alpha"],)}


def _softplus_props(p: Mapping[str, Any]) -> dict[str, Any]:
    t = p["threshold"]
    if t is None:
        return {}
    # PyTorch's shortcut returns x where beta x > t: log1p(e^t) / beta > t / beta, so f jumps down there (by
    # about e^-t / beta) and f' jumps up to exactly 1
    at = t / p["beta"]
    return {"smoothness": "discontinuous", "kinks": (at,), "deriv_closed": (False, True),
            "deriv_argmax_text": f"x > {at:.6g} (the threshold)",
            "strength": f"Positive, with derivative sigmoid(beta x) up to x = {at:.6g}; the shortcut saves a log and "
                        "an exp beyond it.",
            "weakness": f"Not continuous: at x = {at:.6g} it steps down by log1p(e^-threshold) / beta "
                        f"({math.log1p(math.exp(-t)) / p['beta']:.3g}) and its derivative jumps to 1."}


def _hardtanh_check(p: Mapping[str, Any]) -> None:
    if not p["min_val"] < p["max_val"]:
        raise ValueError(f"hardtanh: min_val ({p['min_val']}) must be below max_val ({p['max_val']})")


def _hardtanh_props(p: Mapping[str, Any]) -> dict[str, Any]:
    lo, hi = p["min_val"], p["max_val"]
    props: dict[str, Any] = {"output_range": (lo, hi), "saturates_at": (lo, hi), "zero_centred": lo == -hi, "kinks": (lo, hi),
                             "deriv_argmax_text": f"{lo:g} < x < {hi:g}", "deriv_at_zero": float(lo < 0 < hi)}
    if lo == 0:  # slope 0 then 1: a convex kink at 0
        props["subgradient_at_zero"] = (0.0, 1.0)
    return props


_ALPHA = Param(1.0, 0.0, 100.0, doc="negative saturation value", slider=Slider(0.1, 3.0, 0.1))  # ELU's and CELU's


_RECORDS: tuple[Activation, ...] = (
    Activation(
        name="sigmoid", group=LESSON_SIX, fn=F.sigmoid, deriv=F.sigmoid_deriv, title="Sigmoid (logistic)",
        saturates_at=(0.0, 1.0),
        formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        deriv_formula=r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
        output_range=(0.0, 1.0), deriv_range=(0.0, 0.25), deriv_max=0.25, deriv_argmax=0.0,
        output_closed=(False, False), deriv_closed=(False, True),
        deriv_argmax_text="x = 0", zero_centred=False, monotonic=True, smoothness="C-inf",
        self_gated=False, year=1986, paper="Rumelhart, Hinton & Williams, 1986 (backpropagation with logistic units)",
        used_in=("LSTM and GRU gates", "binary classifier outputs", "attention-free gating"),
        torch_recipe=TorchRecipe("Sigmoid"), hf_names=("sigmoid",), deriv_from_output=F.sigmoid_deriv_from_output,
        strength="Output in (0, 1) with a smooth gradient: the natural gate (LSTM) and probability.",
        weakness="Vanishing gradient: the derivative is at most 0.25, so deep stacks shrink the signal.",
    ),
    Activation(
        name="tanh", group=LESSON_SIX, fn=F.tanh, deriv=F.tanh_deriv, title="Hyperbolic tangent",
        saturates_at=(-1.0, 1.0),
        formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        deriv_formula=r"\tanh'(x) = 1 - \tanh^2(x)",
        output_range=(-1.0, 1.0), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=0.0,
        output_closed=(False, False), deriv_closed=(False, True),
        deriv_argmax_text="x = 0", zero_centred=True, monotonic=True, smoothness="C-inf",
        self_gated=False, year=1998,
        paper="LeCun, Bottou, Orr & Müller, 1998 (Efficient BackProp), which recommended tanh over the logistic; "
              "tanh units are older",
        used_in=("LSTM cell output", "classic RNNs", "TensorFlow Playground's default"),
        torch_recipe=TorchRecipe("Tanh"), hf_names=("tanh",), deriv_from_output=F.tanh_deriv_from_output,
        strength="Zero-centred output in (-1, 1); steeper than sigmoid (slope 1 at 0).",
        weakness="Still saturates: for |x| > 3 the derivative is below 0.01, so gradients vanish.",
    ),
    Activation(
        name="relu", group=LESSON_SIX, fn=F.relu, deriv=F.relu_deriv, title="Rectified linear unit",
        formula=r"\mathrm{ReLU}(x) = \max(0, x)",
        deriv_formula=r"\mathrm{ReLU}'(x) = \begin{cases}1 & x > 0\\ 0 & x < 0\end{cases}",
        output_range=(0.0, INF), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        output_closed=(True, False), deriv_closed=(True, True), kinks=(0.0,),
        deriv_argmax_text="x > 0", zero_centred=False, monotonic=True, smoothness="C0",
        self_gated=False, year=2010, paper="Nair & Hinton, 2010 (rectified linear units)",
        used_in=("AlexNet, ResNet and most CNNs", "the original Transformer", "T5", "OPT"),
        torch_recipe=TorchRecipe("ReLU"), hf_names=("relu",), deriv_from_output=lambda a: (a > 0).astype(a.dtype),
        strength="Cheap, and its gradient is exactly 1 for x > 0: positive paths do not shrink.",
        weakness="Dying ReLU: a unit whose input stays negative outputs 0 and receives no gradient.",
        deriv_at_zero=0.0, subgradient_at_zero=(0.0, 1.0),
        note="ReLU'(0) is not defined; any value in [0, 1] is a subgradient. PyTorch and TensorFlow use 0.",
    ),
    Activation(
        name="leaky_relu", group=LESSON_SIX, fn=F.leaky_relu, deriv=F.leaky_relu_deriv, title="Leaky ReLU",
        formula=r"\mathrm{LeakyReLU}(x) = \begin{cases}x & x > 0\\ \alpha x & x \le 0\end{cases}",
        deriv_formula=r"\mathrm{LeakyReLU}'(x) = \begin{cases}1 & x > 0\\ \alpha & x < 0\end{cases}",
        output_range=(-INF, INF), deriv_range=(0.01, 1.0), deriv_max=1.0, deriv_argmax=None,
        output_closed=(False, False), deriv_closed=(True, True), kinks=(0.0,),
        deriv_argmax_text="x > 0", zero_centred=False, monotonic=True, smoothness="C0",
        self_gated=False, year=2013, paper="Maas, Hannun & Ng, 2013 (rectifier nonlinearities)",
        used_in=("GAN discriminators (DCGAN)", "YOLO detectors"),
        torch_recipe=TorchRecipe("LeakyReLU", kwargs=(("negative_slope", "negative_slope"),)), hf_names=("leaky_relu",),
        strength="A small negative slope keeps a gradient for x < 0: no dying neurons.",
        weakness="One more hyperparameter (alpha), and still a kink at 0.",
        param_specs={"negative_slope": Param(0.01, 0.0, 1.0, low_closed=True, high_closed=True,
                                             doc="the lesson's alpha: slope for x <= 0",
                                             slider=Slider(0.0, 0.5, 0.01))},
        deriv_at_zero=0.01, subgradient_at_zero=(0.01, 1.0), param_props=_leaky_props,
    ),
    Activation(
        name="gelu", group=LESSON_SIX, fn=F.gelu, deriv=F.gelu_deriv, title="Gaussian error linear unit (exact)",
        formula=r"\mathrm{GELU}(x) = x\,\Phi(x) = \tfrac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right)",
        deriv_formula=r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)",
        output_range=(-0.16997120748, INF), deriv_range=(-0.128904145185, 1.128904145185),
        deriv_max=1.128904145185, deriv_argmax=math.sqrt(2), deriv_argmax_text="x = √2",
        output_closed=(True, False), deriv_closed=(True, True),
        zero_centred=False, monotonic=False, smoothness="C-inf", self_gated=True, year=2016,
        paper="Hendrycks & Gimpel, 2016 (Gaussian Error Linear Units)",
        used_in=("BERT", "RoBERTa", "ViT", "Pythia", "Falcon"),
        torch_recipe=TorchRecipe("GELU", fixed=(("approximate", "none"),)), hf_names=("gelu", "gelu_python"),
        strength="Smooth everywhere with a probabilistic reading (x kept with probability Phi(x)); performs well in transformers.",
        weakness="Needs the error function erf for every value, where ReLU needs one comparison; a small "
                 "non-monotonic dip below 0.",
        output_min_at=-0.751791524694,
        note="PyTorch: nn.GELU() or approximate='none'.",
    ),
    Activation(
        name="silu", group=LESSON_SIX, fn=F.silu, deriv=F.silu_deriv, title="SiLU / Swish",
        formula=r"\mathrm{SiLU}(x) = x\,\sigma(\beta x) = \frac{x}{1 + e^{-\beta x}}",
        deriv_formula=r"\mathrm{SiLU}'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)(1 - \sigma(\beta x))",
        output_range=(_SILU_MIN, INF), deriv_range=(-0.0998393201289, 1.0998393201289),
        deriv_max=1.0998393201289, deriv_argmax=2.3993572805154676, deriv_argmax_text="x = 2.39936",
        output_closed=(True, False), deriv_closed=(True, True),
        zero_centred=False, monotonic=False, smoothness="C-inf", self_gated=True, year=2016,
        paper="Hendrycks & Gimpel, 2016 (introduced as the SiLU in the GELU paper); used in reinforcement learning by "
              "Elfwing, Uchibe & Doya, 2017; named Swish by Ramachandran, Zoph & Le, 2017, whose automated search "
              "found it",
        used_in=("Llama (SwiGLU)", "Mistral (SwiGLU)", "Qwen (SwiGLU)", "PaLM (SwiGLU)", "EfficientNet"),
        torch_recipe=TorchRecipe("SiLU", only_if=(("beta", 1.0),), expression="x * torch.sigmoid(beta * x)"), hf_names=("silu", "swish"),
        strength="Self-gated, smooth and non-monotonic; found by automated search and works well.",
        weakness=_silu_weakness(_SILU_MIN),
        param_specs={"beta": Param(1.0, 0.0, 1e6, doc="gate sharpness; 1 is SiLU, 1.702 quick GELU",
                                   slider=Slider(0.1, 5.0, 0.1))},
        output_min_at=_SILU_MIN_AT, param_props=_silu_props,
    ),
    Activation(
        name="gelu_tanh", group=MORE, fn=F.gelu_tanh, deriv=F.gelu_tanh_deriv, title="GELU, tanh approximation",
        formula=r"\tfrac{x}{2}\left(1 + \tanh\left[\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right]\right)",
        deriv_formula=r"\tfrac12(1+\tanh u) + \tfrac{x}{2}\,\mathrm{sech}^2(u)\,\sqrt{2/\pi}\,(1 + 0.134145\,x^2)",
        output_range=(-0.170040750571, INF), deriv_range=(-0.128993068659, 1.128993068659),
        deriv_max=1.128993068659, deriv_argmax=1.41850400879, deriv_argmax_text="x = 1.4185",
        output_closed=(True, False), deriv_closed=(True, True),
        zero_centred=False, monotonic=False, smoothness="C-inf", self_gated=True, year=2016,
        paper="Hendrycks & Gimpel, 2016 (the tanh approximation, in the GELU paper)",
        used_in=("GPT-2", "GPT-3", "GPT-J", "GPT-NeoX-20B", "Phi", "T5 v1.1 and Flan-T5 (gated)", "Gemma (gated)"),
        torch_recipe=TorchRecipe("GELU", fixed=(("approximate", "tanh"),)),
        hf_names=("gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_accurate"),
        strength="No erf: one tanh and a cubic per value; differentiable everywhere; within 4.7e-4 of exact GELU.",
        weakness="An approximation: frameworks differ in which GELU they mean, so names matter.",
        output_min_at=-0.752461422071,
        note="Max |gelu - gelu_tanh| is about 4.7e-4, near x = +-2.70.",
    ),
    Activation(
        name="quick_gelu", group=MORE, fn=F.quick_gelu, deriv=F.quick_gelu_deriv, title="Quick GELU (sigmoid approximation)",
        formula=r"x\,\sigma(1.702\,x)",
        deriv_formula=r"\sigma(1.702x) + 1.702\,x\,\sigma(1.702x)(1-\sigma(1.702x))",
        output_range=(-0.163610189636, INF), deriv_range=(-0.0998393201289, 1.0998393201289),
        deriv_max=1.0998393201289, deriv_argmax=1.40972813191, deriv_argmax_text="x = 1.40973",
        output_closed=(True, False), deriv_closed=(True, True),
        zero_centred=False, monotonic=False, smoothness="C-inf", self_gated=True, year=2016,
        paper="Hendrycks & Gimpel, 2016 (the sigmoid approximation, in the GELU paper); used by Radford et al., 2021 (CLIP)",
        used_in=("CLIP",), hf_names=("quick_gelu",), torch_recipe=TorchRecipe(expression="x * torch.sigmoid(1.702 * x)"),
        strength="One sigmoid per value (SiLU with beta = 1.702): no erf and no cubic.",
        weakness="Least accurate GELU approximation (max error about 0.02).",
        output_min_at=-0.751154255441,
    ),
    Activation(
        name="elu", group=MORE, fn=F.elu, deriv=F.elu_deriv, title="Exponential linear unit",
        saturates_at=(-1.0,),
        formula=r"\mathrm{ELU}(x) = \begin{cases}x & x > 0\\ \alpha(e^{x} - 1) & x \le 0\end{cases}",
        deriv_formula=r"\mathrm{ELU}'(x) = \begin{cases}1 & x > 0\\ \alpha e^{x} & x \le 0\end{cases}",
        output_range=(-1.0, INF), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        output_closed=(False, False), deriv_closed=(False, True),
        deriv_argmax_text="x >= 0", zero_centred=False, monotonic=True, smoothness="C1",
        self_gated=False, year=2015, paper="Clevert, Unterthiner & Hochreiter, 2015 (exponential linear units)",
        used_in=("CNNs of 2016-2018",), torch_recipe=TorchRecipe("ELU", kwargs=(("alpha", "alpha"),)), hf_names=(),
        strength="Negative outputs push mean activations toward 0; smooth at 0 when alpha = 1.",
        weakness="An exponential for x < 0; saturates to -alpha, where its gradient vanishes.",
        param_specs={"alpha": _ALPHA},
        deriv_at_zero=1.0, param_props=_elu_props,
    ),
    Activation(
        name="selu", group=MORE, fn=F.selu, deriv=F.selu_deriv, title="Scaled ELU (self-normalising)",
        saturates_at=(-F.SELU_SCALE * F.SELU_ALPHA,),
        formula=r"\lambda \begin{cases}x & x > 0\\ \alpha(e^{x} - 1) & x \le 0\end{cases},\ \lambda \approx 1.0507,\ \alpha \approx 1.6733",
        deriv_formula=r"\lambda \begin{cases}1 & x > 0\\ \alpha e^{x} & x \le 0\end{cases}",
        output_range=(-F.SELU_SCALE * F.SELU_ALPHA, INF), deriv_range=(0.0, F.SELU_SCALE * F.SELU_ALPHA),
        deriv_max=F.SELU_SCALE * F.SELU_ALPHA, deriv_argmax=None,
        deriv_argmax_text="as x → 0 from the left (a supremum, not reached)",
        output_closed=(False, False), deriv_closed=(False, False), kinks=(0.0,),
        zero_centred=False, monotonic=True, smoothness="C0", self_gated=False, year=2017,
        paper="Klambauer, Unterthiner, Mayr & Hochreiter, 2017 (Self-Normalizing Neural Networks)",
        used_in=("self-normalising MLPs",), torch_recipe=TorchRecipe("SELU"), hf_names=(),
        strength="Keeps activations near zero mean and unit variance through depth with LeCun init.",
        weakness="The self-normalising property needs LeCun-normal init and no batch norm.",
        deriv_at_zero=F.SELU_SCALE * F.SELU_ALPHA, subgradient_at_zero=None,  # a concave kink: no subgradient
    ),
    Activation(
        name="celu", group=MORE, fn=F.celu, deriv=F.celu_deriv, title="Continuously differentiable ELU",
        saturates_at=(-1.0,),
        formula=r"\max(0, x) + \min\left(0, \alpha(e^{x/\alpha} - 1)\right)",
        deriv_formula=r"\begin{cases}1 & x > 0\\ e^{x/\alpha} & x \le 0\end{cases}",
        output_range=(-1.0, INF), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        output_closed=(False, False), deriv_closed=(False, True),
        deriv_argmax_text="x >= 0", zero_centred=False, monotonic=True, smoothness="C1",
        self_gated=False, year=2017, paper="Barron, 2017 (Continuously Differentiable Exponential Linear Units)",
        used_in=("research models",), torch_recipe=TorchRecipe("CELU", kwargs=(("alpha", "alpha"),)), hf_names=(),
        strength="C1 for every alpha (ELU is only C1 for alpha = 1).",
        weakness="Rarely used; an exponential for x < 0.",
        param_specs={"alpha": _ALPHA},
        deriv_at_zero=1.0, param_props=_celu_props,
    ),
    Activation(
        name="softplus", group=MORE, fn=F.softplus, deriv=F.softplus_deriv, title="Softplus",
        formula=r"\mathrm{softplus}(x) = \tfrac{1}{\beta}\log\left(1 + e^{\beta x}\right)",
        deriv_formula=r"\mathrm{softplus}'(x) = \sigma(\beta x)",
        output_range=(0.0, INF), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        deriv_argmax_text="as x → ∞ (a supremum, not reached)",
        output_closed=(False, False), deriv_closed=(False, False),
        zero_centred=False, monotonic=True, smoothness="C-inf",
        self_gated=False, year=2001, paper="Dugas, Bengio, Bélisle, Nadeau & Garcia, 2001 (softplus)",
        used_in=("variance and scale heads", "Mish's inner function"), torch_recipe=TorchRecipe("Softplus", kwargs=(("beta", "beta"), ("threshold", "threshold")),
                                 none_as=(("threshold", INF),)), hf_names=(),
        strength="A smooth ReLU: positive, with derivative sigmoid(beta x) everywhere.",
        weakness="Never exactly 0, and needs a log and an exp per value.",
        param_specs={"beta": Param(1.0, 0.0, 1e6, doc="sharpness", slider=Slider(0.1, 5.0, 0.1)),
                     "threshold": Param(None, 0.0, INF, optional=True,
                                        doc="PyTorch's shortcut (20): x where beta x > threshold, which makes f "
                                            "jump there; None is exact")},
        param_props=_softplus_props,
    ),
    Activation(
        name="mish", group=MORE, fn=F.mish, deriv=F.mish_deriv, title="Mish",
        formula=r"\mathrm{Mish}(x) = x\,\tanh(\mathrm{softplus}(x))",
        deriv_formula=r"\tanh(\mathrm{sp}(x)) + x\,\mathrm{sech}^2(\mathrm{sp}(x))\,\sigma(x)",
        output_range=(-0.308843413017, INF), deriv_range=(-0.112526122389, 1.08849816125),
        deriv_max=1.08849816125, deriv_argmax=1.49057117949, deriv_argmax_text="x = 1.49057",
        output_closed=(True, False), deriv_closed=(True, True),
        zero_centred=False, monotonic=False, smoothness="C-inf", self_gated=True, year=2019,
        paper="Misra, 2019 (Mish)", used_in=("YOLOv4",), torch_recipe=TorchRecipe("Mish"), hf_names=("mish",),
        strength="Smooth, self-gated and non-monotonic like Swish, with a slightly deeper dip.",
        weakness="Three transcendental functions per value (an exp, a log and a tanh).",
        output_min_at=-1.19243121452,
    ),
    Activation(
        name="softsign", group=MORE, fn=F.softsign, deriv=F.softsign_deriv, title="Softsign",
        saturates_at=(-1.0, 1.0),
        formula=r"\frac{x}{1 + |x|}", deriv_formula=r"\frac{1}{(1 + |x|)^2}",
        output_range=(-1.0, 1.0), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=0.0,
        output_closed=(False, False), deriv_closed=(False, True),
        deriv_argmax_text="x = 0", zero_centred=True, monotonic=True, smoothness="C1",
        self_gated=False, year=2009, paper="Bergstra et al., 2009 (quadratic polynomials learn better image features); "
                                         "studied by Glorot & Bengio, 2010",
        used_in=("Glorot & Bengio's saturation study",), torch_recipe=TorchRecipe("Softsign"), hf_names=(),
        strength="Like tanh but saturates polynomially, not exponentially.",
        weakness="Still bounded, so gradients still shrink for large |x|.",
    ),
    Activation(
        name="hardsigmoid", group=MORE, fn=F.hardsigmoid, deriv=F.hardsigmoid_deriv, title="Hard sigmoid",
        saturates_at=(0.0, 1.0),
        formula=r"\frac{\mathrm{ReLU6}(x + 3)}{6}", deriv_formula=r"\tfrac16 \text{ for } -3 < x < 3, \text{ else } 0",
        output_range=(0.0, 1.0), deriv_range=(0.0, 1 / 6), deriv_max=1 / 6, deriv_argmax=None,
        output_closed=(True, True), deriv_closed=(True, True), kinks=(-3.0, 3.0),
        deriv_argmax_text="-3 < x < 3", zero_centred=False, monotonic=True, smoothness="C0",
        self_gated=False, year=2019, paper="Howard et al., 2019 (MobileNetV3); an earlier form in Courbariaux et al., 2015",
        used_in=("MobileNetV3 squeeze-excite",), torch_recipe=TorchRecipe("Hardsigmoid"), hf_names=(),
        strength="Piecewise linear: no exponential, cheap on phones.",
        weakness="Exactly flat outside [-3, 3]: zero gradient there.",
        deriv_at_zero=1 / 6,
    ),
    Activation(
        name="hardswish", group=MORE, fn=F.hardswish, deriv=F.hardswish_deriv, title="Hard swish",
        formula=r"x\,\frac{\mathrm{ReLU6}(x + 3)}{6}",
        deriv_formula=r"0 \;(x \le -3),\ \tfrac{2x + 3}{6} \;(-3 < x < 3),\ 1 \;(x \ge 3)",
        output_range=(-0.375, INF), deriv_range=(-0.5, 1.5), deriv_max=1.5, deriv_argmax=None,
        deriv_argmax_text="as x → 3 from the left (a supremum, not reached)", zero_centred=False, monotonic=False,
        output_closed=(True, False), deriv_closed=(False, False), kinks=(-3.0, 3.0),
        smoothness="C0", self_gated=True, year=2019, paper="Howard et al., 2019 (MobileNetV3)",
        used_in=("MobileNetV3",), torch_recipe=TorchRecipe("Hardswish"), hf_names=(),
        strength="Swish's shape without an exponential.",
        weakness="Kinks at -3 and 3, where the derivative jumps.",
        deriv_at_zero=0.5, output_min_at=-1.5,
    ),
    Activation(
        name="hardtanh", group=MORE, fn=F.hardtanh, deriv=F.hardtanh_deriv, title="Hard tanh",
        saturates_at=(-1.0, 1.0),
        formula=r"\mathrm{clip}(x, \text{min\_val}, \text{max\_val})",
        deriv_formula=r"1 \text{ inside } (\text{min\_val}, \text{max\_val}), \text{ else } 0",
        output_range=(-1.0, 1.0), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        deriv_argmax_text="-1 < x < 1", zero_centred=True, monotonic=True, smoothness="C0",
        output_closed=(True, True), deriv_closed=(True, True), kinks=(-1.0, 1.0),
        self_gated=False, year=2004, paper="Collobert, 2004 (PhD thesis, large scale machine learning)",
        used_in=("binarised and quantised networks",), torch_recipe=TorchRecipe("Hardtanh", kwargs=(("min_val", "min_val"), ("max_val", "max_val"))), hf_names=(),
        strength="Cheap, zero-centred and bounded.",
        weakness="Zero gradient outside the clip range: a hard saturation.",
        param_specs={"min_val": Param(-1.0, -1e6, 1e6, doc="lower clip", slider=Slider(-3.0, 0.0, 0.1)),
                     "max_val": Param(1.0, -1e6, 1e6, doc="upper clip", slider=Slider(0.1, 3.0, 0.1))},
        deriv_at_zero=1.0, param_props=_hardtanh_props, check_params=_hardtanh_check,
    ),
    Activation(
        name="relu6", group=MORE, fn=F.relu6, deriv=F.relu6_deriv, title="ReLU6",
        saturates_at=(0.0, 6.0),
        formula=r"\min(\max(0, x), 6)", deriv_formula=r"1 \text{ for } 0 < x < 6, \text{ else } 0",
        output_range=(0.0, 6.0), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        deriv_argmax_text="0 < x < 6", zero_centred=False, monotonic=True, smoothness="C0",
        output_closed=(True, True), deriv_closed=(True, True), kinks=(0.0, 6.0),
        self_gated=False, year=2010, paper="Krizhevsky, 2010 (convolutional deep belief networks on CIFAR-10)",
        used_in=("MobileNetV2",), torch_recipe=TorchRecipe("ReLU6"), hf_names=("relu6",),
        strength="Bounded output suits low-precision arithmetic.",
        weakness="Dead below 0 and flat above 6.",
        deriv_at_zero=0.0, subgradient_at_zero=(0.0, 1.0),
    ),
    Activation(
        name="relu_squared", group=MORE, fn=F.relu_squared, deriv=F.relu_squared_deriv, title="Squared ReLU",
        formula=r"\max(0, x)^2", deriv_formula=r"2\max(0, x)",
        output_range=(0.0, INF), deriv_range=(0.0, INF), deriv_max=INF, deriv_argmax=None,
        deriv_argmax_text="as x → ∞", zero_centred=False, monotonic=True, smoothness="C1",
        output_closed=(True, False), deriv_closed=(True, False),
        self_gated=False, year=2021, paper="So et al., 2021 (Primer)",
        used_in=("Primer", "Nemotron-4"), hf_names=("relu2",), torch_recipe=TorchRecipe(expression="torch.relu(x) ** 2"),
        strength="Found by Primer's architecture search: transformers reached a given quality with less training compute than with GELU.",
        weakness="Unbounded derivative; still dead for x < 0.",
        deriv_at_zero=0.0,
    ),
    Activation(
        name="identity", group=MORE, fn=F.identity, deriv=F.identity_deriv, title="Identity (no activation)",
        formula=r"x", deriv_formula=r"1",
        output_range=(-INF, INF), deriv_range=(1.0, 1.0), deriv_max=1.0, deriv_argmax=None,
        deriv_argmax_text="everywhere", zero_centred=True, monotonic=True, smoothness="C-inf",
        output_closed=(False, False), deriv_closed=(True, True),
        self_gated=False, year=1960, paper="Widrow & Hoff, 1960 (ADALINE, a linear unit)",
        used_in=("regression outputs", "the linear-collapse demonstration"),
        torch_recipe=TorchRecipe("Identity"), hf_names=("linear",),
        strength="Keeps gradients exactly; right for a regression output.",
        weakness="Between hidden layers it adds nothing: a deep linear net is one affine map.",
    ),
)

_GATED = (
    ("glu", F.glu, F.glu_deriv, r"\sigma(b)", "GLU", 2017, "Dauphin, Fan, Auli & Grangier, 2017 (gated convolutional networks)",
     ("gated convolutional language models",), TorchRecipe("GLU", fixed=(("dim", -1),)), ()),
    ("reglu", F.reglu, F.reglu_deriv, r"\max(0, b)", "ReGLU", 2020, "Shazeer, 2020 (GLU Variants Improve Transformer)",
     ("Shazeer 2020 ablations",), TorchRecipe(expression="a * torch.relu(b)"), ()),
    ("geglu", F.geglu, F.geglu_deriv, r"\mathrm{GELU}(b)", "GEGLU", 2020, "Shazeer, 2020 (GLU Variants Improve Transformer)",
     ("Shazeer 2020 ablations",), TorchRecipe(expression="a * torch.nn.functional.gelu(b)"), ()),
    ("swiglu", F.swiglu, F.swiglu_deriv, r"\mathrm{SiLU}(b)", "SwiGLU", 2020,
     "Shazeer, 2020 (GLU Variants Improve Transformer)",
     ("Llama", "Mistral", "Qwen", "PaLM"), TorchRecipe(expression="a * torch.nn.functional.silu(b)"), ()),
    ("bilinear", F.bilinear, F.bilinear_deriv, r"b", "Bilinear GLU", 2020,
     "Shazeer, 2020 (GLU Variants Improve Transformer); Dauphin et al., 2017", ("Shazeer 2020 ablations",), TorchRecipe(expression="a * b"), ()),
)

_GATED_RECORDS = tuple(
    Activation(
        name=name, fn=fn, deriv=deriv, title=f"{title} (gated linear unit)",
        formula=rf"{title}(x) = a \odot {gate},\ [a, b] = x", deriv_formula=r"\partial/\partial a = g(b),\ \partial/\partial b = a\,g'(b)",
        output_range=(-INF, INF), deriv_range=(-INF, INF), deriv_max=INF, deriv_argmax=None,
        deriv_argmax_text="as the value half a grows", zero_centred=False, monotonic=False,
        smoothness="C0" if name == "reglu" else "C-inf", self_gated=False, year=year, paper=paper,
        used_in=used, torch_recipe=recipe, hf_names=hf,
        strength="A learned multiplicative gate; the gated variants gave the best results in Shazeer 2020.",
        weakness="Needs a projection twice as wide (value and gate halves): 50% more feed-forward weights per unit.",
        is_gated=True, group=GATED,
    )
    for name, fn, deriv, gate, title, year, paper, used, recipe, hf in _GATED
)

# The tables every lookup reads. The built-in records and aliases are written here; extension.register() and
# the installed plugins (entry-point group "actlab.activations", loaded before the first read) add to them.
_TABLE: dict[str, Activation] = {a.name: a for a in _RECORDS + _GATED_RECORDS}
BUILT_IN: frozenset[str] = frozenset(_TABLE)

# Framework and config spellings -> registry key.
_ALIAS_TABLE: dict[str, str] = (
    {
        "logistic": "sigmoid",
        "swish": "silu",
        "linear": "identity",
        "none": "identity",
        "gelu_new": "gelu_tanh",
        "gelu_pytorch_tanh": "gelu_tanh",
        "gelu_fast": "gelu_tanh",
        "gelu_accurate": "gelu_tanh",
        "gelu_python": "gelu",
        "relu2": "relu_squared",
        "squared_relu": "relu_squared",
        "hard_sigmoid": "hardsigmoid",
        "hard_swish": "hardswish",
        "hard_tanh": "hardtanh",
        "leakyrelu": "leaky_relu",
        "gelu_exact": "gelu",
        # PyTorch class names, lower-cased
        **{a.torch_recipe.module.lower(): a.name for a in _RECORDS + _GATED_RECORDS
           if a.torch_recipe and a.torch_recipe.module and not a.torch_recipe.fixed
           and a.torch_recipe.module.lower() != a.name},
    }
)
# extension.py installs its plugin loader here when the package is imported (the registry does not import it)
_plugins: dict[str, Any] = {"started": False, "done": False, "loader": None}
_plugins_lock = threading.RLock()  # another thread waits for the whole load; the loading thread may look things up


def _load_plugins_once() -> None:
    if _plugins["done"] or _plugins["loader"] is None:
        return
    with _plugins_lock:
        if not _plugins["started"]:
            _plugins["started"] = True  # first: a plugin that looks the registry up while it loads finds it started
            try:
                _plugins["loader"]()
            finally:
                _plugins["done"] = True


class _LiveTable(Mapping):
    """A read-only view of one of the tables above that loads the installed plugins before its first read."""

    def __init__(self, table: dict) -> None:
        self._table = table

    def __getitem__(self, key: str):
        _load_plugins_once()
        return self._table[key]

    def __iter__(self):
        _load_plugins_once()
        return iter(list(self._table))  # a copy: register() during iteration does not break it

    def __len__(self) -> int:
        _load_plugins_once()
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        _load_plugins_once()
        return key in self._table

    def __repr__(self) -> str:
        return f"<actlab table of {len(self)} entries>"


REGISTRY: Mapping[str, Activation] = _LiveTable(_TABLE)
ALIASES: Mapping[str, str] = _LiveTable(_ALIAS_TABLE)


def names() -> list[str]:
    """The canonical registry keys: the built-in ones in lesson order, then the registered and plugins' ones."""
    return list(REGISTRY)


def resolve(name: str) -> str:
    """Return the canonical key for a name or alias (case-insensitive, '-' or ' ' for '_')."""
    if not isinstance(name, str):
        raise ValueError(f"activation name must be a string; got {type(name).__name__}. Valid names: {', '.join(REGISTRY)}")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in REGISTRY:
        return key
    if key in ALIASES:
        return ALIASES[key]
    raise ValueError(
        f"unknown activation {name!r}. Valid names: {', '.join(REGISTRY)}; aliases: {', '.join(sorted(ALIASES))}"
    )


def get(name: str, **params: Any) -> Activation:
    """Return the activation called ``name`` (an alias resolves) with ``params`` bound.

    Raises ValueError for an unknown name or parameter, or a parameter out of its range.
    """
    record = REGISTRY[resolve(name)]
    unknown = sorted(set(params) - set(record.param_specs))
    if unknown:
        allowed = ", ".join(f"{k} in {p.interval()}" for k, p in record.param_specs.items()) or "none"
        raise ValueError(f"{record.name} has no parameter {', '.join(unknown)}; its parameters: {allowed}")
    if not params:
        return record
    bound = dict(record.params)
    for key, value in params.items():
        bound[key] = record.param_specs[key].check(record.name, key, value)
    if record.check_params is not None:
        record.check_params(bound)
    updates: dict[str, Any] = {"params": MappingProxyType(bound)}
    if record.param_props is not None:
        updates.update(record.param_props(bound))
    return replace(record, **updates)
