"""GELU and its approximations: exact x Phi(x), the tanh form, and quick GELU x sigma(1.702 x)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations
from ..activations import costs as cost_table
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
    ns_per_element: dict  # name -> value + derivative time per element, from the shipped cost table
    cost_order: list  # the same names, fastest first as measured: what the page may say about speed
    torch_ns_per_element: dict  # name -> PyTorch's forward + backward in the same measurement ({}: not measured)
    cost_source: str  # where and when the table was measured (activations.costs.CostTable.source)
    cost_stale: list  # why the table no longer describes the kernels (empty when current)


def gelu_approx(points: int = 801, extent: float = 6.0, timing: bool = True) -> GeluApproxResult:
    x = np.linspace(-extent, extent, points)
    g, t, q = (activations.get(n) for n in ("gelu", "gelu_tanh", "quick_gelu"))
    gap_t, gap_q = gelu_gap("gelu_tanh"), gelu_gap("quick_gelu")
    # the costs come from the benchmark's shipped table (bench/activations.py --lesson-table), not from timing
    # kernels here while the same server computes other demonstrations
    table = cost_table.shipped() if timing else None
    costs = dict(table.ns_per_element) if table else {}
    return GeluApproxResult(x, g(x), t(x), q(x), t(x) - g(x), q(x) - g(x), g.derivative(x), t.derivative(x),
                            gap_t.max_abs_error, gap_t.at_x, gap_q.max_abs_error, gap_q.at_x, costs,
                            sorted(costs, key=costs.get), dict(table.torch_ns_per_element) if table else {},
                            table.source() if table else "", list(table.stale_reasons) if table else [])
