"""Parameter updates: SGD, momentum and Adam, with L1 / L2 regularisation and gradient clipping.

Regularisation applies to weights only (as in TensorFlow Playground), added to the gradient:
L2 adds rate * W (the gradient of rate/2 ||W||^2), L1 adds rate * sign(W).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import blas

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


def _subtract_scaled(flat: np.ndarray, lr: float, d: np.ndarray) -> None:
    """flat -= lr * d in one pass (BLAS axpy) where the dtypes allow, instead of a temporary and a second pass."""
    axpy = {np.dtype(np.float64): blas.daxpy, np.dtype(np.float32): blas.saxpy}.get(flat.dtype)
    if axpy is not None and d.dtype == flat.dtype and flat.flags.c_contiguous and d.flags.c_contiguous:
        if axpy(d, flat, a=-lr) is flat:  # axpy writes into flat when it can; otherwise fall through
            return
    flat -= lr * d


def _unit(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ConfigError(name, f"must be in [0, 1); got {value!r}")


class Optimizer:
    """Holds the optimiser state (velocities, Adam moments) for one network's parameters.

    The update works on the network's flat parameter vector (MLP.flat_parameters): a handful of
    whole-vector operations per step instead of a few per layer, which is most of a small net's cost.
    """

    def __init__(self, config: OptimConfig, net: MLP):
        self.config = config
        self.t = 0
        flat = net.flat_parameters()
        self._m = np.zeros_like(flat) if config.optimizer != "sgd" else None
        self._v = np.zeros_like(flat) if config.optimizer == "adam" else None
        self._n_weights = sum(w.size for w in net.weights)  # weights come first in the flat vector

    def step(self, net: MLP, grads: Grads) -> None:
        """Apply one update in place: regularisation and clipping first, then the optimiser's rule."""
        cfg = self.config
        flat = net.flat_parameters()
        if grads.flat is not None and grads.flat.size == flat.size:
            g = grads.flat
            if (cfg.reg != "none" and cfg.reg_rate > 0) or cfg.clip_norm is not None:
                g = g.copy()  # changed in place below; the caller's Grads stay as backward() made them
        else:
            g = np.concatenate([*(d.ravel() for d in grads.dW), *(d.ravel() for d in grads.db)])
        if cfg.reg != "none" and cfg.reg_rate > 0:
            w = flat[:self._n_weights]  # regularise weights, not biases
            g[:self._n_weights] += cfg.reg_rate * (w if cfg.reg == "l2" else np.sign(w))
        if cfg.clip_norm is not None:
            total = math.sqrt(float(np.dot(g, g)))
            if total > cfg.clip_norm:
                g *= cfg.clip_norm / total
        self.t += 1
        _subtract_scaled(flat, cfg.lr, self._direction(g))

    def _direction(self, g: np.ndarray) -> np.ndarray:
        cfg = self.config
        if cfg.optimizer == "sgd":
            return g
        if cfg.optimizer == "momentum":
            self._m *= cfg.momentum
            self._m += g
            return self._m
        b1, b2 = cfg.beta1, cfg.beta2
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        self._m *= b1
        self._m += (1 - b1) * g
        self._v *= b2
        self._v += (1 - b2) * g * g
        return (self._m / c1) / (np.sqrt(self._v / c2) + cfg.eps)

    def set_lr(self, lr: float) -> None:
        _positive("lr", lr, allow_zero=True, high=100.0)
        self.config = OptimConfig(**{**self.config.__dict__, "lr": lr})
