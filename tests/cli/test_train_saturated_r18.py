"""R18 finding 2: `actlab train`'s layer table had a 'saturated' column that counted ReLU's rarely active units, and
GELU's were called saturated, where the registry means by saturated an output sitting at a level the function
flattens to (Activation.saturates_at: tanh's +-1, ELU's -alpha; none for ReLU or GELU, whose flat part is 0, 'off').
One name, one meaning: the column counts saturated units only, '—' where the activation cannot saturate, and those
units are named as the playground names them (rarely active). The references: the units counted directly from the
network's pre-activations, and the registry's saturates_at. Also R18 finding 3: the table heads the weight gradient
‖dL/dW‖, as the page does."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from actlab import activations
from actlab.cli.train import _render_frame
from actlab.datasets import features, make_dataset
from actlab.network import NetworkConfig
from actlab.optim import OptimConfig
from actlab.training import Trainer


def _trainer(acts: tuple[str, ...]) -> Trainer:
    data = make_dataset("circle", 200, 0.0, rng=np.random.default_rng(0))
    cfg = NetworkConfig(2, (8,) * len(acts), acts, "tanh_mse")
    return Trainer(cfg, OptimConfig("sgd", 0.03), features(data.points), data.labels, batch_size=10, seed=0)


def _table(trainer: Trainer) -> tuple[str, list[list[str]]]:
    out = io.StringIO()
    _render_frame(Console(file=out, width=120, color_system=None), "circle", trainer.frame())
    text = out.getvalue()
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.count("│") == 9]
    return text, rows


def _z(trainer: Trainer, layer: int) -> np.ndarray:
    return trainer.net.forward(trainer.x_train)[1].zs[layer]


def test_relus_rarely_active_units_are_not_counted_saturated():
    t = _trainer(("relu", "tanh"))
    z = _z(t, 0)
    # unit 0 on at one training point only (its bias just under the largest input), unit 1 off everywhere
    top = np.sort(z[:, 0])
    t.net.biases[0][0] -= (top[-1] + top[-2]) / 2
    t.net.biases[0][1] -= z[:, 1].max() + 1.0
    t.net.biases[1][0] += 100.0  # a tanh unit pinned at +1: saturated
    z, z2 = _z(t, 0), _z(t, 1)
    on = (z > 0).mean(axis=0)
    rare, dead = int(np.sum((on > 0) & (on < 0.01))), int(np.sum(on == 0))
    a2 = np.tanh(z2)
    saturated = int(np.sum(np.mean(1 - np.abs(a2), axis=0) < 0.01))
    assert (rare, dead, saturated) == (1, 1, 1)
    text, rows = _table(t)
    relu_row, tanh_row = rows[0], rows[1]
    assert relu_row[-1] == "—" and relu_row[-2] == f"{dead / 8:.0%}", relu_row
    assert tanh_row[-1] == f"{saturated / 8:.0%}", tanh_row
    flat = " ".join(text.split())
    assert f"layer 1: {dead} of 8 units in layer 1 is dead; {rare} more rarely active" in flat, flat
    assert "— for ReLU, which cannot saturate (f′ is 0 or 1): its units under that mark are rarely active" in flat


def test_an_elu_unit_at_its_flat_level_is_counted_saturated_beside_a_relu_layers_dash():
    # the registry's level for ELU is -alpha (saturates_at); ReLU has none, so its row shows no saturated share
    assert activations.get("elu").saturates_at == (-1.0,) and activations.get("relu").saturates_at == ()
    t = _trainer(("relu", "elu"))
    t.net.biases[1][0] -= 100.0  # far into ELU's left tail: output -1 on every point
    assert np.allclose(activations.get("elu")(_z(t, 1)[:, 0]), -1, atol=1e-12)
    text, rows = _table(t)
    flat = " ".join(text.split())
    assert "layer 2: 1 of 8 units saturated" in flat, flat
    assert rows[0][-1] == "—" and rows[1][-1] == f"{1 / 8:.0%}", rows


def test_the_layer_table_heads_the_weight_gradient_as_the_page_does():
    text, _ = _table(_trainer(("tanh",)))
    assert "‖dL/dW‖" in text and "‖dW‖" not in text
