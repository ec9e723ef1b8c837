"""The framework conventions the lesson talks about, computed from the registry."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .registry import ALIASES, REGISTRY, get


@dataclass(frozen=True)
class GeluGap:
    """How far the tanh (or sigmoid) approximation is from exact GELU over [-10, 10]."""

    approximation: str
    max_abs_error: float
    at_x: float  # the positive location; the error is the same size at -at_x for gelu_tanh


# ReLU'(0) in the frameworks. PyTorch's is measured against torch in tests/activations/test_torch_reference.py;
# TensorFlow's is its documented gradient (tf.nn.relu's gradient is 0 where the input is <= 0).
FRAMEWORK_RELU_DERIV_AT_ZERO = {"PyTorch": 0.0, "TensorFlow": 0.0}


@dataclass(frozen=True)
class Conventions:
    relu_deriv_at_zero: float
    relu_subgradient_at_zero: tuple[float, float]
    framework_relu_deriv_at_zero: dict[str, float]
    gelu_gaps: tuple[GeluGap, ...]
    gelu_names: dict[str, list[str]]  # registry key -> framework / config spellings

    def to_dict(self) -> dict:
        return asdict(self)


def gelu_gap(approximation: str = "gelu_tanh") -> GeluGap:
    """Max |gelu(x) - approximation(x)| over [-10, 10]: a grid search refined by a bounded optimiser."""
    from scipy import optimize  # here, not at the top: every playground training process imports this module,
    # and scipy.optimize alone is about 25 MB and a third of a second there

    approx, exact = get(approximation), get("gelu")

    def error(x):
        return np.abs(approx(x) - exact(x))

    x = np.linspace(-10, 10, 20_001)
    i = int(np.argmax(error(x)))
    best = optimize.minimize_scalar(lambda t: -float(error(t)), bounds=(x[i] - 1e-3, x[i] + 1e-3),
                                    method="bounded", options={"xatol": 1e-10})
    return GeluGap(approximation, float(-best.fun), float(abs(best.x)))


def conventions() -> Conventions:
    relu = REGISTRY["relu"]
    names: dict[str, list[str]] = {}
    for key in ("gelu", "gelu_tanh", "quick_gelu"):
        rec = REGISTRY[key]
        spellings = [f"torch.nn.{rec.torch_name}" if rec.torch_name else "(no PyTorch module)"]
        spellings += [f"HF hidden_act={n!r}" for n in rec.hf_names]
        spellings += [f"alias {a!r}" for a, k in ALIASES.items() if k == key and a not in rec.hf_names]
        names[key] = spellings
    return Conventions(
        relu_deriv_at_zero=float(relu.derivative(0.0)),
        relu_subgradient_at_zero=relu.subgradient_at_zero or (0.0, 1.0),
        framework_relu_deriv_at_zero=dict(FRAMEWORK_RELU_DERIV_AT_ZERO),
        gelu_gaps=(gelu_gap("gelu_tanh"), gelu_gap("quick_gelu")),
        gelu_names=names,
    )
