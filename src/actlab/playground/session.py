"""A live playground session: a Trainer plus what one animation frame shows.

The web layer owns the WebSocket and the timing; this module owns the maths of a frame: train, evaluate the
output over a G x G grid of the input plane and every neuron over a g x g grid, and gather losses, the drawn links
and instruments (frames.py turns them into the message). Adaptive detail keeps every frame's work bounded
whatever the network's size, so a big network stays live:

- training: a frame (train(), then finish_frame()) trains the epochs asked for or TRAIN_BUDGET multiply-adds of
  updates, whichever is less; an epoch may then span frames, and the frame says how far into it the run is;
- numbers: the losses and instruments are the full computation on the whole data sets (Trainer.frame()), made a
  slice per frame (EVAL_BUDGET, evaluation.py) on a copy of the network taken at one step; the frame says that
  step, which is the frame's own for every network whose evaluation fits in one frame (the default cap does);
- pictures: a coarser output surface and thumbnails as the network grows, and only the drawn links' weights
  (links.py). advance() and step_once(), the Python API and the Step button, train whole epochs (one step) and
  evaluate at once.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from .._json import jsonable
from ..datasets import features
from ..errors import ConfigError
from ..instruments import deriv_products, plane_grid
from ..limits import PlaygroundLimits, check_epochs_per_frame
from ..reading_record import PLAYGROUND_RESTART
from ..session import RunConfig, make_data, trainer_for
from ..training import Frame, Trainer
from .evaluation import Evaluation
from .frames import CLASS_LEVELS, FRAME_FIELDS, FrameData, _class_codes, _quantise
from .links import LinkSelection

EXTENT = 6.0  # the input plane shown: [-6, 6]^2, as the playground
MAX_STEPS_PER_EPOCH = 2_000  # updates in one epoch (training points / batch size): a frame is up to 50 epochs
# the output surface's cells shrink as the network grows so that drawing it stays under about this many
# multiply-adds, a point costing its weights plus ACTIVATION_COST per hidden unit (8 x 32: 35 x 35 points, about 3 ms
# on one core, was 100 x 100 and 20-29 ms; the page interpolates between the points, so a coarser grid shows no
# blocks)
SURFACE_BUDGET = 2.5e7
MIN_SURFACE = 10
# one activation per unit and point, in multiply-adds: float32 np.tanh takes about 4 ns an element where a float32
# matrix product takes about 0.08 ns a multiply-add (measured on the 2-core machine), so at 8 x 32 the activations
# were two thirds of drawing the surface and a budget of weights alone missed them
ACTIVATION_COST = 50
# a live frame's neuron thumbnails: at most this many bytes (a 32 x 256 network's 8,192 thumbnails are 295 KB); the
# rest follow in the next frames, a contiguous run of neurons each, so every thumbnail is fresh within a few frames
THUMB_BYTES = 64_000
# a live frame's training (train()): at most this many multiply-adds of updates, about 3 (B + 1) per weight and
# update for a batch of B; 32 x 256 with batch 10 makes 1 update a frame (25 ms of CPU on a loaded 2-core machine),
# 8 x 32 up to 16 epochs
TRAIN_BUDGET = 1e8
EVAL_BUDGET = 1e8  # a live frame's slice of the full evaluation (evaluation.py)
_RUN_FIELDS = ("step", "epoch", "status", "diverged_at_step")  # a live frame's own; its other numbers: an evaluation's


class PlaygroundSession:
    """One tab's training run. Not thread-safe: the web layer serialises calls per session."""

    def __init__(self, config: RunConfig, csv_bytes: bytes | None = None, grid: int = 100,
                 limits: PlaygroundLimits | None = None):
        """``limits``: the lab's size limits (the web layer checks them before a session is made; None: no check
        here). The cost of one epoch is always capped (MAX_STEPS_PER_EPOCH), since a frame trains whole epochs."""
        if limits is not None:
            limits.check(config)
        self.config = config
        self.csv_bytes = csv_bytes
        self.train_data, self.test_data = make_data(config, csv_bytes)  # made (or parsed) once
        self.trainer: Trainer = trainer_for(config, self.train_data, self.test_data)
        self.trainer.restart = PLAYGROUND_RESTART  # the remedies name the page's Reset button
        _check_epoch_cost(self.trainer)
        self.is_2d = self.train_data.points.shape[1] == 2
        if not 10 <= grid <= 200:
            raise ConfigError("grid", f"10 to 200 cells; got {grid}")
        self.grid = surface_size(grid, sum(w.size for w in self.trainer.net.weights), sum(config.layers))
        self._grid_pts = plane_grid(self.grid, EXTENT)
        g = self.thumb_size
        self._thumb_pts = plane_grid(g, EXTENT)
        # surfaces are drawn in float32: they end as int8 pixels, and float32 is several times faster. The output
        # surface's points and the thumbnails' go through the network in one forward pass (rows G*G on: thumbnails)
        self._grid_inputs = features(self._grid_pts, config.features).astype(np.float32) if self.is_2d else None
        self._thumb_inputs = features(self._thumb_pts, config.features).astype(np.float32) if self.is_2d else None
        self._draw_inputs = np.concatenate([self._grid_inputs, self._thumb_inputs]) if self.is_2d else None
        self._thumb_from = 0  # the first neuron whose thumbnail the next live frame carries (THUMB_BYTES)
        self.last_frame: Frame | None = None
        self._history_sent_step = 0  # the newest sampled gradient already sent to the page
        self.updates_per_epoch = self.trainer.updates_per_epoch
        self._numbers: Frame | None = None  # the newest finished evaluation (Trainer.frame() at its step)
        self._predictions: np.ndarray | None = None  # its test-set predictions, for the confusion matrix
        self._evaluating: Evaluation | None = None  # one under way, a slice a frame
        self._shown: tuple[Frame, Frame] | None = None  # (the last frame made here, the evaluation it shows)
        self._numbers_cache: tuple[Frame, dict, dict] | None = None
        self._caller_predictions: tuple[Frame, np.ndarray] | None = None  # (a caller's frame, its predictions)
        net = self.trainer.net
        self.n_weights = sum(w.size for w in net.weights)
        self.updates_per_frame = max(1, int(TRAIN_BUDGET // (3 * (self.trainer.batch_size + 1) * self.n_weights)))
        self.links = LinkSelection(net.weights)

    @property
    def thumb_size(self) -> int:
        """Adaptive detail: 10 x 10 thumbnails up to 48 neurons, then coarser."""
        n = sum(self.config.layers)
        return 10 if n <= 48 else 8 if n <= 128 else 6

    def set_lr(self, lr: float) -> None:
        self.trainer.set_lr(lr)

    def advance(self, epochs: int = 1) -> Frame:
        """Train ``epochs`` whole epochs (the rest of the current one counts as the first), then evaluate at once:
        the Python API's frame, Trainer.frame() at the step reached."""
        check_epochs_per_frame(epochs)
        self.trainer.run_updates(epochs * self.updates_per_epoch - self.epoch_step)
        return self._evaluate_now()

    def train(self, epochs: int) -> None:
        """A live frame's training: ``epochs`` epochs or ``updates_per_frame`` updates (TRAIN_BUDGET), whichever
        is less; the next call goes on where this one stopped. Then the server calls finish_frame()."""
        check_epochs_per_frame(epochs)
        self.trainer.run_updates(min(self.updates_per_frame, epochs * self.updates_per_epoch - self.epoch_step))

    @property
    def epoch_step(self) -> int:
        """Updates made in the current epoch (an epoch may span frames): the trainer's own count."""
        return self.trainer.epoch_step

    def finish_frame(self) -> Frame:
        """A live frame's numbers: a slice of the evaluation under way (EVAL_BUDGET), and the newest finished
        evaluation's Frame with the run's own step, epoch and status (numbers_of() says at which step the numbers
        were taken). A diverged run is evaluated at once: its frame is the last one."""
        t = self.trainer
        if t.diverged:
            if self._numbers is None or self._numbers.step != t.step_count:
                self._evaluate_now()
        else:
            if self._evaluating is None:
                ev = Evaluation(t, snapshot=False)
                # a copy only when the evaluation spans frames (training goes on in between); else the live network
                self._evaluating = ev if ev.work() <= EVAL_BUDGET else Evaluation(t)
            if self._evaluating.run(EVAL_BUDGET) is not None:
                self._set_numbers(self._evaluating)
                self._evaluating = None
        if self._numbers is None:
            if self.last_frame is None:
                self._evaluate_now()
            else:  # the first frame, made by the caller (Trainer.frame()), with the predictions drawn with it
                drawn = self._caller_predictions
                self._numbers = self.last_frame
                self._predictions = drawn[1] if drawn is not None and drawn[0] is self.last_frame else None
        frame = dataclasses.replace(self._numbers, step=t.step_count, epoch=t.epoch_count,
                                    status="diverged" if t.diverged else "finite", diverged_at_step=t.diverged_at_step)
        self.last_frame = frame
        self._shown = (frame, self._numbers)
        return frame

    def numbers_of(self, frame: Frame) -> Frame:
        """The Frame whose losses and instruments ``frame`` shows: itself, or for a live frame of a big network the
        evaluation it carries (its step and epoch are when the numbers were taken)."""
        return self._shown[1] if self._shown is not None and self._shown[0] is frame else frame

    def _evaluate_now(self) -> Frame:
        ev = Evaluation(self.trainer, snapshot=False)
        ev.run()
        self._set_numbers(ev)
        self._evaluating = None
        self.last_frame = ev.frame
        self._shown = (ev.frame, ev.frame)
        return ev.frame

    def _set_numbers(self, ev: Evaluation) -> None:
        self._numbers, self._predictions = ev.frame, ev.predictions

    def settle(self) -> Frame:
        """The run stops moving (pause, stop, a stop rule): its numbers at the weights it now has, so what the
        page reads is the network it draws. A big network's live numbers trail training (an evaluation spread over
        frames on a copy); here the evaluation under way is dropped and one full evaluation is made at once, unless
        the numbers shown already are at this step. Returns the frame to show."""
        self._evaluating = None  # of an older step: finished later, it would put older numbers over these
        if self._numbers is None or self._numbers.step != self.trainer.step_count:
            return self._evaluate_now()
        return self.last_frame or self._evaluate_now()

    def step_once(self) -> Frame:
        """One minibatch, for the playground's single-step button; evaluated at once."""
        self.trainer.run_updates(1)
        return self._evaluate_now()

    def frame_data(self, rolling: bool = False) -> FrameData:
        """Everything one animation frame draws (call after advance(), step_once(), finish_frame() or settle()).

        ``rolling`` (the live loop's frames): the neuron thumbnails of at most THUMB_BYTES, a run of neurons that
        goes on where the last frame's stopped; the header's thumb_from and thumb_count say which. Otherwise all."""
        t = self.trainer
        frame = self.last_frame or t.frame()
        net = t.net
        head = net.head
        n_units = sum(net.config.hidden)
        thumb_from, thumb_count = 0, n_units
        if self.is_2d:
            cells, t2 = self.grid * self.grid, self.thumb_size**2
            if rolling and n_units * t2 > THUMB_BYTES:
                thumb_from = self._thumb_from if self._thumb_from < n_units else 0
                thumb_count = min(n_units - thumb_from, max(1, THUMB_BYTES // t2))
                self._thumb_from = thumb_from + thumb_count
            with np.errstate(all="ignore"):  # a diverged network is drawn too
                out, trace = net.astype(np.float32).forward(self._draw_inputs, derivatives=False)
            if head.surface is None:  # a class surface: three or more classes
                output = _class_codes(out[:cells]).reshape(self.grid, self.grid)
            else:
                output = _quantise(out[:cells, 0].reshape(self.grid, self.grid), *head.surface)
            # each hidden layer's outputs at the thumbnails' points, a row per neuron: (units, g * g), then the run
            # of neurons this frame carries
            neuron_arr = (_thumbnails(trace.outs[1:-1], net.activations, cells)
                          if n_units else np.zeros((0, t2), np.int8))[thumb_from:thumb_from + thumb_count]
        else:
            output = np.zeros((0, 0), np.int8)
            neuron_arr = np.zeros((0, 0), np.int8)
        reading = frame.reading
        numbers = self.numbers_of(frame)
        if not head.is_classifier or frame.accuracy_note:  # no classes from outputs that are not numbers (W16)
            confusion = None
        elif numbers is self._numbers:  # the evaluation's own test predictions
            if self._predictions is None:  # a first frame made by the caller and not drawn then: predicted once
                self._predictions = self._predict()
            confusion = self._confusion_of(self._predictions)
        else:  # a frame made by the caller (the training process's first, Trainer.frame()): the network as it is
            self._caller_predictions = (numbers, self._predict())
            confusion = self._confusion_of(self._caller_predictions[1])
        self.links.update(net.weights)
        same, encoded = self._numbers_json(numbers)  # the frame's own JSON form, as `actlab train --json` prints it
        same = {**same, **{k: jsonable(getattr(frame, k)) for k in _RUN_FIELDS}}
        # each hidden layer as LayerReading.to_dict() writes it (the frame's instruments on the full training set)
        layers = same["reading"]["layers"] if reading else []
        products = deriv_products(net)
        last_norm = reading.last_grad_norm if reading else None
        # the output layer's gradient times (max |f'|)^n of the activations between: their share, not a bound
        share_norms = [jsonable(b * last_norm) for b in products] if last_norm is not None else []
        header = {
            "type": "frame", **{k: same[k] for k in FRAME_FIELDS},
            "grid": self.grid if self.is_2d else 0, "thumb": self.thumb_size if self.is_2d else 0,
            # the neurons (counted over all hidden layers in order) whose thumbnails follow the surface: all of them
            # unless a live frame's share (THUMB_BYTES) is smaller; the page keeps the others from earlier frames
            "thumb_from": thumb_from, "thumb_count": thumb_count if self.is_2d else 0,
            # a class surface (softmax): the number of classes and the levels per class of its cells; else 0
            "classes": net.config.output_dim if head.surface is None else 0, "class_levels": CLASS_LEVELS,
            "layer_sizes": [net.weights[0].shape[0], *net.config.hidden, net.config.output_dim],
            # the drawn links' weights and each layer's summary, not the matrices (links.py); arrays are made JSON
            # by encode() in one C-speed pass
            "links": self.links.to_json(net.weights, [*net.config.hidden, net.config.output_dim]),
            # an epoch may span frames: the updates made in the current one, of updates_per_epoch
            "epoch_step": self.epoch_step, "updates_per_epoch": self.updates_per_epoch,
            # the step and epoch at which the losses, accuracies, instruments and confusion were taken (the
            # frame's own unless the network's evaluation spans frames, evaluation.py)
            "evaluated_step": numbers.step, "evaluated_epoch": numbers.epoch,
            "layers": layers, "deriv_products": jsonable(products), "share_norms": share_norms,
            "last_grad_norm": jsonable(reading.last_grad_norm) if reading else None,
            "confusion": confusion,
            "grad_history": self._new_gradient_samples(),
        }
        return FrameData(header, output, neuron_arr, encoded)

    def _numbers_json(self, numbers: Frame) -> tuple[dict, dict[str, str]]:
        """``numbers``' to_dict() and the JSON text of its per-layer readings and diagnosis, made once per
        evaluation (a big network's frames show the same evaluation for many frames; at 32 x 256 its dict took
        11 ms to write)."""
        if self._numbers_cache is None or self._numbers_cache[0] is not numbers:
            same = numbers.to_dict()
            layers = same["reading"]["layers"] if same["reading"] else []
            # to_dict() gave JSON-ready values already: json.dumps writes them without _json's second walk
            encoded = {"layers": json.dumps(layers, allow_nan=False, separators=(",", ":")),
                       "diagnosis": json.dumps(same["diagnosis"], allow_nan=False, separators=(",", ":"))}
            self._numbers_cache = (numbers, same, encoded)
        return self._numbers_cache[1], self._numbers_cache[2]

    def _new_gradient_samples(self, limit: int = 20) -> list[list[float]]:
        """[step, ||dL/dW|| layer 1, ..., output] for the minibatch samples taken since the last frame (at most
        ``limit``, evenly thinned): the gradient panel's history over training."""
        new = [(step, norms) for step, norms in self.trainer.sampled_grad_norms if step > self._history_sent_step]
        if not new:
            return []
        self._history_sent_step = new[-1][0]
        keep = new[::max(1, -(-len(new) // limit))]
        return [[step, *jsonable(norms)] for step, norms in keep]

    def confusion(self) -> list[list[int]]:
        """Test-set confusion matrix (rows: true class, columns: predicted) of the network as it is now."""
        return self._confusion_of(self._predict())

    def _predict(self) -> np.ndarray:
        """The network's predictions on the test set (the training set when there is none), as it is now."""
        t = self.trainer
        x = t.x_test if t.x_test is not None else t.x_train
        with np.errstate(all="ignore"):
            out = t.net.predict(x)
        return t.net.head.predict(out)

    def _confusion_of(self, pred: np.ndarray) -> list[list[int]]:
        """The confusion matrix of test-set predictions (the training set's when there is no test set)."""
        y = self.test_data.labels if self.trainer.x_test is not None else self.train_data.labels
        k = max(int(y.max()), int(pred.max())) + 1
        m = np.zeros((k, k), dtype=int)
        np.add.at(m, (y.astype(int), pred), 1)
        return m.tolist()

    def points(self) -> dict:
        """The data points to draw (their first two coordinates), train and test; ``two_d`` says whether
        the data lives in the plane (a CSV may have more inputs: then there is no surface to draw)."""
        return {"two_d": self.is_2d, "n_inputs": int(self.train_data.points.shape[1]),
                "train": np.round(self.train_data.points[:, :2], 4).tolist(),
                "train_labels": np.round(self.train_data.labels.astype(float), 4).tolist(),
                "test": np.round(self.test_data.points[:, :2], 4).tolist(),
                "test_labels": np.round(self.test_data.labels.astype(float), 4).tolist(),
                "task": self.train_data.task, "columns": list(self.train_data.columns),
                "class_names": list(self.train_data.class_names)}  # a CSV's labels, in class-index order


def surface_size(grid: int, n_weights: int, n_units: int = 0) -> int:
    """Cells per side of the output surface: ``grid``, or fewer (down to MIN_SURFACE) where a forward pass of
    grid**2 points through ``n_weights`` weights and ``n_units`` hidden units would exceed SURFACE_BUDGET
    multiply-adds (an activation counted as ACTIVATION_COST of them)."""
    per_point = max(n_weights + ACTIVATION_COST * n_units, 1)
    return min(grid, max(MIN_SURFACE, math.isqrt(int(SURFACE_BUDGET // per_point))))


def _check_epoch_cost(trainer: Trainer) -> None:
    n, batch = len(trainer.x_train), trainer.batch_size
    if -(-n // batch) > MAX_STEPS_PER_EPOCH:
        least = -(-n // MAX_STEPS_PER_EPOCH)
        raise ConfigError("batch_size", f"{batch} makes {-(-n // batch):,} updates per epoch over {n:,} training "
                                        f"points; the limit is {MAX_STEPS_PER_EPOCH:,}, so use a batch "
                                        f"size of at least {least} (or fewer points)")


def _thumbnails(outs: list[np.ndarray], activations: list, cells: int) -> np.ndarray:
    """The hidden layers' outputs at the thumbnails' points (rows ``cells`` on of each of ``outs``) as int8, a row
    per neuron: (units, g * g). Quantised in one pass when every layer spans the same colour range (the usual
    case: one activation for all layers), else a layer at a time."""
    ranges = [_colour_range(f) for f in activations]
    if all(r == ranges[0] for r in ranges):
        return _quantise(np.concatenate([a[cells:].T for a in outs]), *ranges[0])
    return np.concatenate([_quantise(a[cells:].T, *r) for a, r in zip(outs, ranges, strict=True)])


def _colour_range(act) -> tuple[float, float]:
    """The value range a neuron's heatmap spans: the activation's own when bounded (sigmoid: 0 to 1),
    else -1 to 1 as the playground draws it (larger values saturate the colour)."""
    lo, hi = act.output_range
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else (-1.0, 1.0)
