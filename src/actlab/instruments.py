"""Pure readers of a training step: gradient flow, saturation, dead and dormant units.

Every function takes what forward()/backward() produced (a Trace, Grads) and the network's
activations, and returns small arrays or records; none modifies the network. Layer index l runs
over hidden layers 0..H-1 (the output layer is reported separately as "last"). The verdict on the
whole network is readings.diagnose(), fed by summarise().

Two per-layer lines sit beside the measured gradient ratio, and only one of them is a bound:
  deriv_product_to_last  (max |f'|)^n over the activations between the layer and the output: the
                         activations' share of the shrinkage. The weights and the layer inputs enter
                         ||dL/dW|| too, so the measured ratio can lie above it.
  signal_bound_to_last   prod over those layers of max |f'| * ||W_next||_2: an upper bound on the
                         back-propagated signal ||dL/dz_l|| / ||dL/dz_out||, which holds for every
                         network (each row of dz_l is (dz_(l+1) W^T) * f'(z_l), and ||v W^T|| <= ||W||_2 ||v||).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._json import fields_jsonable
from .network import MLP, Grads, Trace, head_output
from .reading_record import WeightSwing
from .readings import (
    EXPLODING_RATIO,
    VANISHING_RATIO,
    LayerSummary,
    RunSummary,
    grad_floor,
    grad_ratio,
    low_gradient_word,
    sci,
)

SATURATION_FRACTION = 0.01  # a unit is saturated when its mean derivative is below 1% of the maximum
DORMANT_TAU = 0.025  # Sokar et al. (2023): tau-dormant when its share of the layer's mean activity <= tau


@dataclass(frozen=True)
class LayerReading:
    """One hidden layer's instruments at one step."""

    layer: int  # 1-based, as a learner counts
    activation: str
    width: int
    grad_norm: float  # ||dL/dW|| of this layer
    signal_norm: float  # ||dL/dz||, the back-propagated signal at this layer
    grad_ratio_to_last: float  # grad_norm / grad_norm of the output layer; NaN when that is 0
    deriv_product_to_last: float  # (max |f'|)^n from this layer to the output: the activations' share, no bound
    signal_ratio_to_last: float  # signal_norm / the output layer's signal norm; NaN when that is 0
    signal_bound_to_last: float  # prod of max |f'| * ||W_next||_2: bounds signal_ratio_to_last; NaN unless asked for
    act_mean: float
    act_std: float
    act_p05: float
    act_p50: float
    act_p95: float
    saturated_fraction: float  # saturated but not dead (a dead unit is counted once, as dead)
    dead_fraction: float  # never active on the data given (derivative exactly 0 for every sample)
    dormant_fraction: float
    saturated_units: tuple[int, ...]
    dead_units: tuple[int, ...]
    reading: str
    # what saturated_units are called (readings.low_gradient_word): "rarely active" for ReLU, which cannot saturate
    low_word: str = "saturated"

    def to_dict(self) -> dict:
        """JSON-ready (_json.jsonable): a ratio with no output gradient to divide by (NaN) is null."""
        return fields_jsonable(self)


@dataclass(frozen=True)
class NetworkReading:
    """Every hidden layer's instruments, the output layer's gradient, and how stuck the output is."""

    layers: tuple[LayerReading, ...]
    last_grad_norm: float
    first_to_last_ratio: float  # NaN when the output layer has no gradient
    output_stuck_fraction: float | None = None  # see output_stuck_fraction(); None for heads that cannot saturate
    last_signal_norm: float | None = None  # ||dL/dz|| at the output layer
    input_rms: float | None = None  # root mean square of the network's inputs

    def to_dict(self) -> dict:
        """JSON-ready (_json.jsonable), each layer by LayerReading.to_dict()."""
        return fields_jsonable(self)

    def summary(self, loss: float | None = None, chance_loss: float | None = None, epochs: int | None = None,
                steps: int | None = None, diverged_at_step: int | None = None, test_loss: float | None = None,
                test_chance_loss: float | None = None, *, last_finite_step: int | None = None,
                recent_losses: tuple[float, ...] | None = None, recent_loss_steps: tuple[int, ...] | None = None,
                lowest_judged_loss: float | None = None, lowest_judged_step: int | None = None) -> RunSummary:
        """The backend-neutral summary that readings.diagnose() reads. Every field by name: RunSummary's order
        is not this one's (a field inserted there once moved the output's signal norm into last_finite_step)."""
        layers = tuple(LayerSummary(l.activation, l.width, l.grad_norm, len(l.dead_units),
                                    len(l.saturated_units) + len(l.dead_units), l.signal_norm)
                       for l in self.layers)
        return RunSummary(layers=layers, output_grad_norm=self.last_grad_norm, loss=loss, chance_loss=chance_loss,
                          epochs=epochs, steps=steps, output_stuck_fraction=self.output_stuck_fraction,
                          diverged_at_step=diverged_at_step, last_finite_step=last_finite_step,
                          output_signal_norm=self.last_signal_norm, test_loss=test_loss,
                          test_chance_loss=test_chance_loss, input_rms=self.input_rms, recent_losses=recent_losses,
                          recent_loss_steps=recent_loss_steps, lowest_judged_loss=lowest_judged_loss,
                          lowest_judged_step=lowest_judged_step)


def grad_norms(grads: Grads) -> np.ndarray:
    """||dL/dW_l|| for every layer, output layer last, (L,). A gradient whose square overflows has an infinite norm,
    which is what it is read as, without a RuntimeWarning on the learner's terminal (a run blowing up at lr 3)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array([math.sqrt(float(np.sum(g * g))) for g in grads.dW])


def signal_norms(grads: Grads) -> np.ndarray:
    """||dL/dz_l|| for every layer, (L,)."""
    return np.array([math.sqrt(float(np.sum(g * g))) for g in grads.dz])


def weight_swing(before: np.ndarray, after: np.ndarray) -> WeightSwing:
    """The weights' last update, before and after it (flat, the same order). A weight that an update carries across
    0 (a product of its two values below 0) has flipped; its share is weighed by size, so that weights that L1
    regularisation holds near 0, which cross it by lr x rate on every update, count for as little as they are big."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    size = np.abs(after)
    flipped = (np.signbit(before) != np.signbit(after)) & (before != 0) & (after != 0)
    with np.errstate(over="ignore", invalid="ignore"):  # weights blowing up are read as what they are
        total = float(size.sum())
        share = float(size[flipped].sum() / total) if 0 < total < math.inf else 0.0
        norm = math.sqrt(float(np.dot(before, before)))
        step = math.sqrt(float(np.sum((after - before) ** 2)))
    ratio = step / norm if norm > 0 else (0.0 if step == 0 else math.inf)
    return WeightSwing(share, ratio, total / size.size if size.size else 0.0)


def max_abs_derivative(act) -> float:
    """sup |f'(x)|: the larger of |lowest| and highest derivative (GELU's f' dips below 0). A gated layer passes
    its signal through both halves, each at most this large, hence the sqrt(2)."""
    lo, hi = act.deriv_range
    m = max(abs(lo), abs(hi), act.deriv_max)
    return m * math.sqrt(2) if act.is_gated else m


def deriv_products(net: MLP) -> np.ndarray:
    """For each hidden layer l, the product of max |f'| over layers l..H-1: the activations' share of how much
    the gradient shrinks on its way back from the output layer. Not a bound on ||dL/dW||: see the module docstring.
    (H,)"""
    maxima = np.array([max_abs_derivative(a) for a in net.activations], dtype=float)
    return np.cumprod(maxima[::-1])[::-1] if maxima.size else maxima


def signal_bounds(net: MLP) -> np.ndarray:
    """For each hidden layer l, prod over j = l..H-1 of max |f'_j| * ||W_(j+1)||_2: an upper bound on
    ||dL/dz_l|| / ||dL/dz_out|| for any input batch. (H,)"""
    factors = np.array([max_abs_derivative(a) * float(np.linalg.norm(net.weights[j + 1], 2))
                        for j, a in enumerate(net.activations)], dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # an infinite max |f'| makes the bound infinite, as it is
        return np.cumprod(factors[::-1])[::-1] if factors.size else factors


def output_stuck_fraction(head: str, logits: np.ndarray, targets: np.ndarray) -> float | None:
    """Share of samples the output gets wrong while its derivative is below 1% of its maximum: MSE on a tanh or
    sigmoid output sends those samples almost no gradient. None for heads whose gradient cannot vanish that way."""
    if head not in ("tanh_mse", "sigmoid_mse"):
        return None
    out = head_output(head, logits)[:, 0]
    t = np.asarray(targets, dtype=float).reshape(len(out), -1)[:, 0]
    if head == "tanh_mse":
        slope, wrong = (1 - out * out), np.abs(out - t) > 1.0  # tanh' = 1 - o^2, max 1; targets are -1 and +1
    else:
        slope, wrong = out * (1 - out) / 0.25, np.abs(out - t) > 0.5  # sigma' = o (1 - o), max 1/4
    return float(np.mean((slope < SATURATION_FRACTION) & wrong))


def unit_derivatives(net: MLP, trace: Trace) -> list[np.ndarray]:
    """f'(z) per sample and unit for every hidden layer, (N, H) each; gated layers use d/d(gate)."""
    return [unit_derivative(act, trace.zs[l]) for l, act in enumerate(net.activations)]


def unit_derivative(act, z: np.ndarray) -> np.ndarray:
    """|f'(z)| per sample and unit of one hidden layer, (N, H); a gated layer's d/d(gate) half."""
    d = act.derivative(z)
    if act.is_gated:
        d = d[:, d.shape[1] // 2:]
    return np.abs(d)


def saturation_limit(act) -> float:
    """The mean |f'| under which a unit of activation record ``act`` is saturated: SATURATION_FRACTION of its max f';
    0, so that none is, where f' never goes below that share (LeakyReLU with a slope of 0.01 or more: W30 walkthrough,
    its units on the leak sat exactly on the line and read '32 of 64 units saturated' at slope 0.01 by float32's
    rounding, none at 0.02, in the same state). The one rule the engine and the monitor count by."""
    limit = SATURATION_FRACTION * (act.deriv_max if math.isfinite(act.deriv_max) else 1.0)
    least = act.deriv_range[0]
    return 0.0 if math.isfinite(least) and least >= limit * (1 - 1e-6) else limit


def saturated_mask(act, derivs: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Units whose mean |f'| over the batch is below saturation_limit (1% of max f'), or whose outputs sit within 1%
    of the output's scale of a level the record says it saturates at (Activation.saturates_at: tanh's +-1, sigmoid's
    0 and 1). (H,)"""
    return (derivs.mean(axis=0) < saturation_limit(act)) | act.saturated_outputs(outputs, SATURATION_FRACTION)


def dead_mask(derivs: np.ndarray) -> np.ndarray:
    """Units with f'(z) = 0 on every sample given: no gradient can reach them (Keras-style dead). (H,)"""
    return np.all(derivs == 0, axis=0)


def dormant_mask(outputs: np.ndarray, tau: float = DORMANT_TAU) -> np.ndarray:
    """Sokar et al. (2023): unit i is tau-dormant when E|h_i| / mean_j E|h_j| <= tau. (H,)"""
    activity = np.abs(outputs).mean(axis=0)
    mean = activity.mean()
    return activity <= tau * mean if mean > 0 else np.ones_like(activity, dtype=bool)


def read(net: MLP, trace: Trace, grads: Grads, targets: np.ndarray | None = None,
         with_bounds: bool = False) -> NetworkReading:
    """Every hidden layer's instruments, from one forward/backward (``targets``: what backward() was given,
    for the output's saturation). ``with_bounds`` adds the signal bound, one spectral norm per layer (0.76 s of
    CPU at the playground's hard cap of 32 x 256, so training frames, which never show it, leave it NaN)."""
    common = read_common(net, grads, with_bounds)
    layers = [read_layer(net, trace, l, common) for l in range(len(net.activations))]
    return read_network(net, trace, targets, common, layers)


def read_common(net: MLP, grads: Grads, with_bounds: bool = False) -> dict:
    """What every layer's reading uses: the gradient and signal norms, the derivative products and the bounds."""
    return {"norms": grad_norms(grads), "signals": signal_norms(grads), "products": deriv_products(net),
            "bounds": signal_bounds(net) if with_bounds else np.full(len(net.activations), np.nan)}


def read_layer(net: MLP, trace: Trace, l: int, common: dict) -> LayerReading:
    """Hidden layer l's instruments (read() calls it for each layer; the playground spreads them over frames)."""
    act = net.activations[l]
    norms, signals = common["norms"], common["signals"]
    last = float(norms[-1])
    derivs = unit_derivative(act, trace.zs[l])
    h = trace.outs[l + 1]
    sat = saturated_mask(act, derivs, h)
    # an underflowed f' of sigmoid or tanh is saturation: only a function with a zero region has dead units
    dead = dead_mask(derivs) if act.has_zero_region else np.zeros(derivs.shape[1], dtype=bool)
    dormant = dormant_mask(h)
    ratio = grad_ratio(float(norms[l]), last)
    p05, p50, p95 = _percentiles(h)
    width = h.shape[1]
    return LayerReading(
        layer=l + 1, activation=act.name, width=width, grad_norm=float(norms[l]), signal_norm=float(signals[l]),
        grad_ratio_to_last=ratio, deriv_product_to_last=float(common["products"][l]),
        signal_ratio_to_last=grad_ratio(float(signals[l]), float(signals[-1])),
        signal_bound_to_last=float(common["bounds"][l]), act_mean=float(h.mean()),
        act_std=float(h.std()), act_p05=float(p05), act_p50=float(p50), act_p95=float(p95),
        saturated_fraction=float((sat & ~dead).mean()), dead_fraction=float(dead.mean()),
        dormant_fraction=float(dormant.mean()), saturated_units=tuple(np.flatnonzero(sat & ~dead).tolist()),
        dead_units=tuple(np.flatnonzero(dead).tolist()),
        reading=layer_reading(l + 1, "the output layer", ratio, int(dead.sum()), int(sat.sum()), width,
                              float(norms[l]), last, low_word=low_gradient_word(act)),
        low_word=low_gradient_word(act),
    )


def read_network(net: MLP, trace: Trace, targets: np.ndarray | None, common: dict,
                 layers: list[LayerReading]) -> NetworkReading:
    """The network's reading from its layers' (read_layer) and the output layer's."""
    norms, signals = common["norms"], common["signals"]
    first_ratio = layers[0].grad_ratio_to_last if layers else math.nan
    stuck = output_stuck_fraction(net.config.head, trace.zs[-1], targets) if targets is not None else None
    x = trace.outs[0]
    rms = math.sqrt(float(np.vdot(x, x)) / x.size) if x.size else None
    return NetworkReading(tuple(layers), float(norms[-1]), first_ratio, stuck, float(signals[-1]), rms)


def _percentiles(h: np.ndarray) -> tuple[float, float, float]:
    """5th, 50th and 95th percentiles (nearest rank): the values a full sort would put at those ranks (NaN last, as
    in a sort). One partition at the median, then one of each half: 35 us on a 250 x 32 tanh layer where np.sort
    took 56 (same process, interleaved, load 5 on 2 cores)."""
    last = h.size - 1
    low, mid, high = (round(q * last) for q in (0.05, 0.5, 0.95))
    flat = np.partition(h.ravel(), mid)  # a copy; ravel() first: partition(axis=None) was slower than a sort
    p05 = flat[low] if low == mid else np.partition(flat[:mid], low)[low]
    p95 = flat[high] if high == mid else np.partition(flat[mid + 1:], high - mid - 1)[high - mid - 1]
    return float(p05), float(flat[mid]), float(p95)


def layer_reading(layer: int | str, last_layer: int | str, ratio: float, dead: int, saturated: int, width: int,
                  grad_norm: float | None = None, last_grad_norm: float | None = None,
                  loss: float | None = None, low_word: str = "saturated", low_named: str = "") -> str:
    """One layer's state in words, most serious first. ``layer`` and ``last_layer`` are numbers ("layer 2") or
    labels as they should read ("module 'fc1'"). ``saturated`` counts the dead units too (f' = 0 is below any
    threshold); the words count each unit once. A layer with nothing to report gets "": whether the network is
    healthy is the network's reading (readings.diagnose), which also weighs the loss. When ``last_grad_norm`` is
    below readings.grad_floor(loss) the ratio is of round-off and is not read as vanishing or exploding.
    ``low_named`` follows their count where given (a monitor's "by index: 0, 9").
    ``low_word`` names the units under the saturation threshold (readings.low_gradient_word: "rarely active" for
    ReLU, which cannot saturate)."""
    name = layer if isinstance(layer, str) else f"layer {layer}"
    last = last_layer if isinstance(last_layer, str) else f"layer {last_layer}"
    parts = []
    if dead == width:
        parts.append(f"the only unit in {name} is dead" if width == 1 else f"all {width} units in {name} are dead")
    elif dead:
        parts.append(f"{dead} of {width} units in {name} {'is' if dead == 1 else 'are'} dead")
    if saturated > dead:
        more = saturated - dead
        parts.append((f"{more} more {low_word}" if dead else f"the only unit {low_word}" if width == 1
                      else f"{more} of {width} units {low_word}") + (f" ({low_named})" if low_named else ""))
    if grad_norm is not None and not math.isfinite(grad_norm):
        parts.insert(0, f"the gradient of {name} is not finite")
    elif math.isnan(ratio) or (last_grad_norm is not None and abs(last_grad_norm) < grad_floor(loss)):
        floor = grad_floor(loss)
        none = not grad_norm or abs(grad_norm) < floor
        parts.insert(0, f"no gradient reaches {name}" + ("" if not grad_norm else f" (below {sci(floor)})")
                     if none else f"{name} has a gradient but {last} none")
    elif ratio == 0:
        parts.insert(0, f"no gradient reaches {name}")
    elif ratio < VANISHING_RATIO:
        parts.insert(0, f"vanishing: {name} gets {sci(ratio)} of {last}'s gradient")
    elif ratio > EXPLODING_RATIO:
        parts.insert(0, f"exploding: {name} gets {sci(ratio)} times {last}'s gradient")
    return "; ".join(parts)


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
    neurons = [trace.outs[l + 1].T.reshape(-1, g, g) for l in range(len(net.activations))]
    first_out = out[:, 1] if out.shape[1] > 1 and out.shape[1] == 2 else out[:, 0]
    return {"output": first_out.reshape(grid_size, grid_size), "neurons": neurons}
