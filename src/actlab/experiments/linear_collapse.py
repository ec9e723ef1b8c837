"""Why non-linearity: a deep linear net is one affine map, and it cannot bend a decision boundary.

W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): any depth of affine layers composes to one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..datasets import features, make_dataset
from ..instruments import surfaces
from ..network import MLP, NetworkConfig
from ..optim import OptimConfig
from ..training import Trainer
from ._result import ResultMixin


def compose_affine(net: MLP) -> tuple[np.ndarray, np.ndarray]:
    """The single affine map (W, c) of a network whose every layer is linear: x -> x W + c."""
    if any(a.name != "identity" for a in net.activations):
        raise ValueError("compose_affine needs a network with identity activations only")
    W = np.eye(net.weights[0].shape[0])
    c = np.zeros(net.weights[0].shape[0])
    for Wl, bl in zip(net.weights, net.biases, strict=True):
        W, c = W @ Wl, c @ Wl + bl
    return W, c


@dataclass(frozen=True)
class CollapseCheck(ResultMixin):
    depth: int
    widths: tuple[int, ...]
    max_abs_diff: float  # between the deep net and its composed map, over the test inputs
    max_rel_diff: float  # the same, relative to the largest output
    composed_shape: tuple[int, int]


def check_collapse(depth: int = 10, width: int = 8, input_dim: int = 2, n: int = 1000, seed: int = 0) -> CollapseCheck:
    """Build a deep linear net, compose it, and measure how far apart the two are (round-off only)."""
    rng = np.random.default_rng(seed)
    hidden = (width,) * (depth - 1)
    net = MLP.create(NetworkConfig(input_dim, hidden, ("identity",), "regression", init="xavier_normal"), rng)
    for b in net.biases:
        b[:] = rng.normal(0, 0.5, b.shape)
    x = rng.normal(0, 3, (n, input_dim))
    W, c = compose_affine(net)
    deep, single = net.predict(x), x @ W + c
    diff = float(np.max(np.abs(deep - single)))
    return CollapseCheck(depth, (input_dim, *hidden, 1), diff, diff / float(np.max(np.abs(deep))), W.shape)


@dataclass(frozen=True)
class FitResult(ResultMixin):
    dataset: str
    activation: str
    train_accuracy: float
    test_accuracy: float
    test_loss: float
    surface: np.ndarray  # (G, G) network output over [-6, 6]^2, row 0 at the top
    points: np.ndarray  # (N, 2) test points
    labels: np.ndarray  # (N,) 0/1


@dataclass(frozen=True)
class PiecesResult(ResultMixin):
    """A 1-D ReLU network cuts the input line into linear pieces; each kink is a unit switching."""

    widths: tuple[int, ...]
    n_pieces: int
    x: np.ndarray
    y: np.ndarray
    kinks: np.ndarray

    def outline(self) -> tuple[np.ndarray, np.ndarray]:
        """The ends and the two grid points either side of each kink: the straight lines between them are the
        network's output everywhere except inside the one grid step holding each kink (a polyline of a few dozen
        points instead of the whole grid)."""
        after = np.searchsorted(self.x, self.kinks)  # kinks are grid values: the first point after each change
        keep = np.unique(np.concatenate([[0, len(self.x) - 1], after - 1, after]))
        return self.x[keep], self.y[keep]

    def kink_heights(self) -> np.ndarray:
        """The output at each kink (a grid point, so read off the grid)."""
        return self.y[np.searchsorted(self.x, self.kinks)]


@dataclass(frozen=True)
class LinearCollapseResult(ResultMixin):
    check: CollapseCheck
    fits: tuple[FitResult, ...]
    pieces: PiecesResult


def fit_both(dataset: str, activation: str, *, hidden=(8, 8), epochs: int = 200, seed: int = 0,
             grid: int = 60) -> FitResult:
    rng = np.random.default_rng(seed)
    train, test = make_dataset(dataset, 400, 0.0, rng=rng).split(0.5, rng)
    t = Trainer(NetworkConfig(2, hidden, (activation,), "tanh_mse", init="xavier_uniform"), OptimConfig("adam", 0.02),
                features(train.points), train.labels, features(test.points), test.labels, batch_size=20, seed=seed)
    frame = list(t.frames(epochs, target_loss=0.01))[-1]
    surf = surfaces(t.net, features, grid_size=grid)["output"]
    return FitResult(dataset, activation, frame.train_accuracy, frame.test_accuracy, frame.test_loss, surf,
                     test.points, test.labels)


def count_pieces(widths=(8, 8), seed: int = 0, extent: float = 4.0, points: int = 20001) -> PiecesResult:
    """Count the linear pieces of a random 1 -> widths -> 1 ReLU net along [-extent, extent].

    A piece ends wherever any unit's on/off pattern changes; the grid is fine enough (4e-4) that
    patterns lasting less than a step are the only ones that could be missed.
    """
    rng = np.random.default_rng(seed)
    net = MLP.create(NetworkConfig(1, tuple(widths), ("relu",), "regression", init="he_normal"), rng)
    for b in net.biases:
        b[:] = rng.normal(0, 1, b.shape)
    x = np.linspace(-extent, extent, points)
    out, trace = net.forward(x[:, None])
    pattern = np.concatenate([z > 0 for z in trace.zs[:-1]], axis=1)  # (points, units)
    change = np.any(pattern[1:] != pattern[:-1], axis=1)
    kinks = x[1:][change]
    return PiecesResult(tuple(widths), int(change.sum()) + 1, x, out[:, 0], kinks)


def linear_collapse(seed: int = 0, epochs: int = 200) -> LinearCollapseResult:
    """The whole demonstration: the collapse check, four fits (linear vs tanh on circle and xor), pieces."""
    fits = tuple(fit_both(d, a, seed=seed, epochs=epochs) for d in ("circle", "xor") for a in ("identity", "tanh"))
    return LinearCollapseResult(check_collapse(seed=seed), fits, count_pieces(seed=seed))
