"""Where a divergence started: a run whose loss overflows to inf while every activation is finite (the
practitioner's MSE regression at step 5: ReLU max 4.8e16, output 1.2e33, loss inf) was blamed on the first
activation ('the first watched place holding a NaN or an inf is module '1'', 'non-finite activations first appear
at module '1''), because the inf gradient from the loss flagged the places."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _model(grads_overflow: bool) -> nn.Module:
    """Linear-Tanh-Linear-ReLU-Linear as the practitioner's: the ReLU outputs 3e35 (finite in float32), the output
    6e37 (finite), and its square, the MSE loss, is inf. With grads_overflow, dL/da at the ReLU is +-inf (weights
    +-100 times dL/dout 3e37), and through the zero weights before it NaN at the Tanh: the Tanh's place holds a NaN
    gradient over finite activations. Without, the last weights are 1e-2 and every gradient is finite."""
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[2].weight.zero_()
        model[2].bias.fill_(3e35)
        model[4].weight.copy_(torch.tensor([[100.0, 100.0, 100.0, -100.0]]))
        model[4].bias.zero_()
        if not grads_overflow:
            model[2].bias.fill_(3e37)
            model[4].weight.fill_(1e-2)  # output 1.2e36, loss inf; dL/da = 1e-2 x 6e35: finite
    return model


def _step(model: nn.Module):
    mon = Monitor(model, every=1)
    x, y = torch.randn(4, 2), torch.zeros(4, 1)
    with mon.step() as s:
        out = model(x)
        loss = nn.functional.mse_loss(out, y)
        loss.backward()
        s.loss = loss
    assert torch.isfinite(out).all() and torch.isfinite(model[:4](x)).all()  # every activation finite
    assert not torch.isfinite(loss)
    return mon.report()


def test_an_inf_loss_with_inf_gradients_is_blamed_on_the_loss_not_an_activation():
    model = _model(grads_overflow=True)
    report = _step(model)
    assert report.layers[0].non_finite  # the Tanh's place is flagged, by its NaN gradient
    text = str(report)
    assert report.reading.status.value == "diverged"
    assert "every watched activation is finite: it starts in the loss" in report.reading.words, text
    assert "first watched place holding" not in text and "non-finite activations" not in text, text
    assert "every watched activation is finite: the NaN or inf starts in the loss (inf), and the gradients backward " \
           "computes from it are non-finite too" in report.notes, report.notes
    assert report.first_non_finite == {"step": 1, "place": "the loss"}
    # the Tanh's own line says its activations are finite and its gradient is not (it said it "holds a NaN")
    assert "activations are finite, but the gradient reaching them holds a NaN or an inf" in report.layers[0].words
    assert "holds a NaN or an inf on this step" not in report.layers[0].words.split("gradient reaching them")[0]


def test_an_inf_loss_with_finite_gradients_names_the_loss():
    report = _step(_model(grads_overflow=False))
    assert report.reading.status.value == "diverged"
    assert "it starts in the loss" in report.reading.words
    assert not any("activations first appear" in n for n in report.notes)
    assert any("starts in the loss" in n and "non-finite too" not in n for n in report.notes), report.notes


def test_a_nan_activation_is_still_named_as_the_activation():
    model = _model(grads_overflow=True)
    with torch.no_grad():
        model[0].bias[0] = float("nan")  # the Tanh's input, and so its output, hold a NaN
    mon = Monitor(model, every=1)
    monitored_step(mon, model, torch.randn(4, 2), torch.zeros(4, 1), loss_fn=nn.functional.mse_loss)
    report = mon.report()
    assert "the first watched activation holding a NaN or an inf is module '1' (Tanh)" in report.reading.words
    assert "non-finite activations first appear at module '1' (Tanh)" in report.notes
    assert report.first_non_finite == {"step": 1, "place": "module '1' (Tanh)"}
    assert report.layers[0].words.startswith("module '1' (Tanh) holds a NaN or an inf on this step")
