"""A unit is dead only where its function has a true zero-gradient region (Activation.has_zero_region): a sigmoid
unit driven so far that its f' underflows to 0 is saturated, not dead, in the NumPy instruments as in the
PyTorch Monitor; a ReLU unit that never fires is dead."""

from __future__ import annotations

import numpy as np

from actlab import activations
from actlab.instruments import read
from actlab.network import MLP, NetworkConfig


def _driven(name: str, bias: float):
    net = MLP.create(NetworkConfig(input_dim=2, hidden=(4,), activations=(name,)), np.random.default_rng(0))
    net.biases[0][:] = bias  # every hidden unit pushed far to one side for every input
    x = np.random.default_rng(1).normal(size=(32, 2))
    y = np.where(x[:, :1] > 0, 1.0, -1.0)
    _, trace = net.forward(x)
    return read(net, trace, net.backward(trace, y), y)


def test_a_sigmoid_unit_whose_derivative_underflows_is_saturated_not_dead():
    assert not activations.get("sigmoid").has_zero_region
    layer = _driven("sigmoid", -800.0).layers[0]  # sigma'(-800) underflows to exactly 0 in float64
    assert layer.dead_fraction == 0.0 and layer.saturated_fraction == 1.0


def test_a_relu_unit_that_never_fires_is_dead():
    assert activations.get("relu").has_zero_region
    layer = _driven("relu", -800.0).layers[0]
    assert layer.dead_fraction == 1.0 and layer.saturated_fraction == 0.0
