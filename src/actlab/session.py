"""One training run described by its settings (what the CLI flags and the playground's URL hold).

RunConfig validates every field with the same words in every interface (one activation spec per hidden
layer, activation_spec.py; no size limit: a lab's playground adds its own, limits.PlaygroundLimits), and
build_trainer turns it into a Trainer on a generated data set or a learner's CSV, with the output head
its loss and data pick (heads.head_for).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from .activation_spec import layer_field, spec, specs
from .datasets import (
    CLASSIFICATION,
    DATASETS,
    FEATURES,
    MAX_POINTS,
    Dataset,
    features,
    load_csv,
    make_dataset,
    parse_features,
)
from .errors import ConfigError, given
from .heads import HEAD_RECORDS, head_for
from .network import INITS, NetworkConfig, parse_layers
from .optim import OPTIMIZERS, REGULARIZERS, OptimConfig
from .reading_record import ENGINE_LEVERS, Lever
from .training import Trainer

LOSSES = tuple(dict.fromkeys(h.loss for h in HEAD_RECORDS.values() if h.loss))  # ("mse", "cross-entropy")
# old links' flat keys: the parameter each sets, and the activation whose layers it sets when they set none
FLAT_KEYS = {"negative_slope": "leaky_relu", "beta": "silu"}


@dataclass(frozen=True)
class RunConfig:
    dataset: str = "circle"
    n_points: int = 500
    noise: float = 0.0
    train_fraction: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4, 2)
    # one per hidden layer, or one for all: a name, name(param=value, ...) or {"name": ..., "params": {...}}
    # (activation_spec.py); after validation a tuple of ActivationSpec
    activations: tuple = ("tanh",)
    negative_slope: float | None = None  # old links' flat keys: for leaky_relu layers that set no slope of their own
    beta: float | None = None  # the same for silu layers' beta
    init: str = "playground"
    optimizer: str = "sgd"
    loss: str = "mse"
    lr: float = 0.03
    batch_size: int = 10
    reg: str = "none"
    reg_rate: float = 0.0
    seed: int = 1  # draws the data set, and the weights too unless weight_seed is set
    bias_init: float = 0.1  # the playground starts biases at 0.1
    weight_seed: int | None = None  # initial weights and minibatch order; the playground's Reset draws a new one

    def __post_init__(self) -> None:
        """Every field checked here: the one validator the CLI, the lab's WebSocket and the API share. Sizes are not
        capped (the CLI and the API train what the machine holds); a lab's playground adds its own limits
        (limits.PlaygroundLimits)."""
        for name in ("dataset", "loss", "init", "optimizer", "reg"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(name, f"a name (text); got {given(getattr(self, name))}")
        if self.dataset not in DATASETS and self.dataset != "csv":
            raise ConfigError("dataset", f"unknown data set {self.dataset!r}; allowed: {', '.join(DATASETS)}, csv")
        if self.loss not in LOSSES:
            raise ConfigError("loss", f"{' or '.join(LOSSES)}; got {self.loss!r}")
        if self.init not in INITS:
            raise ConfigError("init", f"unknown initialiser {self.init!r}; allowed: {', '.join(INITS)}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError("optimizer", f"allowed: {', '.join(OPTIMIZERS)}; got {self.optimizer!r}")
        if self.reg not in REGULARIZERS:
            raise ConfigError("reg", f"allowed: {', '.join(REGULARIZERS)}; got {self.reg!r}")
        if any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1 for w in self.layers):
            raise ConfigError("layers", f"hidden layer widths: whole numbers from 1; got {given(list(self.layers))}")
        acts = specs(self.activations)
        if len(acts) not in (1, len(self.layers)) and self.layers or len(acts) > max(1, len(self.layers)):
            raise ConfigError("activations", f"one activation, or one per hidden layer ({len(self.layers)}); "
                                             f"got {len(acts)}")
        for name in FLAT_KEYS:
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
                raise ConfigError(name, f"must be a finite number; got {v!r}")
        flat = {act: {key: getattr(self, key)} for key, act in FLAT_KEYS.items()}
        acts = tuple(a.with_defaults(flat[a.name]) if a.name in flat else a for a in acts)
        for i, a in enumerate(acts):  # a flat key's value is checked by the record, naming the layer
            spec(a, layer_field("activations", i))
        object.__setattr__(self, "activations", acts)
        if not all(isinstance(f, str) for f in self.features) or len(self.features) > len(FEATURES) or \
                len(set(self.features)) != len(self.features):
            raise ConfigError("features", f"each of {', '.join(FEATURES)} at most once; got "
                                          f"{given(list(self.features))}")
        for name, low, high in (("n_points", 10, MAX_POINTS), ("batch_size", 1, MAX_POINTS)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
                raise ConfigError(name, f"a whole number from {low} to {high:,}; got {given(v)}")
        for name in ("noise", "train_fraction", "lr", "reg_rate", "bias_init"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ConfigError(name, f"must be a finite number; got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ConfigError("seed", f"a whole number from 0 to {2**32 - 1}; got {self.seed!r}")
        w = self.weight_seed
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or not 0 <= w < 2**32):
            raise ConfigError("weight_seed", f"a whole number from 0 to {2**32 - 1}, or null; got {w!r}")
        features(np.zeros((1, 2)), self.features)  # validates the names

    @property
    def task(self) -> str:
        return "classification" if self.dataset in CLASSIFICATION else "regression"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["features"], d["layers"] = list(self.features), list(self.layers)
        d["activations"] = [a.to_wire() for a in self.activations]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        """From JSON-like values (the web lab): unknown keys are refused by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(unknown[0], f"unknown setting; allowed: {', '.join(sorted(known))}")
        values = dict(data)
        for key in ("features", "layers"):
            if key in values:
                v = values[key]
                if isinstance(v, str):
                    v = parse_layers(v) if key == "layers" else tuple(p.strip() for p in v.split(",") if p.strip())
                if not isinstance(v, (list, tuple)):
                    raise ConfigError(key, f"a list; got {type(v).__name__}")
                values[key] = tuple(v)
        for key in ("n_points", "batch_size", "seed"):
            if key in values and (isinstance(values[key], bool) or not isinstance(values[key], int)):
                raise ConfigError(key, f"a whole number; got {values[key]!r}")
        for key in ("layers",):
            if key in values and any(isinstance(w, bool) or not isinstance(w, int) for w in values[key]):
                raise ConfigError(key, f"whole numbers; got {list(values[key])!r}")
        return cls(**values)

    @classmethod
    def from_cli(cls, *, layers: str, activation: str, features: str, **kw) -> RunConfig:
        """From the CLI's text: ``activation`` is one spec or a comma list, e.g. relu,silu(beta=2)."""
        return cls(layers=parse_layers(layers), activations=specs(activation), features=parse_features(features), **kw)


def make_data(cfg: RunConfig, csv_bytes: bytes | None = None) -> tuple[Dataset, Dataset]:
    rng = np.random.default_rng(cfg.seed)
    if csv_bytes is not None:
        data = load_csv(csv_bytes)
    else:
        if cfg.dataset == "csv":
            raise ConfigError("dataset", "csv needs a file: upload one or pass --csv FILE")
        data = make_dataset(cfg.dataset, cfg.n_points, cfg.noise, rng=rng)
    return data.split(cfg.train_fraction, rng)


def inputs(cfg: RunConfig, data: Dataset) -> np.ndarray:
    """Network inputs: the playground features of 2-D points, or a CSV's own columns as they are."""
    if data.points.shape[1] == 2:
        return features(data.points, cfg.features)
    return data.points


def build_trainer(cfg: RunConfig, csv_bytes: bytes | None = None, sample_every: int = 10) -> Trainer:
    """A Trainer for ``cfg`` on its generated data set, or on the learner's CSV."""
    return trainer_for(cfg, *make_data(cfg, csv_bytes), sample_every=sample_every)


def trainer_for(cfg: RunConfig, train: Dataset, test: Dataset, sample_every: int = 10) -> Trainer:
    """A Trainer for ``cfg`` on data already made (the playground keeps the points to draw them)."""
    x_train, x_test = inputs(cfg, train), inputs(cfg, test)
    if train.task != "regression" and len(np.unique(train.labels)) < 2:
        # one class to learn from: a constant is already perfect, so no reading of learning could mean anything
        raise ConfigError("csv", f"the training part ({len(train.labels)} rows, train_fraction {cfg.train_fraction}) "
                                  "holds only one class; give more rows of each class or a larger training share")
    head, k = head_for(cfg.loss, train.task, max(train.n_classes, test.n_classes), repr(cfg.dataset))
    acts = cfg.activations if cfg.layers else ("tanh",)
    net_cfg = NetworkConfig(x_train.shape[1], cfg.layers, acts, head.name, k, init=cfg.init, bias_init=cfg.bias_init)
    optim = OptimConfig(cfg.optimizer, cfg.lr, reg=cfg.reg, reg_rate=cfg.reg_rate)
    batch = min(cfg.batch_size, len(x_train))
    seed = cfg.seed if cfg.weight_seed is None else cfg.weight_seed
    trainer = Trainer(net_cfg, optim, x_train, train.labels, x_test, test.labels, batch_size=batch, seed=seed,
                      sample_every=sample_every)
    if train.name not in DATASETS:  # the learner's own data (a CSV): scaling its columns is theirs to do
        trainer.levers = ENGINE_LEVERS | {Lever.INPUTS}
    return trainer
