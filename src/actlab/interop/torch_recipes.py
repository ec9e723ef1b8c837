"""Registry records to PyTorch and back, read from each record's ``torch_recipe`` and nothing else.

    module_for(record)    an nn.Module that computes the record (its parameters bound)
    export_code(record)   the same as source code: imports, a class where torch has no module, and the module
    torch_source(record)  the two parts of that code, for a script that builds several (the playground's export)
    record_for(module)    the record (with the module's settings) a torch module computes, or None

The recipe is data in the core (activations.registry.TorchRecipe): a torch.nn class with its keyword mapping, or
a one-line torch expression for what torch lacks (relu_squared, quick_gelu, the gated units but GLU).
The code (torch_source, export_code) is plain text written by the core (activations.torch_code), which never
imports torch, so the playground's export can use it; ``actlab.interop.torch`` re-exports every name here.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .. import activations
from ..activations import Activation
from ..activations.torch_code import TorchSource, export_code, require_recipe, torch_source

__all__ = ["RecipeModule", "TorchSource", "export_code", "module_for", "record_for", "torch_source"]


class RecipeModule(nn.Module):
    """An activation torch has no module for, computed by its record's recipe expression.

    ``activation`` and ``params`` name the record, so record_for() maps the module back."""

    def __init__(self, record: Activation) -> None:
        super().__init__()
        recipe = require_recipe(record)
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
    recipe = require_recipe(record)
    if recipe.uses_module(record.params):
        return getattr(nn, recipe.module)(**recipe.module_kwargs(record.params))
    return RecipeModule(record)


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
