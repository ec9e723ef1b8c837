"""nn.ReLU's one compiled pass (_torch_stats_numba.relu_sums) and the eager hook call (_outside_graph), issue 17's
speed work of P1: the kernel against the torch calls it replaces, on NaN, inf, units that never turn on and float32
sums of squares past float32's range; the monitor's readings of a ReLU MLP on every sampled step (the first steps
take the general path, later ones the deferred one-pass path) against references the test takes from the same
tensors with its own hooks; and a hook called eagerly runs without torch.compiler.disable's wrapper."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab import instruments  # noqa: E402
from actlab.interop import _monitor_places as places  # noqa: E402
from actlab.interop import _monitor_relu as relu  # noqa: E402
from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import loaded_kernels, monitored_step  # noqa: E402


def _relu_sums(kernels, a, g):
    w = a.shape[1]
    on, sums, totals = np.full(w, -1.0), np.full(w, -1.0), np.full(2, -1.0)
    q, p = kernels.relu_sums(a, g, on, sums, totals)
    return on, sums, totals, q, p


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_sums_equals_the_torch_calls_it_replaces(dtype):
    kernels = loaded_kernels()
    rng = np.random.default_rng(4)
    a = np.maximum(rng.standard_normal((37, 11)), 0).astype(dtype)
    a[:, 3] = 0.0  # a unit that never turns on
    a[5, 6], a[7, 8] = np.nan, np.inf
    g = rng.standard_normal((37, 11)).astype(dtype)
    g[2, 1] = -np.inf
    on, sums, totals, q, p = _relu_sums(kernels, a, g)
    t = torch.from_numpy(a)
    assert np.array_equal(on, torch.sign(t).sum(0).double().numpy())  # a NaN counts 0, as torch.sign has it
    assert on[3] == 0 and on[6] == float((a[:, 6] > 0).sum()) and on[8] == float((a[:, 8] > 0).sum())
    ref = t.double().sum(0).numpy()
    finite = np.isfinite(ref)
    np.testing.assert_allclose(sums[finite], ref[finite], rtol=1e-6)
    assert np.isnan(sums[6]) and sums[8] == np.inf
    assert math.isnan(q) and math.isnan(totals[0])  # inf + NaN in a: the sum of squares is NaN, as torch.dot's
    assert p == math.inf and totals[1] == math.inf
    # finite values: the sums against float64 references (a float64 array: to its rounding)
    a[5, 6] = a[7, 8] = 1.5
    g[2, 1] = 0.25
    on, sums, totals, q, p = _relu_sums(kernels, a, g)
    rel = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(sums, a.astype(np.float64).sum(0), rtol=rel)
    assert q == pytest.approx(float((a.astype(np.float64) ** 2).sum()), rel=rel) and q == totals[0]
    assert p == pytest.approx(float((g.astype(np.float64) ** 2).sum()), rel=rel) and p == totals[1]
    # no gradient to read (an empty (0, H) array, or one of another shape): its sum is 0, the rest as before
    for none in (np.zeros((0, 11), dtype), np.zeros((36, 11), dtype)):
        on2, sums2, totals2, q2, p2 = _relu_sums(kernels, a, none)
        assert p2 == 0.0 == totals2[1] and q2 == q
        assert np.array_equal(on2, on) and np.array_equal(sums2, sums)


def test_relu_sums_float32_squares_past_float32s_range_read_inf():
    kernels = loaded_kernels()
    a = np.full((4, 3), 3e19, np.float32)  # each square 9e38, past float32's 3.4e38: as torch's float32 dot reads
    _, _, totals, q, p = _relu_sums(kernels, a, a)
    assert q == p == math.inf == totals[0] == totals[1]
    b = np.full((4, 3), 1e19, np.float32)  # per-unit sums 4e38 > 3.4e38 too; 5e18: each unit 1e38, the total 3e38
    assert _relu_sums(kernels, b, b)[3] == math.inf
    c = np.full((4, 3), 5e18, np.float32)
    q = _relu_sums(kernels, c, c)[3]
    assert math.isfinite(q) and q == pytest.approx(12 * 2.5e37, rel=1e-6)


class _Capture:
    """The test's own hooks on each ReLU: a copy of its output and of the gradient that reaches it."""

    def __init__(self, modules):
        self.a, self.g = {}, {}
        self.handles = [m.register_forward_hook(self._post(n)) for n, m in modules]

    def _post(self, name):
        def hook(module, inputs, output):
            self.a[name] = output.detach().double().clone()
            output.register_hook(lambda g: self.g.__setitem__(name, g.detach().double().clone()))
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


@pytest.mark.parametrize("held", ["all", "none", "one"])
@pytest.mark.parametrize("seq", [False, True])
def test_a_relu_mlp_reads_as_its_references_on_every_sampled_step(seq, held, monkeypatch):
    """Every figure of every step, the general path's first steps and the deferred one-pass steps alike, against
    float64 references from the test's own hooks: mean, std, |dL/da| (autograd's gradient), the share of zero f',
    dormant units; dead units against a direct count over the window (the first layer's three killed units).
    held: the bytes the node hooks may keep to the end of backward (HELD_BYTES): all places kept (the default), none
    (each reduced in its hook as backward reaches it), or room for one place's output and gradient (the last layer's
    kept, the first's reduced in its hook). Nothing is kept past the step."""
    loaded_kernels()
    width = 24
    place = 2 * (50 if seq else 40) * width * 4  # one place's float32 output and gradient
    if held != "all":
        monkeypatch.setattr(relu, "HELD_BYTES", 0 if held == "none" else place)
    kept_at_most = []
    real_held = relu._ReluMeasures._reduce_held

    def reduce_held(self):
        kept_at_most.append(self._held_bytes)
        return real_held(self)

    monkeypatch.setattr(relu._ReluMeasures, "_reduce_held", reduce_held)
    torch.manual_seed(11)
    model = nn.Sequential(nn.Linear(6, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    with torch.no_grad():
        model[0].bias[:3] = -60.0  # never on: dead
    acts = [("1", model[1]), ("3", model[3])]
    mon = Monitor(model, every=1, window=4)
    assert _torch_stats.wait(120) is not None
    calls = []
    real, real_lane = _torch_stats.kernels().relu_sums, _torch_stats.kernels().relu_lane

    def lane(places, width, block):  # one call for the places laid out in the lane: each place's rows where the
        calls.extend(int(p[2]) if p[1] else 0 for p in places)  # gradient is read, as relu_sums' g.shape[0]
        return real_lane(places, width, block)
    cap = _Capture(acts)
    history = {n: [] for n, _ in acts}
    try:
        _torch_stats._module.relu_sums = lambda *args: calls.append(args[1].shape[0]) or real(*args)
        _torch_stats._module.relu_lane = lane
        for step in range(7):
            shape = (10, 5, 6) if seq else (40, 6)
            x = torch.randn(shape) * 2
            monitored_step(mon, model, x, None, loss_fn=lambda out, _: (out ** 2).mean())
            model.zero_grad(set_to_none=True)
            assert mon._held == [] and mon._held_bytes == 0
            r = mon.report()
            for (name, _), got in zip(acts, r.layers, strict=True):
                a = cap.a[name].reshape(-1, width)
                history[name].append((a > 0).any(0).numpy())
                assert got.mean == pytest.approx(float(a.mean()), rel=1e-5), (step, name)
                assert got.std == pytest.approx(float(a.std()), rel=1e-4), (step, name)
                assert got.act_grad_norm == pytest.approx(float(cap.g[name].norm()), rel=1e-5), (step, name)
                assert got.zero_derivative_fraction == pytest.approx(float((a <= 0).double().mean()), abs=1e-12)
                assert got.dormant == int(instruments.dormant_mask(a.numpy()).sum())
                seen = history[name][-4:]
                want_dead = int((~np.any(seen, axis=0)).sum()) if len(seen) >= 4 else 0
                assert got.dead == want_dead, (step, name)
    finally:
        _torch_stats._module.relu_sums, _torch_stats._module.relu_lane = real, real_lane
        cap.remove()
    assert mon.report().layers[0].dead == 3
    # the pass ran on every step after the first, for both places (relu_sums, or relu_lane for both at once once
    # they are laid out in the lane); with the gradient (rows, not 0) once the sums wait for backward (from the third
    # step on)
    assert len(calls) == 2 * 6 and calls[:2] == [0, 0] and all(c > 0 for c in calls[2:])
    limit = relu.HELD_BYTES
    assert kept_at_most and max(kept_at_most) <= limit
    # what the hooks kept on the deferred steps: every place by default, none with no room, the last layer alone
    # with room for one (backward reaches it first)
    assert kept_at_most[-1] == {"all": 2 * place, "none": 0, "one": place}[held]


def test_a_relu_output_whose_squares_overflow_float32_is_summed_again_in_float64():
    """A float32 ReLU layer near 1e20 (finite, squares past float32's range) on the deferred one-pass steps: the std
    and |dL/da| read their float64 references, and the note says they were summed again in float64."""
    loaded_kernels()
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.mul_(1e20)
        model[0].bias.zero_()
        model[2].weight.mul_(1e-20)
    mon = Monitor(model, every=1)
    _torch_stats.wait(120)
    cap = _Capture([("1", model[1])])
    try:
        for _ in range(4):  # the fourth step is a deferred one-pass step
            with mon.step():
                model(torch.randn(16, 4)).pow(2).mean().backward()
            model.zero_grad(set_to_none=True)
    finally:
        cap.remove()
    a = cap.a["1"]
    assert math.isinf(float(torch.dot(a.float().reshape(-1), a.float().reshape(-1))))  # float32 overflows here
    (layer,) = mon.report().layers
    assert not layer.non_finite
    assert layer.std == pytest.approx(float(a.std()), rel=1e-6)
    assert layer.act_grad_norm == pytest.approx(float(cap.g["1"].norm()), rel=1e-6)
    assert any("summed again in float64" in n for n in mon.report().notes)


def test_a_hook_called_eagerly_runs_without_the_compile_wrapper():
    """_outside_graph(hook) called outside torch.compile runs the hook from its own small function, not through
    torch.compiler.disable's wrapper (which swaps the frame evaluation callback around every call); under
    torch.compile the hook still runs eagerly, out of the graph (test_monitor_torch_compile_m7)."""
    callers = []

    def hook(*args):
        callers.append(sys._getframe(1).f_code.co_filename)
        return args

    wrapped = places._outside_graph(hook)
    assert wrapped(1, 2) == (1, 2)
    assert callers == [places.__file__] or places._skip_frames is None


class _Branches(nn.Module):
    """Three ReLUs on slices of one Linear's output: 'b' 5 wide, or 3 wide on steps 12-17 (its history starts again
    and the lane is laid out anew); 'c' runs on two steps in three (the set of places changes)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 16)
        self.a, self.b, self.c = nn.ReLU(), nn.ReLU(), nn.ReLU()
        self.branch = self.narrow = False

    def forward(self, x):
        h = self.lin(x)
        outs = [self.a(h[:, :6]), self.b(h[:, 6:9] if self.narrow else h[:, 6:11])]
        if self.branch:
            outs.append(self.c(h[:, 11:16]))
        return sum((o * o).sum() for o in outs)


def test_the_lane_holds_the_right_numbers_while_the_places_and_widths_change():
    """Every figure against the test's own references on 30 steps whose places change (a branch on two steps in
    three, a width changing twice); the lane (one block the ReLU passes write into, read with no torch.cat) served
    the steps whose places ran as on the step before, and was laid out again whenever they did not."""
    loaded_kernels()
    torch.manual_seed(5)
    model = _Branches()
    names = ("a", "b", "c")
    cap = _Capture([(n, getattr(model, n)) for n in names])
    mon = Monitor(model, every=1, window=3)
    _torch_stats.wait(120)
    served = []
    read = type(mon)._lane_read

    def spy(self, *args):
        out = read(self, *args)
        served.append(out is not None)
        return out
    on = {n: [] for n in names}
    try:
        type(mon)._lane_read = spy
        for step in range(30):
            model.branch = step % 3 != 1
            model.narrow = 12 <= step < 18
            with mon.step():
                model(torch.randn(24, 5)).backward()
            report = {layer.name: layer for layer in mon.report().layers}
            for n in names:
                if n == "c" and not model.branch:
                    continue
                a, grad = cap.a[n], cap.g[n]
                on[n].append((a > 0).any(0))
                got = report[n]
                assert got.mean == pytest.approx(float(a.mean()), rel=1e-5), (step, n)
                assert got.std == pytest.approx(float(a.std()), rel=1e-4), (step, n)
                assert got.act_grad_norm == pytest.approx(float(grad.norm()), rel=1e-5), (step, n)
                assert got.zero_derivative_fraction == pytest.approx(float((a <= 0).double().mean()), abs=1e-12)
                kept = on[n][-3:]
                if n == "b" and step >= 12:  # the width changed at 12 and at 18: its history starts again
                    kept = on[n][-min(3, step - (12 if step < 18 else 18) + 1):]
                want = int((~torch.stack(kept).any(0)).sum()) if len(kept) >= 3 else 0
                assert got.dead == want, (step, n)
    finally:
        type(mon)._lane_read = read
        cap.remove()
    assert 5 <= sum(served) < len(served)  # served where the sequence of places repeated the last step's


def test_mark_if_finite_marks_the_active_units_only_on_a_finite_step():
    kernels = loaded_kernels()
    host = np.array([0.0, 3.0, 0.0, 1.0, 7.5, -2.0])  # 4 counts, then other numbers of the step
    history = np.array([5, 5, 5, 5], dtype=np.int64)
    assert kernels.mark_if_finite(host, history, 9)
    assert history.tolist() == [5, 9, 5, 9]
    for bad in (np.nan, np.inf, -np.inf):
        h = host.copy()
        h[5] = bad  # past the counts: the step is still not finite
        assert not kernels.mark_if_finite(h, history, 11)
        assert history.tolist() == [5, 9, 5, 9]


def test_a_nan_step_read_through_the_lane_leaves_the_history_and_reads_non_finite():
    """The lane's steps with a NaN batch in between: the NaN step reads non-finite at the first place and advances no
    unit's history; the dead counts before and after equal a direct count over the finite batches."""
    loaded_kernels()
    torch.manual_seed(8)
    width = 10
    model = nn.Sequential(nn.Linear(4, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    with torch.no_grad():
        model[0].bias[:2] = -30.0  # two units never on
    mon = Monitor(model, every=1, window=3)
    _torch_stats.wait(120)
    cap = _Capture([("1", model[1]), ("3", model[3])])
    finite_on = {"1": [], "3": []}
    try:
        for step in range(9):
            x = torch.randn(34, 4)  # 3 batches of 34: the DEAD_POINTS a dead count needs
            if step == 5:
                x[3, 1] = math.nan
            with mon.step():
                model(x).pow(2).mean().backward()
            model.zero_grad(set_to_none=True)
            r = mon.report()
            if step == 5:
                assert r.layers[0].non_finite and r.first_non_finite["place"] == mon._layers[0].label
                assert all(len(l.samples) and l.samples[-1] != mon.sampled_steps for l in mon._layers)
                continue
            for name, got in zip(("1", "3"), r.layers, strict=True):
                finite_on[name].append((cap.a[name] > 0).any(0))
                kept = finite_on[name][-3:]
                want = int((~torch.stack(kept).any(0)).sum()) if len(kept) >= 3 else 0
                assert not got.non_finite and got.dead == want, (step, name)
    finally:
        cap.remove()
    assert mon.report().layers[0].dead == 2
