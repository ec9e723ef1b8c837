"""The monitor's compiled passes (numba, interop/_torch_stats_numba.py) against its torch path on the same tensors:
every figure of the report equal (counts exactly, sums to float32's or float64's rounding), in float32 and float64,
with NaN and inf in the batch and units that never turn on; tensors the passes cannot read (non-contiguous, an
image's (N, C, H, W)) take the torch path, and the monitor runs without numba."""

from __future__ import annotations

import copy
import importlib.util
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import loaded_kernels  # noqa: E402

ACTS = {"relu": nn.ReLU, "relu_inplace": lambda: nn.ReLU(inplace=True), "gelu": nn.GELU, "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid, "elu": nn.ELU, "leaky": lambda: nn.LeakyReLU(0.1), "silu": nn.SiLU,
        "hardtanh": nn.Hardtanh, "softplus": nn.Softplus}


class _Spy:
    """Stands in for the kernels' module and counts each kernel's calls."""

    def __init__(self, module):
        self.calls: dict[str, int] = {}
        self._module = module
        for name in ("derivative_sums", "output_sums", "layer_sums", "gelu_sums", "relu_sums", "relu_lane"):
            setattr(self, name, self._counted(name, getattr(module, name)))

    def __getattr__(self, name):  # a kernel that makes no sums (mark_if_finite): the module's own, uncounted
        return getattr(self._module, name)

    def _counted(self, name, fn):
        def call(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            return fn(*args)
        return call


def _run(model, batches, compiled: bool, monkeypatch, spy=None):
    """The reports of a monitor sampling every step over the batches, with the compiled passes on or off."""
    monkeypatch.setattr(_torch_stats, "ENABLED", compiled)
    if spy is not None:
        monkeypatch.setattr(_torch_stats, "_module", spy)
    mon = Monitor(model, every=1, window=3)
    reports = []
    for x in batches:
        with mon.step():
            model(x).pow(2).mean().backward()
        model.zero_grad()
        reports.append(mon.report())
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    return reports


def _same(got, want, rel):
    assert len(got.layers) == len(want.layers) > 0
    for g, w in zip(got.layers, want.layers, strict=True):
        assert g.name == w.name
        for field in ("zero_derivative_fraction", "saturated", "dead", "dormant", "non_finite", "window", "width"):
            assert getattr(g, field) == getattr(w, field), (g.name, field)
        for field in ("mean", "std", "act_grad_norm", "weight_grad_norm"):
            a, b = getattr(g, field), getattr(w, field)
            if math.isnan(b) or math.isinf(b):
                assert str(a) == str(b), (g.name, field, a, b)
            else:
                assert a == pytest.approx(b, rel=rel, abs=rel), (g.name, field)
    assert got.reading.status == want.reading.status
    assert got.reading.words == want.reading.words


def _model(act: str, dtype, width=12):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, width), ACTS[act](), nn.Linear(width, width), ACTS[act](), nn.Linear(width, 2))
    with torch.no_grad():  # units 0-2 of the first layer never turn on (a ReLU's dead units, a tanh's saturated)
        model[0].bias[:3] = -40.0
        model[0].weight[:3] = 0.0
    return model.to(dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("seq", [False, True])
def test_compiled_sums_equal_the_torch_path(monkeypatch, act, dtype, seq):
    """(N, H) and (N, T, H) batches, float32 and float64: the compiled passes ran at every place and give the torch
    path's report, figure by figure. The last two batches hold a NaN and an inf."""
    module = loaded_kernels()
    torch.manual_seed(5)
    shape = (20, 5, 6) if seq else (100, 6)  # 100 points a batch: enough for the dead count (DEAD_POINTS)
    batches = [torch.randn(shape, dtype=dtype) * 3 for _ in range(5)]
    batches[3].view(-1)[7] = math.nan
    batches[4].view(-1)[2] = math.inf
    model = _model(act, dtype)
    spy = _Spy(module)
    got = _run(copy.deepcopy(model), batches, True, monkeypatch, spy)
    want = _run(model, batches, False, monkeypatch)
    rel = 1e-5 if dtype == torch.float32 else 1e-12
    for g, w in zip(got, want, strict=True):
        _same(g, w, rel)
    # every place on every step was summed by the compiled passes: nn.ReLU's by the general two (f', then the
    # output) on the first step, where its width is not yet known, and by its own one (relu_sums: its output, and
    # from the third step on, when the sums wait for backward, the gradient reaching it too) on every later step;
    # in float32, from the third step on (the places laid out in the lane on the second), both places in one call
    # (relu_lane) a step
    passes = 2 if act.startswith("relu") else 2 * len(batches)
    if act.startswith("relu") and dtype == torch.float32:
        laned = len(batches) - 2
        assert spy.calls == {"derivative_sums": 2, "output_sums": 2, "relu_sums": 2, "relu_lane": laned}
    elif act.startswith("relu"):
        assert spy.calls == {"derivative_sums": 2, "output_sums": 2, "relu_sums": 2 * (len(batches) - 1)}
    elif act == "gelu" and dtype == torch.float32:  # no f': the input and the output in one pass
        assert spy.calls == {"gelu_sums": passes}
    elif act in ("gelu", "elu", "silu", "hardtanh", "softplus"):  # f' from the input, in the post-hook: f' and the
        assert spy.calls == {"layer_sums": passes}  # output in one pass
    else:
        assert spy.calls == {"derivative_sums": passes, "output_sums": passes}
    first = got[2].layers[0]  # the three units that never turn on are seen (the comparison is not vacuous)
    if act.startswith("relu"):
        assert first.dead == 3
    elif act != "leaky":  # f' about 0 there: saturated (GELU's may underflow to 0 and read dead)
        assert first.dead + first.saturated >= 3
    assert got[3].layers[0].non_finite and got[4].layers[0].non_finite


def _flip(x):  # (N, H, T) -> (N, T, H): a non-contiguous view
    return x.transpose(1, 2)


class _Flip(nn.Module):
    def forward(self, x):
        return _flip(x)


@pytest.mark.parametrize("act", ["gelu", "relu", "tanh"])
def test_tensors_the_passes_cannot_read_take_the_torch_path(monkeypatch, act):
    """A non-contiguous activation and an image's (N, C, H, W) are summed by torch, with the same report as with the
    compiled passes off."""
    module = loaded_kernels()
    torch.manual_seed(2)
    # the activation's input is a transposed view, and so is its output (elementwise ops keep the layout); the
    # conv's output is (N, C, H, W)
    seq = nn.Sequential(nn.Linear(6, 8), _Flip(), ACTS[act](), nn.Flatten(), nn.Linear(40, 2))
    conv = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), ACTS[act](), nn.Flatten(), nn.Linear(4 * 25, 2))
    for model, x in ((seq, torch.randn(3, 5, 6)), (conv, torch.randn(3, 2, 5, 5))):
        spy = _Spy(module)
        got = _run(copy.deepcopy(model), [x, x * 2], True, monkeypatch, spy)
        want = _run(model, [x, x * 2], False, monkeypatch)
        for g, w in zip(got, want, strict=True):
            _same(g, w, 1e-5)
        # the conv's channels, and the Linear's 8 features moved to axis 1 by the flip (its units there, not the 5
        # positions on the last axis: W53 finding 1), are read by torch alone
        assert spy.calls == {}
        assert got[0].layers[0].width == (4 if model is conv else 8)


def test_the_kernels_on_nan_inf_and_zero_units_equal_torch():
    """Each kernel against the torch calls it replaces, on one array holding a NaN, an inf, a -inf, a column of
    zeros and a float32 sum of squares past float32's range."""
    module = loaded_kernels()
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((9, 5)).astype(dtype)
        a[:, 1] = 0.0
        a[2, 2], a[3, 3], a[4, 4] = np.nan, np.inf, -np.inf
        t = torch.from_numpy(a)
        out = np.empty(6, dtype)
        n = module.derivative_sums(a, False, out)
        np.testing.assert_allclose(out[:5], t.abs().sum(0).numpy(), rtol=1e-6)
        assert n == float(t.abs().sign().sum()) == out[5]
        out = np.empty(12, dtype)
        module.output_sums(a, False, 1, 0.5, out)
        np.testing.assert_allclose(out[:5], t.abs().sum(0).numpy(), rtol=1e-6)
        np.testing.assert_allclose(out[5:10], (t - 0.5).abs().sum(0).numpy(), rtol=1e-6)
        assert math.isnan(out[10]) and math.isnan(out[11])
    big = np.full((4, 3), 3e19, np.float32)
    big[1::2] = 0.0  # a spread of 3e19: its squares pass float32's range (values all alike would sum to 0)
    out = np.empty(8, np.float32)
    module.output_sums(big, True, 0, 0.0, out)
    assert math.isinf(out[7])  # float32's sum of squares overflowed, as torch's dot does: the monitor sums it again
    module.output_sums(np.full((4, 3), 3e19, np.float32), True, 0, 0.0, out)
    assert out[7] == 0.0  # about their mean, values all alike sum to 0, whatever their size


def test_a_float32_sum_of_squares_past_its_range_is_summed_again_in_float64(monkeypatch):
    """Outputs spread over 3e19 square past float32's range in the compiled pass too: the std is made from a float64
    sum of squares, as on the torch path, and is finite (half the units at 3e19, half at ELU's floor of -1: a mean of
    1.5e19, a std of 1.5e19 times 32/31's root)."""
    loaded_kernels()
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 4), nn.ELU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[2].weight.zero_()
        model[2].bias.copy_(torch.tensor([3e19, -3e19, 3e19, -3e19]))
    x = torch.randn(8, 2)
    got = _run(copy.deepcopy(model), [x], True, monkeypatch)[0]
    want = _run(model, [x], False, monkeypatch)[0]
    assert got.layers[1].mean == pytest.approx(1.5e19, rel=1e-6)
    assert got.layers[1].std == pytest.approx(1.5e19 * math.sqrt(32 / 31), rel=1e-6)
    _same(got, want, 1e-5)
    assert any("summed again in float64" in n for n in got.notes)


def test_the_monitor_runs_without_numba(monkeypatch):
    """numba missing: load() says so and returns None, and a monitor's report is the torch path's."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    monkeypatch.setattr(_torch_stats, "_module", None)
    monkeypatch.setattr(_torch_stats, "_failure", None)
    assert _torch_stats.load() is None
    assert "numba is not installed" in _torch_stats._failure
    assert _torch_stats.kernels() is None
    torch.manual_seed(1)
    model = _model("gelu", torch.float32)
    mon = Monitor(model, every=1)
    for _ in range(2):
        with mon.step():
            model(torch.randn(8, 6)).pow(2).mean().backward()
    report = mon.report()
    assert report.sampled_steps == 2 and [l.activation for l in report.layers] == ["gelu", "gelu"]
    assert all(math.isfinite(l.mean) and math.isfinite(l.act_grad_norm) for l in report.layers)


def test_import_does_not_load_numba():
    """import actlab.torch imports no numba; a Monitor on a CPU model starts loading the kernels (in a background
    thread: test_monitor_kernels_preload.py) when it is made."""
    code = ("import sys; import actlab.torch as t; assert 'numba' not in sys.modules, 'imported'; "
            "from torch import nn; t.Monitor(nn.Sequential(nn.Linear(2, 2), nn.ReLU())); "
            "from actlab.interop import _torch_stats as s; "
            "s.wait(120); "
            "print('numba' in sys.modules, s._module is not None, s._failure)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = importlib.util.find_spec("numba") is not None
    assert out.stdout.split()[:2] == [str(loaded), str(loaded)]

