"""GELU and its approximations: exact x Phi(x), the tanh form, and quick GELU x sigma(1.702 x)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import activations
from ..activations import gelu_gap
from ._result import ResultMixin


@dataclass(frozen=True)
class GeluApproxResult(ResultMixin):
    x: np.ndarray
    exact: np.ndarray
    tanh_form: np.ndarray
    quick: np.ndarray
    error_tanh: np.ndarray  # gelu_tanh - gelu
    error_quick: np.ndarray  # quick_gelu - gelu
    deriv_exact: np.ndarray
    deriv_tanh: np.ndarray
    max_error_tanh: float
    max_error_tanh_at: float
    max_error_quick: float
    max_error_quick_at: float
    ns_per_element: dict  # name -> forward + derivative time on 10^6 float32 values
    cost_order: list  # the same names, fastest first as measured: what the page may say about speed


def time_per_element(name: str, n: int = 200_000, repeats: int = 3) -> float:
    """Best-of-repeats forward + derivative time in ns per element on 2e5 float32 values (the benchmark's
    method; small enough that the lab's first visit does not wait on it)."""
    act = activations.get(name)
    x = np.random.default_rng(0).normal(0, 3, n).astype(np.float32)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        act(x)
        act.derivative(x)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def gelu_approx(points: int = 801, extent: float = 6.0, timing: bool = True) -> GeluApproxResult:
    x = np.linspace(-extent, extent, points)
    g, t, q = (activations.get(n) for n in ("gelu", "gelu_tanh", "quick_gelu"))
    gap_t, gap_q = gelu_gap("gelu_tanh"), gelu_gap("quick_gelu")
    costs = {n: time_per_element(n) for n in ("relu", "gelu", "gelu_tanh", "quick_gelu")} if timing else {}
    return GeluApproxResult(x, g(x), t(x), q(x), t(x) - g(x), q(x) - g(x), g.derivative(x), t.derivative(x),
                            gap_t.max_abs_error, gap_t.at_x, gap_q.max_abs_error, gap_q.at_x, costs,
                            sorted(costs, key=costs.get))
