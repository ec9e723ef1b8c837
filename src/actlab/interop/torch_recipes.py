"""Registry records to PyTorch and back, read from each record's ``torch_recipe`` and nothing else.

    module_for(record)    an nn.Module that computes the record (its parameters bound)
    export_code(record)   the same as source code: imports, a class where torch has no module, and the module
    torch_source(record)  the two parts of that code, for a script that builds several (the playground's export)
    record_for(module)    the record (with the module's settings) a torch module computes, or None

The recipe is data in the core (activations.registry.TorchRecipe): a torch.nn class with its keyword mapping, or
a one-line torch expression for what torch lacks (relu_squared, quick_gelu, the gated units but GLU).
``actlab.interop.torch`` re-exports these names beside the Monitor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .. import activations
from ..activations import Activation

__all__ = ["RecipeModule", "TorchSource", "export_code", "module_for", "record_for", "torch_source"]


def _recipe(record: Activation):
    if record.torch_recipe is None:
        raise ValueError(f"{record.name} has no PyTorch recipe (its record's torch_recipe is None), so it cannot "
                         "be built or exported for PyTorch")
    return record.torch_recipe


class RecipeModule(nn.Module):
    """An activation torch has no module for, computed by its record's recipe expression.

    ``activation`` and ``params`` name the record, so record_for() maps the module back."""

    def __init__(self, record: Activation) -> None:
        super().__init__()
        recipe = _recipe(record)
        if recipe.expression is None:
            raise ValueError(f"{record.name}: its recipe has no expression for parameters {dict(record.params)}")
        self.activation = record.name
        self.params = dict(record.params)
        self.gated = record.is_gated
        self.expression = recipe.expression
        self._code = compile(recipe.expression, f"<{record.name} torch recipe>", "eval")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scope: dict[str, Any] = {"torch": torch, **self.params}
        if self.gated:
            scope["a"], scope["b"] = x.chunk(2, dim=-1)  # value half, gate half
        else:
            scope["x"] = x
        return eval(self._code, scope)  # the record's own one-line recipe, compiled once

    def extra_repr(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.activation}{f'({params})' if params else ''}: {self.expression}"


def module_for(record: Activation) -> nn.Module:
    """A torch module that computes ``record`` with its bound parameters (float64 in, float64 out)."""
    recipe = _recipe(record)
    if recipe.uses_module(record.params):
        return getattr(nn, recipe.module)(**recipe.module_kwargs(record.params))
    return RecipeModule(record)


@dataclass(frozen=True)
class TorchSource:
    """Source code for one activation: ``definition`` (a class, or "" for a torch.nn module) and ``call``, the
    expression that builds the module. Several calls of one class share its definition."""

    definition: str
    call: str


def _literal(value: Any) -> str:
    """A Python literal for a parameter value (repr(inf) is not one)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    return repr(value)


def _class_name(record: Activation) -> str:
    return "".join(part.capitalize() for part in record.name.split("_"))


def torch_source(record: Activation) -> TorchSource:
    """The code that builds ``record``'s module: nn.LeakyReLU(negative_slope=0.1), or a class and its call."""
    recipe = _recipe(record)
    if recipe.uses_module(record.params):
        kwargs = ", ".join(f"{k}={_literal(v)}" for k, v in recipe.module_kwargs(record.params).items())
        return TorchSource("", f"nn.{recipe.module}({kwargs})")
    if recipe.expression is None:
        raise ValueError(f"{record.name}: its recipe has no expression for parameters {dict(record.params)}")
    name, params = _class_name(record), list(record.params)
    lines = [f"class {name}(nn.Module):",
             f'    """actlab\'s {record.name}: {recipe.expression}"""', ""]
    if params:
        lines += [f"    def __init__(self, {', '.join(params)}):", "        super().__init__()",
                  *[f"        self.{p} = {p}" for p in params], ""]
    lines.append("    def forward(self, x):")
    lines += [f"        {p} = self.{p}" for p in params]
    if record.is_gated:
        lines.append("        a, b = x.chunk(2, dim=-1)  # value half, gate half")
    lines.append(f"        return {recipe.expression}")
    call = ", ".join(f"{p}={_literal(v)}" for p, v in record.params.items())
    return TorchSource("\n".join(lines) + "\n", f"{name}({call})")


def export_code(record: Activation, variable: str = "activation") -> str:
    """A self-contained snippet that builds ``record``'s module as ``variable``."""
    source = torch_source(record)
    parts = ["import torch", "from torch import nn", ""]
    if source.definition:
        parts += ["", source.definition, ""]
    parts.append(f"{variable} = {source.call}")
    return "\n".join(parts) + "\n"


def _is_linear(record: Activation) -> bool:
    return record.deriv_range[0] == record.deriv_range[1]  # a constant derivative: an affine map


def record_for(module: nn.Module, *, any_record: bool = False) -> Activation | None:
    """The registry record, with the module's own settings, that a torch module computes; None when none does.

    Derived from the recipes: a module whose class is a recipe's ``module`` and whose attributes equal its
    ``fixed`` settings (GELU's approximate) maps to that record, its parameters read from the attributes the
    recipe's ``kwargs`` name (LeakyReLU's negative_slope, Softplus's beta and threshold; threshold=inf is None).
    A setting the registry does not allow gives None rather than a guess. By default only what the Monitor
    watches is mapped: a non-linear elementwise activation; ``any_record`` also maps nn.Identity and gated
    units (nn.GLU, and the RecipeModules of module_for)."""
    if isinstance(module, RecipeModule):
        record = activations.get(module.activation, **module.params)
    else:
        record = _record_from_torch_module(module)
    if record is None or (not any_record and (record.is_gated or _is_linear(record))):
        return None
    return record


def _record_from_torch_module(module: nn.Module) -> Activation | None:
    kind = type(module).__name__
    missing = object()
    for name in activations.names():
        recipe = activations.get(name).torch_recipe
        if recipe is None or recipe.module != kind:
            continue
        if any(getattr(module, k, missing) != v for k, v in recipe.fixed):
            continue
        none_as = dict(recipe.none_as)
        params: dict[str, Any] = dict(recipe.only_if)
        for keyword, param in recipe.kwargs:
            value = getattr(module, keyword)
            params[param] = None if param in none_as and value == none_as[param] else value
        try:
            return activations.get(name, **params)
        except ValueError:  # a setting the registry does not allow: unmapped rather than guessed
            return None
    return None
