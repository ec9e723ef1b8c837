"""The choices an interface offers, read from the modules that check them.

Each list here is built from the tuple the core validates against (DATASETS, FEATURES, INITS, OPTIMIZERS,
REGULARIZERS, LOSSES, the activation REGISTRY), so a name added there is offered everywhere with no other change.
What lives only here is what a person reads and picks from: the title shown beside a name, the steps of the
learning-rate and regularisation-rate pickers, and the ranges of the playground's sliders. The lab serves the
result as GET /api/options; its pages keep no copy of any list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from . import activations
from .datasets import CLASSIFICATION, FEATURES, REGRESSION
from .network import INITS
from .optim import OPTIMIZERS, REGULARIZERS
from .session import LOSSES, RunConfig

# the pickers' steps (TensorFlow Playground's, with 1e-5 and 1e-4 added below and 10 above)
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
EPOCHS_PER_FRAME = (1, 2, 5, 10, 25, 50)

# The playground's sliders, in the units RunConfig takes (the page shows noise and the training share as percent).
# Each range lies inside what the core accepts; tests/test_options.py runs the ends through the core.
SLIDERS: Mapping[str, Mapping[str, float]] = {
    "noise": {"min": 0.0, "max": 0.5, "step": 0.05},
    "train_fraction": {"min": 0.1, "max": 0.9, "step": 0.1},
    "batch_size": {"min": 1, "max": 30, "step": 1},
}

# Titles: what a reader sees beside a name. A name with no title here is shown as it is.
DATASET_TITLES = {"circle": "Circle", "xor": "XOR", "gauss": "Gaussian", "spiral": "Spiral", "moons": "Moons",
                  "plane": "Plane", "multi_gauss": "Multi-Gauss"}
FEATURE_TITLES = {"x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1x2": "X₁X₂", "sin_x1": "sin(X₁)",
                  "sin_x2": "sin(X₂)"}
INIT_TITLES = {"playground": "playground (U ±0.5)", "standard": "standard (U ±1/√fan_in)",
               "xavier_uniform": "Xavier (Glorot) uniform", "xavier_normal": "Xavier (Glorot) normal",
               "he_uniform": "He uniform", "he_normal": "He normal", "lecun_normal": "LeCun normal",
               "orthogonal": "orthogonal", "normal": "normal N(0, σ²)", "unit_norm": "unit norm per neuron"}
OPTIMIZER_TITLES = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}
REGULARIZER_TITLES = {"none": "none", "l1": "L1", "l2": "L2"}
LOSS_TITLES = {"mse": "MSE", "cross-entropy": "cross-entropy"}

def _named(names: tuple[str, ...], titles: Mapping[str, str], **extra: Any) -> list[dict[str, Any]]:
    return [{"name": n, "title": titles.get(n, n), **extra} for n in names]


def activation_options(record: activations.Activation) -> dict[str, Any]:
    """What a picker needs of one activation: name, title, aliases, group, gated, and each parameter's spec."""
    return {"name": record.name, "title": record.title, "aliases": list(record.aliases), "group": record.group,
            "gated": record.is_gated, "params": {k: p.describe() for k, p in record.param_specs.items()}}


def run_defaults() -> dict[str, Any]:
    """RunConfig's defaults as JSON values: where a page's controls start."""
    return {f.name: list(f.default) if isinstance(f.default, tuple) else f.default for f in fields(RunConfig)}


def options() -> dict[str, Any]:
    """Every list and range a front end offers, as JSON-ready values (the lab adds its own size limits)."""
    acts = [activation_options(activations.get(n)) for n in activations.names()]
    groups = list(dict.fromkeys(a["group"] for a in acts))  # in the registry's (the lesson's) order
    return {
        "activations": acts,
        "activation_groups": groups,
        "datasets": [*_named(CLASSIFICATION, DATASET_TITLES, task="classification"),
                     *_named(REGRESSION, DATASET_TITLES, task="regression")],
        "features": _named(FEATURES, FEATURE_TITLES),
        "initializers": _named(INITS, INIT_TITLES),
        "optimizers": _named(OPTIMIZERS, OPTIMIZER_TITLES),
        "losses": _named(LOSSES, LOSS_TITLES),
        "regularizers": _named(REGULARIZERS, REGULARIZER_TITLES),
        "learning_rates": list(LEARNING_RATES),
        "reg_rates": list(REG_RATES),
        "epochs_per_frame": list(EPOCHS_PER_FRAME),
        "sliders": {k: dict(v) for k, v in SLIDERS.items()},
        "run_defaults": run_defaults(),
    }

