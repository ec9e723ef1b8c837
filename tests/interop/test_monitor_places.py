"""The Monitor on places of mixed widths and kinds (each place's numbers against a reference from the same tensors),
what "dead" means for functions with and without a zero region, and the log's header once places appear after the
first sampled step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab import instruments  # noqa: E402
from actlab.activations import registry  # noqa: E402
from actlab.interop import torch as monitor_module  # noqa: E402
from actlab.interop.torch import RELEARN_EVERY  # noqa: E402
from actlab.torch import Monitor, read_log  # noqa: E402


class Mixed(nn.Module):
    """Widths that differ, a module called twice, an in-place module and a function: each place's numbers sit at
    their own offsets in the step's one transfer. The forward keeps a copy of every place's input and output and
    their gradients, for the reference."""

    def __init__(self, act):
        super().__init__()
        self.fc1, self.fc2, self.fc3, self.out = nn.Linear(5, 7), nn.Linear(7, 7), nn.Linear(7, 4), nn.Linear(4, 1)
        self.act = act
        self.inplace = nn.ELU(inplace=True)
        self.kept, self.grads = {}, {}

    def _keep(self, name, fn, z):
        zc = z.detach().clone()
        a = fn(z)
        self.kept[name] = (zc, a.detach().clone(), fn)
        if a.requires_grad:
            a.register_hook(lambda g: self.grads.__setitem__(name, g.detach().clone()))
        return a

    def forward(self, x):
        h = self._keep("act", self.act, self.fc1(x))
        h = self._keep("act#2", self.act, self.fc2(h))  # the same module's second call: a place of its own
        h = self._keep("inplace", self.inplace, self.fc3(h))
        return self.out(self._keep("fc3:silu", F.silu, h))


@pytest.mark.parametrize("act", [nn.ReLU, nn.GELU, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Mish, nn.ReLU6])
def test_places_of_different_widths_and_kinds_each_read_their_own_numbers(act):
    torch.manual_seed(1)
    model = Mixed(act()).double()
    with torch.no_grad():
        model.fc1.bias[:2] = -30.0  # some units far out: dead or saturated
        model.fc3.bias[:1] = 30.0
    mon = Monitor(model, every=1, window=1)  # one batch's counts
    with mon.step():
        # 34 x 3 points a unit: over the DEAD_POINTS that a dead count needs
        model(torch.randn(34, 3, 5, dtype=torch.float64)).pow(2).mean().backward()
    report = mon.report()
    assert [l.name for l in report.layers] == ["act", "act#2", "inplace", "fc3:silu"]
    assert [l.width for l in report.layers] == [7, 7, 4, 4]
    for got in report.layers:
        z, a, fn = model.kept[got.name]
        zz = z.clone().requires_grad_(True)
        with torch.enable_grad():
            ref = nn.ELU() if got.name == "inplace" else fn
            (d,) = torch.autograd.grad(ref(zz).sum(), zz)
        d, a2 = np.abs(d.reshape(-1, got.width).numpy()), a.reshape(-1, got.width).numpy()
        record = registry.get(got.activation)
        dead = instruments.dead_mask(d) & record.has_zero_region
        assert got.dead == int(dead.sum()), got.name
        assert got.saturated == int((instruments.saturated_mask(record, d, a2) & ~dead).sum()), got.name
        assert got.dormant == int(instruments.dormant_mask(a2).sum()), got.name
        assert got.mean == pytest.approx(float(a2.mean()), rel=1e-12, abs=1e-15)
        assert got.std == pytest.approx(float(a2.std(ddof=1)), rel=1e-9, abs=1e-12)
        assert got.zero_derivative_fraction == pytest.approx(float((d == 0).mean()), abs=1e-15)
        assert got.act_grad_norm == pytest.approx(float(model.grads[got.name].norm()), rel=1e-12)


def test_an_output_written_in_place_after_the_activation_is_read_as_the_activation_made_it():
    """Statistics are reduced in the forward hook, so a later in-place change (here with no backward to object)
    does not reach them."""

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.out = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)

        def forward(self, x):
            h = self.act(self.fc(x))
            h.mul_(-1.0)  # every active unit now reads negative
            return self.out(h)

    model = Scaled().double()
    mon = Monitor(model, every=1)
    with torch.no_grad(), mon.step():
        x = torch.randn(8, 3, dtype=torch.float64)
        model(x)
    (layer,) = mon.report().layers
    with torch.no_grad():
        a = torch.relu(model.fc(x))  # what the activation made, before the multiplication
    assert layer.mean == pytest.approx(float(a.mean()), rel=1e-12)
    assert layer.zero_derivative_fraction == pytest.approx(float((a == 0).double().mean()), abs=1e-12)
    assert math.isnan(layer.act_grad_norm)  # no backward: no gradient was computed (not 0)


def test_the_zero_region_property_names_the_functions_with_a_flat_zero_derivative():
    flat = {n for n in registry.names() if registry.get(n).has_zero_region}
    assert flat == {"relu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "relu_squared", "reglu"}
    assert registry.get("leaky_relu", negative_slope=0.0).has_zero_region  # a zero slope is ReLU
    assert not registry.get("leaky_relu", negative_slope=0.01).has_zero_region
    # the probe stays where smooth tails are still representable: sigmoid's f' at 10 is 4.5e-5, tanh's 8e-9
    for name in ("sigmoid", "tanh", "gelu", "elu", "softplus"):
        assert np.all(registry.get(name).derivative(np.linspace(-10, 10, 2001)) != 0)


def test_sigmoid_units_whose_derivative_underflows_are_saturated_not_dead():
    """float32 sigmoid(z) rounds to 1 for z above ~17, so a(1 - a) reads exactly 0: the unit is saturated (its
    output sits at a level), never dead (sigmoid has no interval where f' is 0). ReLU units at the same place die."""
    for act, sign, dead in ((nn.Sigmoid(), 1.0, 0), (nn.ReLU(), -1.0, 3)):
        model = nn.Sequential(nn.Linear(2, 5), act, nn.Linear(5, 1))
        with torch.no_grad():
            model[0].weight.zero_()
            model[0].bias.copy_(torch.tensor([40.0 * sign, 30.0 * sign, 20.0 * sign, 0.5, 1.0]))
        mon = Monitor(model, every=1, window=1)  # one batch's counts
        with mon.step():
            y = model(torch.randn(100, 2))  # the DEAD_POINTS that a dead count needs
            y.sum().backward()
        with torch.no_grad():
            a = act(model[0](torch.randn(16, 2)))
        if isinstance(act, nn.Sigmoid):
            assert int(((a * (1 - a)) == 0).all(0).sum()) == 3  # the premise: f' reads 0 for the pushed units
        (layer,) = mon.report().layers
        assert layer.dead == dead
        assert layer.saturated + layer.dead >= 3


def test_the_log_header_names_places_first_seen_after_the_first_sample(tmp_path):
    class Late(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.act = nn.Linear(3, 4), nn.Linear(4, 1), nn.Tanh()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            h = self.act(self.fc1(x))
            if self.calls > 1:  # from the second step on: the module's second call
                h = self.act(h)
            return self.fc2(h)

    model = Late()
    path = tmp_path / "late.jsonl"
    mon = Monitor(model, every=1, log=path)
    for _ in range(3):
        with mon.step():
            model(torch.randn(4, 3)).sum().backward()
    header, reports = read_log(path)
    assert header["layers"] == ["act", "act#2"]
    assert header["activations"] == ["tanh", "tanh"]
    assert [[l["name"] for l in r["layers"]] for r in reports] == [["act"], ["act", "act#2"], ["act", "act#2"]]
    assert path.read_text().count('"format"') == 2  # one more header, when the new places appeared
    assert all(math.isfinite(l["mean"]) for r in reports for l in r["layers"])


def _count_function_watch_calls(monkeypatch) -> list[int]:
    """A list whose last entry counts the torch calls the monitor's function watch intercepts (append a 0 to open a
    new count)."""
    seen = []
    original = monitor_module._FunctionWatch.__torch_function__

    def counted(self, func, types, args=(), kwargs=None):
        seen[-1] += 1
        return original(self, func, types, args, kwargs)
    monkeypatch.setattr(monitor_module._FunctionWatch, "__torch_function__", counted)
    return seen


def test_after_the_first_sample_functions_are_watched_only_after_the_modules_they_follow(monkeypatch):
    """The first sampled step intercepts every torch call of the forward to find activations applied as functions;
    later ones only from the start of the module a function was found after to the start of the next weighted
    module, and still measure every function place."""

    class Busy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(4, 6), nn.Linear(6, 6), nn.Linear(6, 1)

        def forward(self, x):
            for _ in range(20):  # torch calls no activation: a whole-forward watch intercepts each
                x = x * 1.0 + 0.0
            h = F.gelu(self.fc1(x))
            h = self.fc2(h)
            for _ in range(20):
                h = h * 1.0
            return self.fc3(torch.tanh(h))

    seen = _count_function_watch_calls(monkeypatch)
    torch.manual_seed(4)
    model = Busy().double()
    mon = Monitor(model, every=1)
    for _ in range(3):
        seen.append(0)
        x = torch.randn(5, 4, dtype=torch.float64)
        with mon.step():
            model(x).sum().backward()
    assert seen[1] == seen[2] and seen[1] <= seen[0] - 40  # the first loop runs outside every window
    report = mon.report()
    assert [l.name for l in report.layers] == ["fc1:gelu", "fc2:tanh"]
    with torch.no_grad():
        h = F.gelu(model.fc1(x))
        t = torch.tanh(model.fc2(h) * 1.0)
    assert report.layers[0].mean == pytest.approx(float(h.mean()), rel=1e-12)
    assert report.layers[1].mean == pytest.approx(float(t.mean()), rel=1e-12)


class LateGelu(nn.Module):
    """fc1 -> ReLU -> fc2 -> (F.gelu, only from the 6th forward on) -> fc3: a branch that first runs long after the
    first sampled step."""

    def __init__(self, start: int = 6):
        super().__init__()
        self.fc1, self.act, self.fc2, self.fc3 = nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Linear(6, 1)
        self.start, self.calls = start, 0

    def forward(self, x):
        self.calls += 1
        h = self.fc2(self.act(self.fc1(x)))
        if self.calls >= self.start:
            h = F.gelu(h)
        return self.fc3(h)


def _steps_until(mon, model, n: int) -> torch.Tensor:
    x = None
    for _ in range(n):
        x = torch.randn(16, 4, dtype=torch.float64)
        with mon.step():
            model(x).sum().backward()
    return x


@pytest.mark.parametrize("every", [1, 2])
def test_a_function_that_first_runs_after_the_first_sample_is_found_and_measured(every):
    """The gap after fc2, where no activation ran on the first sampled step, is watched again on the steps that learn
    the structure (every RELEARN_EVERY-th sampled step): a function that first runs there is found on the first such
    step after it starts, and measured from then on like any place."""
    torch.manual_seed(11)
    model = LateGelu().double()
    mon = Monitor(model, every=every)
    _steps_until(mon, model, 5)  # F.gelu has not run yet
    assert [l.name for l in mon.report().layers] == ["act"]
    assert not any("fc2:gelu" in n for n in mon.report().notes)
    # sampled step 1 learned the structure; sampled steps 2 to RELEARN_EVERY + 1 reuse it; the next one learns again
    learns = 1 + (RELEARN_EVERY + 1) * every  # its forward's number (steps count from 1 here)
    _steps_until(mon, model, learns - 1 - 5)
    assert [l.name for l in mon.report().layers] == ["act"]  # running since forward 6, not found yet
    x = _steps_until(mon, model, 1)
    report = mon.report()
    assert [l.name for l in report.layers] == ["act", "fc2:gelu"]
    late = report.layers[1]
    assert late.module_type == "F.gelu" and late.activation == "gelu" and late.width == 6
    with torch.no_grad():  # the step that found it is sampled: its batch is x
        a = F.gelu(model.fc2(model.act(model.fc1(x))))
    assert late.mean == pytest.approx(float(a.mean()), rel=1e-12)
    assert late.std == pytest.approx(float(a.std()), rel=1e-9)
    assert late.window == 1  # sampled batches since it was found
    # then measured on every sampled step, found or not by a learning step
    x = _steps_until(mon, model, 2 * every)
    report = mon.report()
    with torch.no_grad():
        a = F.gelu(model.fc2(model.act(model.fc1(x))))
    assert report.layers[1].mean == pytest.approx(float(a.mean()), rel=1e-12)
    assert report.layers[1].window == 3
    # named as the report names functional activations, in the notes
    assert any(n.startswith("activations applied as functions, watched where they are called: ") and "fc2:gelu" in n
               for n in report.notes)
    assert sum(n.startswith("activations applied as functions") for n in report.notes) == 1
    assert any(line.startswith("fc2:gelu") and " gelu " in line for line in str(report).splitlines())


def test_gaps_where_no_activation_ran_are_watched_only_on_steps_that_learn_the_structure(monkeypatch):
    """A transformer-like stack, nothing applied as a function: after the first sampled step the function watch
    intercepts no torch call until the structure is learned again, RELEARN_EVERY sampled steps later (it cost a
    transformer's every sampled step about 2 ms when the gaps were watched on each)."""
    seen = _count_function_watch_calls(monkeypatch)
    model = nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 3), nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 1))
    mon = Monitor(model, every=1)
    for _ in range(RELEARN_EVERY + 3):
        seen.append(0)
        with mon.step():
            model(torch.randn(4, 3)).sum().backward()
    watched = [i for i, n in enumerate(seen) if n]
    assert watched == [0, RELEARN_EVERY + 1], seen
    assert [l.name for l in mon.report().layers] == ["1", "4"]


def test_a_gap_with_an_activation_module_is_not_watched_for_functions(monkeypatch):
    """Only gaps where no activation ran are watched on later sampled steps: an MLP whose every Linear is followed
    by a module intercepts no torch call after the first sample."""
    seen = _count_function_watch_calls(monkeypatch)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    mon = Monitor(model, every=1)
    for _ in range(3):
        seen.append(0)
        with mon.step():
            model(torch.randn(2, 3)).sum().backward()
    assert seen[0] > 0 and seen[1:] == [0, 0]
