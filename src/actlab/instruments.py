"""Pure readers of a training step: gradient flow, saturation, dead and dormant units, readings.

Every function takes what forward()/backward() produced (a Trace, Grads) and the network's
activations, and returns small arrays or records; none modifies the network. Layer index l runs
over hidden layers 0..H-1 (the output layer is reported separately as "last").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .network import MLP, Grads, Trace

SATURATION_FRACTION = 0.01  # a unit is saturated when its mean derivative is below 1% of the maximum
DORMANT_TAU = 0.025  # Sokar et al. (2023): tau-dormant when its share of the layer's mean activity <= tau
VANISHING_RATIO = 1e-3  # first layer gets under 1e-3 of the last layer's gradient
EXPLODING_RATIO = 1e3


@dataclass(frozen=True)
class LayerReading:
    """One hidden layer's instruments at one step."""

    layer: int  # 1-based, as a learner counts
    activation: str
    width: int
    grad_norm: float  # ||dL/dW|| of this layer
    signal_norm: float  # ||dL/dz||, the back-propagated signal at this layer
    grad_ratio_to_last: float  # grad_norm / grad_norm of the output layer
    bound_to_last: float  # product of max f' from this layer up to the output: the analytic bound
    act_mean: float
    act_std: float
    act_p05: float
    act_p50: float
    act_p95: float
    saturated_fraction: float
    dead_fraction: float  # never active on the data given (derivative exactly 0 for every sample)
    dormant_fraction: float
    saturated_units: tuple[int, ...]
    dead_units: tuple[int, ...]
    reading: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class NetworkReading:
    layers: tuple[LayerReading, ...]
    last_grad_norm: float
    first_to_last_ratio: float
    reading: str

    def to_dict(self) -> dict:
        return {"layers": [l.to_dict() for l in self.layers], "last_grad_norm": self.last_grad_norm,
                "first_to_last_ratio": self.first_to_last_ratio, "reading": self.reading}


def grad_norms(grads: Grads) -> np.ndarray:
    """||dW_l|| for every layer, output layer last, (L,)."""
    return np.array([math.sqrt(float(np.sum(g * g))) for g in grads.dW])


def signal_norms(grads: Grads) -> np.ndarray:
    """||dL/dz_l|| for every layer, (L,)."""
    return np.array([math.sqrt(float(np.sum(g * g))) for g in grads.dz])


def analytic_bounds(net: MLP) -> np.ndarray:
    """For each hidden layer l, the product of max f' over layers l..H-1: how much the activations
    alone can at most pass back from the output layer (weights aside). (H,)"""
    maxima = np.array([a.deriv_max for a in net.acts], dtype=float)
    return np.cumprod(maxima[::-1])[::-1] if maxima.size else maxima


def unit_derivatives(net: MLP, trace: Trace) -> list[np.ndarray]:
    """f'(z) per sample and unit for every hidden layer, (N, H) each; gated layers use d/d(gate)."""
    out = []
    for l, act in enumerate(net.acts):
        d = act.derivative(trace.zs[l])
        if act.is_gated:
            h = d.shape[1] // 2
            d = d[:, h:]
        out.append(np.abs(d))
    return out


def saturated_mask(act, derivs: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Units whose mean |f'| over the batch is below 1% of max f' (tanh: or mean |h| > 0.99). (H,)"""
    limit = SATURATION_FRACTION * (act.deriv_max if math.isfinite(act.deriv_max) else 1.0)
    mask = derivs.mean(axis=0) < limit
    if act.name in ("tanh", "hardtanh", "softsign"):
        mask |= np.abs(outputs).mean(axis=0) > 0.99
    return mask


def dead_mask(derivs: np.ndarray) -> np.ndarray:
    """Units with f'(z) = 0 on every sample given: no gradient can reach them (Keras-style dead). (H,)"""
    return np.all(derivs == 0, axis=0)


def dormant_mask(outputs: np.ndarray, tau: float = DORMANT_TAU) -> np.ndarray:
    """Sokar et al. (2023): unit i is tau-dormant when E|h_i| / mean_j E|h_j| <= tau. (H,)"""
    activity = np.abs(outputs).mean(axis=0)
    mean = activity.mean()
    return activity <= tau * mean if mean > 0 else np.ones_like(activity, dtype=bool)


def read(net: MLP, trace: Trace, grads: Grads) -> NetworkReading:
    """Every hidden layer's instruments and the plain-language readings, from one forward/backward."""
    norms = grad_norms(grads)
    signals = signal_norms(grads)
    last = float(norms[-1])
    bounds = analytic_bounds(net)
    derivs = unit_derivatives(net, trace)
    layers = []
    for l, act in enumerate(net.acts):
        h = trace.acts[l + 1]
        sat = saturated_mask(act, derivs[l], h)
        dead = dead_mask(derivs[l])
        dormant = dormant_mask(h)
        ratio = float(norms[l]) / last if last > 0 else math.inf if norms[l] > 0 else 1.0
        p05, p50, p95 = _percentiles(h)
        width = h.shape[1]
        layers.append(LayerReading(
            layer=l + 1, activation=act.name, width=width, grad_norm=float(norms[l]), signal_norm=float(signals[l]),
            grad_ratio_to_last=ratio, bound_to_last=float(bounds[l]), act_mean=float(h.mean()),
            act_std=float(h.std()), act_p05=float(p05), act_p50=float(p50), act_p95=float(p95),
            saturated_fraction=float(sat.mean()), dead_fraction=float(dead.mean()),
            dormant_fraction=float(dormant.mean()), saturated_units=tuple(np.flatnonzero(sat).tolist()),
            dead_units=tuple(np.flatnonzero(dead).tolist()),
            reading=layer_reading(l + 1, len(net.acts) + 1, ratio, int(dead.sum()), int(sat.sum()), width),
        ))
    first_ratio = layers[0].grad_ratio_to_last if layers else 1.0
    return NetworkReading(tuple(layers), last, first_ratio, network_reading(layers, len(net.acts) + 1))


def _percentiles(h: np.ndarray) -> tuple[float, float, float]:
    """5th, 50th and 95th percentiles (nearest rank): one sort, far cheaper than np.percentile here."""
    flat = np.sort(h, axis=None)
    last = flat.size - 1
    return tuple(float(flat[round(q * last)]) for q in (0.05, 0.5, 0.95))


def _sci(v: float) -> str:
    return f"{v:.1e}".replace("e-0", "e-").replace("e+0", "e")


def layer_reading(layer: int, last_layer: int, ratio: float, dead: int, saturated: int, width: int) -> str:
    """One layer's state in words, most serious first. ``saturated`` counts the dead units too (f' = 0 is below
    any threshold); the words count each unit once."""
    parts = []
    if dead == width:
        parts.append(f"all {width} units in layer {layer} are dead")
    elif dead:
        parts.append(f"{dead} of {width} units in layer {layer} are dead")
    if saturated > dead:
        more = saturated - dead
        parts.append(f"{more} more saturated" if dead else f"{more} of {width} units saturated")
    if ratio < VANISHING_RATIO:
        parts.insert(0, f"vanishing: layer {layer} gets {_sci(ratio)} of layer {last_layer}'s gradient")
    elif ratio > EXPLODING_RATIO:
        parts.insert(0, f"exploding: layer {layer} gets {_sci(ratio)} times layer {last_layer}'s gradient")
    return "; ".join(parts) if parts else "healthy"


def network_reading(layers: list[LayerReading], last_layer: int) -> str:
    if not layers:
        return "no hidden layers: a linear model"
    first = layers[0]
    dead = sum(round(l.dead_fraction * l.width) for l in layers)
    total = sum(l.width for l in layers)
    parts = []
    if first.grad_ratio_to_last < VANISHING_RATIO:
        parts.append(f"vanishing: layer 1 gets {_sci(first.grad_ratio_to_last)} of layer {last_layer}'s gradient")
    elif first.grad_ratio_to_last > EXPLODING_RATIO:
        parts.append(f"exploding: layer 1 gets {_sci(first.grad_ratio_to_last)} times layer {last_layer}'s gradient")
    if dead:
        parts.append(f"{dead} of {total} hidden units are dead")
    return "; ".join(parts) if parts else "healthy"


def plane_grid(g: int, extent: float = 6.0) -> np.ndarray:
    """(g * g, 2) points of a g x g grid over [-extent, extent]^2, row 0 at the top (largest x2)."""
    xs = np.linspace(-extent, extent, g)
    x1, x2 = np.meshgrid(xs, xs[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def surfaces(net: MLP, feature_fn, grid_size: int = 100, extent: float = 6.0,
             neuron_grid: int | None = None) -> dict[str, np.ndarray]:
    """The output over a G x G grid of the input plane, and each hidden neuron's output.

    feature_fn maps (M, 2) points to the network's inputs. Returns {"output": (G, G),
    "neurons": list per hidden layer of (H, g, g)} with g = neuron_grid or G. Row 0 is the top
    (largest x2), as an image is drawn.
    """
    out, _ = net.forward(feature_fn(plane_grid(grid_size, extent)))
    g = neuron_grid or grid_size
    _, trace = net.forward(feature_fn(plane_grid(g, extent)))
    neurons = [trace.acts[l + 1].T.reshape(-1, g, g) for l in range(len(net.acts))]
    first_out = out[:, 1] if out.shape[1] > 1 and out.shape[1] == 2 else out[:, 0]
    return {"output": first_out.reshape(grid_size, grid_size), "neurons": neurons}
