"""PyTorch source code for a registry record, written from its ``torch_recipe`` (text only: torch is not imported).

    torch_source(record)  the class definition (where torch has no module) and the call that builds the module
    export_code(record)   a self-contained snippet: the imports, the definition and ``activation = <call>``

interop.torch_recipes builds the same modules directly (module_for) and maps modules back (record_for); the
playground's export writes its script from torch_source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .registry import Activation, TorchRecipe

__all__ = ["TorchSource", "export_code", "require_recipe", "torch_source"]


def require_recipe(record: Activation) -> TorchRecipe:
    """The record's recipe, or a ValueError naming the record."""
    if record.torch_recipe is None:
        raise ValueError(f"{record.name} has no PyTorch recipe (its record's torch_recipe is None), so it cannot "
                         "be built or exported for PyTorch")
    return record.torch_recipe


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
    recipe = require_recipe(record)
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
