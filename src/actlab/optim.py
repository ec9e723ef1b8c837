"""Parameter updates: SGD, momentum and Adam, with L1 / L2 regularisation and gradient clipping.

Regularisation applies to weights only (as in TensorFlow Playground), added to the gradient:
L2 adds rate * W (the gradient of rate/2 ||W||^2), L1 adds rate * sign(W).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .network import MLP, Grads

OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZERS = ("none", "l1", "l2")


@dataclass(frozen=True)
class OptimConfig:
    optimizer: str = "sgd"
    lr: float = 0.03
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    reg: str = "none"
    reg_rate: float = 0.0
    clip_norm: float | None = None  # global-norm clipping; off by default

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError("optimizer", f"unknown optimizer {self.optimizer!r}; allowed: {', '.join(OPTIMIZERS)}")
        if self.reg not in REGULARIZERS:
            raise ConfigError("reg", f"unknown regularisation {self.reg!r}; allowed: {', '.join(REGULARIZERS)}")
        _positive("lr", self.lr, allow_zero=True, high=100.0)
        _positive("reg_rate", self.reg_rate, allow_zero=True, high=100.0)
        _unit("momentum", self.momentum)
        _unit("beta1", self.beta1)
        _unit("beta2", self.beta2)
        _positive("eps", self.eps, allow_zero=False, high=1.0)
        if self.clip_norm is not None:
            _positive("clip_norm", self.clip_norm, allow_zero=False, high=1e12)


def _positive(name: str, value: object, *, allow_zero: bool, high: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero) or value > high:
        low = "0 (inclusive)" if allow_zero else "above 0"
        raise ConfigError(name, f"must be a finite number from {low} to {high:g}; got {value!r}")


def _unit(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ConfigError(name, f"must be in [0, 1); got {value!r}")


class Optimizer:
    """Holds the optimiser state (velocities, Adam moments) for one network's parameters."""

    def __init__(self, config: OptimConfig, net: MLP):
        self.config = config
        self.t = 0
        params = net.parameters()
        self._m = [np.zeros_like(p) for p in params] if config.optimizer != "sgd" else []
        self._v = [np.zeros_like(p) for p in params] if config.optimizer == "adam" else []

    def step(self, net: MLP, grads: Grads) -> None:
        """Apply one update in place; regularisation and clipping first."""
        cfg = self.config
        n_w = net.n_layers
        gs = [*grads.dW, *grads.db]
        if cfg.reg != "none" and cfg.reg_rate > 0:
            for l in range(n_w):
                w = net.weights[l]
                gs[l] = gs[l] + cfg.reg_rate * (w if cfg.reg == "l2" else np.sign(w))
        if cfg.clip_norm is not None:
            total = math.sqrt(sum(float(np.sum(g * g)) for g in gs))
            if total > cfg.clip_norm:
                gs = [g * (cfg.clip_norm / total) for g in gs]
        self.t += 1
        # New arrays rather than in-place updates: the caller may keep the previous ones to roll back.
        new = [p - cfg.lr * u for p, u in zip(net.parameters(), self._directions(gs), strict=True)]
        net.weights[:] = new[:n_w]
        net.biases[:] = new[n_w:]

    def _directions(self, gs: list[np.ndarray]) -> list[np.ndarray]:
        cfg = self.config
        if cfg.optimizer == "sgd":
            return gs
        if cfg.optimizer == "momentum":
            for g, m in zip(gs, self._m, strict=True):
                m *= cfg.momentum
                m += g
            return self._m
        b1, b2 = cfg.beta1, cfg.beta2
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        out = []
        for g, m, v in zip(gs, self._m, self._v, strict=True):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            out.append((m / c1) / (np.sqrt(v / c2) + cfg.eps))
        return out

    def set_lr(self, lr: float) -> None:
        _positive("lr", lr, allow_zero=True, high=100.0)
        self.config = OptimConfig(**{**self.config.__dict__, "lr": lr})
