"""The monitor's numbers against references the test computes itself from the same tensors: f' by autograd on a
copy of each pre-activation, the engine's own masks (instruments.dead_mask, saturated_mask, dormant_mask) on
NumPy copies, ||dL/da|| by central finite differences, dead units by a direct count over the window, and
activations applied as functions against the same model built with modules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab import instruments  # noqa: E402
from actlab.interop import _monitor_places as monitor_places  # noqa: E402
from actlab.interop import _torch_stats  # noqa: E402
from actlab.interop._monitor_base import DEAD_POINTS  # noqa: E402
from actlab.interop.torch import DEAD_EVIDENCE, record_for  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop import _steps  # noqa: E402

ACTIVATIONS = {
    "relu": nn.ReLU, "relu_inplace": lambda: nn.ReLU(inplace=True), "leaky": lambda: nn.LeakyReLU(0.1),
    "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU(approximate="tanh"), "silu": nn.SiLU, "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid, "elu": nn.ELU, "softplus": nn.Softplus, "hardtanh": nn.Hardtanh, "mish": nn.Mish,
    "hardswish": nn.Hardswish, "relu6": nn.ReLU6,
}


class Capture:
    """The test's own hooks: a copy of each activation module's input and output, and the output's gradient."""

    def __init__(self, modules):
        self.z, self.a, self.grads = {}, {}, {}
        self.handles = []
        for name, m in modules:
            self.handles.append(m.register_forward_pre_hook(self._pre(name)))
            self.handles.append(m.register_forward_hook(self._post(name)))

    def _pre(self, name):
        def hook(module, inputs):
            self.z.setdefault(name, []).append(inputs[0].detach().clone())
        return hook

    def _post(self, name):
        def hook(module, inputs, output):
            self.a.setdefault(name, []).append(output.detach().clone())

            def keep(g):
                self.grads[name] = g.detach().clone()
            output.register_hook(keep)
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


def _reference_module(module):
    """A fresh, out-of-place copy of an activation module with its settings."""
    return type(module)(**{k: getattr(module, k) for k in ("negative_slope", "approximate", "alpha", "beta",
                                                           "threshold", "min_val", "max_val")
                           if hasattr(module, k) and k in type(module).__init__.__code__.co_varnames})


def _reference_derivative(module, z):
    """f'(z) by autograd on a fresh copy of the module (never the monitor's code path)."""
    zz = z.clone().requires_grad_(True)
    (d,) = torch.autograd.grad(_reference_module(module)(zz).sum(), zz)
    return d


def _dead_reference(record, derivs):
    """The engine's dead mask (f' = 0 on every sample), for a function that has a zero region at all: elsewhere an
    f' of 0 is underflow in a saturated tail (Activation.has_zero_region), and no unit is dead."""
    return instruments.dead_mask(derivs) & record.has_zero_region


def _rows(t):  # units on the last axis: (N, H) or (N, T, H) -> (rows, H)
    return t.reshape(-1, t.shape[-1]).numpy()


@settings(max_examples=40)
@given(act=st.sampled_from(sorted(ACTIVATIONS)), width=st.integers(1, 12), depth=st.integers(1, 3),
       batch=st.integers(1, 40), seq=st.sampled_from([None, 3]), steps=st.integers(1, 4), window=st.integers(1, 3),
       scale=st.sampled_from([0.3, 1.0, 6.0]), kill=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_every_statistic_matches_a_reference_computed_from_the_same_tensors(act, width, depth, batch, seq, steps,
                                                                            window, scale, kill, seed):
    torch.manual_seed(seed)
    layers = []
    for i in range(depth):
        layers += [nn.Linear(5 if i == 0 else width, width), ACTIVATIONS[act]()]
    model = nn.Sequential(*layers, nn.Linear(width, 1)).double()
    with torch.no_grad():
        model[0].weight.mul_(scale)
        model[0].bias[:min(kill, width)] = -50.0  # pushed far left: dead for ReLU-like units, saturated for others
    acts = [(str(i), m) for i, m in enumerate(model) if not isinstance(m, nn.Linear)]
    mon = Monitor(model, every=1, window=window)
    cap = Capture(acts)
    for _ in range(steps):
        shape = (batch, 5) if seq is None else (batch, seq, 5)
        x, y = torch.randn(*shape, dtype=torch.float64), torch.randn(*shape[:-1], 1, dtype=torch.float64)
        with mon.step():
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
        model.zero_grad()
    cap.remove()
    report = mon.report()
    assert [l.name for l in report.layers] == [n for n, _ in acts]
    for (name, module), got in zip(acts, report.layers, strict=True):
        record = record_for(module)
        zs = cap.z[name][-window:]
        derivs = [np.abs(_rows(_reference_derivative(module, z))) for z in zs]
        a = _rows(cap.a[name][-1])
        d = derivs[-1]
        assert got.width == width and got.window == min(steps, window)
        # dead over a full window (min(window, DEAD_EVIDENCE) batches here) that holds DEAD_POINTS points at least,
        # or every unit at any count of points
        held = np.concatenate(derivs)
        dead = _dead_reference(record, held)
        full = min(steps, window) >= min(window, DEAD_EVIDENCE)
        counted = full and (len(held) >= DEAD_POINTS or dead.all())
        assert got.dead == (int(dead.sum()) if counted else 0)
        sat = instruments.saturated_mask(record, d, a)
        assert got.saturated == max(int(sat.sum()) - got.dead, 0)
        assert got.dormant == int(instruments.dormant_mask(a).sum())
        assert got.zero_derivative_fraction == pytest.approx(float((d == 0).mean()), abs=1e-12)
        assert got.mean == pytest.approx(float(a.mean()), rel=1e-9, abs=1e-12)
        assert got.std == pytest.approx(float(a.std(ddof=1)) if a.size > 1 else 0.0, rel=1e-7, abs=1e-9)
        assert got.act_grad_norm == pytest.approx(float(cap.grads[name].norm()), rel=1e-9, abs=1e-300)
        assert not got.non_finite


def _fd_activation_gradient(model, index, x, y, eps=1e-6):
    """dL/da of the activation module at model[index], by central differences on its output."""
    with torch.no_grad():
        a_shape = model[:index + 1](x).shape
        grad = torch.zeros(a_shape, dtype=torch.float64)
        for k in range(grad.numel()):
            def bump(sign, k=k):
                def hook(module, inputs, output):
                    out = output.clone()
                    out.view(-1)[k] += sign * eps
                    return out
                return hook
            losses = []
            for sign in (1, -1):
                h = model[index].register_forward_hook(bump(sign))
                losses.append(float(((model(x) - y) ** 2).sum() / 2))
                h.remove()
            grad.view(-1)[k] = (losses[0] - losses[1]) / (2 * eps)
    return grad


@pytest.mark.parametrize("act", ["tanh", "gelu", "relu_inplace", "silu"])
def test_activation_gradient_norm_matches_finite_differences(act):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 6), ACTIVATIONS[act](), nn.Linear(6, 5), ACTIVATIONS[act](),
                          nn.Linear(5, 2)).double()
    x, y = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
    mon = Monitor(model, every=1)
    with mon.step():
        (((model(x) - y) ** 2).sum() / 2).backward()
    got = {l.name: l.act_grad_norm for l in mon.report().layers}
    for index in (1, 3):
        want = float(_fd_activation_gradient(model, index, x, y).norm())
        assert got[str(index)] == pytest.approx(want, rel=1e-6)


@settings(max_examples=40)
@given(thresholds=st.lists(st.integers(0, 9), min_size=1, max_size=10), batches=st.integers(1, 8),
       window=st.integers(1, 5), rows=st.integers(1, 40))
def test_dead_means_inactive_on_every_batch_in_the_window_no_more_no_less(thresholds, batches, window, rows):
    """Unit i's pre-activation is v_b - c_i - 0.5, with batch b's inputs all equal to v_b = batches - b (falling):
    unit i is on in batch b exactly when v_b > c_i. A unit on only in early batches must turn dead once they leave
    the window; a unit on in one batch inside the window must not be called dead."""
    width = len(thresholds)
    lin = nn.Linear(1, width).double()
    with torch.no_grad():
        lin.weight.fill_(1.0)
        lin.bias.copy_(-torch.tensor(thresholds, dtype=torch.float64) - 0.5)
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(width, 1)).double()
    mon = Monitor(model, every=1, window=window)
    values = [batches - b for b in range(batches)]
    for v in values:
        with mon.step():
            model(torch.full((rows, 1), float(v), dtype=torch.float64)).sum().backward()
    recent = values[-window:]
    # each unit's run of latest batches it was off on; dead once min(window, DEAD_EVIDENCE) batches are in the
    # window and it was off on all of them, or every unit when each was off on at least that many (issue 17)
    off_for = [next((k for k, v in enumerate(reversed(recent)) if v > c + 0.5), len(recent)) for c in thresholds]
    need = min(window, DEAD_EVIDENCE)
    # ... and, unit by unit, holding DEAD_POINTS points at least (each batch holds `rows`)
    if min(off_for) >= need:  # every unit off: the whole layer, at any count of points
        want = width
    elif len(recent) < need or rows * len(recent) < DEAD_POINTS:
        want = 0
    else:
        want = sum(1 for k in off_for if k >= len(recent))
    assert mon.report().layers[0].dead == want


def test_a_module_called_twice_is_two_layers():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.act = nn.Linear(3, 4), nn.Linear(4, 6), nn.Linear(6, 1), nn.ReLU()

        def forward(self, x):
            return self.c(self.act(self.b(self.act(self.a(x)))))

    torch.manual_seed(1)
    model = Shared().double()
    x = torch.randn(8, 3, dtype=torch.float64)
    mon = Monitor(model, every=1)
    with mon.step():
        model(x).sum().backward()
    layers = mon.report().layers
    assert [(l.name, l.width) for l in layers] == [("act", 4), ("act#2", 6)]
    with torch.no_grad():
        z1 = model.a(x)
        z2 = model.b(torch.relu(z1))
    assert layers[0].zero_derivative_fraction == pytest.approx(float((z1 <= 0).double().mean()))
    assert layers[1].zero_derivative_fraction == pytest.approx(float((z2 <= 0).double().mean()))
    assert layers[1].weight_grad_norm == pytest.approx(float(model.b.weight.grad.norm()))


class _FunctionalMLP(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(4, 8), nn.Linear(8, 8), nn.Linear(8, 1)
        self.fn = fn

    def forward(self, x):
        return self.out(self.fn(self.fc2(self.fn(self.fc1(x)))))


@pytest.mark.parametrize(("fn", "module"), [
    (F.gelu, nn.GELU()), (lambda t: F.gelu(t, approximate="tanh"), nn.GELU(approximate="tanh")),
    (torch.tanh, nn.Tanh()), (lambda t: t.sigmoid(), nn.Sigmoid()), (lambda t: F.relu(t, inplace=True), nn.ReLU()),
    (lambda t: F.leaky_relu(t, 0.2), nn.LeakyReLU(0.2)), (F.silu, nn.SiLU()), (F.elu, nn.ELU()),
])
def test_activations_applied_as_functions_are_measured_as_their_modules_are(fn, module):
    torch.manual_seed(2)
    functional = _FunctionalMLP(fn).double()
    modular = nn.Sequential(functional.fc1, module, functional.fc2, module, functional.out)  # the same weights
    x, y = torch.randn(16, 4, dtype=torch.float64) * 2, torch.randn(16, 1, dtype=torch.float64)
    reports = []
    for model in (functional, modular):
        mon = Monitor(model, every=1, window=3)
        for _ in range(3):
            with mon.step():
                ((model(x) - y) ** 2).mean().backward()
            model.zero_grad()
        reports.append(mon.report())
    f_layers, m_layers = reports[0].layers, reports[1].layers
    name = record_for(module).name
    assert [l.name for l in f_layers] == [f"fc1:{name}", f"fc2:{name}"]
    assert [l.module_type for l in f_layers] == [f"F.{name}"] * 2
    for f, m in zip(f_layers, m_layers, strict=True):
        for key in ("width", "dead", "saturated", "dormant", "window"):
            assert getattr(f, key) == getattr(m, key), key
        for key in ("act_grad_norm", "weight_grad_norm", "mean", "std", "zero_derivative_fraction"):
            assert getattr(f, key) == pytest.approx(getattr(m, key), rel=1e-12, abs=1e-15), key
    assert reports[0].reading.status == reports[1].reading.status
    assert any("watched where they are called" in n and f"fc1:{name}" in n for n in reports[0].notes)


def test_transformer_with_a_functional_gelu_reads_as_with_the_module():
    torch.manual_seed(4)
    functional = nn.TransformerEncoderLayer(16, 2, 32, activation="gelu", batch_first=True, dropout=0.0).double()
    modular = nn.TransformerEncoderLayer(16, 2, 32, activation=nn.GELU(), batch_first=True, dropout=0.0).double()
    modular.load_state_dict(functional.state_dict())
    x = torch.randn(3, 5, 16, dtype=torch.float64)
    got = []
    for layer in (functional, modular):
        mon = Monitor(layer, every=1)
        with mon.step():
            layer(x).pow(2).sum().backward()
        got.append(mon.report())
    (f,), (m,) = got[0].layers, got[1].layers
    assert f.name == "linear1:gelu" and m.name == "activation" and f.width == m.width == 32
    for key in ("act_grad_norm", "weight_grad_norm", "mean", "std", "zero_derivative_fraction"):
        assert getattr(f, key) == pytest.approx(getattr(m, key), rel=1e-12), key
    assert f.weight_grad_norm == pytest.approx(float(functional.linear1.weight.grad.norm()), rel=1e-12)


def test_the_function_watch_ends_with_the_step_even_when_forward_raises():
    from torch.overrides import _get_current_function_mode_stack

    class Boom(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            F.relu(self.fc(x))
            raise RuntimeError("boom")

    model = Boom()
    mon = Monitor(model, every=1)
    with pytest.raises(RuntimeError, match="boom"), mon.step():
        model(torch.randn(3, 2))
    assert _get_current_function_mode_stack() == []
    assert sum(_steps.hooked(m) for m in model.modules()) == 0


def test_the_function_watch_stays_off_once_the_first_sample_found_no_function():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    mon = Monitor(model, every=1)
    seen = []
    for _ in range(3):
        with mon.step():
            # the model's own pre-hook that enters the function watch (another one counts its forwards)
            seen.append(sum(h is mon._enter_hook for h in model._forward_pre_hooks.values()))
            model(torch.randn(2, 3)).sum().backward()
    assert seen == [1, 0, 0]


def test_float32_statistics_agree_with_a_float64_reference():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    x = torch.randn(128, 32)
    cap = Capture([("1", model[1]), ("3", model[3])])
    mon = Monitor(model, every=1)
    with mon.step():
        model(x).pow(2).mean().backward()
    cap.remove()
    for name, got in zip(("1", "3"), mon.report().layers, strict=True):
        a = cap.a[name][-1].double()
        assert got.mean == pytest.approx(float(a.mean()), rel=1e-5, abs=1e-7)
        assert got.std == pytest.approx(float(a.std()), rel=1e-4)
        assert got.act_grad_norm == pytest.approx(float(cap.grads[name].double().norm()), rel=1e-5)
        assert got.dormant == int(instruments.dormant_mask(a.numpy()).sum())
        assert math.isfinite(got.zero_derivative_fraction)


@pytest.mark.parametrize("act", ["relu", "relu_inplace", "leaky", "tanh", "sigmoid", "gelu", "gelu_tanh", "silu",
                                 "elu", "softplus", "hardtanh", "mish", "relu6"])
def test_units_at_the_edges_are_classified_as_the_engine_classifies_them(act):
    """Each unit's pre-activation is its own bias (zero weights), on a fine grid through every threshold: where
    f' crosses 1% of its maximum (saturated), where it becomes exactly 0 (dead), tiny positive inputs (alive for
    ReLU) and activity near tau times the layer's mean (dormant). Counts must equal the engine's masks."""
    grid = torch.cat([torch.linspace(-40, 40, 8001, dtype=torch.float64),
                      torch.tensor([0.0, -0.0, 1e-300, -1e-300, 1e-12, -1e-12, 1e-3, 6.0, 6.0 + 1e-12])])
    width = grid.numel()
    lin = nn.Linear(1, width).double()
    with torch.no_grad():
        lin.weight.zero_()
        lin.bias.copy_(grid)
    module = ACTIVATIONS[act]()
    model = nn.Sequential(lin, module, nn.Linear(width, 1)).double()
    mon = Monitor(model, every=1, window=1)
    with mon.step():
        model(torch.randn(DEAD_POINTS, 1, dtype=torch.float64)).sum().backward()  # enough points to say dead
    got = mon.report().layers[0]
    z = grid.expand(DEAD_POINTS, width)
    d = np.abs(_reference_derivative(module, z).numpy())
    a = _reference_module(module)(z).detach().numpy()
    record = record_for(module)
    dead = _dead_reference(record, d)
    assert got.dead == int(dead.sum())
    assert got.saturated == int((instruments.saturated_mask(record, d, a) & ~dead).sum())
    assert got.dormant == int(instruments.dormant_mask(a).sum())
    assert got.zero_derivative_fraction == pytest.approx(float((d == 0).mean()), abs=1e-15)
    if act in ("relu", "relu_inplace"):  # the tiny positive inputs are alive
        assert got.dead == int((grid <= 0).sum())
    if act in ("tanh", "sigmoid", "gelu", "elu", "softplus", "mish"):  # f' underflows to 0 far out: saturated, not dead
        assert got.dead == 0 and got.saturated >= int(np.all(d == 0, axis=0).sum())


@pytest.mark.parametrize("act", ["relu", "gelu", "sigmoid", "elu"])
def test_image_units_are_channels_and_match_the_reference(act):
    torch.manual_seed(6)
    model = nn.Sequential(nn.Conv2d(3, 5, 3), ACTIVATIONS[act](), nn.Conv2d(5, 4, 3), ACTIVATIONS[act](),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 1)).double()
    with torch.no_grad():
        model[0].bias[:2] = -40.0  # two channels pushed far left
    cap = Capture([("1", model[1]), ("3", model[3])])
    mon = Monitor(model, every=1, window=1)
    with mon.step():
        # 7 images: 7 x 4 x 4 points for the second layer's channels, over the DEAD_POINTS that dead needs
        model(torch.randn(7, 3, 8, 8, dtype=torch.float64)).pow(2).mean().backward()
    cap.remove()
    for name, got in zip(("1", "3"), mon.report().layers, strict=True):
        module = model[int(name)]
        z, a = cap.z[name][-1], cap.a[name][-1]
        channels = a.shape[1]
        d = np.abs(_reference_derivative(module, z).movedim(1, -1).reshape(-1, channels).numpy())
        a2 = a.movedim(1, -1).reshape(-1, channels).numpy()
        dead = _dead_reference(record_for(module), d)
        assert got.width == channels
        assert got.dead == int(dead.sum())
        assert got.saturated == int((instruments.saturated_mask(record_for(module), d, a2) & ~dead).sum())
        assert got.dormant == int(instruments.dormant_mask(a2).sum())
        assert got.mean == pytest.approx(float(a2.mean()), rel=1e-9, abs=1e-12)
        assert got.act_grad_norm == pytest.approx(float(cap.grads[name].norm()), rel=1e-9)
    assert mon.report().layers[0].dead >= (2 if act == "relu" else 0)


@pytest.mark.parametrize("functional", [False, True])
def test_a_sampled_step_brings_its_numbers_to_the_host_once(monkeypatch, functional):
    """On a GPU every .item(), .tolist() or truth test of a tensor waits for the device: one per sampled step."""
    torch.manual_seed(7)
    if functional:
        model = _FunctionalMLP(F.gelu)
    else:
        model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    mon = Monitor(model, every=2)
    # on a CPU (and only there) each float32 sum of squares is read where it is made, to sum it again in float64 if
    # it overflowed (SUM64_ON_CPU): a CPU number costs no synchronisation. The check is off here, so that the count
    # is that of the path every device takes
    monkeypatch.setattr(monitor_places, "SUM64_ON_CPU", False)
    # the compiled passes read CPU tensors through zero-copy .numpy() views, which no device has: off here too
    monkeypatch.setattr(_torch_stats, "ENABLED", False)
    transfers = []
    for name in ("tolist", "item", "__bool__", "__float__", "__int__", "numpy"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            transfers.append(_name)
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(torch.Tensor, name, counted)
    for _ in range(6):  # steps 0, 2, 4 are sampled
        with mon.step():
            model(torch.randn(16, 4)).pow(2).mean().backward()
        model.zero_grad()
    monkeypatch.undo()
    # one per sampled step; and once per run, as the weights are first seen, their values' two fused norms (in their
    # own dtype and in float64: 5c2fd5c reads them then, so that an optimiser with lr 0 reads 'not changed at any
    # sampled step from the first')
    assert transfers == ["tolist", "tolist"] + ["numpy"] * 3
    assert mon.report().sampled_steps == 3 and len(mon.report().layers) == 2


def test_auto_interval_follows_the_measured_cost_on_a_cpu():
    """every="auto" on a CPU keeps timing: when sampled steps grow dearer next to the unsampled ones around them,
    the interval widens so the amortised cost stays within the budget (auto aims at half of it); a slowdown of the
    whole machine (both kinds of step alike) leaves it where it was."""
    mon = Monitor(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), every="auto", budget=0.05)
    mon.step_count = 2  # past the warm-up
    for _ in range(4):  # calibration: unsampled 10 ms, sampled 11.2 ms: 12% more, over a 5% budget
        mon._calibrate(False, 0.010)
        mon._calibrate(True, 0.0112)
    assert mon.every == 5  # ceil(12% / 2.5%)
    for _ in range(32):  # sampled steps now cost 20.5 ms: 105% more (32: the extras the choice reads)
        for _ in range(mon.every - 1):
            mon._calibrate(False, 0.010)
        mon._calibrate(True, 0.0205)
    assert mon.every == 42  # ceil(105% / 2.5%)
    assert mon.calibrated_cost == pytest.approx(1.05 / 42)
    for _ in range(32):  # the whole machine slows down 3x: unsampled 30 ms, sampled 33.6 ms, 12% again
        for _ in range(mon.every - 1):
            mon._calibrate(False, 0.030)
        mon._calibrate(True, 0.0336)
    assert mon.every == 5
