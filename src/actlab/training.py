"""The training loop: yields Frame records and never prints.

A Trainer owns a network, its optimiser and the data; ``step()`` runs one minibatch, ``epoch()``
one pass over the shuffled training set and returns a Frame. Instruments are read from the
minibatch's own forward/backward every ``sample_every`` steps, and dead units from the full
training set at the end of an epoch. A non-finite loss stops training: the Frame says
"diverged" with the step number, and the network is left in its last finite state. Each Frame
carries the network's reading (readings.Reading), judged against the training labels' chance loss.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from . import _html, instruments
from ._json import fields_jsonable
from .errors import ConfigError, given
from .heads import head as head_record
from .instruments import NetworkReading
from .network import MLP, NetworkConfig
from .optim import OptimConfig, Optimizer
from .reading_loss import CLIMB_LOSSES
from .reading_record import GRAD_NORM, WeightSwing
from .readings import ENGINE_LEVERS, Lever, LossSteps, Reading, diagnose

MAX_EPOCHS, MAX_STEPS = 1_000_000, 1_000_000_000  # the most a stop rule may name
# The losses a reading is told of, as many as a monitor's (interop LOSS_BATCHES), are of two kinds. A frame's reading
# is told the newest frames' full-set training losses, its own last: the numbers the table and the page show beside
# the words, each over the whole training set. Minibatch losses (10 points a batch) are noisy: read as the recent
# losses, two batches a hair under twice chance flipped 'not learning any more' to 'not learning' on every other
# frame of a run thrown to 14 times chance by a raised learning rate, and one good batch read 'it has risen from
# 0.219' of a steady run. A diverged frame is told the newest minibatch losses instead, one per update: a frame comes
# once an epoch (`actlab train`, a small network's playground frame), and a run at a high learning rate blows up
# inside its first epoch (a linear net under cross-entropy, SGD at lr 3: NaN at step 11 of 25), with no frame before
# the NaN; the batches saw every update up to it (the loss at step k is the batch's before update k, as the NaN's
# step is dated). The lowest loss the run was judged at is the lowest frame loss. The reading is told which of the two
# it has (RunSummary.loss_steps), so that its words name the steps truly: each update's batch loss, or the whole
# training set's at each frame, every epoch for `actlab train` and Trainer.run(); neither is a sample.
RECENT_LOSSES = 10
# how a remedy and a divergence's stop message say "start again" (RunSummary.restart, StopRule.restart) to a user of
# the Python API: a Trainer has no reset, a new one starts from fresh weights. The playground names the lab's Reset
# button (reading_record.PLAYGROUND_RESTART, playground/session.py), `actlab train` its own command (cli/train.py)
RESTART = ("build a new trainer with the changed settings (build_trainer(cfg), cfg a RunConfig), which starts from "
           "fresh weights")
# why a classifier's frame has no accuracy: its loss is NaN or infinite, so its outputs are too, and the class read
# off them (the argmax of NaN is the first class) is no prediction. Frame.accuracy_note carries it to every face.
NO_ACCURACY = "the network's outputs are not numbers (NaN or infinite), so they predict no class"


@dataclass(frozen=True)
class Frame:
    step: int
    epoch: int
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    reading: NetworkReading | None  # the instruments, layer by layer
    # "finite": the loss is a number and the engine trains on; "diverged": it became NaN or infinite, and the engine
    # stopped. Not the verdict on the network (that is diagnosis.status: a loss blown up to 1e30 is "finite" here and
    # "diverged" there). Before R21 the first value was "ok", which read as a verdict on a dead run; a reader of an
    # older log takes any value but "diverged" as finite, as the page's views do.
    status: str = "finite"
    diverged_at_step: int | None = None
    chance_loss: float | None = None  # the best constant prediction's training loss
    diagnosis: Reading | None = None  # the verdict on the network, from the instruments and the losses
    accuracy_note: str | None = None  # why a classifier's accuracy is None (NO_ACCURACY); None where it has one

    def to_dict(self) -> dict:
        """The frame as JSON-ready values (_json.jsonable: a diverged loss or a ratio with no gradient to divide
        by is null). `actlab train --json` prints it and the playground's frame header carries the same values."""
        return fields_jsonable(self)

    _LAYER_COLUMNS = ("layer", "activation", "width", GRAD_NORM, f"{GRAD_NORM} / output's", "dead", "saturated",
                      "reading")

    def _layer_rows(self) -> list[tuple]:
        layers = self.reading.layers if self.reading else ()
        return [(l.layer, l.activation, l.width, l.grad_norm, l.grad_ratio_to_last, len(l.dead_units),
                 len(l.saturated_units), l.reading) for l in layers]

    def _summary_rows(self) -> list[tuple[str, object]]:
        rows = [("step", self.step), ("epoch", self.epoch), ("status", self.status),
                ("training loss", self.train_loss), ("test loss", self.test_loss),
                ("chance loss", self.chance_loss)]
        # "none" as `actlab train` and the page write it, where a classifier's outputs are not numbers
        rows += [(name, "none" if v is None and self.accuracy_note else v)
                 for name, v in (("training accuracy", self.train_accuracy), ("test accuracy", self.test_accuracy))]
        if self.accuracy_note is not None:
            rows.append(("no accuracy", self.accuracy_note))
        if self.diverged_at_step is not None:
            rows.append(("diverged at step", self.diverged_at_step))
        if self.diagnosis is not None:
            rows.append(("reading", self.diagnosis.words))
            rows += [("remedy", self.diagnosis.remedy)] if self.diagnosis.remedy else []
        return rows

    def __str__(self) -> str:
        head = "\n".join(f"{k}: {_html.plain(v)}" for k, v in self._summary_rows())
        return head + ("\n" + _html.text_table(self._LAYER_COLUMNS, self._layer_rows()) if self.reading else "")

    def _repr_html_(self) -> str:
        """The losses, the reading and a row per hidden layer (a notebook shows this for a frame)."""
        layers = _html.grid(self._LAYER_COLUMNS, self._layer_rows()) if self.reading else ""
        return _html.key_value_table(self._summary_rows(), caption=f"Frame at step {self.step}") + layers


@dataclass(frozen=True)
class Stop:
    """Why a run stopped: ``reason`` is "diverged", "epochs", "steps" or "target"; ``message`` says it in words."""

    reason: str
    message: str


def _check_count(name: str, v: object, high: int, allowed: str = "a whole number from 0 to {high:,}") -> None:
    """A count of epochs or steps: a whole number (not a bool) from 0 to ``high``; ``allowed`` says so in words."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v <= high:
        raise ConfigError(name, f"{allowed.format(high=high)}; got {given(v)}")


@dataclass(frozen=True)
class StopRule:
    """When a run stops; the Trainer (``Trainer.run``) and the playground's WebSocket both ask this one rule.

    A run stops at divergence (a non-finite loss), after ``max_epochs`` epochs, after ``max_steps`` minibatch
    updates, or when the watched loss is at or below ``target_loss``. The watched loss is the test loss when the
    run has a test set and the training loss when it has none (``watched_loss``); every interface says which.
    None switches a limit off.
    """

    max_epochs: int | None = None
    max_steps: int | None = None
    target_loss: float | None = None
    # how the divergence's message says "start again" on the face that runs the rule (RESTART, PLAYGROUND_RESTART,
    # `actlab train`'s): a notebook has no Reset button and a terminal neither
    restart: str = RESTART

    def __post_init__(self) -> None:
        for name, high in (("max_epochs", MAX_EPOCHS), ("max_steps", MAX_STEPS)):
            v = getattr(self, name)
            if v is not None:
                _check_count(name, v, high, "a whole number from 0 to {high:,}, or none")
        t = self.target_loss
        # every loss the lab computes (mean squared error, cross-entropy) is 0 or more: a target below 0 is never met
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0):
            raise ConfigError("target_loss", f"a number from 0 up, or none (a loss is never below 0, so a negative "
                                             f"target is never reached); got {given(t)}")

    @staticmethod
    def watched_loss(frame: Frame) -> tuple[str, float]:
        """("test", loss) when the frame has a test loss, else ("training", loss): what target_loss is compared with."""
        return ("test", frame.test_loss) if frame.test_loss is not None else ("training", frame.train_loss)

    def steps_left(self, step: int) -> int | None:
        return None if self.max_steps is None else max(0, self.max_steps - step)

    def epochs_left(self, epoch: int) -> int | None:
        return None if self.max_epochs is None else max(0, self.max_epochs - epoch)

    def check_budget(self, epoch: int, step: int) -> Stop | None:
        """The epoch or step limit, if ``epoch`` epochs and ``step`` updates have reached it."""
        if self.max_epochs is not None and epoch >= self.max_epochs:
            return Stop("epochs", f"Stopped at epoch {epoch}.")
        if self.max_steps is not None and step >= self.max_steps:
            return Stop("steps", f"Stopped at step {step} (epoch {epoch}).")
        return None

    def check(self, frame: Frame) -> Stop | None:
        """Why the run stops at ``frame``, or None to go on; divergence first, then the limits, then the target."""
        if frame.status == "diverged":
            return Stop("diverged", f"Diverged at step {frame.diverged_at_step:,}: the loss became NaN or infinite. "
                                    f"Lower the learning rate, then {self.restart}.")
        budget = self.check_budget(frame.epoch, frame.step)
        if budget is not None:
            return budget
        which, loss = self.watched_loss(frame)
        if self.target_loss is not None and loss <= self.target_loss:
            return Stop("target", f"{which.capitalize()} loss {loss:.4f} reached the target {self.target_loss:g} at "
                                  f"epoch {frame.epoch}.")
        return None


@dataclass
class Trainer:
    """Trains one network on (x_train, y_train); y are class labels or regression targets."""

    net_config: NetworkConfig
    optim_config: OptimConfig
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    batch_size: int = 10
    seed: int = 0
    sample_every: int = 10
    restart: str = RESTART  # how the reading's remedies say "start again" to this trainer's user
    # what this trainer's user can change, which the remedies name (RunSummary.levers): the settings of a RunConfig;
    # the playground adds the inputs for a CSV of the learner's own
    levers: frozenset[Lever] = ENGINE_LEVERS
    rate_fixed: bool = False  # the face never changes the rate during a run (`actlab train`: RunSummary.rate_fixed)
    net: MLP = field(init=False)
    step_count: int = field(init=False, default=0)
    # the updates made at a learning rate above 0: a run at lr 0 from its first update has changed no weight, and a
    # loss below chance there is the initial weights' luck, not learning (W18)
    stepped_updates: int = field(init=False, default=0)
    epoch_count: int = field(init=False, default=0)
    diverged_at_step: int | None = field(init=False, default=None)
    last_reading: NetworkReading | None = field(init=False, default=None)
    # (step, ||dL/dW|| per layer) read from the minibatch every sample_every steps (the newest 2000 kept)
    sampled_grad_norms: deque = field(init=False, default_factory=lambda: deque(maxlen=2000))
    # (step, loss) of the newest RECENT_LOSSES finite minibatch losses, and of the newest frames' full-set training
    # losses (see RECENT_LOSSES); set_lr keeps both, so a raised learning rate's climb is read against the losses
    # before it
    # (the minibatch losses: CLIMB_LOSSES more, before them, that a climb is dated back through: earlier_losses)
    loss_history: deque = field(init=False, default_factory=lambda: deque(maxlen=RECENT_LOSSES + CLIMB_LOSSES))
    frame_losses: deque = field(init=False, default_factory=lambda: deque(maxlen=RECENT_LOSSES))
    # (step, full-set training loss) of the lowest finite loss a frame was judged at, or None before any frame
    lowest_judged: tuple[int, float] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.x_train = _check_data("x_train", self.x_train)
        n = len(self.x_train)
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer)) or \
                not 1 <= self.batch_size <= n:
            raise ConfigError("batch_size", f"must be a whole number from 1 to the training set size {n}; "
                                            f"got {self.batch_size!r}")
        if isinstance(self.sample_every, bool) or not isinstance(self.sample_every, int) or self.sample_every < 1:
            raise ConfigError("sample_every", f"must be a whole number >= 1; got {self.sample_every!r}")
        if self.x_train.shape[1] != self.net_config.input_dim:
            raise ConfigError("features", f"the data has {self.x_train.shape[1]} input columns but the network "
                                          f"expects {self.net_config.input_dim}")
        self.rng = np.random.default_rng(self.seed)
        self.net = MLP.create(self.net_config, self.rng)
        dtype = self.net.weights[0].dtype
        self.x_train = self.x_train.astype(dtype, copy=False)
        head = head_record(self.net_config.head)
        self.t_train = head.targets(np.asarray(self.y_train))
        self.chance_loss = head.chance_loss(self.t_train)
        self.test_chance_loss: float | None = None
        if self.x_test is not None and len(self.x_test):
            self.x_test = _check_data("x_test", self.x_test).astype(dtype, copy=False)
            self.t_test = head.targets(np.asarray(self.y_test))
            self.test_chance_loss = head.chance_loss(self.t_test)
        else:
            self.x_test = None
        self.optimizer = Optimizer(self.optim_config, self.net)
        self._order = self.rng.permutation(n)
        self._cursor = 0
        self._previous: np.ndarray | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at_step is not None

    def set_lr(self, lr: float) -> None:
        self.optimizer.set_lr(lr)

    def step(self) -> float:
        """One minibatch update; returns its loss (the loss before the update)."""
        if self.diverged:
            return math.nan
        idx = self._next_batch()
        xb, tb = self.x_train[idx], self.t_train[idx]
        with np.errstate(all="ignore"):  # overflow is how divergence starts; it is detected below
            out, trace = self.net.forward(xb)
            grads = self.net.backward(trace, tb)
        self.step_count += 1
        if not math.isfinite(grads.loss):
            self._roll_back()
            return grads.loss
        self.loss_history.append((self.step_count, float(grads.loss)))
        if self.step_count % self.sample_every == 0:
            self.sampled_grad_norms.append((self.step_count, instruments.grad_norms(grads)))
        flat = self.net.flat_parameters()
        if self._previous is None:
            self._previous = np.empty_like(flat)
        np.copyto(self._previous, flat)  # one copy: the state to go back to if this update overflows
        self.optimizer.step(self.net, grads)
        if self.optimizer.config.lr > 0:
            self.stepped_updates += 1
        if self._cursor >= len(self._order):  # this update finished a pass over the training set
            self.epoch_count += 1
        return grads.loss

    @property
    def updates_per_epoch(self) -> int:
        """Minibatch updates in one pass over the training set: ceil(N / batch_size)."""
        return -(-len(self.x_train) // self.batch_size)

    @property
    def epoch_step(self) -> int:
        """Updates made so far in the current pass (0 between passes): where a run that stops mid-epoch stands."""
        return 0 if self._cursor >= len(self._order) else self._cursor // self.batch_size

    def _next_batch(self) -> np.ndarray:
        n = len(self._order)
        if self._cursor >= n:
            self._order = self.rng.permutation(n)
            self._cursor = 0
        idx = self._order[self._cursor:self._cursor + self.batch_size]
        self._cursor += self.batch_size
        return idx

    def _roll_back(self) -> None:
        """Mark divergence and leave the network in its last state whose parameters are all finite."""
        self.diverged_at_step = self.step_count
        flat = self.net.flat_parameters()
        if not np.isfinite(flat).all() and self._previous is not None:
            np.copyto(flat, self._previous)

    def run_epochs(self, epochs: int = 1) -> None:
        """``epochs`` passes over the training set (the rest of the current one counts as the first), stopping at
        divergence."""
        self.run_updates(epochs * self.updates_per_epoch - self.epoch_step)

    def last_swing(self) -> WeightSwing | None:
        """What the last update did to the weights (instruments.weight_swing, from the parameters step() kept before
        it); None before the first update and after a divergence, whose weights were rolled back."""
        if self._previous is None or self.diverged:
            return None
        n = sum(w.size for w in self.net.weights)  # the weights come first in the flat vector
        return instruments.weight_swing(self._previous[:n], self.net.flat_parameters()[:n])

    def run_updates(self, n: int) -> None:
        """``n`` minibatch updates, stopping at divergence; an epoch is counted as each pass completes (step())."""
        for _ in range(n):
            self.step()
            if self.diverged:
                return

    def epoch(self) -> Frame:
        """One pass over the training set, then a Frame with full-set metrics."""
        self.run_epochs(1)
        return self.frame()

    def frame(self) -> Frame:
        """Losses and accuracies on the full training and test sets, and the latest instruments."""
        train_loss, train_acc, reading = self.evaluate(self.x_train, self.t_train, with_reading=True)
        test_loss = test_acc = None
        if self.x_test is not None:
            test_loss, test_acc, _ = self.evaluate(self.x_test, self.t_test)
        return self.frame_at(self.step_count, self.epoch_count, self.diverged_at_step, train_loss, train_acc,
                             reading, test_loss, test_acc)

    def frame_at(self, step: int, epoch: int, diverged_at_step: int | None, train_loss: float, train_acc: float,
                 reading: NetworkReading, test_loss: float | None, test_acc: float | None,
                 recent: tuple[tuple[int, float], ...] | None = None,
                 swing: WeightSwing | None | str = "now") -> Frame:
        """The Frame of measurements taken at ``step`` (frame(), or the playground's evaluation spread over
        frames): the diagnosis read from them against this run's chance losses, and the losses before them (see
        RECENT_LOSSES). ``recent``: the (step, minibatch loss) pairs up to ``step`` (an evaluation that spans frames
        takes them when it begins); None: the trainer's own, those up to ``step``. ``swing``: what the last update
        before ``step`` did to the weights (last_swing() when the evaluation began); "now": the trainer's last."""
        if diverged_at_step is not None or not math.isfinite(train_loss):
            # the frame's loss is of the weights rolled back to, which a batch found NaN: the batches tell the story
            recent = self.recent_losses(step) if recent is None else recent
            kind = LossSteps.EVERY
            earlier, recent = recent[:-RECENT_LOSSES], recent[-RECENT_LOSSES:]
        else:
            kind, earlier = LossSteps.FRAMES, ()
            earlier = [p for p in self.frame_losses if p[0] < step]  # a frame made again at its step replaces itself
            recent = (*earlier[-(RECENT_LOSSES - 1):], (step, float(train_loss)))
            while self.frame_losses and self.frame_losses[-1][0] >= step:
                self.frame_losses.pop()
            self.frame_losses.append((step, float(train_loss)))
        finite = [p for p in recent if math.isfinite(p[1])]
        # one loss tells no more than the frame's own: the one-loss rules read it (a loss 1e3 times chance after
        # its first update is diverging; the rules of a history need two)
        history = len(finite) >= 2
        if math.isfinite(train_loss) and (self.lowest_judged is None or train_loss < self.lowest_judged[1]):
            self.lowest_judged = (step, float(train_loss))
        low_step, low = self.lowest_judged if self.lowest_judged is not None else (None, None)
        summary = reading.summary(
            train_loss, self.chance_loss, epoch, step, diverged_at_step, test_loss, self.test_chance_loss,
            # every update is seen: the step before the NaN was finite, and "diverged at step N" is its first
            last_finite_step=None if diverged_at_step is None else diverged_at_step - 1,
            recent_losses=tuple(v for _, v in recent) if history else None,
            recent_loss_steps=tuple(t for t, _ in recent) if history else None,
            lowest_judged_loss=low, lowest_judged_step=low_step)
        # the initialiser and the learning rate in use: a remedy never offers either as a change (W15)
        summary = dataclasses.replace(summary, loss_steps=kind, restart=self.restart, levers=self.levers,
                                      earlier_losses=tuple((t, v) for t, v in earlier if math.isfinite(v)),
                                      init=self.net_config.init, learning_rate=float(self.optimizer.config.lr),
                                      stepped_updates=self.stepped_updates, rate_fixed=self.rate_fixed,
                                      weight_swing=self.last_swing() if swing == "now" else swing,
                                      reg=self.optimizer.config.reg, reg_rate=float(self.optimizer.config.reg_rate))
        # an accuracy is only a measurement of outputs that are numbers: a NaN or infinite loss says they are not
        note = None
        if self.net.head.is_classifier:
            if not math.isfinite(train_loss):
                train_acc, note = None, NO_ACCURACY
            if test_loss is not None and not math.isfinite(test_loss):
                test_acc, note = None, NO_ACCURACY
        return Frame(step, epoch, train_loss, test_loss, train_acc, test_acc, reading,
                     "diverged" if diverged_at_step is not None else "finite", diverged_at_step, self.chance_loss,
                     diagnose(summary), note)

    def recent_losses(self, step: int | None = None) -> tuple[tuple[int, float], ...]:
        """The newest (step, minibatch loss) pairs kept, oldest first, up to ``step`` (None: all): the RECENT_LOSSES a
        reading looks at, and up to CLIMB_LOSSES before them, which date a climb."""
        return tuple(p for p in self.loss_history if step is None or p[0] <= step)

    def evaluate(self, x: np.ndarray, t: np.ndarray, with_reading: bool = False):
        reading = None
        with np.errstate(all="ignore"):  # a diverged network is evaluated too, and reads as such
            out, trace = self.net.forward(x)
            if with_reading:
                grads = self.net.backward(trace, t)
                loss = grads.loss
                reading = self.last_reading = instruments.read(self.net, trace, grads, t)
            else:  # the loss alone needs no backward pass
                loss, _ = self.net.head.loss_and_grad(trace.zs[-1], t)
        return loss, self.net.head.accuracy(out, t), reading

    def frames(self, epochs: int, target_loss: float | None = None) -> Iterator[Frame]:
        """Train ``epochs`` more epochs, yielding a Frame after each; stop early at divergence or at the target loss
        (see StopRule). Each call goes on from where the last one stopped: frames(60), set_lr(10), frames(20) trains
        80 epochs in all. A pass that a Step left part done counts as the first of the ``epochs`` (run_epochs()).
        frames(0) yields nothing (`actlab train --epochs 0` shows the untrained network). Checked at the call."""
        _check_count("epochs", epochs, MAX_EPOCHS)
        total = self.epoch_count + epochs
        if total > MAX_EPOCHS:
            raise ConfigError("epochs", f"this trainer has run {self.epoch_count:,} epochs: {epochs:,} more would "
                                        f"pass the limit of {MAX_EPOCHS:,} epochs in all")
        # checks the target (a number from 0 up); a divergence's message says this trainer's face's words
        rule = StopRule(max_epochs=total, target_loss=target_loss, restart=self.restart)
        # n more epochs, stopping early at the target: not run()'s refusal of a target already reached (each call of
        # frames(n, target) trains at least one epoch, as `actlab train --target-loss` does from its start)
        return iter(()) if epochs == 0 else self._frames_until(rule)

    def run(self, rule: StopRule) -> Iterator[Frame]:
        """Train epoch by epoch, yielding a Frame after each, until ``rule`` says stop (the last Frame is the one it
        stopped on: ``rule.check(frame)`` names why). With ``max_steps`` the last epoch may be a partial one.

        ``max_epochs`` and ``max_steps`` count from the trainer's first update, as ``rule.check`` and the lab's "stop
        at epoch" do; frames(n) trains n more. A limit already reached, or a target_loss the trainer's loss already
        meets, raises a ConfigError naming it, at the call.
        """
        if not isinstance(rule, StopRule):
            raise ConfigError("rule", f"a StopRule, such as StopRule(max_epochs=100); got {given(rule)} "
                                      "(frames(n) trains n more epochs)")
        if rule.max_epochs is None and rule.max_steps is None and rule.target_loss is None:
            raise ConfigError("stop", "give max_epochs, max_steps or target_loss: this run would never stop")
        reached = rule.check_budget(self.epoch_count, self.step_count)
        if reached is not None:
            name, limit, now, unit = (("max_epochs", rule.max_epochs, self.epoch_count, "epoch")
                                      if reached.reason == "epochs" else
                                      ("max_steps", rule.max_steps, self.step_count, "step"))
            raise ConfigError(name, f"this trainer is at {unit} {now:,} already, so {name}={limit:,} leaves nothing "
                                    f"to train: {name} counts {unit}s from the trainer's first update. Give a "
                                    f"{name} above {now:,}, or call frames(n) to train n more epochs")
        if rule.target_loss is not None and self.step_count:  # W18: run(rule) again after it stopped at its target
            which, loss = rule.watched_loss(self.frame())  # trained one more epoch on each call, and said nothing
            if loss <= rule.target_loss:
                raise ConfigError("target_loss", f"this trainer's {which} loss is {loss:.4g} already, at or below "
                                                 f"target_loss={rule.target_loss:g}, so the run would stop after "
                                                 "one epoch: give a lower target_loss, or call frames(n) to train n "
                                                 "more epochs")
        return self._frames_until(rule)

    def _frames_until(self, rule: StopRule) -> Iterator[Frame]:
        while True:
            left = rule.steps_left(self.step_count)
            rest = self.updates_per_epoch - self.epoch_step  # to the end of this pass
            self.run_updates(rest if left is None else min(rest, left))
            frame = self.frame()
            yield frame
            if rule.check(frame) is not None:
                return


def _check_data(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ConfigError(name, f"must be a non-empty (N, D) array; got shape {x.shape}")
    if not np.isfinite(x).all():
        row = int(np.flatnonzero(~np.isfinite(x).all(axis=1))[0])
        raise ConfigError(name, f"row {row} contains NaN or infinity; all inputs must be finite")
    return x
