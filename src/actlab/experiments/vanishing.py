"""The vanishing gradient: (max f')^n, the activations' share of the shrinkage, and gradients measured in deep
MLPs beside a true bound on the back-propagated signal (see instruments' module docstring for which is which)."""

from __future__ import annotations

import html
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .. import _html, activations, instruments
from ..network import MLP, NetworkConfig, head_loss_and_grad
from ..reading_record import GRAD_NORM, SIGNAL_NORM
from ..readings import LayerSummary, Reading, RunSummary, diagnose
from ._result import ResultMixin
from ._threads import one_blas_thread


@dataclass(frozen=True)
class DerivativeMax(ResultMixin):
    name: str
    deriv_max: float
    at: str
    product_at_10: float  # (max f')^10


def derivative_maxima() -> list[DerivativeMax]:
    """Every registry activation's maximal derivative and where it is reached."""
    out = []
    for name in activations.names():
        act = activations.get(name)
        out.append(DerivativeMax(name, act.deriv_max, act.deriv_argmax_text, act.deriv_max**10))
    return out


def analytic_bound(name: str, depths=range(1, 51)) -> np.ndarray:
    """(max f')^n for each n: the most a chain of n such derivatives alone can pass back. The weights multiply in
    too, so this bounds the measured ratio only when every weight matrix has spectral norm at most 1."""
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
    """Per-layer gradients at initialisation, geometric mean over seeds; layer 1 first, output layer last.

    ratio_to_last (||dL/dW_l|| / ||dW_out||) is what the lesson plots; deriv_product_to_last, (max |f'|)^n, is the
    activations' share of its shrinkage and no bound on it. signal_ratio_to_last (||dL/dz_l|| / ||dL/dz_out||)
    never exceeds signal_bound_to_last, the product of max |f'| * ||W||_2 over the layers between: a bound that
    holds for every network, seed and input (and so for their geometric means).
    """

    activation: str
    depth: int
    width: int
    init: str
    grad_norms: np.ndarray  # (depth + 1,) ||dL/dW|| per layer
    ratio_to_last: np.ndarray  # (depth,) hidden layers' ||dL/dW|| / the output layer's
    deriv_product_to_last: np.ndarray  # (depth,) (max |f'|)^n: the activations' share, not a bound
    signal_ratio_to_last: np.ndarray  # (depth,) ||dL/dz_l|| / ||dL/dz_out||
    signal_bound_to_last: np.ndarray  # (depth,) prod of max |f'| * ||W_next||_2: bounds signal_ratio_to_last
    reading: Reading

    _COLUMNS = ("layer", GRAD_NORM, f"{GRAD_NORM} / output's", "(max |f′|)^n", f"{SIGNAL_NORM} / output's",
                "bound on it")

    def _rows(self) -> list[tuple]:
        return [(i + 1, self.grad_norms[i], self.ratio_to_last[i], self.deriv_product_to_last[i],
                 self.signal_ratio_to_last[i], self.signal_bound_to_last[i]) for i in range(self.depth)]

    def __str__(self) -> str:
        return (f"{self.activation}, {self.depth} layers of {self.width}, {self.init}: {self.reading.words}\n"
                + _html.text_table(self._COLUMNS, self._rows()))

    def _repr_html_(self) -> str:
        """A row per hidden layer, layer 1 first, under the reading (a notebook shows this)."""
        caption = f"{self.activation}: {self.depth} layers of {self.width} units, {self.init} initialisation"
        return (f"<p><b>{html.escape(self.reading.status.value)}</b>: {html.escape(self.reading.words)}</p>"
                + _html.grid(self._COLUMNS, self._rows(), caption=caption))


def _geometric_mean(rows: list[np.ndarray]) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logs = np.log(np.nan_to_num(np.asarray(rows, dtype=float), nan=np.inf))
        return np.exp(np.mean(logs, axis=0))


def _weight_grad_norms(net: MLP, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """||dL/dW_l|| for every layer, output layer last: what instruments.grad_norms(net.backward(...)) returns,
    without forming dW (the sweep reads nothing else, and dW was its largest matrix product).

    dW_l = A^T dZ with A the layer's input (N, fan_in) and dZ its loss gradient (N, fan_out), so
    ||dL/dW_l||^2 = <A A^T, dZ dZ^T>: two N x N Gram matrices, a quarter of the work at N = 64, width 256.
    The recursion for dZ is MLP.backward's.
    """
    _, trace = net.forward(x)
    _, dz = head_loss_and_grad(net.config.head, trace.zs[-1], y)  # (N, K)
    norms = np.empty(net.n_layers)
    for l in range(net.n_layers - 1, -1, -1):
        a = trace.outs[l]  # (N, fan_in)
        if a.shape[0] < min(a.shape[1], dz.shape[1]):
            norms[l] = math.sqrt(max(float(np.vdot(a @ a.T, dz @ dz.T)), 0.0))
        else:
            g = a.T @ dz  # (fan_in, fan_out)
            norms[l] = math.sqrt(float(np.vdot(g, g)))
        if l == 0:
            break
        da = dz @ net.weights[l].T  # (N, width of layer l)
        act = net.activations[l - 1]
        d_act = trace.derivs[l - 1]
        if d_act is None:
            d_act = act.derivative_array(trace.zs[l - 1], trace.outs[l])
        if act.is_gated:
            dz = np.concatenate([da, da], axis=1) * d_act  # (N, 2H)
        else:
            da *= d_act
            dz = da  # (N, H)
    return norms


# Activations per stacked pass in sweep(): their batches stacked into one (K n, width) matrix make each layer's
# product one larger GEMM, which BLAS runs 1.3-1.4x faster per row than K products of n = 64 rows (width 256);
# six keep the stacked trace near 40 MB at width 256 and 50 layers.
_STACK = 6


def _stacked_weight_grad_norms(acts: list, weights: list, biases: list, x: np.ndarray, y: np.ndarray, head: str
                               ) -> list[np.ndarray]:
    """_weight_grad_norms for several activations of one architecture sharing the same weights and data: each
    layer's forward and backward product is one GEMM over the activations' batches stacked (K n rows, the
    activation applied slice by slice), and each layer's ||dL/dW|| comes from batched Gram matrices. Returns one
    norms array per activation, output layer last, equal to _weight_grad_norms's to round-off."""
    k, n = len(acts), x.shape[0]
    parts = [slice(i * n, (i + 1) * n) for i in range(k)]
    a = np.concatenate([x] * k)  # (K n, D)
    outs, zs, derivs = [a], [], []
    for l, w in enumerate(weights):
        if l == 0:  # every activation's first layer sees the same x: one product of n rows, repeated
            z0 = x @ w  # (n, fan_out)
            z0 += biases[0]
            z = np.concatenate([z0] * k)  # (K n, fan_out)
        else:
            z = a @ w  # (K n, fan_out)
            z += biases[l]
        zs.append(z)
        if l == len(weights) - 1:
            break
        pairs = [act.forward_and_derivative_array(z[part]) for act, part in zip(acts, parts, strict=True)]
        a = np.concatenate([p[0] for p in pairs])  # (K n, H)
        derivs.append([p[1] for p in pairs])
        outs.append(a)
    dz = np.concatenate([head_loss_and_grad(head, zs[-1][part], y)[1] for part in parts])  # (K n, K_out)
    norms = np.empty((k, len(weights)))
    for l in range(len(weights) - 1, -1, -1):
        a3 = outs[l].reshape(k, n, -1)  # (K, n, fan_in)
        dz3 = dz.reshape(k, n, -1)  # (K, n, fan_out)
        if n < min(a3.shape[2], dz3.shape[2]):
            gram = np.matmul(a3, a3.transpose(0, 2, 1))
            gram *= np.matmul(dz3, dz3.transpose(0, 2, 1))
            norms[:, l] = np.sqrt(np.maximum(gram.sum(axis=(1, 2)), 0.0))
        else:
            g = np.matmul(a3.transpose(0, 2, 1), dz3)  # (K, fan_in, fan_out)
            norms[:, l] = np.sqrt(np.einsum("kij,kij->k", g, g))
        if l == 0:
            break
        da = dz @ weights[l].T  # (K n, width of layer l)
        dz = np.concatenate([da, da], axis=1) if acts[0].is_gated else da  # (K n, 2H) or (K n, H)
        for act, part, d in zip(acts, parts, derivs[l - 1], strict=True):  # each slice times its own f', in place
            dz[part] *= d if d is not None else act.derivative_array(zs[l - 1][part], outs[l][part])
    return list(norms)


def _draw(cfg: NetworkConfig, seed: int, n: int) -> tuple[MLP, np.ndarray, np.ndarray]:
    """A seed's network and data (x, y) for ``cfg``: what _flow_one_seed draws for it."""
    rng = np.random.default_rng(seed)
    net = MLP.create(cfg, rng)
    return net, rng.normal(size=(n, cfg.input_dim)), rng.normal(size=(n, 1))


def _sweep_groups(names: list[str], depth: int, width: int, init: str, seeds: int
                  ) -> list[tuple[int, list[str], list[NetworkConfig]]]:
    """(seed, activations, their configs) for each seed's plain and then gated activations: the weights and data
    depend on the activation only through whether it is gated (as _flow_one_seed's draws shares them), so each
    group is drawn once and serves all its activations."""
    out = []
    for seed in range(seeds):
        for gated in (False, True):
            group = [name for name in names if activations.get(name).is_gated == gated]
            if group:
                cfgs = [NetworkConfig(width, (width,) * depth, (name,), "regression", init=init) for name in group]
                out.append((seed, group, cfgs))
    return out


def _group_norms(group: list[str], cfgs: list[NetworkConfig], net: MLP, x: np.ndarray, y: np.ndarray
                 ) -> dict[str, np.ndarray]:
    """||dL/dW|| per layer for each activation of ``group`` on one drawn network, as _flow_one_seed(norms_only=True)
    gives them: the activations run _STACK at a time through _stacked_weight_grad_norms."""
    out: dict[str, np.ndarray] = {}
    stacks = -(-len(group) // _STACK)
    bounds = np.linspace(0, len(group), stacks + 1).round().astype(int)  # even stacks: 20 as 5 x 4, not 6 6 6 2
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        acts = [cfg.resolved_activations()[0] for cfg in cfgs[lo:hi]]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # relu_squared overflows at depth
            norms = _stacked_weight_grad_norms(acts, net.weights, net.biases, x, y, cfgs[0].head)
        out.update(zip(group[lo:hi], norms, strict=True))
    return out


def _flow_one_seed(activation: str, depth: int, width: int, init: str, seed: int, n: int, draws: dict | None = None,
                   with_bounds: bool = True, norms_only: bool = False
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """One seed's (||dL/dW|| per layer, ||dL/dz|| per layer or None with ``norms_only``, signal bounds or None).

    The weights and data a seed draws depend on the activation only through whether it is gated (a gated layer
    draws twice the columns), so ``draws``, when given, keeps them for the next activation of the same seed.
    """
    cfg = NetworkConfig(width, (width,) * depth, (activation,), "regression", init=init)
    key = (seed, activations.get(activation).is_gated)
    if draws is not None and key in draws:
        weights, x, y = draws[key]
        net = MLP(cfg, list(weights), [np.full(w.shape[1], cfg.bias_init) for w in weights], cfg.resolved_activations())
    else:
        rng = np.random.default_rng(seed)
        net = MLP.create(cfg, rng)
        x, y = rng.normal(size=(n, width)), rng.normal(size=(n, 1))
        if draws is not None:
            draws[key] = (list(net.weights), x, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # relu_squared overflows at depth
        if norms_only:
            return _weight_grad_norms(net, x, y), None, None
        _, trace = net.forward(x)
        grads = net.backward(trace, y)
        return (instruments.grad_norms(grads), instruments.signal_norms(grads),
                instruments.signal_bounds(net) if with_bounds else None)


def measure_flow(activation: str, depth: int = 20, width: int = 64, init: str = "xavier_normal", seeds: int = 5,
                 n: int = 128) -> MeasuredFlow:
    """Gradients of a fresh deep MLP on random inputs and targets (regression), averaged over seeds."""
    norms, ratios, signals, signal_ratios, signal_bounds = [], [], [], [], []
    for seed in range(seeds):
        g, sig, bounds = _flow_one_seed(activation, depth, width, init, seed, n)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            norms.append(g)
            signals.append(sig)
            ratios.append(g[:-1] / g[-1])
            signal_ratios.append(sig[:-1] / sig[-1])
            signal_bounds.append(bounds)
    mean_norms = _geometric_mean(norms)
    ratio = _geometric_mean(ratios)
    act = activations.get(activation)
    products = np.cumprod(np.full(depth, instruments.max_abs_derivative(act)))[::-1]
    mean_signals = _geometric_mean(signals)
    # the reading weighs the signal passed back too: with ReLU and Xavier weights the forward activations shrink
    # with depth, so ||dL/dW|| shrinks at the output as well and its ratio alone looked healthy
    summary = RunSummary(tuple(LayerSummary(activation, width, float(v), signal_norm=float(sg))
                               for v, sg in zip(mean_norms[:-1], mean_signals[:-1], strict=True)),
                         float(mean_norms[-1]), output_signal_norm=float(mean_signals[-1]))
    return MeasuredFlow(activation, depth, width, init, mean_norms, ratio, products, _geometric_mean(signal_ratios),
                        _geometric_mean(signal_bounds), diagnose(summary))


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
    ratios: dict[str, list[np.ndarray]] = {name: [] for name in names}
    groups = _sweep_groups(names, max_depth, width, init, seeds)
    # A second thread draws the next group's weights while this one computes (the draws and the GEMMs release the
    # GIL): 7-10% of the sweep's CPU at width 256 is drawing normals. Each draw has its own seeded Generator, so
    # the numbers do not depend on the thread. Its GEMMs run on one BLAS thread: they are small, and two OpenBLAS
    # threads took 36 s of CPU at width 256 where one took 10 (2 cores, load 4).
    with one_blas_thread(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="actlab-sweep-draw") as pool:
        pending = pool.submit(_draw, groups[0][2][0], groups[0][0], n) if groups else None
        for i, (_, group, cfgs) in enumerate(groups):
            net, x, y = pending.result()
            if i + 1 < len(groups):  # one group ahead only: a drawn width-256 net of 50 layers holds 26-52 MB
                pending = pool.submit(_draw, groups[i + 1][2][0], groups[i + 1][0], n)
            for name, g in _group_norms(group, cfgs, net, x, y).items():
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    ratios[name].append(g[:-1] / g[-1])
            del net, x, y
    measured, bound = {}, {}
    for name in names:
        # layer k (1-based) of a depth-D net is followed by D - k + 1 activations before the output
        measured[name] = _geometric_mean(ratios[name])[::-1]
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
