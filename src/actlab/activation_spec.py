"""A hidden layer's activation in run settings: a registry name and the parameters it is trained with.

One spec is written three ways, and all three become the same ActivationSpec:
  text    leaky_relu(negative_slope=0.1)      (the CLI; a comma list gives one per layer)
  dict    {"name": "leaky_relu", "params": {"negative_slope": 0.1}}     (JSON: the API and the playground)
  pair    ("leaky_relu", {"negative_slope": 0.1})     (Python)
A bare name ("tanh", or {"name": "tanh"}) is the registry's defaults. Every parameter is checked by the
registry record (its Param.check, and cross-parameter rules such as hardtanh's min_val < max_val), and a
refusal names the layer, counted from 1 as the pages and the CLI count them:
``activations (layer 2): leaky_relu: parameter negative_slope=5 is out of range; ...``.
The text form is read by a small parser of its own (names, ``=``, numbers, ``none``); nothing is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import activations
from .activations import Activation
from .errors import ConfigError, given


@dataclass(frozen=True)
class ActivationSpec:
    """A canonical registry name and the parameters set explicitly (the rest keep the record's defaults)."""

    name: str
    params: tuple[tuple[str, float | None], ...] = ()  # sorted (name, value) pairs: hashable, one order

    @property
    def param_dict(self) -> dict[str, float | None]:
        return dict(self.params)

    def resolve(self) -> Activation:
        """The registry record with these parameters bound."""
        return activations.get(self.name, **self.param_dict)

    def with_defaults(self, defaults: Mapping[str, Any]) -> ActivationSpec:
        """This spec with ``defaults`` filled in where it sets no value of its own (old links' flat keys)."""
        merged = {**{k: v for k, v in defaults.items() if v is not None}, **self.param_dict}
        return ActivationSpec(self.name, tuple(sorted(merged.items())))

    def to_wire(self) -> str | dict:
        """The JSON form: the bare name without parameters, else {"name": ..., "params": {...}}."""
        return {"name": self.name, "params": self.param_dict} if self.params else self.name

    def __str__(self) -> str:
        """The text form, which parse_spec reads back: silu(beta=2)."""
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(f'{k}={_num(v)}' for k, v in self.params)})"


def spec(value: object, field: str = "activation") -> ActivationSpec:
    """An ActivationSpec from any of its forms (see the module docstring), checked against the registry.

    ``field`` names the setting in errors: ``activations (layer 3)`` for the third hidden layer.
    """
    if isinstance(value, ActivationSpec):
        name, params = value.name, value.param_dict
    elif isinstance(value, str):
        name, params = _parse_text(value, field)
    elif isinstance(value, Mapping):
        unknown = sorted(set(value) - {"name", "params"}, key=str)
        if unknown:
            raise ConfigError(field, f"unknown key {given(unknown[0])}; an activation is {{\"name\": ..., "
                                     f"\"params\": {{...}}}}")
        name, params = value.get("name"), value.get("params") or {}
        if not isinstance(params, Mapping):
            raise ConfigError(f"{field}.params", f"an object of parameter values such as {{\"beta\": 2}}; got "
                                                 f"{given(params)}")
    elif _is_pair(value):
        name, params = value
    else:
        raise ConfigError(field, f"an activation name, name(param=value, ...), or {{\"name\": ..., \"params\": "
                                 f"{{...}}}}; got {given(value)}")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(field, f"an activation name such as \"tanh\"; got {given(name)}")
    try:
        canonical = activations.resolve(name)
        activations.get(canonical, **params)  # every parameter through its record's Param.check
    except (ValueError, TypeError) as exc:
        raise ConfigError(field, str(exc)) from None
    record = activations.get(canonical)
    checked = {k: record.param_specs[k].check(canonical, k, v) for k, v in params.items()}
    return ActivationSpec(canonical, tuple(sorted(checked.items())))


def specs(value: object, field: str = "activations") -> tuple[ActivationSpec, ...]:
    """One spec per layer from a comma list of text (``relu,silu(beta=2)``), a list of any forms, or one spec."""
    if isinstance(value, str):
        items = split_top_level(value, field)
    elif isinstance(value, (list, tuple)) and not _is_pair(value):
        items = list(value)
    else:
        items = [value]
    return tuple(spec(item, layer_field(field, i)) for i, item in enumerate(items))


def layer_field(field: str, index: int) -> str:
    """The field of hidden layer ``index`` (from 0) in an error, counted from 1: ``activations (layer 1)``."""
    return f"{field} (layer {index + 1})"


def _is_pair(value: object) -> bool:
    """A Python (name, {param: value}) tuple; JSON lists are always lists of layers."""
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and \
        isinstance(value[1], Mapping) and "name" not in value[1]


def split_top_level(text: str, field: str = "activations") -> list[str]:
    """'relu, hardtanh(min_val=-2, max_val=2)' -> ['relu', 'hardtanh(min_val=-2, max_val=2)']."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ConfigError(field, f"a ')' without its '(' at character {i + 1} of {given(text)}")
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    if depth:
        raise ConfigError(field, f"a '(' is never closed in {given(text)}")
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


_NAME = r"[A-Za-z_][A-Za-z0-9_\- ]*"
_TEXT = re.compile(rf"^\s*({_NAME}?)\s*(?:\((.*)\))?\s*$", re.DOTALL)
_PARAM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _parse_text(text: str, field: str) -> tuple[str, dict[str, float | None]]:
    """'silu(beta=2)' -> ('silu', {'beta': 2.0}); only names, '=' and plain numbers (or none) are read."""
    example = "a name with parameters in brackets, e.g. leaky_relu(negative_slope=0.1)"
    m = _TEXT.match(text)
    if not m or not m.group(1).strip():
        raise ConfigError(field, f"{example}; got {given(text)}")
    name, inside = m.group(1).strip(), m.group(2)
    params: dict[str, float | None] = {}
    for part in (inside or "").split(","):
        if not part.strip():
            if inside is not None and inside.strip():
                raise ConfigError(field, f"an empty parameter between commas in {given(text)}")
            continue
        pm = _PARAM.match(part)
        if not pm:
            raise ConfigError(field, f"parameters are written name=number (e.g. beta=2); got {given(part.strip())} "
                                     f"in {given(text)}")
        key, raw = pm.groups()
        if key in params:
            raise ConfigError(field, f"parameter {key} is given twice in {given(text)}")
        if raw.lower() == "none":
            params[key] = None
        elif _NUMBER.match(raw):
            params[key] = float(raw)
        else:
            raise ConfigError(field, f"{name}: parameter {key} must be a plain number such as 0.1 or 2e-3 (or "
                                     f"none); got {given(raw)}")
    return name, params


def _num(v: float | None) -> str:
    return "none" if v is None else f"{v:g}" if float(v) == float(f"{v:g}") else repr(v)
