"""Issue 17, W87 walkthrough finding 8: an encoder trained on a negative cosine between two views of each input, with
nothing that keeps its outputs apart, collapsed onto one output (the spread of its unit vectors from 0.45 to 0.007)
and read 'flowing', with a note that its loss at its floor was 'learning done'. The outputs' spread is now followed
where the loss is of no kind the monitor reads back, and a collapse reads 'not learning' with its remedy. References:
the spread computed by torch on the outputs the test's own hook kept, a uniform sample of the sphere (Monte Carlo,
with its interval), and the same encoder under a contrastive loss, which keeps its outputs apart."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.interop._monitor_lossread import COLLAPSED, SPREAD_ROWS, output_spread  # noqa: E402
from actlab.readings import (  # noqa: E402
    LayerSummary,
    OutputCollapse,
    RunSummary,
    Status,
    diagnose,
)
from actlab.torch import Monitor  # noqa: E402

ROWS, OUT = 128, 16


def _torch_spread(z: torch.Tensor) -> float:
    """The independent reference: torch's own normalisation and population std, on the same outputs."""
    return float(F.normalize(z.double(), dim=1).std(0, unbiased=False).mean() * math.sqrt(z.shape[1]))


def _encoder_run(loss_kind: str, steps: int = 300, chance: float | None = None, lift: float = 0.0):
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(8, 20, generator=g) * 2
    x = centres[torch.randint(0, 8, (4096,), generator=g)] + torch.randn(4096, 20, generator=g)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, OUT))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    outputs = {}  # training step -> the first forward's outputs on it
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(1, steps + 1):
            i = torch.randint(0, 4096, (ROWS,), generator=torch.Generator().manual_seed(t))
            v1 = x[i] + 0.3 * torch.randn(ROWS, 20, generator=torch.Generator().manual_seed(10**6 + t))
            v2 = x[i] + 0.3 * torch.randn(ROWS, 20, generator=torch.Generator().manual_seed(2 * 10**6 + t))
            with mon.step() as s:
                z1, z2 = model(v1), model(v2)
                outputs[t] = z1.detach().clone()
                if loss_kind == "negative_cosine":
                    loss = -F.cosine_similarity(z1, z2).mean()
                else:  # NT-Xent at temperature 0.1: the other rows are the negatives
                    z = F.normalize(torch.cat([z1, z2]), dim=1)
                    sim = (z @ z.T / 0.1).masked_fill(torch.eye(2 * ROWS, dtype=torch.bool), -1e9)
                    loss = F.cross_entropy(sim, torch.cat([torch.arange(ROWS, 2 * ROWS), torch.arange(ROWS)]))
                loss.backward()
                s.loss = loss + lift
            opt.step()
            opt.zero_grad()
    return mon.report(), outputs


def test_an_encoder_collapsed_under_a_negative_cosine_reads_not_learning():
    report, outputs = _encoder_run("negative_cosine")
    r = report.reading
    assert r.status == Status.NOT_LEARNING, r.words
    said = re.search(r"at training step ([\d,]+) the spread of their unit vectors over the batch's (\d+) rows was "
                     r"([\d.e+-]+) \(1 for directions spread evenly over the (\d+) outputs", r.words)
    assert said, r.words
    step, rows, outputs_count = int(said[1].replace(",", "")), int(said[2]), int(said[4])
    assert (rows, outputs_count) == (ROWS, OUT)
    mine = _torch_spread(outputs[step])
    assert r.evidence["output_spread"] == pytest.approx(mine, rel=1e-4)  # (float32)
    assert float(said[3]) == pytest.approx(mine, rel=0.06)  # (two figures)
    assert mine < COLLAPSED
    # where it began: the first sampled step's outputs, by the same reference
    began = re.search(r"against ([\d.e+-]+) at training step ([\d,]+):", r.words)
    assert began, r.words
    first = r.evidence["first_output_spread"]
    assert first == pytest.approx(_torch_spread(outputs[int(began[2].replace(",", ""))]), rel=1e-4)
    assert float(began[1]) == pytest.approx(first, rel=0.06)
    assert first > 10 * mine
    assert "SimSiam" in r.remedy and "stop the gradient" in r.remedy
    # no note calls the loss at its floor 'learning done' beside it
    assert not any("learning done" in n for n in report.notes), report.notes
    assert any("'not learning' only where the outputs collapse" in n for n in report.notes), report.notes


def test_a_collapse_under_a_chance_loss_overrides_healthy_and_its_words():
    """W96 walkthrough finding 2: SimSiam with no stop-gradient, s.loss lifted by 1 and chance_loss 1, read 'healthy
    ... 99.9% below chance' with its outputs' spread from 0.585 to 0.062 (the first thresholds, 0.02 and 10 times,
    missed it)."""
    report, outputs = _encoder_run("negative_cosine", chance=1.0, lift=1.0)
    r = report.reading
    assert r.status == Status.NOT_LEARNING and r.words.startswith("the model's outputs have collapsed"), r.words
    assert "healthy:" not in r.words and "starting:" not in r.words


def test_a_simsiam_encoder_without_stop_gradient_is_read_as_collapsed():
    """W96 walkthrough finding 2's run, its model called as a whole: masked noisy views of 8 clusters in 32
    dimensions, SGD with momentum; its outputs' spread fell from about 0.58 to about 0.06, short of the first
    thresholds (under 0.02, and 10 times)."""
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(8, 32, generator=g) * 2)[torch.randint(0, 8, (4096,), generator=g)] + torch.randn(4096, 32,
                                                                                                        generator=g)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    first = last = None
    with Monitor(model, every=1) as mon:
        for t in range(300):
            gen = torch.Generator().manual_seed(t)
            xb = x[torch.randint(0, 4096, (128,), generator=gen)]
            v1, v2 = ((xb + 0.5 * torch.randn(xb.shape, generator=gen)) * (torch.rand(xb.shape, generator=gen) > 0.2)
                      for _ in range(2))
            with mon.step() as s:
                z1, z2 = model(v1), model(v2)
                loss = -F.cosine_similarity(z1, z2).mean()
                loss.backward()
                s.loss = loss
            last = _torch_spread(z1.detach())
            first = first if first is not None else last
            opt.step()
            opt.zero_grad()
    r = mon.report().reading
    # the premise: a collapse the first thresholds (under 0.02, and 10 times) missed
    assert 0.02 < last < COLLAPSED and 5 * last <= first < 10 * last, (first, last)
    assert r.status == Status.NOT_LEARNING and r.evidence["output_spread"] == pytest.approx(last, rel=1e-4), r.words


def test_the_same_encoder_under_a_contrastive_loss_keeps_its_outputs_apart():
    report, outputs = _encoder_run("nt_xent", chance=math.log(2 * ROWS - 1))
    r = report.reading
    assert r.status == Status.HEALTHY, r.words
    assert "collapsed" not in r.words and "output_spread" not in r.evidence
    # by the reference, its outputs stayed apart: nothing was there to find
    assert min(_torch_spread(outputs[t]) for t in range(10, 301, 10)) > 0.2


def test_a_read_loss_is_judged_by_itself_not_by_the_spread():
    """A squared error toward targets around a large common offset brings the outputs' directions together as it
    learns (their spread falls under COLLAPSED), which is no collapse: the loss is read back, and judged."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2048, 8, generator=g)
    y = 100 + x[:, :2] * 0.5  # two outputs near (100, 100)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), 0.05)
    kept = {}
    with Monitor(model, every=10, chance_loss=float(y.var(0).mean())) as mon:
        for t in range(1, 401):
            i = torch.randint(0, 2048, (128,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                out = model(x[i])
                kept[t] = out.detach().clone()
                loss = F.mse_loss(out, y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    r = mon.report().reading
    assert _torch_spread(kept[400]) < COLLAPSED  # the directions did come together
    assert "collapsed" not in r.words and r.status != Status.NOT_LEARNING, r.words


def test_an_image_map_of_one_class_is_no_collapse():
    """A fully convolutional net trained (an L1 loss, of no kind read back) toward a mask's logits that are
    background everywhere: its (N, 1, H, W) output along the width, the last axis, points one way, as a collapse would,
    by the reference; the output's axes are not rows and outputs, and nothing is said of a collapse."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 1, 1))
    target = torch.full((8, 1, 16, 16), -4.0)
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    kept = {}
    with Monitor(model, every=5) as mon:
        for t in range(1, 201):
            x = torch.randn(8, 3, 16, 16, generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                out = model(x)
                kept[t] = out.detach().clone()
                loss = F.l1_loss(out, target)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    first, last = (_torch_spread(kept[t].reshape(-1, 16)) for t in (1, 200))
    assert last < COLLAPSED and last * 10 < first  # the premise: read as rows of the last axis, it would collapse
    r = mon.report().reading
    assert r.status != Status.NOT_LEARNING and "collapsed" not in r.words, r.words


def _spread(z) -> float | None:
    """output_spread's figure as the host reads it, None where it is of fewer than SPREAD_ROWS rows."""
    read = output_spread(torch.as_tensor(z))
    if read is None:
        return None
    spread, rows = (float(t) for t in read)
    return spread if rows >= SPREAD_ROWS else None


def test_outputs_spread_evenly_read_one_and_one_direction_reads_zero():
    g = np.random.default_rng(0)
    for d in (2, 16, 128):
        z = g.standard_normal((4000, d))  # directions uniform on the sphere
        # each coordinate's std over 4,000 rows is within about 1/sqrt(2 * 4000) of 1/sqrt(d) relatively: 5% is
        # over 4 standard errors for the mean of d of them
        assert _spread(z) == pytest.approx(1.0, rel=0.05)
    one = np.outer(g.uniform(0.1, 10, 64), g.standard_normal(16))  # rows of one direction, sizes apart
    assert _spread(one) == pytest.approx(0.0, abs=1e-6)
    assert output_spread(torch.randn(64, 1)) is None  # one output: no direction
    assert _spread(np.zeros((64, 4))) is None  # no row has a size
    # rows with a NaN, an inf or every output 0 are left out; the rest read as they would alone
    rest = g.standard_normal((32, 8))
    spoilt = np.concatenate([rest, np.full((4, 8), np.inf), np.zeros((4, 8)), np.full((4, 8), np.nan)])
    assert float(output_spread(torch.as_tensor(spoilt))[1]) == 32
    assert _spread(spoilt) == pytest.approx(_spread(rest), rel=1e-6)
    # sizes near float32's largest and smallest, which a norm taken at once would overflow or flush
    huge = rest.astype(np.float32) * np.float32(3e37)
    assert _spread(huge) == pytest.approx(_spread(rest), rel=1e-5)
    tiny = rest.astype(np.float32) * np.float32(1e-38)
    assert _spread(tiny) == pytest.approx(_spread(rest), rel=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(8, 80), st.integers(0, 2**31))
def test_the_spread_matches_torch_and_ignores_each_rows_size(d, n, seed):
    g = np.random.default_rng(seed)
    z = g.standard_normal((n, d)) + g.standard_normal(d) * g.uniform(0, 5)
    spread = _spread(z)
    assert spread == pytest.approx(_torch_spread(torch.from_numpy(z)), rel=1e-4, abs=1e-6)
    scaled = z * g.uniform(0.01, 100, (n, 1))  # each row scaled by its own positive factor
    assert _spread(scaled) == pytest.approx(spread, rel=1e-4, abs=1e-6)
    assert 0 <= spread <= math.sqrt(d)


def _summary(layer: LayerSummary, collapse: OutputCollapse | None = None) -> RunSummary:
    return RunSummary((layer,), 1.0, loss=-1.0, steps=400, output_signal_norm=0.5, output_collapse=collapse)


def test_a_collapse_turns_a_reading_that_finds_nothing_wrong_and_leaves_a_failure_first():
    collapse = OutputCollapse(0.007, 400, 0.2, 10, 128, 16)
    alive = LayerSummary("relu", 64, 0.5, signal_norm=0.5)
    flowing = diagnose(_summary(alive))
    assert flowing.status == Status.FLOWING
    read = diagnose(_summary(alive, collapse))
    assert read.status == Status.NOT_LEARNING and read.words.startswith("the model's outputs have collapsed")
    assert read.words.endswith(flowing.words) and read.remedy == collapse.remedy()
    # every unit of the last layer off gives every input one output too: its own finding leads
    dead = LayerSummary("relu", 64, 0.0, dead=64, saturated=64, signal_norm=0.0)
    failing = diagnose(_summary(dead, collapse))
    assert failing.status == diagnose(_summary(dead)).status
    assert failing.status not in (Status.NOT_LEARNING, Status.FLOWING)


def test_a_failure_that_heads_says_the_collapse_after_it():
    """W96 walkthrough finding 2, through its parts: a failure of its own heads (here a vanishing gradient), and the
    collapse is said after it with its remedy, where no layer is wholly dead."""
    collapse = OutputCollapse(0.007, 400, 0.2, 10, 128, 16)
    faint = LayerSummary("sigmoid", 64, 1e-9, signal_norm=1e-9)
    alone = diagnose(_summary(faint))
    read = diagnose(_summary(faint, collapse))
    assert read.status == alone.status == Status.VANISHING
    assert read.words == f"{alone.words}; besides, {collapse.words()}", read.words
    assert read.remedy == f"{alone.remedy} For the outputs' collapse: {collapse.remedy()}"
    assert read.evidence["output_spread"] == 0.007 and not any("output_spread" in f.evidence
                                                               for f in read.findings[1:])
