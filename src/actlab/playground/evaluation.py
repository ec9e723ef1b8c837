"""A frame's numbers for a network too big to evaluate in one frame: the full computation, a layer at a time.

Trainer.frame() runs the whole training set forward and backward (the losses, accuracies and every instrument)
and the test set forward. At the playground's hard cap (32 x 256, two million weights) that is about 2e9
multiply-adds, several frames' worth. An Evaluation copies the network at one step and makes the same computation
on that copy over several calls of run(), while training goes on: the forward pass a layer at a time (both data
sets), then the backward pass a layer at a time, then the instruments a layer at a time. Each layer's step is the
one MLP.forward() and MLP.backward() make, on the same whole-set arrays, so the finished Frame is the one
Trainer.frame() returns at that step, to the bit (tests/core/test_playground_live.py holds this). The page says at
which step the numbers were taken. A network small enough is evaluated in one call, on the live network.

Work is counted in multiply-adds: a layer forward costs rows x fan_in x fan_out over both sets, backward twice
that over the training set, and a layer's instruments READ_COST per row and unit (a derivative and a sort).
"""

from __future__ import annotations

import math

import numpy as np

from .. import instruments
from ..network import Grads, Trace
from ..readings import diagnose
from ..training import Frame, Trainer

READ_COST = 150  # multiply-adds charged per training row and hidden unit for one layer's instruments (measured)


class _Pass:
    """One data set's forward pass through the snapshot, a layer per call (MLP.forward's loop body)."""

    def __init__(self, x: np.ndarray, dtype):
        a = np.asarray(x, dtype=dtype)
        self.zs: list[np.ndarray] = []
        self.outs: list[np.ndarray] = [a]
        self.derivs: list[np.ndarray | None] = []

    def layer(self, net, l: int) -> None:
        a = self.outs[-1]
        z = a @ net.weights[l]  # (N, fan_out)
        z += net.biases[l]
        if l == len(net.activations):  # the last layer's z: logits
            a = z
        else:
            a, df = net.activations[l].forward_and_derivative_array(z)
            self.derivs.append(df)
        self.zs.append(z)
        self.outs.append(a)

    @property
    def trace(self) -> Trace:
        return Trace(self.zs, self.outs, self.derivs)


class Evaluation:
    """Trainer.frame() of the network as it is now, computed over as many calls of run() as its budget needs."""

    def __init__(self, trainer: Trainer, snapshot: bool = True):
        """``snapshot``: evaluate a copy (training may go on between calls); False evaluates the live network, for
        an evaluation finished before the trainer moves."""
        t = trainer
        self.trainer = t
        self.net = t.net.copy() if snapshot else t.net
        self.step, self.epoch, self.diverged_at_step = t.step_count, t.epoch_count, t.diverged_at_step
        dtype = self.net.weights[0].dtype
        self._passes = [_Pass(t.x_train, dtype)] + ([_Pass(t.x_test, dtype)] if t.x_test is not None else [])
        self._rows = sum(len(p.outs[0]) for p in self._passes)
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
        for p in self._passes:
            p.layer(self.net, l)
        if l == self.net.n_layers - 1:
            self._begin_backward()

    def _begin_backward(self) -> None:
        """MLP.backward()'s set-up: the loss and its gradient at the output, and the one gradient vector."""
        net = self.net
        trace = self._passes[0].trace
        self.train_loss, self._dz = net.head.loss_and_grad(trace.zs[-1], self.trainer.t_train)
        flat = np.empty(sum(w.size + b.size for w, b in zip(net.weights, net.biases, strict=True)),
                        dtype=self._dz.dtype)
        self._dW, self._db, offset = [], [], 0
        for w in net.weights:
            self._dW.append(flat[offset:offset + w.size].reshape(w.shape))
            offset += w.size
        for b in net.biases:
            self._db.append(flat[offset:offset + b.size])
            offset += b.size
        self._flat = flat
        self._dzs: list[np.ndarray] = [None] * net.n_layers  # type: ignore[list-item]

    def _backward(self, l: int) -> None:
        """MLP.backward()'s loop body for layer l."""
        net, trace, dz = self.net, self._passes[0].trace, self._dz
        self._dzs[l] = dz
        np.matmul(trace.outs[l].T, dz, out=self._dW[l])  # (fan_in, fan_out)
        np.add.reduce(dz, axis=0, out=self._db[l])
        if l == 0:
            grads = Grads(self._dW, self._db, self._dzs, self.train_loss, self._flat)
            self._common = instruments.read_common(net, grads)
            self._layers: list = []
            return
        da = dz @ net.weights[l].T  # (N, width of layer l)
        f = net.activations[l - 1]  # the hidden layer whose output is outs[l]
        df = trace.derivs[l - 1] if l - 1 < len(trace.derivs) else None  # f'(zs[l - 1])
        if df is None:
            df = f.derivative_array(trace.zs[l - 1], trace.outs[l])
        if f.is_gated:
            self._dz = np.concatenate([da, da], axis=1) * df  # (N, 2H)
        else:
            da *= df
            self._dz = da  # (N, H)

    def _read(self, l: int) -> None:
        self._layers.append(instruments.read_layer(self.net, self._passes[0].trace, l, self._common))

    def _finish(self, _: int) -> None:
        """Trainer.frame()'s assembly: the reading, the accuracies, the test loss and the diagnosis."""
        t, net, head = self.trainer, self.net, self.net.head
        train = self._passes[0].trace
        reading = instruments.read_network(net, train, t.t_train, self._common, self._layers)
        out = head.output(train.zs[-1])
        train_acc = head.accuracy(out, t.t_train)
        test_loss = test_acc = None
        if len(self._passes) > 1:
            logits = self._passes[1].zs[-1]
            test_out = head.output(logits)
            test_loss, _ = head.loss_and_grad(logits, t.t_test)
            test_acc = head.accuracy(test_out, t.t_test)
        if head.is_classifier:
            self.predictions = head.predict(test_out if len(self._passes) > 1 else out)
        diagnosis = diagnose(reading.summary(self.train_loss, t.chance_loss, self.epoch, self.step,
                                             self.diverged_at_step, test_loss, t.test_chance_loss))
        self.frame = Frame(self.step, self.epoch, self.train_loss, test_loss, train_acc, test_acc, reading,
                           "diverged" if self.diverged_at_step is not None else "ok", self.diverged_at_step,
                           t.chance_loss, diagnosis)
        self._passes, self._dzs, self._dW, self._db, self._flat = [], [], [], [], None  # large; the frame is kept
        self.net = None
