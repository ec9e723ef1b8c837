"""Same weights, same batch: actlab's gradients agree with PyTorch autograd to 1e-10 (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import REGISTRY
from actlab.network import HEADS, MLP, NetworkConfig
from conftest import require_torch
from core._torch_heads import torch_head_loss
from core.test_network import _net

torch = require_torch()
from actlab.interop.torch_recipes import module_for  # noqa: E402


def torch_activation(record):
    """PyTorch's computation of ``record``, from the record's own recipe (interop.torch_recipes.module_for)."""
    return module_for(record)


def torch_loss(net: MLP, x: np.ndarray, y: np.ndarray):
    ws = [torch.tensor(w, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in net.biases]
    a = torch.tensor(x)
    fs = [torch_activation(f) for f in net.activations]
    for l in range(len(ws)):
        z = a @ ws[l] + bs[l]
        a = fs[l](z) if l < len(fs) else z
    _, loss = torch_head_loss(net.config.head, a, y)  # the head record's own recipe
    loss.backward()
    return loss.detach().item(), [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs]


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("act", list(REGISTRY))
def test_gradients_agree_with_pytorch(act, head, rng):
    net, x, y = _net(act, head, rng)
    _, trace = net.forward(x)
    grads = net.backward(trace, y)
    loss, dW, db = torch_loss(net, x, y)
    assert grads.loss == pytest.approx(loss, rel=1e-12)
    # nn.Hardsigmoid's float64 backward multiplies by 1/6 rounded to float32 (relative error 3e-8 in that
    # constant); actlab's own derivative is checked against mpmath in tests/activations
    rtol = 1e-7 if act == "hardsigmoid" else 1e-10
    for ours, theirs in zip([*grads.dW, *grads.db], [*dW, *db], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-14)


def test_float32_gradients_agree_with_pytorch(rng):
    cfg = NetworkConfig(input_dim=3, hidden=(6, 5), activations=("gelu", "silu"), head="logistic", dtype="float32")
    net = MLP.create(cfg, rng)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.integers(0, 2, (8, 1)).astype(np.float32)
    _, trace = net.forward(x)
    grads = net.backward(trace, y)
    _, dW, _ = torch_loss(net, x, y)
    for ours, theirs in zip(grads.dW, dW, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-6)
