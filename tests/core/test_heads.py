"""Output heads as records: each head's output, loss and gradient against PyTorch and finite differences, its
predictions, and its PyTorch recipe; run settings pick heads from the records."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.errors import ConfigError
from actlab.heads import HEAD_RECORDS, HEADS, head, head_for
from conftest import require_torch
from core._torch_heads import torch_head_loss

torch = require_torch()


def _batch(name: str, rng, n: int = 9, k: int = 4):
    h = head(name)
    width = 1 if h.single_output else (k if h.is_classifier else 3)
    logits = rng.normal(scale=2.0, size=(n, width))
    if name == "regression":
        labels = rng.normal(size=(n, width))
    else:
        labels = rng.integers(0, 2 if h.single_output else k, n)
    return h, logits, h.targets(labels)


def _torch_loss(name: str, logits, t):
    """PyTorch's loss and gradient, from the head record's own recipe (torch_output, torch_loss)."""
    z = torch.tensor(logits, requires_grad=True)
    _, loss = torch_head_loss(name, z, t)
    loss.backward()
    return loss.item(), z.grad.numpy()


@pytest.mark.parametrize("name", HEADS)
def test_loss_and_gradient_agree_with_pytorch(name):
    h, logits, t = _batch(name, np.random.default_rng(1))
    loss, grad = h.loss_and_grad(logits, t)
    ref_loss, ref_grad = _torch_loss(name, logits, t)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", HEADS)
def test_gradient_matches_finite_differences(name):
    h, logits, t = _batch(name, np.random.default_rng(2))
    _, grad = h.loss_and_grad(logits, t)
    eps = 1e-6
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric = (h.loss_and_grad(up, t)[0] - h.loss_and_grad(down, t)[0]) / (2 * eps)
        assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", HEADS)
def test_the_torch_recipe_computes_the_same_output_and_loss(name):
    h, logits, t = _batch(name, np.random.default_rng(3))
    out, loss = torch_head_loss(name, torch.tensor(logits), t)
    np.testing.assert_allclose(out.numpy(), h.output(logits), rtol=1e-12)
    assert float(loss) == pytest.approx(h.loss_and_grad(logits, t)[0], rel=1e-12)


@pytest.mark.parametrize("name", [n for n in HEADS if head(n).is_classifier])
def test_predictions_are_the_classes_the_output_favours(name):
    h, logits, t = _batch(name, np.random.default_rng(4), n=50)
    out = h.output(logits)
    probs = torch.softmax(torch.tensor(logits), 1).numpy() if name == "softmax" else None
    expected = probs.argmax(1) if probs is not None else (logits[:, 0] >= 0).astype(int)  # logit 0: the midpoint
    np.testing.assert_array_equal(h.predict(out), expected)
    assert h.accuracy(h.output(_perfect(name, t)), t) == 1.0
    assert h.accuracy(h.output(-_perfect(name, t)), t) < 1.0  # the opposite logits miss


def _perfect(name: str, t):
    """Logits that put every example firmly in its own class."""
    labels = head(name).label(t)
    if name == "softmax":
        return 10.0 * np.eye(int(labels.max()) + 1)[labels]
    return np.where(labels == 1, 10.0, -10.0).reshape(-1, 1)


def test_regression_has_no_accuracy_and_no_predictions():
    h = head("regression")
    assert not h.is_classifier and h.accuracy(np.zeros((3, 1)), np.zeros((3, 1))) is None


@pytest.mark.parametrize(("loss", "task", "classes", "expected"), [
    ("mse", "regression", 0, ("regression", 1)), ("mse", "classification", 2, ("tanh_mse", 1)),
    ("cross-entropy", "classification", 2, ("logistic", 1)), ("cross-entropy", "classification", 5, ("softmax", 5)),
])
def test_run_settings_pick_a_head_from_the_records(loss, task, classes, expected):
    h, k = head_for(loss, task, classes)
    assert (h.name, k) == expected


@pytest.mark.parametrize(("loss", "task", "classes", "needle"), [
    ("cross-entropy", "regression", 0, "cross-entropy needs classes, and 'plane' is a regression task"),
    ("mse", "classification", 3, "3 classes need cross-entropy; got mse"),
])
def test_a_loss_no_head_serves_is_refused_with_what_would_do(loss, task, classes, needle):
    with pytest.raises(ConfigError, match=needle) as err:
        head_for(loss, task, classes, "'plane'")
    assert err.value.field == "loss"


def test_an_unknown_head_names_the_heads():
    with pytest.raises(ConfigError, match="unknown head 'hinge'; allowed: regression, tanh_mse") as err:
        head("hinge")
    assert err.value.field == "head" and set(HEAD_RECORDS) == set(HEADS)
