"""The dying-ReLU demo shows its lesson plainly: in the demo's setting a large share of ReLU units die and no Leaky
ReLU unit does, at every seed tried. The dead fraction is recounted here from the trained weights with plain
NumPy (z = a W + b, a unit is dead when z <= 0 on every training point), not through actlab's instruments."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

demo = importlib.import_module("actlab.experiments.dying_relu")  # the package re-exports a function of that name


def _relu_net_dead_fraction(seed: int) -> tuple[float, float]:
    """Train the demo's ReLU net as the demo does; count its dead units by hand. Returns (by hand, the demo's row)."""
    from actlab.datasets import features, make_dataset
    from actlab.network import NetworkConfig
    from actlab.optim import OptimConfig
    from actlab.training import Trainer

    rng = np.random.default_rng(seed)
    data = make_dataset("circle", 400, 0.1, rng=rng)
    cfg = NetworkConfig(2, (16, 16, 16), (("relu", {}),), "logistic", init="he_uniform")
    t = Trainer(cfg, OptimConfig(demo.DEMO_OPTIMIZER, demo.DEMO_LR), features(data.points), data.labels,
                batch_size=10, seed=seed)
    for _ in t.frames(demo.DEMO_EPOCHS):
        pass
    a, dead = t.x_train, []
    for W, b in zip(t.net.weights[:-1], t.net.biases[:-1], strict=True):  # hidden layers only
        z = a @ W + b  # (N, H)
        dead.append(np.all(z <= 0, axis=0))
        a = np.maximum(z, 0.0)
    row = next(r for r in demo.trained_dead_units(seed=seed) if r.activation == "relu")
    return float(np.mean(np.concatenate(dead))), row.dead_fraction


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_many_relu_units_die_in_the_demo_and_the_count_is_right(seed):
    by_hand, reported = _relu_net_dead_fraction(seed)
    assert reported == pytest.approx(by_hand)
    assert by_hand >= 0.25, f"only {by_hand:.0%} of ReLU units died at seed {seed}: too weak to see"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_leaky_unit_dies_and_every_run_learns(seed):
    rows = demo.trained_dead_units(seed=seed)
    for r in rows:
        assert r.final_train_loss < 0.5 * r.chance_loss, (r.activation, r.params, r.final_train_loss)
        if r.activation == "leaky_relu":
            assert r.dead_fraction == 0, (r.params, r.dead_fraction)
    relu = next(r for r in rows if r.activation == "relu")
    assert relu.optimizer == demo.DEMO_OPTIMIZER and relu.lr == demo.DEMO_LR
