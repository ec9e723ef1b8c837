"""Same weights, same batch: actlab's gradients agree with PyTorch autograd to 1e-10 (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import REGISTRY
from actlab.network import HEADS, MLP, NetworkConfig
from conftest import require_torch
from core.test_network import _net

torch = require_torch()
F = torch.nn.functional

TORCH_ACT = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"), "silu": F.silu,
    "quick_gelu": lambda t: t * torch.sigmoid(1.702 * t), "elu": F.elu, "selu": F.selu, "celu": F.celu,
    "softplus": lambda t: F.softplus(t, threshold=1e9), "mish": F.mish, "softsign": F.softsign,
    "hardsigmoid": lambda t: F.relu6(t + 3) / 6,  # F.hardsigmoid's float64 backward uses 1/6 in float32
    "hardswish": F.hardswish, "hardtanh": F.hardtanh, "relu6": F.relu6,
    "relu_squared": lambda t: F.relu(t) ** 2, "identity": lambda t: t,
    "glu": lambda t: F.glu(t, dim=-1),
    "reglu": lambda t: t.chunk(2, -1)[0] * F.relu(t.chunk(2, -1)[1]),
    "geglu": lambda t: t.chunk(2, -1)[0] * F.gelu(t.chunk(2, -1)[1]),
    "swiglu": lambda t: t.chunk(2, -1)[0] * F.silu(t.chunk(2, -1)[1]),
    "bilinear": lambda t: t.chunk(2, -1)[0] * t.chunk(2, -1)[1],
}


def torch_loss(net: MLP, x: np.ndarray, y: np.ndarray):
    ws = [torch.tensor(w, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in net.biases]
    a = torch.tensor(x)
    for l in range(len(ws)):
        z = a @ ws[l] + bs[l]
        a = TORCH_ACT[net.acts[l].name](z) if l < len(net.acts) else z
    head = net.config.head
    if head == "softmax":
        loss = F.cross_entropy(a, torch.tensor(y))
    elif head == "logistic":
        loss = F.binary_cross_entropy_with_logits(a, torch.tensor(y))
    else:
        out = {"regression": a, "tanh_mse": torch.tanh(a), "sigmoid_mse": torch.sigmoid(a)}[head]
        loss = 0.5 * ((out - torch.tensor(y)) ** 2).sum(dim=1).mean()
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
    for ours, theirs in zip([*grads.dW, *grads.db], [*dW, *db], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


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
