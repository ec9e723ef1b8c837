"""The activation registry: ``names()`` lists the canonical keys, ``get(name, **params)`` returns one.

>>> from actlab import activations
>>> act = activations.get("sigmoid")
>>> float(act.derivative(0.0))
0.25

``register(record)`` adds an activation to this process; an installed plugin (entry-point group
``actlab.activations``) adds its own to every actlab process (see ``extension``).
"""

from .conventions import Conventions, GeluGap, conventions, gelu_gap
from .extension import ENTRY_POINT_GROUP, PluginWarning, register, unregister
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

__all__ = ["ALIASES", "ENTRY_POINT_GROUP", "GATED", "LESSON_SIX", "MORE", "OTHER_GROUP", "REGISTRY", "Activation",
           "Conventions", "GeluGap", "Param", "PluginWarning", "Slider", "TorchRecipe", "conventions", "gelu_gap",
           "get", "names", "register", "resolve", "unregister"]
