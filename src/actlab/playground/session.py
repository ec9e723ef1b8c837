"""A live playground session: a Trainer plus what one animation frame shows.

The web layer owns the WebSocket and the timing; this module owns the maths of a frame: run k epochs, evaluate
the output over a G x G grid of the input plane and every neuron over a g x g grid, and gather losses, weights
and instruments (frames.py turns them into the message). Adaptive detail: bigger networks get coarser neuron
thumbnails and a coarser output surface, so a frame stays small and fast.
"""

from __future__ import annotations

import math

import numpy as np

from .._json import jsonable
from ..datasets import features
from ..errors import ConfigError
from ..instruments import deriv_products, plane_grid
from ..limits import PlaygroundLimits
from ..session import RunConfig, make_data, trainer_for
from ..training import Frame, Trainer
from .frames import CLASS_LEVELS, FRAME_FIELDS, FrameData, _class_codes, _quantise

EXTENT = 6.0  # the input plane shown: [-6, 6]^2, as the playground
MAX_EPOCHS_PER_FRAME = 50
MAX_STEPS_PER_EPOCH = 2_000  # updates in one epoch (training points / batch size): a frame is up to 50 epochs
# the output surface's cells shrink as the network grows so that drawing it stays under about this many
# multiply-adds (a 100 x 100 surface through up to 1e5 weights; ~30 ms of float32 products on one core)
SURFACE_BUDGET = 1e9
MIN_SURFACE = 20


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
        _check_epoch_cost(self.trainer)
        self.is_2d = self.train_data.points.shape[1] == 2
        if not 10 <= grid <= 200:
            raise ConfigError("grid", f"10 to 200 cells; got {grid}")
        self.grid = surface_size(grid, sum(w.size for w in self.trainer.net.weights))
        self._grid_pts = plane_grid(self.grid, EXTENT)
        g = self.thumb_size
        self._thumb_pts = plane_grid(g, EXTENT)
        # surfaces are drawn in float32: they end as int8 pixels, and float32 is several times faster
        self._grid_inputs = features(self._grid_pts, config.features).astype(np.float32) if self.is_2d else None
        self._thumb_inputs = features(self._thumb_pts, config.features).astype(np.float32) if self.is_2d else None
        self.last_frame: Frame | None = None
        self._history_sent_step = 0  # the newest sampled gradient already sent to the page

    @property
    def thumb_size(self) -> int:
        """Adaptive detail: 10 x 10 thumbnails up to 48 neurons, then coarser."""
        n = sum(self.config.layers)
        return 10 if n <= 48 else 8 if n <= 128 else 6

    def set_lr(self, lr: float) -> None:
        self.trainer.set_lr(lr)

    def advance(self, epochs: int = 1) -> Frame:
        """Train ``epochs`` epochs, then evaluate once for the frame."""
        self.train(epochs)
        return self.finish_frame()

    def train(self, epochs: int) -> None:
        """Train without evaluating: the server trains one frame's epochs in slices, then calls finish_frame()."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= MAX_EPOCHS_PER_FRAME:
            raise ConfigError("epochs_per_frame", f"1 to {MAX_EPOCHS_PER_FRAME}; got {epochs!r}")
        self.trainer.run_epochs(epochs)

    def finish_frame(self) -> Frame:
        self.last_frame = self.trainer.frame()  # one evaluation per frame, however many epochs
        return self.last_frame

    def step_once(self) -> Frame:
        """One minibatch, for the playground's single-step button."""
        self.trainer.step()
        self.last_frame = self.trainer.frame()
        return self.last_frame

    def frame_data(self) -> FrameData:
        """Everything one animation frame draws (call after advance())."""
        t = self.trainer
        frame = self.last_frame or t.frame()
        net = t.net
        head = net.head
        if self.is_2d:
            with np.errstate(all="ignore"):  # a diverged network is drawn too
                draw_net = net.astype(np.float32)
                out, _ = draw_net.forward(self._grid_inputs, derivatives=False)
                _, thumb_trace = draw_net.forward(self._thumb_inputs, derivatives=False)
            if head.surface is None:  # a class surface: three or more classes
                output = _class_codes(out).reshape(self.grid, self.grid)
            else:
                output = _quantise(out[:, 0].reshape(self.grid, self.grid), *head.surface)
            neurons = [_quantise(a.T, *_colour_range(f)) for a, f in zip(thumb_trace.outs[1:-1], net.activations,
                                                                           strict=True)]
            neuron_arr = np.concatenate(neurons) if neurons else np.zeros((0, 0), np.int8)
        else:
            output = np.zeros((0, 0), np.int8)
            neuron_arr = np.zeros((0, 0), np.int8)
        reading = frame.reading
        same = frame.to_dict()  # the frame's own JSON form, as `actlab train --json` prints it
        # each hidden layer as LayerReading.to_dict() writes it (the frame's instruments on the full training set)
        layers = same["reading"]["layers"] if reading else []
        products = deriv_products(net)
        last_norm = reading.last_grad_norm if reading else None
        # the output layer's gradient times (max |f'|)^n of the activations between: their share, not a bound
        share_norms = [jsonable(b * last_norm) for b in products] if last_norm is not None else []
        header = {
            "type": "frame", **{k: same[k] for k in FRAME_FIELDS},
            "grid": self.grid if self.is_2d else 0, "thumb": self.thumb_size if self.is_2d else 0,
            # a class surface (softmax): the number of classes and the levels per class of its cells; else 0
            "classes": net.config.output_dim if head.surface is None else 0, "class_levels": CLASS_LEVELS,
            "layer_sizes": [net.weights[0].shape[0], *net.config.hidden, net.config.output_dim],
            # arrays, made JSON by encode() in one C-speed pass (a list here was walked number by number)
            "weights": [np.round(w, 4) if not any(f.is_gated for f in net.activations) else []
                        for w in net.weights],
            "layers": layers, "deriv_products": jsonable(products), "share_norms": share_norms,
            "last_grad_norm": jsonable(reading.last_grad_norm) if reading else None,
            "confusion": self.confusion() if head.is_classifier else None,
            "grad_history": self._new_gradient_samples(),
        }
        return FrameData(header, output, neuron_arr)

    def _new_gradient_samples(self, limit: int = 20) -> list[list[float]]:
        """[step, ||dW|| layer 1, ..., output] for the minibatch samples taken since the last frame (at most
        ``limit``, evenly thinned): the gradient panel's history over training."""
        new = [(step, norms) for step, norms in self.trainer.sampled_grad_norms if step > self._history_sent_step]
        if not new:
            return []
        self._history_sent_step = new[-1][0]
        keep = new[::max(1, -(-len(new) // limit))]
        return [[step, *jsonable(norms)] for step, norms in keep]

    def confusion(self) -> list[list[int]]:
        """Test-set confusion matrix (rows: true class, columns: predicted)."""
        t = self.trainer
        x = t.x_test if t.x_test is not None else t.x_train
        y = self.test_data.labels if t.x_test is not None else self.train_data.labels
        with np.errstate(all="ignore"):
            out = t.net.predict(x)
        pred = t.net.head.predict(out)
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


def surface_size(grid: int, n_weights: int) -> int:
    """Cells per side of the output surface: ``grid``, or fewer (down to MIN_SURFACE) where a forward pass of
    grid**2 points through ``n_weights`` weights would exceed SURFACE_BUDGET multiply-adds."""
    return min(grid, max(MIN_SURFACE, math.isqrt(int(SURFACE_BUDGET // max(n_weights, 1)))))


def _check_epoch_cost(trainer: Trainer) -> None:
    n, batch = len(trainer.x_train), trainer.batch_size
    if -(-n // batch) > MAX_STEPS_PER_EPOCH:
        least = -(-n // MAX_STEPS_PER_EPOCH)
        raise ConfigError("batch_size", f"{batch} makes {-(-n // batch):,} updates per epoch over {n:,} training "
                                        f"points; the limit is {MAX_STEPS_PER_EPOCH:,}, so use a batch "
                                        f"size of at least {least} (or fewer points)")


def _colour_range(act) -> tuple[float, float]:
    """The value range a neuron's heatmap spans: the activation's own when bounded (sigmoid: 0 to 1),
    else -1 to 1 as the playground draws it (larger values saturate the colour)."""
    lo, hi = act.output_range
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else (-1.0, 1.0)
