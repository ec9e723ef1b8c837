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
inside the intervals, and a recipe whose parameters exist.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import fields
from importlib.metadata import entry_points
from typing import Any

import numpy as np

from . import registry as _registry
from .registry import Activation, Param, TorchRecipe

__all__ = ["ENTRY_POINT_GROUP", "PluginWarning", "load_plugins", "register", "unregister"]

ENTRY_POINT_GROUP = "actlab.activations"
SMOOTHNESS = ("discontinuous", "C0", "C1", "C-inf")
_KEY = re.compile(r"[a-z][a-z0-9_]*")


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
            compile(recipe.expression, f"<{record.name} torch recipe>", "eval")
        except SyntaxError as exc:
            raise ValueError(f"register: {record.name}'s torch_recipe expression is not one Python expression: "
                             f"{exc.msg}") from None


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


def register(record: Activation, *, aliases: Iterable[str] = ()) -> Activation:
    """Add ``record`` (and ``aliases`` pointing at it) to the registry of this process, after checking it.

    Every interface that lists or looks up activations sees it at once: names(), get(), ``actlab list`` run in
    this process, the lab's /api/activations. Raises TypeError or ValueError naming the field and the rule."""
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
    _registry._TABLE[key] = record
    for alias in keys:
        _registry._ALIAS_TABLE[alias] = key
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
            for record in _records_of(ep.load()):
                register(record)
        except Exception as exc:  # noqa: BLE001  (one broken plugin must not take the registry down)
            warnings.warn(f"actlab: the activation plugin {ep.name!r} ({ep.value}) was not loaded: "
                          f"{type(exc).__name__}: {exc}", PluginWarning, stacklevel=2)


_registry._plugins["loader"] = load_plugins  # the registry runs it before its first read
