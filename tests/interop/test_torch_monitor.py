"""The PyTorch monitor: every statistic against an independent computation on the same tensors, and each
pitfall (in-place ReLU, functional activations, transformer layers, NaN batches) as a test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab import instruments  # noqa: E402
from actlab.network import MLP, NetworkConfig  # noqa: E402
from actlab.readings import Status, diagnose  # noqa: E402
from actlab.torch import Monitor, read_log, record_for  # noqa: E402
from interop import _steps  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _mlp(widths, act, dtype=torch.float64, seed=0):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(act())
    return nn.Sequential(*layers).to(dtype)


def _half_sse(out, y):
    return 0.5 * ((out - y) ** 2).sum() / len(out)


@pytest.mark.parametrize(("module", "name", "params"), [
    (nn.ReLU(), "relu", {}), (nn.LeakyReLU(0.2), "leaky_relu", {"negative_slope": 0.2}),
    (nn.GELU(), "gelu", {}), (nn.GELU(approximate="tanh"), "gelu_tanh", {}), (nn.SiLU(), "silu", {}),
    (nn.ELU(alpha=0.5), "elu", {"alpha": 0.5}), (nn.Tanh(), "tanh", {}), (nn.Sigmoid(), "sigmoid", {}),
    (nn.Hardtanh(-2.0, 2.0), "hardtanh", {"min_val": -2.0, "max_val": 2.0}),
])
def test_torch_modules_map_to_registry_records_with_their_settings(module, name, params):
    record = record_for(module)
    assert record.name == name and {k: record.params[k] for k in params} == params
    x = torch.linspace(-4, 4, 41, dtype=torch.float64)
    np.testing.assert_allclose(record(x.numpy()), module(x).numpy(), rtol=1e-7, atol=1e-12)


def test_activation_gradient_norms_match_autograd():
    model = _mlp([8, 16, 16, 1], nn.Tanh)
    x, y = torch.randn(32, 8, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    outs = []

    def keep(module, inputs, output):  # returns None: the output stays as it is
        output.retain_grad()
        outs.append(output)

    handles = [m.register_forward_hook(keep) for m in model if isinstance(m, nn.Tanh)]
    mon = Monitor(model, every=1)
    monitored_step(mon, model, x, y, loss_fn=_half_sse)
    for h in handles:
        h.remove()
    want = [float(o.grad.norm()) for o in outs]
    got = [l.act_grad_norm for l in mon.report().layers]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    layers = mon.report().layers
    np.testing.assert_allclose([l.mean for l in layers], [float(o.detach().mean()) for o in outs], rtol=1e-9)
    np.testing.assert_allclose([l.std for l in layers], [float(o.detach().std()) for o in outs], rtol=1e-9)
    w = [float(m.weight.grad.norm()) for m in model if isinstance(m, nn.Linear)]
    np.testing.assert_allclose([l.weight_grad_norm for l in mon.report().layers], w[:-1], rtol=1e-6)
    assert mon.report().output_grad_norm == pytest.approx(w[-1], rel=1e-6)


def test_twenty_sigmoid_layers_read_as_the_numpy_engine_reads_the_same_weights(rng):
    width, depth = 16, 20
    model = _mlp([width] * (depth + 1) + [1], nn.Sigmoid)
    x, y = rng.normal(size=(64, width)), rng.normal(size=(64, 1))
    mon = Monitor(model, every=1)
    monitored_step(mon, model, torch.tensor(x), torch.tensor(y), loss_fn=_half_sse)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    net = MLP(NetworkConfig(width, (width,) * depth, ("sigmoid",), "regression"),
              [m.weight.detach().numpy().T.copy() for m in linears], [m.bias.detach().numpy().copy() for m in linears],
              NetworkConfig(width, (width,) * depth, ("sigmoid",), "regression").resolved_activations())
    _, trace = net.forward(x)
    reading = instruments.read(net, trace, net.backward(trace, y))
    report = mon.report()
    ratios = [l.weight_grad_norm / report.output_grad_norm for l in report.layers]
    np.testing.assert_allclose(ratios, [l.grad_ratio_to_last for l in reading.layers], rtol=1e-9)
    assert report.reading.status == diagnose(reading.summary()).status == Status.VANISHING


def test_killed_relu_units_are_found_by_name():
    model = _mlp([4, 16, 16, 1], nn.ReLU)
    with torch.no_grad():
        model[2].bias[:3] = -1e3  # units 0-2 of the second hidden layer can never switch on
    mon = Monitor(model, every=1, window=5)
    batches = [torch.randn(32, 4, dtype=torch.float64) for _ in range(5)]
    for x in batches:  # no optimiser step: the weights stay as set
        monitored_step(mon, model, x, torch.randn(32, 1, dtype=torch.float64), loss_fn=_half_sse)
    with torch.no_grad():  # an independent count: units whose pre-activation is never positive on any batch
        z = model[:3](torch.cat(batches))
    want = int((~(z > 0).any(dim=0)).sum())
    by_name = {l.name: l for l in mon.report().layers}
    assert want >= 3 and by_name["3"].dead == want
    # the words name the module as the table does (a Sequential's names are its indices)
    assert f"{want} of 16 units in module '3' (ReLU) are dead over the last 5 sampled batches" in by_name["3"].words


def test_inplace_relu_reads_its_input_not_the_overwritten_output():
    plain, inplace = _mlp([4, 32, 32, 1], nn.ReLU), _mlp([4, 32, 32, 1], lambda: nn.ReLU(inplace=True))
    x, y = torch.randn(64, 4, dtype=torch.float64), torch.randn(64, 1, dtype=torch.float64)
    reports = []
    for model in (plain, inplace):
        mon = Monitor(model, every=1)
        monitored_step(mon, model, x, y, loss_fn=_half_sse)
        reports.append(mon.report())
    # an independent count: the share of pre-activations at or below zero in the plain model's first layer
    z = plain[0](x)
    want = float((z <= 0).double().mean())
    assert reports[0].layers[0].zero_derivative_fraction == pytest.approx(want)
    assert [l.zero_derivative_fraction for l in reports[1].layers] == \
        pytest.approx([l.zero_derivative_fraction for l in reports[0].layers])
    assert [l.act_grad_norm for l in reports[1].layers] == pytest.approx([l.act_grad_norm for l in reports[0].layers])


def test_activations_applied_as_functions_are_watched_where_they_are_called():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(4, 8), nn.Linear(8, 1)

        def forward(self, x):
            return self.b(nn.functional.gelu(self.a(x)))

    model = Functional()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(4, 4)).sum().backward()
    report = mon.report()
    assert [(l.name, l.module_type, l.width) for l in report.layers] == [("a:gelu", "F.gelu", 8)]
    assert report.layers[0].weight_grad_norm == pytest.approx(float(model.a.weight.grad.norm()))
    assert "no activation module is watched" not in report.reading.words
    assert any("watched where they are called: a:gelu" in n for n in report.notes)


def test_an_activation_no_hook_can_see_is_named_by_where_it_hides():
    class Opaque(torch.autograd.Function):  # a custom autograd function: neither a module nor a torch function
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z.clamp(min=0)

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

    model = Mixed()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(4, 4)).sum().backward()
    assert [l.name for l in mon.report().layers] == ["act"]
    assert any("no watched activation runs between b -> c" in n for n in mon.report().notes)


def test_transformer_layers_say_what_they_hide():
    functional = Monitor(nn.TransformerEncoderLayer(16, 2, 32, activation="gelu", batch_first=True))
    assert any("applies gelu as a function: it is watched where it is called" in n for n in functional.notes)
    layer = nn.TransformerEncoderLayer(16, 2, 32, activation=nn.GELU(), batch_first=True)
    mon = Monitor(layer, every=1)
    with mon.step():
        layer(torch.randn(2, 5, 16)).sum().backward()
    report = mon.report()
    assert [l.name for l in report.layers] == ["activation"] and report.layers[0].width == 32
    assert report.layers[0].weight_grad_norm == pytest.approx(float(layer.linear1.weight.grad.norm()), rel=1e-5)
    assert not any("fast path" in n for n in report.notes)  # in train mode there is none to skip (W12 item 9)
    layer.eval()
    with mon.step():
        layer(torch.randn(2, 5, 16)).sum().backward()
    assert sum("fast path" in n for n in mon.report().notes) == 1


def test_a_nan_batch_is_reported_and_never_raises():
    model = _mlp([4, 8, 8, 1], nn.Tanh)
    mon = Monitor(model, every=1)
    x = torch.randn(16, 4, dtype=torch.float64)
    x[3, 1] = math.nan
    monitored_step(mon, model, x, torch.randn(16, 1, dtype=torch.float64), loss_fn=_half_sse)
    report = mon.report()
    assert "non-finite activations first appear at module '1' (Tanh)" in report.notes
    assert report.reading.status == Status.DIVERGED


def test_hooks_are_attached_on_sampled_steps_only():
    model = _mlp([4, 8, 1], nn.ReLU)
    mon = Monitor(model, every=3)
    resident = []
    for _ in range(6):
        with mon.step():
            resident.append(sum(_steps.hooked(m) for m in model.modules()))
            model(torch.randn(4, 4, dtype=torch.float64)).sum().backward()
    assert [n > 0 for n in resident] == [True, False, False, True, False, False]
    assert sum(_steps.hooked(m) for m in model.modules()) == 0
    assert mon.sampled_steps == 2


def test_auto_interval_is_chosen_after_calibration_and_never_goes_stale():
    from actlab.interop.torch import MAX_AUTO_EVERY

    model = _mlp([2, 16, 16, 1], nn.ReLU)  # a step so short that the budget alone would sample every few hundred
    mon = Monitor(model, every="auto", budget=0.03)
    for _ in range(12 + 3 * MAX_AUTO_EVERY):  # 2 warm-up steps, 4 unsampled and 4 sampled in turn, then on
        monitored_step(mon, model, torch.randn(64, 2, dtype=torch.float64), torch.randn(64, 1, dtype=torch.float64),
                       loss_fn=_half_sse)
    assert isinstance(mon.every, int) and 1 <= mon.every <= MAX_AUTO_EVERY
    report = mon.report()
    assert report.steps_run == 12 + 3 * MAX_AUTO_EVERY and report.steps_run - report.step < MAX_AUTO_EVERY
    assert report.sampled_steps >= 4 + 3
    if mon.calibrated_cost > mon.budget:  # it says when the budget cannot be kept
        assert any("over the 3% budget" in n for n in report.notes)


def test_a_report_before_any_sample_says_so():
    mon = Monitor(_mlp([2, 4, 1], nn.ReLU), every=10)
    report = mon.report()
    assert report.sampled_steps == 0 and "no step has been sampled yet" in report.reading.words
    assert "no step has been sampled yet" in str(report)


def test_the_log_round_trips(tmp_path):
    model = _mlp([4, 8, 8, 1], nn.SiLU)
    path = tmp_path / "runs" / "exp.jsonl"
    mon = Monitor(model, every=1, log=path)
    for _ in range(3):
        monitored_step(mon, model, torch.randn(16, 4, dtype=torch.float64), torch.randn(16, 1, dtype=torch.float64),
                       loss_fn=_half_sse)
    header, reports = read_log(path)
    assert header["format"] == "actlab-monitor/1" and header["activations"] == ["silu", "silu"]
    # the log holds each report as sampled; report() adds how many steps have run since
    assert len(reports) == 3 and reports[-1] == {**mon.report().to_dict(), "steps_run": None, "run": mon._run_id}
    with path.open("a") as fh:
        fh.write('{"step": 4, "lay')  # a writer caught mid-line
    assert len(read_log(path)[1]) == 3


@pytest.mark.parametrize(("kwargs", "field"), [({"every": 0}, "every"), ({"budget": 2}, "budget"),
                                               ({"window": 0}, "window")])
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Monitor(nn.Linear(2, 2), **kwargs)


@pytest.mark.parametrize("module", [nn.ReLU(), nn.LeakyReLU(0.2), nn.GELU(), nn.GELU(approximate="tanh"), nn.SiLU(),
                                    nn.Tanh(), nn.Sigmoid(), nn.ELU(0.7), nn.Mish(), nn.Hardswish(), nn.Softplus()])
def test_the_derivative_matches_autograd_and_the_registry(module):
    from actlab.interop.torch import derivative

    z = torch.linspace(-6, 6, 2001, dtype=torch.float64).reshape(1, -1)
    z = z[(z.abs() > 1e-9) & ((z - 3).abs() > 1e-9) & ((z + 3).abs() > 1e-9)].reshape(1, -1)  # no kinks
    record = record_for(module)
    zz = z.clone().requires_grad_(True)
    (want,) = torch.autograd.grad(module(zz).sum(), zz)
    got = derivative(record, module, z)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.numpy()[0], record.derivative(z.numpy()[0]), rtol=1e-6, atol=1e-9)
