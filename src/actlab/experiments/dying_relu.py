"""Dying ReLU: how often a random ReLU net outputs a constant, and how many units die in training.

With weights and biases drawn symmetrically around 0, each of a layer's N units is off (z <= 0)
with probability 1/2, independently given the layer's input, so the whole layer is zero with
probability 2^-N, and a depth-L net has at least one such layer (making its output constant at that
input) with probability 1 - (1 - 2^-N)^L (Lu et al., 2019, "Dying ReLU and Initialization").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..datasets import features, make_dataset
from ..instruments import dead_mask, unit_derivatives
from ..network import NetworkConfig
from ..optim import OptimConfig
from ..readings import Reading
from ..training import Trainer
from ._result import ResultMixin


def dead_probability(width: int, depth: int) -> float:
    """1 - (1 - 2^-N)^L, as -expm1(L log1p(-2^-N)): the plain form rounds 1 - 2^-N to 1 for N > 53 (and gives 0)."""
    return -math.expm1(depth * math.log1p(-(2.0**-width)))


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """The Clopper-Pearson ("exact") interval for a binomial proportion: it holds p with chance at least ``level``
    whatever p is.

    Each end leaves (1 - level) / 2 in one tail: P(X >= k | low) = P(X <= k | high) = (1 - level) / 2, read off the
    beta distribution's quantiles. The ends are exactly 0 at k = 0 and exactly 1 at k = n. (The Wilson interval it
    replaces misses p far more often than 1 time in 20 near p = 0 or 1: 1 time in 6 at N = 3, L = 77.)
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must lie strictly between 0 and 1 (a confidence such as 0.95); got {level}")
    k, n, miss = successes, trials, 1.0 - level
    low = 0.0 if k == 0 else float(stats.beta.ppf(miss / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - miss / 2, k + 1, n - k))
    return low, high


def fresh_seed() -> int:
    """A seed from the operating system's entropy (no global random state), small enough for a URL."""
    return int(np.random.SeedSequence().entropy % 2**32)


@dataclass(frozen=True)
class MonteCarloRow(ResultMixin):
    width: int
    depth: int
    formula: float
    estimate: float
    ci_low: float
    ci_high: float
    trials: int
    seed: int  # the same seed draws the same networks
    level: float = 0.95  # the interval's confidence

    @property
    def agrees(self) -> bool:
        return self.ci_low <= self.formula <= self.ci_high

    def to_dict(self) -> dict:
        return {**super().to_dict(), "agrees": self.agrees}


def monte_carlo(width: int, depth: int, trials: int = 20_000, seed: int | None = None,
                input_dim: int = 2, level: float = 0.95) -> MonteCarloRow:
    """Draw ``trials`` nets (weights and biases N(0, 1)) and one input each; count nets with a zero layer, and give
    the count's Clopper-Pearson interval at ``level``.

    Without a seed each call draws a fresh one (a repeated count is a new experiment); the row records it."""
    if seed is None:
        seed = fresh_seed()
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(trials, input_dim))
    dead = np.zeros(trials, dtype=bool)
    fan_in = input_dim
    for _ in range(depth):
        W = rng.normal(size=(trials, fan_in, width))
        b = rng.normal(size=(trials, width))
        z = np.matmul(a[:, None, :], W)[:, 0, :] + b  # (trials, N)
        a = np.maximum(z, 0)
        dead |= ~np.any(z > 0, axis=1)
        fan_in = width
    k = int(dead.sum())
    lo, hi = clopper_pearson(k, trials, level)
    return MonteCarloRow(width, depth, dead_probability(width, depth), k / trials, lo, hi, trials, seed, level)


@dataclass(frozen=True)
class TrainedDeadRow(ResultMixin):
    activation: str
    params: dict
    lr: float
    dead_fraction: float  # f'(z) = 0 on every training point: no gradient can revive the unit
    never_positive_fraction: float  # z <= 0 on every training point (for Leaky ReLU: off but still learning)
    final_train_loss: float
    chance_loss: float  # the best constant guess's loss on these labels
    status: str  # the reading's status: a run that ends at chance failed, whatever its dead count
    reading: Reading
    optimizer: str = "sgd"


# Adam at 0.04, four times its usual 0.01: its steps are about lr in size whatever the gradient, so a few large steps
# push a ReLU unit's input below zero on every point, and then no gradient brings it back. At seeds 0, 1 and 2 this
# kills 29-35% of the ReLU units while every run learns (loss under 0.21, chance 0.69) and no other unit dies. (SGD at
# 0.5, the demo before, killed 2 of 48, too few to see; SGD at 1.0 kills half but diverges the Leaky ReLU nets with
# slope 0.1 and 0.3; Adam at 0.05 kills a third to a half but leaves the slope-0.3 net at half the chance loss.)
DEMO_OPTIMIZER = "adam"
DEMO_LR = 0.04
DEMO_EPOCHS = 30


def trained_dead_units(lr: float = DEMO_LR, epochs: int = DEMO_EPOCHS, seed: int = 0,
                       optimizer: str = DEMO_OPTIMIZER) -> list[TrainedDeadRow]:
    """Train the same 3 x 16 net on circle with a large step size and count dead units.

    In the demo's setting (DEMO_OPTIMIZER at DEMO_LR) every run learns (seeds 0, 1, 2), about a third of the ReLU
    units die, and no Leaky ReLU unit does. Larger steps kill more ReLU units but stop the other nets learning:
    keeping units alive does not make a too-large step safe."""
    specs = [("relu", {}), ("leaky_relu", {"negative_slope": 0.01}), ("leaky_relu", {"negative_slope": 0.1}),
             ("leaky_relu", {"negative_slope": 0.3}), ("gelu", {}), ("silu", {})]
    rows = []
    for name, params in specs:
        rng = np.random.default_rng(seed)
        data = make_dataset("circle", 400, 0.1, rng=rng)
        cfg = NetworkConfig(2, (16, 16, 16), ((name, params),), "logistic", init="he_uniform")
        t = Trainer(cfg, OptimConfig(optimizer, lr), features(data.points), data.labels, batch_size=10, seed=seed)
        frame = list(t.frames(epochs))[-1]
        with np.errstate(all="ignore"):
            _, trace = t.net.forward(t.x_train)
        derivs = unit_derivatives(t.net, trace)
        dead = np.mean([dead_mask(d).mean() for d in derivs])
        never = np.mean([np.all(z <= 0, axis=0).mean() for z in trace.zs[:-1]])
        rows.append(TrainedDeadRow(name, params, lr, float(dead), float(never), frame.train_loss, frame.chance_loss,
                                   frame.diagnosis.status.value, frame.diagnosis, optimizer))
    return rows


@dataclass(frozen=True)
class DyingReluResult(ResultMixin):
    monte_carlo: list[MonteCarloRow]
    trained: list[TrainedDeadRow]


TABLE_CASES = ((2, 10), (4, 10), (10, 100), (3, 5), (8, 20))  # (N, L) of the table's fixed cases
# the table asks whether the formula holds in all five cases at once; five 95% intervals would miss somewhere in
# about 1 table in 4, so each is widened to 1 - 0.05/5 = 99% (Bonferroni): all five hold together at least 95%
TABLE_LEVEL = 1 - 0.05 / len(TABLE_CASES)


def dying_relu(trials: int = 20_000, seed: int = 0, lr: float = DEMO_LR,
               on_step: Callable[[int, int, str], None] | None = None) -> DyingReluResult:
    """The formula against five Monte Carlo counts (intervals at TABLE_LEVEL), and dead units after training with
    large steps (DEMO_OPTIMIZER at DEMO_LR).

    on_step(done, total, what) is called before each of the six parts (the web lab's job runner shows it, and
    stops a cancelled job there)."""
    cases = TABLE_CASES
    total = len(cases) + 1
    rows = []
    for i, (n, l) in enumerate(cases):
        if on_step is not None:
            on_step(i, total, f"checking the formula on fixed case {i + 1} of {len(cases)} (N = {n}, L = {l})")
        rows.append(monte_carlo(n, l, trials, seed + i, level=TABLE_LEVEL))
    if on_step is not None:
        on_step(len(cases), total, "training six networks")
    return DyingReluResult(rows, trained_dead_units(lr=lr, seed=seed))
