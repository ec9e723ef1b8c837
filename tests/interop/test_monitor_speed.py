"""The Monitor's cheaper sampled step (session of 2026-12-01): hooks written straight into the modules' hook tables
live beside the script's own hooks and leave nothing behind, even when the step raises; every="auto" counts the time
spent attaching hooks as part of a sampled step; the host reads each place's numbers right when some other number of
the step is a NaN."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _monitor_step  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop import _steps  # noqa: E402


def _hook_count(model: nn.Module) -> int:
    return sum(_steps.hooked(m) for m in model.modules())


def test_the_scripts_own_hooks_run_beside_the_monitors_and_stay():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
    seen = []
    own = model[1].register_forward_hook(lambda m, i, o: seen.append(float(o.detach().sum())))
    own_pre = model[1].register_forward_pre_hook(lambda m, i: seen.append("pre"))
    mon = Monitor(model, every=1)
    x = torch.randn(4, 3)
    with mon.step():
        model(x).sum().backward()
    assert _hook_count(model) == 2  # the script's two, none of the monitor's
    assert seen[0] == "pre" and seen[1] == pytest.approx(float(torch.relu(model[0](x)).detach().sum()))
    layer = mon.report().layers[0]
    with torch.no_grad():
        a = torch.relu(model[0](x))
    assert layer.mean == pytest.approx(float(a.mean()))
    own.remove()
    own_pre.remove()
    assert _hook_count(model) == 0


def test_a_step_that_raises_leaves_no_hook_behind():
    model = nn.Sequential(nn.Linear(3, 5), nn.GELU(), nn.Linear(5, 1))
    mon = Monitor(model, every=1)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        with mon.step():
            assert _hook_count(model) > 0
            model(torch.randn(4, 7))  # a wrong input width: the forward raises inside the block
    assert _hook_count(model) == 0
    with mon.step():  # and the next step measures as before
        model(torch.randn(4, 3)).sum().backward()
    assert [l.name for l in mon.report().layers] == ["1"]
    assert _hook_count(model) == 0


def test_two_monitors_on_one_model_keep_their_hooks_apart():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    first, second = Monitor(model, every=1), Monitor(model, every=2)
    x = torch.randn(6, 3)
    with first.step(), second.step():
        model(x).sum().backward()
    assert _hook_count(model) == 0
    with torch.no_grad():
        a = torch.tanh(model[0](x))
    for mon in (first, second):
        assert mon.report().layers[0].mean == pytest.approx(float(a.mean()))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_auto_counts_attaching_the_hooks_as_part_of_a_sampled_step(monkeypatch):
    """Attaching the hooks costs 0.7 ms against a 10 ms step, and nothing else about a sampled step costs anything:
    a sampled step is 7% dearer, so auto, aiming at half a 3% budget, samples every ceil(7 / 1.5) = 5 steps. Timed
    from after the hooks were attached, the step looked free, and auto sampled every second step (3.5%)."""
    clock = FakeClock()
    monkeypatch.setattr(_monitor_step.time, "perf_counter", clock)
    attach = Monitor._attach

    def slow_attach(self):
        clock.now += 0.0007
        return attach(self)
    monkeypatch.setattr(Monitor, "_attach", slow_attach)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    mon = Monitor(model, every="auto", budget=0.03)
    x = torch.randn(4, 2)
    for _ in range(120):
        with mon.step():
            model(x).sum().backward()
            clock.now += 0.010
        model.zero_grad()
    assert mon.sampled_extra == pytest.approx(0.07)
    assert mon.every == 5


def test_a_nan_in_one_place_leaves_the_other_places_counted():
    """The host looks at the whole step's numbers at once and, on finding a NaN, at each place alone: the place the
    NaN reached reads non-finite, the place before it keeps its counts (a forward only: backward would carry the NaN
    into the first place's gradient)."""
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    with torch.no_grad():
        model[2].weight[0, 0] = math.nan  # the second layer's first unit is NaN for every input
    mon = Monitor(model, every=1)
    x = torch.randn(8, 3)
    with mon.step():
        model(x)
    first, second = mon.report().layers
    assert not first.non_finite and first.dead is not None and first.dormant is not None
    with torch.no_grad():
        a = torch.relu(model[0](x))
    assert first.mean == pytest.approx(float(a.mean()))
    assert first.dead == int((a.sum(0) == 0).sum())
    assert second.non_finite and second.dead is None and math.isnan(second.std)


class TwoHeads(nn.Module):
    """fc -> ReLU -> head, and a side branch fc -> tanh whose output the loss never uses: no gradient reaches it."""

    def __init__(self):
        super().__init__()
        self.fc, self.act, self.head = nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 1)
        self.side, self.side_act = nn.Linear(3, 4), nn.Tanh()

    def forward(self, x):
        self.unused = self.side_act(self.side(x))
        return self.head(self.act(self.fc(x)))


def test_a_place_no_gradient_reaches_reads_not_computed_and_the_others_read_autograd():
    """The host reads the scalars a place sent; ||dL/da|| of a place that sent none (no gradient reached it) reads
    NaN, not computed (since 031c11a; it read 0 before), on learning and reusing steps alike, while the place beside
    it reads autograd's gradient."""
    torch.manual_seed(3)
    model = TwoHeads()
    mon = Monitor(model, every=1)
    for _ in range(4):
        x = torch.randn(9, 3)
        with mon.step():
            model(x).pow(2).sum().backward()
    by_name = {l.name: l for l in mon.report().layers}
    assert math.isnan(by_name["side_act"].act_grad_norm)
    a = torch.relu(model.fc(x)).detach().requires_grad_(True)
    (g,) = torch.autograd.grad(model.head(a).pow(2).sum(), a)
    assert by_name["act"].act_grad_norm == pytest.approx(float(g.norm()), rel=1e-5)
    with torch.no_grad():
        t = torch.tanh(model.side(x))
    assert by_name["side_act"].mean == pytest.approx(float(t.mean()), rel=1e-5)


def test_inplace_relu_on_reusing_steps_reads_the_batch_and_leaves_no_hook():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(inplace=True), nn.Linear(8, 1))
    mon = Monitor(model, every=1)
    for step in range(5):
        x = torch.randn(16, 5)
        with mon.step():
            model(x).sum().backward()
        assert _hook_count(model) == 0, step
    assert mon._reuse  # the last steps reused the learned structure (the deferred ReLU path)
    layer = mon.report().layers[0]
    with torch.no_grad():
        a = torch.relu(model[0](x))
    assert layer.mean == pytest.approx(float(a.mean()), rel=1e-6)
    assert layer.std == pytest.approx(float(a.std()), rel=1e-5)
    assert layer.zero_derivative_fraction == pytest.approx(float((a == 0).double().mean()))


def test_a_nan_batch_is_reported_not_raised_and_the_next_batch_counts_again():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 1))
    mon = Monitor(model, every=1, window=3)
    with mon.step():
        model(torch.randn(8, 3)).sum().backward()
    bad = torch.randn(8, 3)
    bad[2, 1] = math.nan
    with mon.step():
        model(bad).sum().backward()
    report = mon.report()
    assert report.non_finite and report.layers[0].non_finite and report.layers[0].dead is None
    assert report.first_non_finite == {"step": 2, "place": "module '1' (ReLU)"}
    model.zero_grad()
    x = torch.randn(8, 3)
    with mon.step():
        model(x).sum().backward()
    layer = mon.report().layers[0]
    assert not layer.non_finite and layer.window == 2  # the NaN batch is not in the dead window
    with torch.no_grad():
        a = torch.relu(model[0](x))
    assert layer.mean == pytest.approx(float(a.mean()), rel=1e-6)


def test_a_deferred_relu_output_is_let_go_when_backward_passes_it_not_kept_to_the_end_of_the_step():
    """On reusing steps a ReLU's sums wait for backward; they are made when backward reaches ReLU's node, and the
    monitor lets go of the output there, so its memory goes when autograd frees it. Kept to the end of the step,
    every ReLU output outlived backward (the heap grew for backward's gradients and shrank again after: page faults
    on the next step)."""
    torch.manual_seed(6)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    mon = Monitor(model, every=1)
    for step in range(4):
        x = torch.randn(16, 5)
        with mon.step():
            out = model(x)
            held = [l.kept is not None for l in mon._layers]
            out.sum().backward()
            after = [l.kept is not None for l in mon._layers]
        if step >= 2:  # reusing the learned structure, with the sums deferred to backward
            assert mon._reuse and held == [True, True] and after == [False, False], (step, held, after)
    with torch.no_grad():
        a1 = torch.relu(model[0](x))
        a2 = torch.relu(model[2](a1))
    first, second = mon.report().layers
    assert first.mean == pytest.approx(float(a1.mean()), rel=1e-6)
    assert second.std == pytest.approx(float(a2.std()), rel=1e-5)
    assert second.zero_derivative_fraction == pytest.approx(float((a2 == 0).double().mean()))


def test_a_relu_output_written_in_place_before_backward_is_left_out_of_a_reusing_step():
    """A deferred ReLU whose output something writes into after the hook saw it (here on the 4th step only) has
    other numbers than the batch's: that place is left out of the step, and the next step learns the structure
    again and reads right."""
    torch.manual_seed(7)

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.head = nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1)
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            h = self.act(self.fc(x))
            if self.calls == 4:
                with torch.no_grad():
                    h.mul_(2.0)  # behind autograd's back, as a careless script might
            return self.head(h)

    model = Scaled()
    mon = Monitor(model, every=1)
    for _ in range(4):
        with mon.step():
            out = model(torch.randn(8, 4))
            if model.calls < 4:
                out.sum().backward()
    assert mon.report().layers == ()  # the written place is dropped from step 4
    x = torch.randn(8, 4)
    with mon.step():
        model(x).sum().backward()
    with torch.no_grad():
        a = torch.relu(model.fc(x))
    assert mon.report().layers[0].mean == pytest.approx(float(a.mean()), rel=1e-6)
