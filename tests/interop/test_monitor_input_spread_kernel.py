"""The inputs' four figures (_monitor_inputs._spread: the largest spread of one value over the batch, the largest
|value|, the first sample's sum, the root mean square) made by the compiled pass (_torch_stats_numba.input_spread) on
a CPU float32 or float64 batch, against NumPy in float64 on the same values, NaN and infinities included; the torch
path where the pass cannot read the batch; and the monitor's readings about inputs alike or repeated the same with the
pass on and off. The pass was added because the eight torch calls cost a sampled step of the benchmark's MLP about
0.18 ms (measured by leaving the figures out)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.interop._monitor_inputs import _spread  # noqa: E402
from actlab.interop._torch_stats import SPREAD_COLUMN_STEP, SPREAD_ROW_STEP  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import loaded_kernels  # noqa: E402

VALUES = [0.0, -0.0, 1.0, -2.5, 1e-30, 3e38, -3e38, math.inf, -math.inf, math.nan, 0.125]


def _reference(x: np.ndarray) -> tuple[float, float, float, float, float]:
    """The five figures in float64 by NumPy and plain Python, each NaN where torch's reductions give NaN; the mark
    summed in the kernel's order (along each row, then down the rows), so that cancellations round alike."""
    rows = x.reshape(x.shape[0], -1).astype(np.float64)
    if np.isnan(rows).any():
        gap = top = math.nan
    else:
        with np.errstate(invalid="ignore"):
            spans = rows.max(0) - rows.min(0)  # +inf down a whole column: inf - inf, NaN
        gap = math.nan if np.isnan(spans).any() else float(spans.max())
        top = float(np.abs(rows).max())
    with np.errstate(invalid="ignore", over="ignore"):
        rms = float(np.sqrt(np.add.reduce(rows.reshape(-1) ** 2) / rows.size))
    first = 0.0
    for v in rows[0].tolist():  # in order, as the pass adds them (3e38 + 1 - 3e38 is 0 so, 1 pairwise)
        first += v
    across = [1.0 + (j * SPREAD_COLUMN_STEP) % 1.0 for j in range(rows.shape[1])]
    mark = 0.0
    for i, row in enumerate(rows.tolist()):
        along = 0.0
        for v, w in zip(row, across, strict=True):
            along += v * w
        mark += along * (1.0 + (i * SPREAD_ROW_STEP) % 1.0)
    return gap, top, first, rms, mark


def _same_figure(got: float, want: float) -> bool:
    if math.isnan(want) or math.isinf(want):
        return got == want or (math.isnan(got) and math.isnan(want))
    return got == pytest.approx(want, rel=1e-12, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=6).filter(
        lambda s: s[0] >= 2), elements=st.sampled_from(VALUES).map(dtype))))
def test_the_compiled_pass_gives_numpys_four_figures(x):
    module = loaded_kernels()
    out = np.empty(5)
    module.input_spread(np.ascontiguousarray(x).reshape(x.shape[0], -1), out)
    for got, want, what in zip(out.tolist(), _reference(x), ("spread", "largest |x|", "first sum", "rms", "mark"),
                               strict=True):
        assert _same_figure(got, want), (what, got, want, x.tolist())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-30, 3e38]), min_size=3, max_size=3),
                min_size=2, max_size=5), st.sampled_from([torch.float32, torch.float64]))
def test_through_the_monitor_the_spread_is_zero_exactly_when_every_sample_equals_the_first(rows, dtype):
    loaded_kernels()
    x = torch.tensor(rows, dtype=dtype)
    got = _spread(x)
    assert len(got) == 5 and all(isinstance(v, float) for v in got)  # the compiled pass made them
    same = all(torch.equal(x[0], x[i]) for i in range(len(x)))
    assert (got[0] == 0) == same, (rows, got)
    assert got[1] == float(x.abs().max()) and got[2] == math.fsum(x[0].double().tolist())


@pytest.mark.parametrize("batch", [torch.randn(4, 6).t(),  # not contiguous
                                   torch.randn(4, 6, dtype=torch.float16), torch.randn(4, 6, dtype=torch.bfloat16)])
def test_batches_the_pass_cannot_read_take_the_torch_path(batch):
    loaded_kernels()
    got = _spread(batch)
    assert all(torch.is_tensor(t) and t.dim() == 0 for t in got)
    wide = batch.double()  # the torch path takes half precision's differences in half precision: to its rounding
    assert float(got[0]) == pytest.approx(float((wide.amax(0) - wide.amin(0)).amax()), rel=1e-2)
    assert float(got[1]) == float(wide.abs().max())
    # the mark by its formula, in float64 (half precision's sums to its rounding)
    rows = wide.reshape(wide.shape[0], -1)
    across = 1 + (torch.arange(rows.shape[1], dtype=torch.float64) * SPREAD_COLUMN_STEP) % 1
    down = 1 + (torch.arange(rows.shape[0], dtype=torch.float64) * SPREAD_ROW_STEP) % 1
    assert float(got[4]) == pytest.approx(float(down @ (rows @ across)), rel=1e-2)


def _train(batch_of, compiled: bool, monkeypatch, steps=40, features=6):
    monkeypatch.setattr(_torch_stats, "ENABLED", compiled)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=2, chance_loss=math.log(3))
    g = torch.Generator().manual_seed(1)
    given = []
    for step in range(steps):
        x, y = torch.randn(32, 6, generator=g), torch.randint(0, 3, (32,), generator=g)
        given.append(batch_of(step, x))
        with mon.step() as s:
            loss = F.cross_entropy(model(given[-1]), y)
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    return mon, given


FIXED = torch.randn(32, 6, generator=torch.Generator().manual_seed(5))


@pytest.mark.parametrize("compiled", [True, False])
def test_alike_repeated_and_fine_inputs_read_the_same_on_either_path(monkeypatch, compiled):
    if compiled:
        loaded_kernels()
    alike, _ = _train(lambda step, x: x[:1].expand_as(x).clone(), compiled, monkeypatch)
    repeated, _ = _train(lambda step, x: FIXED, compiled, monkeypatch)
    fine, given = _train(lambda step, x: x, compiled, monkeypatch)
    words = str(alike.report().reading.words)
    assert alike._inputs_alike() is not None and "every batch is one sample repeated" in words, words
    assert repeated._inputs_alike() is None and repeated._same_batch() == (1, 20)  # every=2: sampled 20 times
    assert "read the same batch" in repeated.report().reading.words
    assert fine._inputs_alike() is None and fine._same_batch() is None
    # the latest sampled batch (every=2: steps 1, 3, ..., 39) by its own root mean square
    assert fine._input_rms[0] == pytest.approx(float(given[38].double().pow(2).mean().sqrt()), rel=1e-6)


def _bars(n: int, g: torch.Generator) -> torch.Tensor:
    """n images of 8 x 8, each one bar across and one down (15 pixels on): every sample has the same sum and energy."""
    x = torch.zeros(n, 64)
    rows, cols = torch.randint(0, 8, (n,), generator=g), torch.randint(0, 8, (n,), generator=g)
    for k in range(n):
        img = x[k].view(8, 8)
        img[rows[k], :] = 1.0
        img[:, cols[k]] = 1.0
    return x


@pytest.mark.parametrize("compiled", [True, False])
def test_fresh_batches_of_samples_with_one_sum_and_energy_are_not_called_the_same(monkeypatch, compiled):
    """W67 walkthrough finding 1: fresh batches of bar images (15 pixels on in each) read 'every one of the last 3
    sampled steps ... read the same batch', their first sample's sum and root mean square equal by construction. The
    batches here differ (the test checks it); a batch given again is still called so."""
    if compiled:
        loaded_kernels()
    g = torch.Generator().manual_seed(4)
    pool = _bars(512, g)
    fresh, _ = _train(lambda step, x: pool[torch.randint(0, 512, (32,), generator=g)], compiled, monkeypatch,
                      features=64)
    firsts = {float(b.sum()) for b in pool}
    assert firsts == {15.0}  # the premise: one sum for every sample
    assert fresh._same_batch() is None, fresh._same
    again = pool[:32].clone()
    repeated, _ = _train(lambda step, x: again, compiled, monkeypatch, features=64)
    assert repeated._same_batch() == (1, 20)

    def one_changed(step, x):  # the batch given again, but for its last sample, another each step
        batch = again.clone()
        batch[-1] = next(p for p in pool[100 + step:] if not torch.equal(p, again[-1]))
        return batch
    nearly, _ = _train(one_changed, compiled, monkeypatch, features=64)
    assert nearly._same_batch() is None, nearly._same


def test_the_torch_path_and_the_pass_give_one_batch_the_same_figures_within_the_same_batch_tolerance(monkeypatch):
    """A CPU run takes the torch path until the pass loads: a batch given on both sides of that switch must read the
    same (SAME_TOLERANCE), on a wide image batch too, where float32 weights 1 + frac(k g) lost their digits past
    k = 1e4 and the marks differed by about 1e-3."""
    from actlab.interop._monitor_inputs import SAME_TOLERANCE

    loaded_kernels()
    x = torch.rand(4, 3, 224, 224, generator=torch.Generator().manual_seed(7))
    passed = _spread(x)
    monkeypatch.setattr(_torch_stats, "ENABLED", False)
    torch_path = [float(t) for t in _spread(x)]
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    for a, b in zip(passed[2:], torch_path[2:], strict=True):  # the figures the same-batch check compares
        assert math.isclose(a, b, rel_tol=SAME_TOLERANCE), (a, b)
