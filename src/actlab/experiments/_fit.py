"""A lean training loop for the reproductions: minibatch steps on the engine, the full training loss per epoch.

training.Trainer reads instruments and judges every frame, which the lesson's views need and these runs do not;
here one epoch is a shuffled pass of forward, backward and one optimiser step per minibatch, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..network import MLP, forward_with_dropout, head_loss_and_grad
from ..optim import OptimConfig, Optimizer


def log_loss(net: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """Softmax cross-entropy of the whole set (nats), from the logits, so it is finite however sure the net is."""
    _, trace = net.forward(x, derivatives=False)
    return head_loss_and_grad("softmax", trace.zs[-1], y)[0]


def error_rate(net: MLP, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(net.predict(x), axis=1) != y))


def train_epochs(net: MLP, optim: OptimConfig, x: np.ndarray, y: np.ndarray, epochs: int, batch: int,
                 rng: np.random.Generator, after_epoch: Callable[[int, MLP], None] | None = None,
                 dropout: float = 0.0) -> list[float]:
    """Train for ``epochs`` passes; return the full training loss before training and after each epoch.

    With ``dropout`` the training steps drop hidden outputs (inverted dropout, network.forward_with_dropout, masks
    from ``rng``); the reported losses are the whole network's, without dropout.
    """
    opt = Optimizer(optim, net)
    losses = [log_loss(net, x, y)]
    n = len(x)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            if dropout > 0:
                _, trace = forward_with_dropout(net, x[idx], dropout, rng)
            else:
                _, trace = net.forward(x[idx])
            opt.step(net, net.backward(trace, y[idx]))
        losses.append(log_loss(net, x, y))
        if after_epoch is not None:
            after_epoch(epoch + 1, net)
    return losses
