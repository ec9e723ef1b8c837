"""Issue 17 (W17 finding 7): finite activations under a non-finite gradient keep their numbers, and both kinds of
non-finite gradient flag their place.

W17's run (lr raised to 5, loss inf at step 34): the Tanh row, whose activations were finite and whose gradient held
a NaN, lost its std and its counts ('no unit is counted'); the ReLU row beside it, whose gradient held an inf, kept
them but read non_finite False with |dL/da| inf. Dead, saturated and dormant are read from the activations, so a
gradient's NaN says nothing of them. The references: the activations themselves (std, mean |f'| per unit,
mean |a| per unit), computed here from the same batch, and the gradients from autograd."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.instruments import DORMANT_TAU, SATURATION_FRACTION  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402
from interop.test_monitor_nan_origin_m4 import _model  # noqa: E402  (finite activations, an inf MSE loss)


def test_a_nan_gradient_over_finite_tanh_outputs_keeps_their_counts_and_flags_the_place():
    torch.manual_seed(0)
    model = _model(grads_overflow=True)  # dL/da at the ReLU +-inf and, through zero weights, NaN at the Tanh
    x, y = torch.randn(8, 2), torch.zeros(8, 1)
    seen = {}

    def keep(name):
        def hook(module, inputs, output):
            seen[name], seen[name + "_z"] = output.detach().clone(), inputs[0].detach().clone()
            output.register_hook(lambda g: seen.update({name + "_g": g.clone()}))
        return hook

    model[1].register_forward_hook(keep("tanh"))
    model[3].register_forward_hook(keep("relu"))
    mon = Monitor(model, every=1)
    monitored_step(mon, model, x, y, loss_fn=nn.functional.mse_loss)
    assert torch.isfinite(seen["tanh"]).all() and torch.isfinite(seen["relu"]).all()  # the premises
    assert torch.isnan(seen["tanh_g"]).any() and torch.isinf(seen["relu_g"]).any()
    tanh, relu = mon.report().layers

    a = seen["tanh"].double()
    assert tanh.non_finite and tanh.std == pytest.approx(float(a.std()), rel=1e-5)
    assert tanh.mean == pytest.approx(float(a.mean()), rel=1e-5, abs=1e-7)
    slope = 1 - torch.tanh(seen["tanh_z"].double()) ** 2  # tanh's f', at most 1
    assert tanh.saturated + tanh.dead == int((slope.mean(0) < SATURATION_FRACTION).sum())
    assert tanh.dead == 0  # tanh has no zero region
    mag = a.abs().mean(0)
    assert tanh.dormant == int((mag <= DORMANT_TAU * mag.mean()).sum())

    r = seen["relu"].double()
    assert relu.non_finite  # an inf gradient flags its place as a NaN one does (it read False)
    assert relu.std == pytest.approx(float(r.std()), rel=1e-5)
    assert relu.dead == int((r <= 0).all(0).sum())
    assert math.isinf(relu.act_grad_norm) or math.isnan(relu.act_grad_norm)
    # the words say what was counted and why the flag is up (they said 'no unit is counted' beside numbers)
    for row in (tanh, relu):
        assert "activations are finite, but the gradient reaching them holds a NaN or an inf" in row.words
        assert "its units are counted from the activations" in row.words and "no unit is counted" not in row.words
