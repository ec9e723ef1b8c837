"""The choices an interface offers, read from the modules that check them.

Each list here is built from the tuple the core validates against (DATASETS, FEATURES, INITS, OPTIMIZERS,
REGULARIZERS, LOSSES, the activation REGISTRY), so a name added there is offered everywhere with no other change.
What lives only here is what a person reads and picks from: the title shown beside a name, the steps of the
learning-rate and regularisation-rate pickers, and the ranges of the playground's sliders. The lab serves the
result as GET /api/options; its pages keep no copy of any list.

check_settings is the one check of a page's settings (the playground's address): every value goes through the
core's own validators (RunConfig, the data set and the trainer it builds, StopRule, the lab's size limits and the
ranges of the pickers above), and each refused one is named with the core's words and replaced by its default.
The lab serves it as POST /api/options/check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from . import activations
from .activation_spec import spec
from .datasets import CLASSIFICATION, FEATURES, REGRESSION
from .errors import ConfigError, given
from .limits import check_epochs_per_frame
from .network import INITS
from .optim import OPTIMIZERS, REGULARIZERS
from .reading_record import GRAD_NORM, NOTATION, SATURATED, SIGNAL_NORM
from .session import FLAT_KEYS, LOSSES, RunConfig, build_trainer
from .training import StopRule

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
        "lesson": {"defaults": check_lesson({})["settings"], "vanishing_widths": list(VANISHING_WIDTHS),
                   "vanishing_max_depth": VANISHING_MAX_DEPTH, "max_acts": MAX_LESSON_ACTS},
        "sliders": {k: dict(v) for k, v in SLIDERS.items()},
        "run_defaults": run_defaults(),
        # how every page writes the two gradient norms, and what they are (reading_record.NOTATION)
        "notation": {"grad_norm": GRAD_NORM, "signal_norm": SIGNAL_NORM, "description": NOTATION,
                     "saturated": SATURATED},
    }



# the run controls a page sets beside RunConfig's fields (the speed and the stop rule), with their defaults
CONTROLS: Mapping[str, Any] = {"epochs_per_frame": EPOCHS_PER_FRAME[0], "stop_epoch": None, "target_loss": None}
# the pickers' ranges, in RunConfig's units: the sliders, and the learning-rate and regularisation-rate steps
_PICKED = {**{k: (v["min"], v["max"]) for k, v in SLIDERS.items()}, "lr": (0.0, max(LEARNING_RATES)),
           "reg_rate": (0.0, max(REG_RATES))}


def _setting_of(field: str) -> str:
    """The setting a core error's field belongs to: 'activations (layer 2).params' -> 'activations'."""
    return re.match(r"[A-Za-z_]*", field).group(0)


def _check_picked(cfg: RunConfig) -> None:
    """A value a picker of the playground can show: inside its slider, or its list's range of steps."""
    for name, (low, high) in _PICKED.items():
        v = getattr(cfg, name)
        if not low <= v <= high:
            raise ConfigError(name, f"{v:g} is beyond the playground's control; allowed: {low:g} to {high:g}")


def check_control(name: str, value: Any) -> Any:
    """One run control of the playground (CONTROLS), checked the one way every interface takes it (the page's
    link, the socket's 'set' message, a class's saved setup): epochs_per_frame a whole number from 1 to
    MAX_EPOCHS_PER_FRAME; stop_epoch and target_loss by StopRule, 0 or null (and "" for a target) meaning none.
    Returns the value as the run uses it (None for none)."""
    if name == "epochs_per_frame":
        return check_epochs_per_frame(value)
    if name not in CONTROLS:
        raise ConfigError("controls", f"unknown control {given(name)}; allowed: {', '.join(CONTROLS)}")
    if value is None or (name == "stop_epoch" and value == 0 and not isinstance(value, bool)) or \
            (name == "target_loss" and value == ""):
        return None
    try:
        rule = StopRule(**{"max_epochs" if name == "stop_epoch" else name: value})
    except ConfigError as exc:
        raise ConfigError(name, exc.message) from None
    return rule.max_epochs if name == "stop_epoch" else float(rule.target_loss)


def _check_control(name: str, value: Any) -> Any:
    """A link's run control: check_control, and for the speed one of the page's steps (EPOCHS_PER_FRAME)."""
    value = check_control(name, value)
    if name == "epochs_per_frame" and value not in EPOCHS_PER_FRAME:
        raise ConfigError(name, f"{value} is beyond the playground's control; allowed: "
                                f"{', '.join(map(str, EPOCHS_PER_FRAME))}")
    return value


# The lesson page's address: the explorer's activations and the vanishing-gradient demo's settings
VANISHING_WIDTHS = (16, 32, 64)  # the demo's width picker
VANISHING_MAX_DEPTH = 50  # the deepest network the demo draws (GET /api/demos/vanishing takes the same)
MAX_LESSON_ACTS = 12  # activations the explorer draws at once
LESSON_DEFAULTS: Mapping[str, Any] = {"acts": ("sigmoid", "tanh", "relu", "gelu"), "van_act": "sigmoid",
                                      "van_init": "xavier_normal", "van_width": 32, "van_depth": 10}


def _lesson_value(key: str, value: Any) -> Any:
    """One lesson setting as the lesson uses it, or ConfigError in the core's words."""
    if key == "acts":
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LESSON_ACTS:
            raise ConfigError(key, f"a list of 1 to {MAX_LESSON_ACTS} activations such as [\"relu\", "
                                   f"\"silu(beta=2)\"]; got {given(value)}")
        checked = [spec(v, f"{key} (item {i + 1})") for i, v in enumerate(value)]
        return [{"name": s.name, "params": s.param_dict} for s in checked]
    if key == "van_act":
        name = spec(value, key).name
        if activations.get(name).is_gated:
            raise ConfigError(key, f"{name} is a gated unit (it takes two inputs); the demo stacks one-input "
                                   f"activations such as sigmoid or relu")
        return name
    if key == "van_init":
        if value not in INITS:
            raise ConfigError(key, f"unknown initialiser {given(value)}; allowed: {', '.join(INITS)}")
        return value
    if key == "van_width":
        if isinstance(value, bool) or value not in VANISHING_WIDTHS:
            raise ConfigError(key, f"one of {', '.join(map(str, VANISHING_WIDTHS))}; got {given(value)}")
        return int(value)
    if key == "van_depth":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= VANISHING_MAX_DEPTH:
            raise ConfigError(key, f"a whole number from 1 to {VANISHING_MAX_DEPTH}; got {given(value)}")
        return value
    raise ConfigError(key, f"unknown setting {given(key)}; allowed: {', '.join(LESSON_DEFAULTS)}")


def check_lesson(values: Mapping[str, Any]) -> dict[str, Any]:
    """The lesson page's address checked once, by the core (as check_settings for the playground's): the explorer's
    activations ("acts", any form activation_spec reads) and the vanishing demo's van_act, van_init, van_width and
    van_depth. Returns {"settings": every setting as the lesson will use it (acts as {"name", "params"}),
    "problems": [{"setting", "field", "message"}, ...]}; a refused value takes its default (LESSON_DEFAULTS)."""
    if not isinstance(values, Mapping):
        raise ConfigError("settings", f"a JSON object of settings such as {{\"van_depth\": 20}}; got {given(values)}")
    settings = {k: _lesson_value(k, list(v) if isinstance(v, tuple) else v) for k, v in LESSON_DEFAULTS.items()}
    problems: list[dict[str, str]] = []
    for key, value in values.items():
        try:
            settings[key] = _lesson_value(str(key), value)
        except ConfigError as exc:
            problems.append({"setting": str(key), "field": exc.field, "message": exc.message})
    return {"settings": settings, "problems": problems}


def check_settings(values: Mapping[str, Any], limits=None) -> dict[str, Any]:
    """A page's settings (RunConfig's fields and CONTROLS, as JSON values; those left out take their defaults)
    checked once, by the core: {"settings": every setting as it will be used, "problems": [{"setting", "field",
    "message"}, ...]}. A refused setting is named with the core's words and takes its default, and the rest are
    checked again without it, so one bad value costs only itself. ``limits``: the lab's size limits
    (limits.PlaygroundLimits), or None for none. Old links' flat keys (FLAT_KEYS) are checked on their own and
    come back merged into the activations. Refuses with ConfigError only what is not a JSON object."""
    if not isinstance(values, Mapping):
        raise ConfigError("settings", f"a JSON object of settings such as {{\"lr\": 0.03}}; got {given(values)}")
    problems: list[dict[str, str]] = []

    def refuse(exc: ConfigError, setting: str) -> None:
        problems.append({"setting": setting, "field": exc.field, "message": exc.message})

    controls = dict(CONTROLS)
    for name in [n for n in CONTROLS if n in values]:
        try:
            controls[name] = _check_control(name, values[name])
        except ConfigError as exc:
            refuse(exc, name)
    run = {k: v for k, v in values.items() if k not in CONTROLS}
    for key in FLAT_KEYS.keys() & run.keys():  # refused alone, so the activations it would go to stay
        if run[key] is not None:
            try:
                spec({"name": FLAT_KEYS[key], "params": {key: run[key]}}, key)
            except ConfigError as exc:
                refuse(exc, key)
                del run[key]
    while True:  # each pass removes one refused setting, so this ends after at most len(run) + 1 passes
        try:
            cfg = RunConfig.from_dict(run)
            if limits is not None:
                limits.check(cfg)
            if cfg.dataset != "csv":  # the data set and the trainer: noise, the split, the loss for the task
                build_trainer(cfg)
            _check_picked(cfg)  # last: where a picker's range is the core's own, the core's words come first
            break
        except ConfigError as exc:
            setting = _setting_of(exc.field)
            if setting not in run:  # the defaults themselves refused: a fault of the lab, not of the page
                raise
            refuse(exc, setting)
            del run[setting]
    return {"settings": {**cfg.to_dict(), **controls}, "problems": problems}
