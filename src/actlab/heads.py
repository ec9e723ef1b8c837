"""Output heads: what a network's last layer does with its logits z, one record per head.

A Head holds everything that depends on the head, so no other module branches on its name:
  output(z)             the network's output (identity, tanh, sigmoid, softmax)
  loss_and_grad(z, t)   the mean loss over the batch and its gradient with respect to z, (N, K)
  targets(labels)       class labels (or regression values) as the head trains on them
  predict(out)          class predictions from the output; None for regression
  label(t)              the class labels behind targets
  chance_loss(t)        the loss of the best constant prediction
  surface               the range the playground colours the output in, or None for a class surface
  torch_output, torch_loss   the PyTorch recipe: an expression of `logits` and a loss module
and, for choosing a head from run settings (head_for), its loss name and the tasks it serves.

Losses: MSE heads 0.5 mean over the batch of sum over outputs (o - y)^2; cross-entropy heads from the logits
(softplus(z) - y z for one output, log-sum-exp for softmax), stable for any z.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import activations
from .errors import ConfigError

_sigmoid = activations.get("sigmoid")
_softplus = activations.get("softplus")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _as_float_targets(t: np.ndarray, like: np.ndarray) -> np.ndarray:
    if t.shape != like.shape or t.dtype != like.dtype:
        t = np.asarray(t, dtype=like.dtype).reshape(like.shape)
    return t


def _half_squared_error(out: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """0.5 * mean over rows of sum over outputs (out - t)^2, and its gradient with respect to out."""
    n = out.shape[0]
    diff = out - t
    return 0.5 * float(np.vdot(diff, diff)) / n, diff / n


def _variance_chance(t: np.ndarray) -> float:
    """MSE heads: the best constant output is the targets' mean, so the loss is 0.5 * the variance summed over
    outputs (tanh and sigmoid outputs reach the mean only in the limit when every target is the same)."""
    return 0.5 * float(np.sum(np.var(t.reshape(len(t), -1).astype(np.float64), axis=0)))


def _entropy(freq: np.ndarray) -> float:
    """Cross-entropy heads: the best constant is the class frequencies, and the loss their entropy in nats."""
    freq = freq[freq > 0]
    return float(-np.sum(freq * np.log(freq)))


# --- the loss of each head, from the logits -------------------------------------------------------------------

def _regression_loss(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    return _half_squared_error(z, _as_float_targets(t, z))


def _squashed_mse(squash: Callable[[np.ndarray], np.ndarray], slope_from_output: Callable[[np.ndarray], np.ndarray]):
    """MSE on a squashed output; the squash's derivative is written from its output (tanh' = 1 - o^2)."""
    def loss(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
        out = squash(z)
        diff = out - _as_float_targets(t, z)
        return 0.5 * float(np.vdot(diff, diff)) / len(z), diff * slope_from_output(out) / len(z)
    return loss


def _logistic_loss(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    t = _as_float_targets(t, z)
    n = z.shape[0]
    # binary cross-entropy from the logit: softplus(z) - t z; d/dz = sigmoid(z) - t
    return float(np.mean(_softplus(z) - t * z)), (_sigmoid(z) - t) / n


def _softmax_loss(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    n = z.shape[0]
    labels = t.astype(np.intp).ravel()
    shifted = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    loss = float(np.mean(log_norm - shifted[np.arange(n), labels]))
    dz = softmax(z)
    dz[np.arange(n), labels] -= 1
    return loss, dz / n


@dataclass(frozen=True)
class Head:
    name: str
    description: str
    output: Callable[[np.ndarray], np.ndarray]
    loss_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    targets: Callable[[np.ndarray], np.ndarray]
    chance_loss: Callable[[np.ndarray], float]
    predict: Callable[[np.ndarray], np.ndarray] | None  # class labels from the output; None: regression
    label: Callable[[np.ndarray], np.ndarray] | None  # class labels from the targets; None: regression
    surface: tuple[float, float] | None  # the playground's colour range of the output; None: a class surface
    torch_output: str  # the output as a PyTorch expression of `logits`
    torch_loss: str  # the loss as a PyTorch module (MSE heads: half of MSELoss(reduction='sum') / N)
    loss: str | None  # the run settings' loss name that picks this head; None: not offered there
    task: str  # "classification" or "regression"
    classes: tuple[int, int]  # how many classes it serves (regression: (0, 0))
    single_output: bool  # exactly one output unit

    @property
    def is_classifier(self) -> bool:
        return self.predict is not None

    def accuracy(self, out: np.ndarray, t: np.ndarray) -> float | None:
        """Share of correct predictions; None for regression."""
        if self.predict is None or self.label is None:
            return None
        return float(np.mean(self.predict(out) == self.label(t)))


def _column(labels: np.ndarray, dtype=np.float64) -> np.ndarray:
    return np.asarray(labels).astype(dtype).reshape(-1, 1)


_REGRESSION = Head(
    "regression", "identity output, loss 0.5 mean (o - y)^2", output=lambda z: z, loss_and_grad=_regression_loss,
    targets=lambda y: np.asarray(y).astype(np.float64).reshape(len(y), -1), chance_loss=_variance_chance,
    predict=None, label=None, surface=(-1.0, 1.0), torch_output="logits",
    torch_loss="0.5 * nn.MSELoss(reduction='sum')(out, y) / len(y)", loss="mse", task="regression",
    classes=(0, 0), single_output=False)
_TANH_MSE = Head(
    "tanh_mse", "tanh output, targets -1/+1, loss 0.5 mean (o - y)^2 (TensorFlow Playground)", output=np.tanh,
    loss_and_grad=_squashed_mse(np.tanh, lambda o: 1 - o * o), targets=lambda y: 2.0 * _column(y) - 1.0,
    chance_loss=_variance_chance, predict=lambda o: (o[:, 0] >= 0).astype(np.intp),
    label=lambda t: (t[:, 0] > 0).astype(np.intp), surface=(-1.0, 1.0), torch_output="torch.tanh(logits)",
    torch_loss="0.5 * nn.MSELoss(reduction='sum')(out, y) / len(y)", loss="mse", task="classification",
    classes=(2, 2), single_output=True)
_SIGMOID_MSE = Head(
    "sigmoid_mse", "sigmoid output, targets 0/1, loss 0.5 mean (o - y)^2", output=_sigmoid,
    loss_and_grad=_squashed_mse(_sigmoid, lambda o: o * (1 - o)), targets=_column, chance_loss=_variance_chance,
    predict=lambda o: (o[:, 0] >= 0.5).astype(np.intp), label=lambda t: (t[:, 0] > 0.5).astype(np.intp),
    surface=(0.0, 1.0), torch_output="torch.sigmoid(logits)",
    torch_loss="0.5 * nn.MSELoss(reduction='sum')(out, y) / len(y)", loss=None, task="classification",
    classes=(2, 2), single_output=True)
_LOGISTIC = Head(
    "logistic", "sigmoid output, targets 0/1, binary cross-entropy from the logit", output=_sigmoid,
    loss_and_grad=_logistic_loss, targets=_column,
    chance_loss=lambda t: _entropy(np.array([np.mean(t), 1 - np.mean(t)])),
    predict=lambda o: (o[:, 0] >= 0.5).astype(np.intp), label=lambda t: (t[:, 0] > 0.5).astype(np.intp),
    surface=(0.0, 1.0), torch_output="torch.sigmoid(logits)", torch_loss="nn.BCEWithLogitsLoss()(logits, y)",
    loss="cross-entropy", task="classification", classes=(1, 2), single_output=True)
_SOFTMAX = Head(
    "softmax", "K outputs, integer targets, softmax cross-entropy", output=softmax, loss_and_grad=_softmax_loss,
    targets=lambda y: np.asarray(y).astype(np.intp),
    chance_loss=lambda t: _entropy(np.bincount(np.asarray(t).astype(np.intp).ravel()) / np.asarray(t).size),
    predict=lambda o: np.argmax(o, axis=1), label=lambda t: np.asarray(t).astype(np.intp).ravel(), surface=None,
    torch_output="torch.softmax(logits, dim=1)", torch_loss="nn.CrossEntropyLoss()(logits, y)",
    loss="cross-entropy", task="classification", classes=(3, 1_000_000), single_output=False)

HEAD_RECORDS: dict[str, Head] = {h.name: h for h in (_REGRESSION, _TANH_MSE, _SIGMOID_MSE, _LOGISTIC, _SOFTMAX)}
HEADS = tuple(HEAD_RECORDS)


def head(name: str) -> Head:
    """The record of head ``name``; ConfigError("head") names the heads there are."""
    try:
        return HEAD_RECORDS[name]
    except (KeyError, TypeError):
        raise ConfigError("head", f"unknown head {name!r}; allowed: {', '.join(HEADS)}") from None


def head_for(loss: str, task: str, n_classes: int, data: str = "this data set") -> tuple[Head, int]:
    """The head run settings pick (their loss, the data's task and class count) and its number of outputs;
    ``data`` names the data set in errors."""
    for h in HEAD_RECORDS.values():
        if h.loss == loss and h.task == task and (task == "regression" or h.classes[0] <= n_classes <= h.classes[1]):
            return h, 1 if h.single_output or task == "regression" else n_classes
    if task == "regression":
        raise ConfigError("loss", f"{loss} needs classes, and {data} is a regression task (a number to predict at "
                                  "each point); use mse")
    offered = sorted({h.loss for h in HEAD_RECORDS.values() if h.loss and h.task == task and
                      h.classes[0] <= n_classes <= h.classes[1]})
    raise ConfigError("loss", f"{n_classes} classes need {' or '.join(offered)}; got {loss}")
