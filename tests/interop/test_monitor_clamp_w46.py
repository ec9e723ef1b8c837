"""Issue 17 (W46 walkthrough, finding 3): a hard tanh written by hand, torch.clamp(x, -1, 1) in a module of the
script's own, had no row, and a model with only that non-linearity read 'unwatched: ... it has none, and its
weighted layers then compute one affine map'. torch.clamp (and clip, and their in-place and method forms) is now read
as the activation its bounds make it: both bounds numbers, a hard tanh (0 and 6: ReLU6); a lower bound of 0 alone,
ReLU; a single other bound, a guard before a log, no activation. References: the test's own count of units whose
input is outside the bounds on every point of every batch, and the gradient autograd gives at the clamp's output."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Clamp(nn.Module):
    def __init__(self, how):
        super().__init__()
        self.how = how

    def forward(self, x):
        return self.how(x)


def _run(how, steps=20, pin=True):
    g = torch.Generator().manual_seed(0)
    x_all = torch.randn(1024, 16, generator=g)
    y_all = (x_all @ torch.randn(16, 3, generator=g)).argmax(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), Clamp(how), nn.Linear(32, 3))
    if pin:
        with torch.no_grad():  # 12 units held on a flat part: 8 above the upper bound, 4 below the lower one
            model[0].weight[:12] *= 0.05
            model[0].bias[:8] = 9.0
            model[0].bias[8:12] = -9.0
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    outside = torch.ones(32, dtype=torch.bool)
    grads = []
    with Monitor(model, every=1, chance_loss=math.log(3)) as mon:
        for _ in range(steps):
            i = torch.randint(0, 1024, (128,), generator=g)
            with mon.step() as s:
                z = model[0](x_all[i])
                a = model[1](z)
                a.retain_grad()
                loss = nn.functional.cross_entropy(model[2](a), y_all[i])
                loss.backward()
                s.loss = loss
            grads.append(a.grad.norm().item())
            outside &= ((z <= -1) | (z >= 1)).all(0) if how is not _relu else (z <= 0).all(0)
            opt.step()
            opt.zero_grad()
    return mon.report(), int(outside.sum()), grads


def _hard(x):
    return torch.clamp(x, -1.0, 1.0)


def _relu(x):
    return x.clamp(min=0)


@pytest.mark.parametrize("how", [_hard, lambda x: torch.clip(x, min=-1, max=1), lambda x: x.clamp(-1.0, 1.0)])
def test_a_hand_written_hard_tanh_is_read_as_one(how):
    rep, outside, grads = _run(how)
    (row,) = rep.layers
    assert row.activation == "hardtanh" and row.width == 32
    assert outside == 12 and row.dead == outside  # the units held on a flat part, as the test counts them
    assert row.act_grad_norm == pytest.approx(grads[-1], rel=1e-4)  # autograd's gradient at the clamp's output
    assert rep.reading.status.value != "unwatched" and "one affine map" not in rep.reading.words
    # held at -1 or 1, not at 0: the headline says where a dead hard tanh unit is (W46: 'dead' beside tanh's
    # 'saturated' for the same fault)
    assert "12 of 32 hidden units are dead; a dead hardtanh unit's every input falls on a flat part, at one of the " \
        "levels it clips to" in rep.reading.words


def test_clamp_at_0_alone_is_relu_and_0_to_6_is_relu6():
    rep, outside, _ = _run(_relu, pin=False)
    (row,) = rep.layers
    assert row.activation == "relu" and row.dead == outside
    assert "falls on a flat part" not in rep.reading.words  # a ReLU's dead units sit at 0, as ever
    rep6, _, _ = _run(lambda x: torch.clamp(x, 0, 6), pin=False)
    assert [r.activation for r in rep6.layers] == ["relu6"]


@pytest.mark.parametrize("how", [lambda x: torch.clamp(x, min=1e-6), lambda x: torch.clamp(x, max=1.0),
                                 lambda x: torch.clamp(x, torch.zeros(32), torch.ones(32))])
def test_a_guard_or_a_tensor_bound_is_no_activation(how):
    rep, _, _ = _run(how, steps=3, pin=False)
    assert rep.layers == ()


@pytest.mark.parametrize("inside", [torch.relu, lambda z: z.clamp(min=0), nn.functional.gelu])
def test_an_activation_inside_a_custom_autograd_function_is_no_row(inside):
    # a custom Function's forward runs without gradients and its backward is the script's own: an activation
    # computed there was a row 'made with gradients disabled ... under torch.no_grad()', beside the note that no
    # watched activation runs between the two layers around it
    class Opaque(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return inside(z)

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * (z > 0)

    class Mixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.act, self.b, self.c = nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Linear(8, 1)

        def forward(self, x):
            return self.c(Opaque.apply(self.b(self.act(self.a(x)))))

    torch.manual_seed(0)
    model = Mixed()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(64, 4)).sum().backward()
    rep = mon.report()
    assert [l.name for l in rep.layers] == ["act"]
    assert any("no watched activation runs between b -> c" in n for n in rep.notes)
    assert not any("made with gradients disabled" in n for n in rep.notes)


def test_a_hand_written_swish_gate_is_left_out_of_the_std_growth():
    # W46 walkthrough, finding 3: 'the activations' std grows about 2.3 times per layer, from 0.134' took the first
    # std from a hand-written Swish's sigmoid gate (0.134), where the Swish's own output had 0.303
    class Swish(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), Swish(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    with torch.no_grad():
        for k in (2, 4, 6):
            model[k].weight.mul_(20.0)  # each ReLU layer's std several times the one before
    mon = Monitor(model, every=1)
    x = torch.randn(256, 16)
    with mon.step() as s:
        loss = nn.functional.cross_entropy(model(x), torch.randint(0, 3, (256,)))
        loss.backward()
        s.loss = loss
    rep = mon.report()
    gate = next(l for l in rep.layers if l.activation == "sigmoid")
    assert any("is a sigmoid used as a gate" in n for n in rep.notes)  # the premise: the gate is known as one
    said = " ".join([f.words for f in rep.reading.findings] + list(rep.notes))
    assert "times per layer, from " in said  # the growth is said, over the ReLU layers
    assert f"from {gate.std:.3g} at" not in said and f"at {gate.name}" not in said.split("times per layer, from ")[1]
    relus = [l.std for l in rep.layers if l.activation == "relu"]
    assert f"from {relus[0]:.3g} at" in said
