"""Unscaled inputs (W57 walkthrough finding 9): inputs of root mean square 112 into Linear and Tanh read 'healthy', 43
of 128 units saturated and no remedy, at 35 times the loss the same model reached on standardised inputs; the status
`unscaled_inputs` existed for actlab's own runs and the Monitor never measured its inputs. It reads the root mean
square of the first weighted module's input with the step's other figures, and judges it where the first activation
acts on that module's output with no normalisation between."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import UNSCALED_INPUT_RMS, Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class _RMSNorm(nn.Module):  # a hand-written one, as LLaMA-style code has it
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * x / x.pow(2).mean(-1, keepdim=True).add(1e-6).sqrt()


class _Functional(nn.Module):
    def __init__(self, norm: bool):
        super().__init__()
        self.fc, self.out, self.norm = nn.Linear(16, 32), nn.Linear(32, 1), norm

    def forward(self, x):
        h = self.fc(x)
        return self.out(torch.tanh(F.layer_norm(h, h.shape[-1:]) if self.norm else h))


def _run(model, scale, steps=30, dtype=torch.float32):
    """``steps`` monitored Adam steps on inputs of the given scale (mean 2 x scale): the report, the last batch and the
    monitor."""
    torch.manual_seed(0)
    x = (torch.randn(1024, 16) * scale + 2 * scale).to(dtype)
    y = torch.randn(1024, 1).to(dtype)
    model = model.to(dtype)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    mon = Monitor(model, every=1, chance_loss=1.0)
    for _ in range(steps):
        i = torch.randint(0, 1024, (128,))
        monitored_step(mon, model, x[i], y[i], opt, loss_fn=F.mse_loss)
    return mon.report(), x[i], mon


def _tanh_mlp():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))


def test_inputs_of_root_mean_square_above_the_limit_read_unscaled_with_the_script_remedy():
    report, last, _ = _run(_tanh_mlp(), 50.0)
    assert report.status == Status.UNSCALED_INPUTS
    rms = math.sqrt(last.double().pow(2).mean().item())  # the last sampled batch's, computed here
    assert rms > UNSCALED_INPUT_RMS
    first = report.reading.findings[0]
    assert first.words.startswith(f"unscaled inputs: their root mean square is {rms:.3g}, ")
    assert first.evidence["input_rms"] == pytest.approx(rms, rel=1e-5)
    assert "in the data pipeline" in first.remedy and "CSV" not in first.remedy


def test_half_precision_inputs_are_measured_without_overflow():
    _, last, mon = _run(_tanh_mlp(), 200.0, steps=5, dtype=torch.float16)  # squares up to 1e6, past float16's 65504
    rms = math.sqrt(last.double().pow(2).mean().item())
    assert mon._input_rms[0] == pytest.approx(rms, rel=1e-3)


def test_scaled_inputs_get_neither_the_status_nor_advice_to_scale_them():
    report, _, _ = _run(_tanh_mlp(), 1.0)
    assert report.status != Status.UNSCALED_INPUTS
    text = " ".join(f.words + " " + f.remedy for f in report.reading.findings)
    assert "unscaled" not in text and "scale the inputs" not in text and "check that the inputs" not in text


@pytest.mark.parametrize("make, between", [
    (lambda: nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Tanh(), nn.Linear(32, 1)), "'1' (BatchNorm1d)"),
    (lambda: nn.Sequential(nn.BatchNorm1d(16), nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 1)), None),
    (lambda: nn.Sequential(nn.Linear(16, 32), nn.LayerNorm(32), nn.Tanh(), nn.Linear(32, 1)), "'1' (LayerNorm)"),
    (lambda: nn.Sequential(nn.Linear(16, 32), _RMSNorm(32), nn.Tanh(), nn.Linear(32, 1)), "'1' (_RMSNorm)"),
    (lambda: _Functional(norm=True), "layer_norm"),
], ids=["bn-between", "bn-first", "layernorm", "hand-rmsnorm", "functional-layer-norm"])
def test_a_normalisation_before_the_first_activation_is_no_failure_but_the_scale_is_said(make, between):
    """A norm between the first layer and its activation keeps it from saturating, but rescales that layer's
    outputs, not the input columns against one another (W58 walkthrough finding 5: columns of scales up to 3e4 under
    a LayerNorm read 'healthy' at 67% accuracy, 98% standardised): said after the status, with the remedy. A
    BatchNorm on the inputs themselves gives the first layer inputs of root mean square 1: nothing to say."""
    torch.manual_seed(1)
    report, last, _ = _run(make(), 50.0)
    assert report.status != Status.UNSCALED_INPUTS
    first = report.reading.findings[0]
    if between is None:
        assert "unscaled" not in first.words, first.words
        return
    rms = math.sqrt(last.double().pow(2).mean().item())
    status = first.words.partition(": ")[0]
    assert f"the inputs are unscaled: their root mean square is {rms:.3g}; " in first.words, first.words
    assert between in first.words.split("; ", 1)[1] and status.endswith(", but the inputs are unscaled") == \
        (first.status == Status.HEALTHY), first.words
    assert first.remedy.startswith("Standardise each input column to mean 0 and variance 1"), first.remedy


def test_a_function_on_the_first_layer_s_own_output_is_judged():
    torch.manual_seed(1)
    report, _, _ = _run(_Functional(norm=False), 50.0)
    assert report.status == Status.UNSCALED_INPUTS
