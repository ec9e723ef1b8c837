"""A frame's numbers for a network too big to evaluate in one frame: the full computation, a layer at a time.

Trainer.frame() runs the whole training set forward and backward (the losses, accuracies and every instrument)
and the test set forward. At the playground's hard cap (32 x 256, two million weights) that is about 2e9
multiply-adds, several frames' worth. An Evaluation copies the network at one step and makes the same computation
on that copy over several calls of run(), while training goes on: the forward pass a layer at a time (both data
sets), then the backward pass a layer at a time, then the instruments a layer at a time. Each layer's step is the
MLP's own (MLP.forward_layer and MLP.backward_layer, which forward() and backward() loop over), on the same
whole-set arrays, so the finished Frame is the one Trainer.frame() returns at that step, to the bit
(tests/core/test_playground_live.py holds this). The page says at which step the numbers were taken. A network
small enough is evaluated in one call, on the live network.

Work is counted in multiply-adds: a layer forward costs rows x fan_in x fan_out over both sets, backward twice
that over the training set, and a layer's instruments READ_COST per row and unit (a derivative and a sort).
"""

from __future__ import annotations

import math

import numpy as np

from .. import instruments
from ..network import Trace
from ..training import Frame, Trainer

READ_COST = 150  # multiply-adds charged per training row and hidden unit for one layer's instruments (measured)


class Evaluation:
    """Trainer.frame() of the network as it is now, computed over as many calls of run() as its budget needs."""

    def __init__(self, trainer: Trainer, snapshot: bool = True):
        """``snapshot``: evaluate a copy (training may go on between calls); False evaluates the live network, for
        an evaluation finished before the trainer moves."""
        t = trainer
        self.trainer = t
        self.net = t.net.copy() if snapshot else t.net
        self.step, self.epoch, self.diverged_at_step = t.step_count, t.epoch_count, t.diverged_at_step
        self.recent = t.recent_losses()  # the losses up to this step: training goes on while a copy is evaluated
        self.swing = t.last_swing()  # what the last update did to the weights, before training goes on
        dtype = self.net.weights[0].dtype
        self._traces = [Trace([], [np.asarray(x, dtype=dtype)], []) for x in (t.x_train, t.x_test) if x is not None]
        self._rows = sum(len(trace.outs[0]) for trace in self._traces)
        self._tasks = self._plan()
        self.frame: Frame | None = None
        self.predictions: np.ndarray | None = None  # the head's predictions on the test set (the training set if none)

    def _plan(self) -> list[tuple[str, int, float]]:
        """The evaluation's steps in order, (kind, layer, multiply-adds)."""
        net, n_train = self.net, len(self.trainer.x_train)
        sizes = [w.size for w in net.weights]
        tasks = [("forward", l, float(self._rows * sizes[l])) for l in range(net.n_layers)]
        tasks += [("backward", l, 2.0 * n_train * sizes[l]) for l in range(net.n_layers - 1, -1, -1)]
        tasks += [("read", l, float(READ_COST * n_train * w)) for l, w in enumerate(net.config.hidden)]
        return tasks + [("finish", 0, 0.0)]

    def work(self) -> float:
        """The multiply-adds left."""
        return sum(cost for _, _, cost in self._tasks)

    def run(self, budget: float = math.inf) -> Frame | None:
        """Evaluate about ``budget`` multiply-adds' worth (at least one step); the Frame once all of it is done."""
        spent = 0.0
        with np.errstate(all="ignore"):  # a diverged network is evaluated too, and reads as such
            while self._tasks and (spent == 0 or spent + self._tasks[0][2] <= budget):
                kind, l, cost = self._tasks.pop(0)
                getattr(self, "_" + kind)(l)
                spent += cost
        return self.frame

    def _forward(self, l: int) -> None:
        for k, trace in enumerate(self._traces):  # the training set's, then the test set's
            # f'(z) only where the backward pass reads it: the training set (the test set's was thrown away)
            self.net.forward_layer(trace, l, derivatives=k == 0)
        if l == self.net.n_layers - 1:
            self.train_loss, self._dz = self.net.head.loss_and_grad(self._traces[0].zs[-1], self.trainer.t_train)
            self._grads = self.net.gradient_arrays(self.train_loss, self._dz.dtype)

    def _backward(self, l: int) -> None:
        self._dz = self.net.backward_layer(self._traces[0], self._grads, l, self._dz)
        if l == 0:
            self._common = instruments.read_common(self.net, self._grads)
            self._layers: list = []

    def _read(self, l: int) -> None:
        self._layers.append(instruments.read_layer(self.net, self._traces[0], l, self._common))

    def _finish(self, _: int) -> None:
        """Trainer.frame()'s assembly: the reading, the accuracies, the test loss and the diagnosis."""
        t, net, head = self.trainer, self.net, self.net.head
        train = self._traces[0]
        reading = instruments.read_network(net, train, t.t_train, self._common, self._layers)
        out = head.output(train.zs[-1])
        train_acc = head.accuracy(out, t.t_train)
        test_loss = test_acc = None
        if len(self._traces) > 1:
            logits = self._traces[1].zs[-1]
            test_out = head.output(logits)
            test_loss, _ = head.loss_and_grad(logits, t.t_test)
            test_acc = head.accuracy(test_out, t.t_test)
        if head.is_classifier:
            self.predictions = head.predict(test_out if len(self._traces) > 1 else out)
        self.frame = t.frame_at(self.step, self.epoch, self.diverged_at_step, self.train_loss, train_acc, reading,
                                test_loss, test_acc, self.recent, self.swing)
        self._traces, self._grads, self._dz = [], None, None  # large; the frame is kept
        self.net = None
