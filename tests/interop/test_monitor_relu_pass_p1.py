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
from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _kernels():
    pytest.importorskip("numba")
    module = _torch_stats.load()
    assert module is not None, _torch_stats._failure
    return module


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_sums_equals_the_torch_calls_it_replaces(dtype):
    kernels = _kernels()
    rng = np.random.default_rng(4)
    a = np.maximum(rng.standard_normal((37, 11)), 0).astype(dtype)
    a[:, 3] = 0.0  # a unit that never turns on
    a[5, 6], a[7, 8] = np.nan, np.inf
    g = rng.standard_normal((37, 11)).astype(dtype)
    g[2, 1] = -np.inf
    out = np.full(2 * 11 + 2, -1.0, dtype)
    q, p = kernels.relu_sums(a, g, out)
    t = torch.from_numpy(a)
    assert np.array_equal(out[:11], torch.sign(t).sum(0).numpy())  # counts: a NaN counts 0, as torch.sign has it
    assert out[3] == 0 and out[6] == float((a[:, 6] > 0).sum()) and out[8] == float((a[:, 8] > 0).sum())
    ref = t.double().sum(0).numpy()
    finite = np.isfinite(ref)
    np.testing.assert_allclose(out[11:22][finite], ref[finite], rtol=1e-6)
    assert np.isnan(out[11 + 6]) and out[11 + 8] == np.inf
    assert math.isnan(q) and math.isnan(out[22])  # inf + NaN in a: the sum of squares is NaN, as torch.dot's
    assert p == math.inf and out[23] == math.inf
    # finite values: the sums of squares against float64 references
    a[5, 6] = a[7, 8] = 1.5
    g[2, 1] = 0.25
    q, p = kernels.relu_sums(a, g, out)
    assert q == pytest.approx(float((a.astype(np.float64) ** 2).sum()), rel=1e-6) == out[22]
    assert p == pytest.approx(float((g.astype(np.float64) ** 2).sum()), rel=1e-6) == out[23]
    # no gradient to read (an empty (0, H) array, or one of another shape): out[2H + 1] is 0, the rest as before
    before = out[:23].copy()
    for none in (np.zeros((0, 11), dtype), np.zeros((36, 11), dtype)):
        q2, p2 = kernels.relu_sums(a, none, out)
        assert p2 == 0.0 and out[23] == 0.0 and q2 == q and np.array_equal(out[:23], before)


def test_relu_sums_float32_squares_past_float32s_range_read_inf():
    kernels = _kernels()
    a = np.full((4, 3), 3e19, np.float32)  # each square 9e38: past float32's 3.4e38, the float64 total is finite
    out = np.empty(8, np.float32)
    kernels.relu_sums(a, a, out)
    assert out[6] == np.inf and out[7] == np.inf  # as torch.dot's float32 sum reads: the monitor sums it again


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


@pytest.mark.parametrize("seq", [False, True])
def test_a_relu_mlp_reads_as_its_references_on_every_sampled_step(seq):
    """Every figure of every step, the general path's first steps and the deferred one-pass steps alike, against
    float64 references from the test's own hooks: mean, std, |dL/da| (autograd's gradient), the share of zero f',
    dormant units; dead units against a direct count over the window (the first layer's three killed units)."""
    _kernels()
    torch.manual_seed(11)
    width = 24
    model = nn.Sequential(nn.Linear(6, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    with torch.no_grad():
        model[0].bias[:3] = -60.0  # never on: dead
    acts = [("1", model[1]), ("3", model[3])]
    mon = Monitor(model, every=1, window=4)
    assert _torch_stats.wait(120) is not None
    calls = []
    real = _torch_stats.kernels().relu_sums
    cap = _Capture(acts)
    history = {n: [] for n, _ in acts}
    try:
        _torch_stats._module.relu_sums = lambda *args: calls.append(args[1].shape[0]) or real(*args)
        for step in range(7):
            shape = (10, 5, 6) if seq else (40, 6)
            x = torch.randn(shape) * 2
            with mon.step() as s:
                loss = (model(x) ** 2).mean()
                loss.backward()
                s.loss = loss
            model.zero_grad(set_to_none=True)
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
        _torch_stats._module.relu_sums = real
        cap.remove()
    assert mon.report().layers[0].dead == 3
    # the pass ran on every step after the first, for both places; with the gradient (rows, not 0) once the sums
    # wait for backward (from the third step on)
    assert len(calls) == 2 * 6 and calls[:2] == [0, 0] and all(c > 0 for c in calls[2:])


def test_a_relu_output_whose_squares_overflow_float32_is_summed_again_in_float64():
    """A float32 ReLU layer near 1e20 (finite, squares past float32's range) on the deferred one-pass steps: the std
    and |dL/da| read their float64 references, and the note says they were summed again in float64."""
    _kernels()
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
