"""Adding activations: ``register(record)`` in this process, or a plugin that every actlab process loads.

A plugin is an installed distribution with an entry point in the group ``actlab.activations``::

    # pyproject.toml of the plugin
    [project.entry-points."actlab.activations"]
    lecun_tanh = "my_package:LECUN_TANH"

The entry point names an Activation record, an iterable of them, or a callable that returns either (or that
registers its records itself and returns None). actlab loads every plugin once, before the registry is first
read (``names()``, ``get()``, ``REGISTRY``), so ``actlab list``, ``actlab lab`` and the Python API all see the
plugin's activations. A plugin that fails to load is reported with a PluginWarning naming it, and the rest of
the registry keeps working.

``register`` checks a record before anything can use it: a lowercase key that no record or alias has, callable
functions that keep their input's shape, defaults inside their intervals and cross-parameter rules, sliders
inside the intervals, a recipe whose parameters exist and whose expression reads only the names it is given, a
derivative that agrees with central finite differences of the function (see ``DERIV_RTOL``) and an output range
that holds every sampled value. A caller can add its own checks (``validate=``, or ``VALIDATORS`` for every
record): the torch interop layer, for one, can evaluate a recipe where torch is installed, which the core cannot.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import fields
from importlib.metadata import entry_points
from typing import Any

import numpy as np

from . import registry as _registry
from .registry import Activation, Param, TorchRecipe

__all__ = ["DERIV_RTOL", "ENTRY_POINT_GROUP", "VALIDATORS", "PluginWarning", "adopt_registered", "load_plugins",
           "register", "registered_here", "unregister"]

ENTRY_POINT_GROUP = "actlab.activations"
SMOOTHNESS = ("discontinuous", "C0", "C1", "C-inf")
_KEY = re.compile(r"[a-z][a-z0-9_]*")

# the derivative check: central differences with step FD_STEP at points of [-5, 5] at least KINK_GAP from every
# kink; a point fails when |f' - (f(x+h) - f(x-h)) / 2h| > DERIV_RTOL * (1 + |f'|)
FD_STEP, KINK_GAP, DERIV_RTOL = 1e-6, 1e-2, 1e-5
# the range check: every value at these points must lie in output_range, give or take RANGE_RTOL * (1 + |end|)
_RANGE_POINTS = np.concatenate([np.linspace(-30.0, 30.0, 601), [-1e3, -100.0, 100.0, 1e3]])
RANGE_RTOL = 1e-9

# checks every register() call runs after its own: record -> None, or raise ValueError naming the field
VALIDATORS: list[Callable[[Activation], None]] = []

# What this process added by hand, as another process needs it (registered_here): the plugins' names (every process
# loads those itself) and a count of register/unregister calls, so a copy can tell it is out of date.
_state: dict[str, Any] = {"changes": 0, "plugin_names": set()}


class PluginWarning(UserWarning):
    """An installed activation plugin could not be loaded (the message names it and says why)."""


def _key(text: object, what: str) -> str:
    if not isinstance(text, str) or not _KEY.fullmatch(text):
        raise ValueError(f"register: {what} {text!r} is not a registry key; allowed: lowercase letters, digits and _, "
                         "starting with a letter (named after the mathematics, e.g. 'lecun_tanh')")
    return text


def _check_free(key: str, what: str) -> None:
    if key in _registry._TABLE:
        kind = "a built-in activation" if key in _registry.BUILT_IN else "already registered"
        raise ValueError(f"register: {what} {key!r} is {kind}; pick another name (or unregister() yours first)")
    if key in _registry._ALIAS_TABLE:
        raise ValueError(f"register: {what} {key!r} is already an alias of {_registry._ALIAS_TABLE[key]!r}; "
                         "pick another name")


def _check_params(record: Activation) -> None:
    for key, spec in record.param_specs.items():
        if not isinstance(spec, Param):
            raise TypeError(f"register: {record.name}.param_specs[{key!r}] must be an actlab Param; "
                            f"got {type(spec).__name__}")
        if spec.default is None and not spec.optional:
            raise ValueError(f"register: {record.name}: parameter {key} has the default None but is not optional")
        if spec.default is not None:
            spec.check(record.name, key, spec.default)
        if spec.slider is not None:
            s = spec.slider
            if not (s.min < s.max and s.step > 0):
                raise ValueError(f"register: {record.name}: parameter {key}'s slider needs min < max and step > 0; "
                                 f"got min={s.min}, max={s.max}, step={s.step}")
            for end in (s.min, s.max):
                try:
                    spec.check(record.name, key, end)
                except ValueError:
                    raise ValueError(f"register: {record.name}: parameter {key}'s slider end {end} is outside the "
                                     f"allowed {spec.interval()}") from None
    defaults = dict(record.params)
    if record.check_params is not None:
        record.check_params(defaults)
    if record.param_props is not None:
        unknown = set(record.param_props(defaults)) - {f.name for f in fields(Activation)}
        if unknown:
            raise ValueError(f"register: {record.name}: param_props returns {sorted(unknown)}, which are not fields "
                             "of an Activation")


def _check_recipe(record: Activation) -> None:
    recipe = record.torch_recipe
    if recipe is None:
        return
    if not isinstance(recipe, TorchRecipe):
        raise TypeError(f"register: {record.name}.torch_recipe must be a TorchRecipe or None; "
                        f"got {type(recipe).__name__}")
    if recipe.module is None and recipe.expression is None:
        raise ValueError(f"register: {record.name}'s torch_recipe needs a torch.nn module or an expression")
    if recipe.only_if and recipe.expression is None:
        raise ValueError(f"register: {record.name}'s torch_recipe limits its module with only_if, so it needs an "
                         "expression for the other parameter values")
    named = [p for _, p in recipe.kwargs] + [p for p, _ in recipe.none_as] + [p for p, _ in recipe.only_if]
    unknown = sorted(set(named) - set(record.param_specs))
    if unknown:
        raise ValueError(f"register: {record.name}'s torch_recipe names {', '.join(unknown)}, which are not its "
                         f"parameters ({', '.join(record.param_specs) or 'none'})")
    if recipe.expression is not None:
        try:
            tree = ast.parse(recipe.expression, f"<{record.name} torch recipe>", mode="eval")
        except SyntaxError as exc:
            raise ValueError(f"register: {record.name}'s torch_recipe expression is not one Python expression: "
                             f"{exc.msg}") from None
        inputs = ("a", "b") if record.is_gated else ("x",)
        allowed = {*inputs, "torch", *record.param_specs}
        unknown = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - allowed)
        if unknown:
            raise ValueError(f"register: {record.name}'s torch_recipe expression {recipe.expression!r} uses "
                             f"{', '.join(unknown)}; it may use only {', '.join(inputs)}, torch and the record's "
                             f"parameters ({', '.join(record.param_specs) or 'none'})")


def _check_functions(record: Activation) -> None:
    for name in ("fn", "deriv"):
        value = getattr(record, name)
        if not callable(value):
            raise TypeError(f"register: {record.name}.{name} must be callable; got {type(value).__name__}")
    for name in ("param_props", "check_params", "deriv_from_output"):
        value = getattr(record, name)
        if value is not None and not callable(value):
            raise TypeError(f"register: {record.name}.{name} must be callable or None; got {type(value).__name__}")
    x = np.linspace(-3.0, 3.0, 8).reshape(4, 2) if record.is_gated else np.linspace(-3.0, 3.0, 8)
    want = (4, 1) if record.is_gated else x.shape
    for name, call, shape in (("fn", record, want), ("deriv", record.derivative, x.shape)):
        try:
            out = np.asarray(call(x))
        except Exception as exc:  # noqa: BLE001  (any failure of a plugin's function is reported, named)
            raise ValueError(f"register: {record.name}.{name} fails on a float64 array: "
                             f"{type(exc).__name__}: {exc}") from exc
        if out.shape != shape:
            raise ValueError(f"register: {record.name}.{name} must return an array of shape {shape} for input of "
                             f"shape {x.shape}; got {out.shape}")


def _at_defaults(record: Activation) -> Activation:
    """The record as get() returns it at its default parameters (param_props applied)."""
    if record.param_props is None:
        return record
    return dataclasses.replace(record, **record.param_props(dict(record.params)))


def _away_from_kinks(x: np.ndarray, kinks: Iterable[float]) -> np.ndarray:
    keep = np.ones(x.shape, dtype=bool)
    for k in kinks:
        keep &= np.abs(x - k) >= KINK_GAP
    return x[keep]


def _check_derivative(record: Activation) -> None:
    """f' against central differences of f, on a grid of [-5, 5] away from the kinks (gated: both halves)."""
    act = _at_defaults(record)
    h = FD_STEP
    grid = _away_from_kinks(np.linspace(-5.0, 5.0, 201) + 1 / 128, (*record.kinks, *act.kinks))
    with np.errstate(all="ignore"):
        if act.is_gated:  # pairs (a, b): d/da with b fixed, d/db with a fixed
            a, b = (m.ravel() for m in np.meshgrid(np.linspace(-2.0, 2.0, 9), grid))
            pairs = np.stack([a, b], axis=-1)
            deriv = np.asarray(act.derivative(pairs), dtype=float)
            columns = []
            for j in (0, 1):
                step = np.zeros(2)
                step[j] = h
                columns.append((act(pairs + step)[:, 0] - act(pairs - step)[:, 0]) / (2 * h))
            fd, x_text = np.stack(columns, axis=-1), pairs
        else:
            deriv = np.asarray(act.derivative(grid), dtype=float)
            fd, x_text = (act(grid + h) - act(grid - h)) / (2 * h), grid
    bad = ~(np.abs(deriv - fd) <= DERIV_RTOL * (1 + np.abs(deriv)))
    if bad.any():
        i = np.argwhere(bad)[0]
        where = f"(a, b) = ({x_text[i[0], 0]:g}, {x_text[i[0], 1]:g}), d/d{'ab'[i[1]]}" if act.is_gated \
            else f"x = {x_text[i[0]]:g}"
        raise ValueError(f"register: {record.name}.deriv disagrees with central finite differences of fn at "
                         f"{bad.sum()} of {bad.size} points away from its kinks: at {where} deriv gives "
                         f"{deriv[tuple(i)]:.8g}, the differences {fd[tuple(i)]:.8g} (allowed: a difference within "
                         f"{DERIV_RTOL:g} * (1 + |deriv|), step {FD_STEP:g}; declare kinks where f is not "
                         "differentiable)")


def _check_output_range(record: Activation) -> None:
    """Every sampled value of f lies in the stated output_range: the record's own, and param_props' at the
    defaults (get() without parameters shows the first, with the default values written out the second)."""
    _check_range_of(record, record, "output_range")
    if record.param_props is not None:
        _check_range_of(record, _at_defaults(record), "param_props(defaults)['output_range']")


def _check_range_of(record: Activation, act: Activation, field: str) -> None:
    lo, hi = act.output_range
    x = _RANGE_POINTS
    with np.errstate(all="ignore"):
        if act.is_gated:
            a, b = (m.ravel() for m in np.meshgrid(np.linspace(-10.0, 10.0, 21), x))
            x = np.stack([a, b], axis=-1)
            y = np.asarray(act(x), dtype=float)[:, 0]
        else:
            y = np.asarray(act(x), dtype=float)
    slack_lo, slack_hi = (RANGE_RTOL * (1 + abs(e)) if math.isfinite(e) else 0.0 for e in (lo, hi))
    bad = np.isnan(y) | (y < lo - slack_lo) | (y > hi + slack_hi)
    if bad.any():
        i = int(np.argmax(bad))
        at = f"(a, b) = ({x[i, 0]:g}, {x[i, 1]:g})" if act.is_gated else f"x = {x[i]:g}"
        raise ValueError(f"register: {record.name}.{field} is {(lo, hi)}, but fn gives {y[i]:.8g} at {at}, "
                         f"outside it ({int(bad.sum())} of {bad.size} sampled values are); state the range the "
                         "function takes at its default parameters")


def _check_fields(record: Activation) -> None:
    if not isinstance(record.group, str) or not record.group.strip():
        raise ValueError(f"register: {record.name}.group must be a non-empty string (the explorer's group)")
    if record.smoothness not in SMOOTHNESS:
        raise ValueError(f"register: {record.name}.smoothness must be one of {', '.join(SMOOTHNESS)}; "
                         f"got {record.smoothness!r}")
    for name in ("output_range", "deriv_range"):
        lo, hi = getattr(record, name)
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise ValueError(f"register: {record.name}.{name} must be (low, high) with low <= high; got {(lo, hi)}")


def register(record: Activation, *, aliases: Iterable[str] = (),
             validate: Callable[[Activation], None] | None = None) -> Activation:
    """Add ``record`` (and ``aliases`` pointing at it) to the registry of this process, after checking it.

    Every interface that lists or looks up activations sees it at once: names(), get(), ``actlab list`` run in
    this process, the lab's /api/activations, and its playground runs (the lab sends the record to its training
    processes, so its functions must pickle: defined at module level, not lambdas; see registered_here).
    Raises TypeError or ValueError naming the field and the rule.
    ``validate`` (and each of ``VALIDATORS``) runs last on the record and may raise to refuse it."""
    _registry._load_plugins_once()  # a plugin's record and this one must not collide later
    if not isinstance(record, Activation):
        raise TypeError(f"register: an actlab Activation record is needed; got {type(record).__name__}")
    key = _key(record.name, "name")
    _check_free(key, "name")
    keys = [_key(str(a).strip().lower().replace("-", "_").replace(" ", "_"), "alias") for a in aliases]
    for alias in keys:
        if alias == key:
            raise ValueError(f"register: alias {alias!r} is the record's own name")
        _check_free(alias, "alias")
    _check_fields(record)
    _check_functions(record)
    _check_params(record)
    _check_recipe(record)
    _check_derivative(record)
    _check_output_range(record)
    for check in (*VALIDATORS, *([validate] if validate is not None else [])):
        check(record)
    _registry._TABLE[key] = record
    for alias in keys:
        _registry._ALIAS_TABLE[alias] = key
    _state["changes"] += 1
    return record


def unregister(name: str) -> None:
    """Remove a registered record and its aliases (built-in records stay)."""
    if name in _registry.BUILT_IN:
        raise ValueError(f"unregister: {name!r} is a built-in activation; only registered ones can be removed")
    if name not in _registry._TABLE:
        raise ValueError(f"unregister: {name!r} is not registered")
    del _registry._TABLE[name]
    for alias in [a for a, k in _registry._ALIAS_TABLE.items() if k == name]:
        del _registry._ALIAS_TABLE[alias]
    _state["plugin_names"].discard(name)
    _state["changes"] += 1


def registered_here() -> tuple[int, list[tuple[Activation, tuple[str, ...]]]]:
    """The records register() added in this process, not from a plugin, each with its aliases, and a number that
    changes with every register() and unregister(): what a process that trains for this one (the lab's training
    processes) must adopt to see the same registry. Plugins are left out: every process loads them itself."""
    _registry._load_plugins_once()
    added = [name for name in _registry._TABLE
             if name not in _registry.BUILT_IN and name not in _state["plugin_names"]]
    return _state["changes"], [(_registry._TABLE[name],
                                tuple(a for a, k in _registry._ALIAS_TABLE.items() if k == name)) for name in added]


def adopt_registered(records: Iterable[tuple[Activation, Iterable[str]]]) -> None:
    """Make this process's hand-registered records exactly ``records`` (registered_here() of another process):
    those it no longer has are removed, and each is registered again, with every check register() makes."""
    _registry._load_plugins_once()
    for record, _ in registered_here()[1]:
        unregister(record.name)
    for record, aliases in records:
        register(record, aliases=aliases)


def _records_of(obj: Any) -> list[Activation]:
    if callable(obj) and not isinstance(obj, Activation):
        obj = obj()
    if obj is None:  # a callable that registered its records itself
        return []
    if isinstance(obj, Activation):
        return [obj]
    return list(obj)


def load_plugins() -> None:
    """Register every installed plugin's records (the registry calls this once, before it is first read)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            before = set(_registry._TABLE)
            for record in _records_of(ep.load()):
                register(record)
            _state["plugin_names"].update(set(_registry._TABLE) - before)  # a callable may register its own
        except Exception as exc:  # noqa: BLE001  (one broken plugin must not take the registry down)
            warnings.warn(f"actlab: the activation plugin {ep.name!r} ({ep.value}) was not loaded: "
                          f"{type(exc).__name__}: {exc}", PluginWarning, stacklevel=2)


_registry._plugins["loader"] = load_plugins  # the registry runs it before its first read
