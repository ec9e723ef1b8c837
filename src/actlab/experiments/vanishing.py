"""The vanishing gradient: the analytic bound (max f')^n, and gradients measured in deep MLPs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import activations
from ..instruments import layer_reading  # the same words the live instruments use
from ..network import MLP, NetworkConfig
from ._result import ResultMixin


@dataclass(frozen=True)
class DerivativeMax(ResultMixin):
    name: str
    deriv_max: float
    at: str
    bound_at_10: float  # (max f')^10


def derivative_maxima() -> list[DerivativeMax]:
    """Every registry activation's maximal derivative and where it is reached."""
    out = []
    for name in activations.names():
        act = activations.get(name)
        out.append(DerivativeMax(name, act.deriv_max, act.deriv_argmax_text, act.deriv_max**10))
    return out


def analytic_bound(name: str, depths=range(1, 51)) -> np.ndarray:
    """(max f')^n for each n: the most a chain of n such derivatives can pass back (weights aside)."""
    m = activations.get(name).deriv_max
    return np.array([m**n for n in depths], dtype=float)


@dataclass(frozen=True)
class LessonNumbers(ResultMixin):
    sigmoid_max_derivative: float  # sigma'(0), from the registry
    sigmoid_10_layers: float  # 0.25^10
    exercise2_sigmoid: float  # 0.2^20
    exercise2_relu: float  # 0.5^20
    exercise2_ratio: float  # 0.5^20 / 0.2^20


def lesson_numbers() -> LessonNumbers:
    s = float(activations.get("sigmoid").derivative(0.0))
    return LessonNumbers(s, s**10, 0.2**20, 0.5**20, 0.5**20 / 0.2**20)


@dataclass(frozen=True)
class MeasuredFlow(ResultMixin):
    """Per-layer gradient norms at initialisation, mean over seeds; layer 1 first, output layer last."""

    activation: str
    depth: int
    width: int
    init: str
    grad_norms: np.ndarray  # (depth + 1,) ||dW|| per layer, geometric mean over seeds
    ratio_to_last: np.ndarray  # (depth,) hidden layers' norm / the output layer's
    bound_to_last: np.ndarray  # (depth,) analytic bound for each hidden layer
    reading: str


def measure_flow(activation: str, depth: int = 20, width: int = 64, init: str = "xavier_normal", seeds: int = 5,
                 n: int = 128) -> MeasuredFlow:
    """Gradient norms of a fresh deep MLP on random inputs and targets (regression), averaged over seeds."""
    logs = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        cfg = NetworkConfig(width, (width,) * depth, (activation,), "regression", init=init)
        net = MLP.create(cfg, rng)
        x, y = rng.normal(size=(n, width)), rng.normal(size=(n, 1))
        with np.errstate(over="ignore", invalid="ignore"):  # relu_squared overflows at depth: reported as inf
            _, trace = net.forward(x)
            grads = net.backward(trace, y)
            norms = np.array([math.sqrt(float(np.vdot(g, g))) for g in grads.dW])
        logs.append(np.log(np.maximum(np.nan_to_num(norms, nan=np.inf), 1e-300)))
    norms = np.exp(np.mean(logs, axis=0))
    with np.errstate(invalid="ignore"):
        ratio = norms[:-1] / norms[-1]
    bound = np.cumprod(np.full(depth, activations.get(activation).deriv_max))[::-1]
    return MeasuredFlow(activation, depth, width, init, norms, ratio, bound,
                        layer_reading(1, depth + 1, float(ratio[0]), 0, 0, width))


@dataclass(frozen=True)
class VanishingSweep(ResultMixin):
    """First-to-last gradient ratio against depth: from one depth-D net per (activation, seed),
    layer k's ratio is the ratio a net of depth D - k + 1 would show between its first and last."""

    depths: np.ndarray
    width: int
    init: str
    measured: dict  # activation -> (len(depths),) ratio
    bound: dict  # activation -> (len(depths),) (max f')^n


def sweep(names=None, max_depth: int = 50, width: int = 64, init: str = "xavier_normal", seeds: int = 5,
          n: int = 64) -> VanishingSweep:
    names = list(names or activations.names())
    depths = np.arange(1, max_depth + 1)
    measured, bound = {}, {}
    for name in names:
        flow = measure_flow(name, max_depth, width, init, seeds, n)
        # layer k (1-based) of a depth-D net is followed by D - k + 1 activations before the output
        measured[name] = flow.ratio_to_last[::-1]
        bound[name] = analytic_bound(name, depths)
    return VanishingSweep(depths, width, init, measured, bound)


@dataclass(frozen=True)
class VanishingResult(ResultMixin):
    maxima: list[DerivativeMax]
    lesson: LessonNumbers
    flows: list[MeasuredFlow]


def vanishing(names=("sigmoid", "tanh", "relu", "gelu", "silu"), depth: int = 10, width: int = 64,
              init: str = "xavier_normal", seeds: int = 5) -> VanishingResult:
    return VanishingResult(derivative_maxima(), lesson_numbers(),
                           [measure_flow(n, depth, width, init, seeds) for n in names])
