"""The activation registry: ``names()`` lists the canonical keys, ``get(name, **params)`` returns one.

>>> from actlab import activations
>>> act = activations.get("sigmoid")
>>> float(act.derivative(0.0))
0.25
"""

from .conventions import Conventions, GeluGap, conventions, gelu_gap
from .registry import (
    ALIASES,
    GATED,
    LESSON_SIX,
    MORE,
    OTHER_GROUP,
    REGISTRY,
    Activation,
    Param,
    Slider,
    TorchRecipe,
    get,
    names,
    resolve,
)

__all__ = ["ALIASES", "GATED", "LESSON_SIX", "MORE", "OTHER_GROUP", "REGISTRY", "Activation", "Conventions", "GeluGap",
           "Param", "Slider", "TorchRecipe", "conventions", "gelu_gap", "get", "names", "resolve"]
