"""Training states built by hand, for tests whose subject is a reading of a state a chaotic run once reached.

A run at lr 3 ends where the machine's floating point takes it: W16's ReLU 8,8,8,8 (seed 1) and W15's spiral 8,8
reached a state where dead units stop the signal on the machine the tests were written on, and on an AMD EPYC with MKL
every layer died instead. These builders make the state from a seed's initial weights, so the tests read the same
state everywhere; each test still asserts its premise from the engine's arrays."""

from __future__ import annotations

import numpy as np

from actlab.session import RunConfig, build_trainer


def dead_stop_run():
    """(trainer, frame): ReLU 8,8,8,8 on the circle whose layer 4 has 5 of its 8 units dead on every training point
    (biases lowered by 1e3) and 3 on for about 5% of the points, with small inputs and outgoing weights, so that
    ||dL/dz|| falls across layer 4 by about 1e-6 and the output layer's inputs are near 0 (its ||dW|| about 3e-6 against
    its ||dL/dz|| of 0.06), after 3 epochs at lr 1e-4."""
    t = build_trainer(RunConfig(dataset="circle", layers=(8, 8, 8, 8), activations=("relu",), lr=1e-4, seed=1))
    net = t.net
    _, trace = net.forward(t.x_train)
    z, b = trace.zs[3], net.biases[3]
    b[:5] -= 1e3
    b[5:] -= np.quantile(z[:, 5:], 0.95, axis=0)
    net.weights[3][:, 5:] *= 1e-3
    b[5:] *= 1e-3
    net.weights[4][5:] *= 1e-5
    frames = list(t.frames(3))
    return t, frames[-1]
