"""W53 walkthrough finding 7 (and W54's clipped transformer): SGD with clip_grad_norm_'s max_norm=1e-4 read 'not
learning ... raise the learning rate', the monitor reading the gradients before the clip. The monitor now compares the
watched weights' gradients as the optimiser steps with them against those backward computed. References: the
gradients' norms taken by the test itself before and after its own clip on the same steps; a run that learns with a
sane clip, Adam (whose update does not scale with the gradient), and a loss scaler's unscale_ as the cases where no
cut may be said."""

from __future__ import annotations

import gc
import math
import statistics
import sys

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop import _monitor_cut  # noqa: E402
from actlab.readings import GRADIENT_CUT, Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(4)


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2048, 10, generator=g)
    return x, (x @ torch.randn(10, 4, generator=g)).argmax(1), g


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))


def _norm(model):
    return math.sqrt(sum(float(m.weight.grad.norm()) ** 2 for m in model if isinstance(m, nn.Linear)))


def _median_of(cuts, step, seen):
    """The median of the test's own cuts on the ``seen`` sampled steps (every 10th) up to ``step``."""
    return statistics.median(cuts.get(t, 1.0) for t in range(step - 10 * (seen - 1), step + 1, 10))


def _run(opt_kind="sgd", clip=None, steps=400, every=10, inside=False, scaler=None, give_scaler=False):
    """The 4-class MLP trained ``steps`` steps; ``clip``: clip_grad_norm_'s max_norm over every parameter, after the
    step's block (inside it with ``inside``). The monitor, the model and, by training step, the test's own cut: the
    watched weights' gradient norm after the clip over the same norm after backward."""
    x, y, g = _data()
    model = _model()
    opt = (torch.optim.SGD(model.parameters(), lr=0.1) if opt_kind == "sgd" else
           torch.optim.Adam(model.parameters(), lr=1e-3))
    mon = Monitor(model, every=every, chance_loss=CHANCE, scaler=scaler if give_scaler else None)
    cuts = {}
    for step in range(1, steps + 1):
        i = torch.randint(0, 2048, (64,), generator=g)
        with mon.step() as s:
            loss = F.cross_entropy(model(x[i]), y[i])
            (scaler.scale(loss) if scaler is not None else loss).backward()
            s.loss = loss
            if inside and clip:
                before = _norm(model)
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                cuts[step] = _norm(model) / before
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
        else:
            if clip and not inside:
                before = _norm(model)
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                cuts[step] = _norm(model) / before
            opt.step()
        opt.zero_grad()
    return mon, model, cuts


def test_a_clip_far_below_the_gradients_norm_is_named_as_the_cause_with_its_measured_cut():
    mon, _, cuts = _run(clip=1e-4)
    r = mon.report()
    f = r.reading.findings[0]
    step, median, before, after, seen = f.evidence["gradient_cut"]
    # the cut is the one the test measured on that step, and the median over the steps the monitor saw
    assert after / before == pytest.approx(cuts[step], rel=1e-4)
    assert median == pytest.approx(_median_of(cuts, step, seen), rel=1e-4)
    assert median <= GRADIENT_CUT
    assert r.status == Status.NOT_LEARNING, r.reading.words
    assert r.reading.words.startswith("not learning: the gradients reach the optimiser cut to"), r.reading.words
    assert "clip_grad_norm_'s max_norm" in r.reading.words
    assert r.reading.remedy.startswith("Raise the clipping limit"), r.reading.remedy
    assert "raise the learning rate" not in r.reading.remedy.lower()
    # a few times at a time, never dropped (W73 walkthrough finding 4: an RNN told to drop its clipping went NaN)
    assert f"toward the gradients' usual norm ({before:.3g} on step {step:,}) a few times at a time" in r.reading.remedy
    assert "keep the clipping and lower the learning rate instead" in r.reading.remedy
    assert "drop the clipping" not in r.reading.remedy
    assert r.reading.evidence["gradient_cut"] == [step, median, before, after, seen]


def test_a_clip_inside_the_block_is_seen_as_well():
    mon, _, cuts = _run(clip=1e-4, inside=True, steps=120)
    step, median, before, after, _ = mon.report().reading.findings[0].evidence["gradient_cut"]
    assert after / before == pytest.approx(cuts[step], rel=1e-4)


@pytest.mark.parametrize(("opt_kind", "clip"), [("sgd", None), ("sgd", 1.0), ("adam", 1e-4)])
def test_no_cut_is_said_where_the_clip_does_not_hold_the_run_back(opt_kind, clip):
    mon, _, cuts = _run(opt_kind, clip)
    r = mon.report()
    assert r.status == Status.HEALTHY, r.reading.words
    assert "cut to" not in str(r), str(r)
    if opt_kind == "sgd":  # the monitor's figure is the test's: 1 without a clip, the clip's own with one
        step, median, _, _, seen = mon._gradient_cut()
        assert median == (1.0 if clip is None else pytest.approx(_median_of(cuts, step, seen), rel=1e-4))
        assert median > 0.1
    else:  # Adam divides the cut out of its update: no cut is held against the run
        assert mon._gradient_cut() is None


def test_a_run_that_learns_through_a_tight_clip_reads_healthy_and_says_how_to_learn_faster():
    x, y, g = _data()
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    mon = Monitor(model, every=10, chance_loss=CHANCE)
    for _ in range(600):
        i = torch.randint(0, 2048, (64,), generator=g)
        with mon.step() as s:
            loss = F.cross_entropy(model(x[i]), y[i])
            loss.backward()
            s.loss = loss
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2e-3)
        opt.step()
        opt.zero_grad()
    r = mon.report()
    assert r.status == Status.HEALTHY, r.reading.words
    assert "it learns, but the gradients reach the optimiser cut to" in r.reading.words, r.reading.words
    assert r.reading.remedy.startswith("To learn faster: raise the clipping limit"), r.reading.remedy


@pytest.mark.parametrize("give", [True, False])
def test_a_loss_scalers_unscale_is_no_cut(give):
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 12)
    mon, _, _ = _run(steps=60, scaler=scaler, give_scaler=give)
    cut = mon._gradient_cut()
    if give:  # the scale divided out: the gradients reach the optimiser as they are
        assert cut is not None and cut[1] == pytest.approx(1.0, rel=1e-5), cut
    else:  # unscale_ writes without moving the version counters: the gradients read as unchanged (a cut by a power
        # of 2 would be taken as the scaler's, not a clip's, and left out)
        assert cut is None or cut[1] == 1.0, cut
    assert "cut to" not in str(mon.report())


def test_the_optimiser_hook_leaves_with_the_step_and_the_monitor():
    hooks = sys.modules["torch.optim.optimizer"]._global_optimizer_pre_hooks
    there = len(hooks)
    x, y, g = _data()
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    other = nn.Linear(3, 1)
    other_opt = torch.optim.SGD(other.parameters(), lr=0.1)
    mon = Monitor(model, every=1, chance_loss=CHANCE)
    for _ in range(5):
        with mon.step() as s:
            loss = F.cross_entropy(model(x[:64]), y[:64])
            loss.backward()
            s.loss = loss
            opt.step()  # inside the block: no optimiser step follows it, and nothing is measured (no error)
            opt.zero_grad()
    assert mon._cuts is None
    for _ in range(4):
        with mon.step() as s:
            loss = F.cross_entropy(model(x[:64]), y[:64])
            loss.backward()
            s.loss = loss
        other(torch.ones(1, 3)).sum().backward()
        other_opt.step()  # another model's optimiser steps first: the watched one's step is still awaited
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1e-3)
        opt.step()
        opt.zero_grad()
    assert len(mon._cuts) == 4 and all(c[1] < 0.1 for c in mon._cuts)
    # the last sampled step's probe waits for the next step to begin; the learning rate's reading stays to the end
    assert mon in _monitor_cut._AWAITING and mon in _monitor_cut._READING_RATES
    mon.close()
    assert mon not in _monitor_cut._AWAITING and mon not in _monitor_cut._READING_RATES
    mon2 = Monitor(model, every=1, chance_loss=CHANCE)
    with mon2.step() as s:
        loss = F.cross_entropy(model(x[:64]), y[:64])
        loss.backward()
        s.loss = loss
    del mon2, s
    gc.collect()
    opt.step()  # a monitor dropped unclosed breaks no step
    # one global hook serves every monitor, registered once: none added by these monitors
    assert len(hooks) <= there + 1


def test_a_hand_written_loss_scale_divided_out_in_place_is_no_cut():
    x, y, g = _data()
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=5, chance_loss=CHANCE)
    for _ in range(60):
        i = torch.randint(0, 2048, (64,), generator=g)
        with mon.step() as s:
            loss = F.cross_entropy(model(x[i]), y[i])
            (loss * 1024).backward()
            s.loss = loss
        for p in model.parameters():
            p.grad.mul_(1 / 1024)  # a power of 2: a loss scale, not a clip
        opt.step()
        opt.zero_grad()
    assert mon._cuts is None, mon._cuts
