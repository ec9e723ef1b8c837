"""W56 walkthrough finding 2: a loop with no opt.zero_grad() (SGD with momentum; AdamW) read 'dying layer ... Lower
the learning rate', then 'dead layer ... Use Leaky ReLU or GELU ... or He initialisation', the cause only in a note,
while the whole training set's loss went from 2.17 to 155. After a sampled step's optimiser step, a probe now sees
whether the next backward's gradient lands on a zeroed .grad, and a loop that never zeroes reads so in its headline
and remedy. The reference: the loop itself (zero_grad() called or not; accumulation over micro-batches as the
control that must not read so)."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_base import START_WEIGHTS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

SAID = "the gradients are never zeroed: after the optimiser's step at training step"


def _run(make_opt, zero: str, steps: int = 300, every: int = 5):
    """``zero``: 'never', 'after' (zero_grad after each step), 'none-false' (set_to_none=False), 'accumulate'
    (4 micro-batches a step, each its own mon.step, zero_grad after the optimiser's step)."""
    torch.manual_seed(0)
    x = torch.randn(4000, 20)
    teacher = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 10))
    with torch.no_grad():
        y = teacher(x).argmax(1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = make_opt(model.parameters())
    mon = Monitor(model, every=every, chance_loss=math.log(10))
    reports = []
    for step in range(1, steps + 1):
        i = torch.randint(0, 4000, (64,))
        with mon.step() as s:
            loss = F.cross_entropy(model(x[i]), y[i])
            (loss / 4 if zero == "accumulate" else loss).backward()
            s.loss = loss
        if zero != "accumulate" or step % 4 == 0:
            opt.step()
            if zero in ("after", "accumulate"):
                opt.zero_grad()
            elif zero == "none-false":
                opt.zero_grad(set_to_none=False)
        if step % 50 == 0:
            reports.append(mon.report())
    mon.close()
    return reports


@pytest.mark.parametrize("make_opt", [lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
                                      lambda p: torch.optim.AdamW(p, lr=1e-3)])
def test_a_loop_that_never_zeroes_its_gradients_reads_so_first(make_opt):
    reports = _run(make_opt, "never")
    for r in reports[1:]:  # said right after the status, not at the end of a long headline
        assert SAID in r.reading.words[:120], r.reading.words
        assert r.reading.remedy.startswith("Call opt.zero_grad() once per optimiser step"), r.reading.remedy


@pytest.mark.parametrize("zero", ["after", "none-false", "accumulate"])
def test_loops_that_zero_their_gradients_do_not_read_so(zero):
    for r in _run(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), zero):
        assert "never zeroed" not in str(r.reading), (zero, r.reading.words)


@pytest.mark.parametrize("zero", ["never", "after"])
def test_every_step_sampled_probes_one_step_in_five_and_still_reads_it(zero):
    """Under every=1 the zeroing probe runs on one optimiser step in ZERO_PROBE_GAP (its hooks cost 30-40 us a step):
    a loop that never zeroes still reads so by the first report (step 50), one that zeroes never does, and the probes
    ran on steps ZERO_PROBE_GAP apart (counted by wrapping the probe)."""
    from actlab.interop import _monitor_cut

    probed = []
    real = _monitor_cut._Cut._probe_zeroing

    def counting(self, w):
        probed.append(self._cut_step)
        return real(self, w)
    _monitor_cut._Cut._probe_zeroing = counting
    try:
        reports = _run(lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9), zero, steps=100, every=1)
    finally:
        _monitor_cut._Cut._probe_zeroing = real
    assert probed[:3] == [1, 1 + _monitor_cut.ZERO_PROBE_GAP, 1 + 2 * _monitor_cut.ZERO_PROBE_GAP], probed[:5]
    assert len(probed) == 100 // _monitor_cut.ZERO_PROBE_GAP, probed
    for r in reports:
        assert (SAID in r.reading.words[:120]) == (zero == "never"), r.reading.words


@pytest.mark.parametrize("adaptive", [False, True])
def test_the_words_fit_the_optimiser_and_a_run_that_learned_keeps_its_weights(adaptive):
    """W77 walkthrough finding 5: under Adam the headline said every update 'grows with' the summed gradient (Adam
    divides it by its running size: the sum steers it, it does not grow it), and a run that reached 99.9% accuracy was
    told to restart. Reference: which optimiser the loop used, and the reading's own status."""
    make = (lambda p: torch.optim.AdamW(p, lr=1e-3)) if adaptive else \
        (lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9))
    reports = [r for r in _run(make, "never") if SAID in r.reading.words]
    assert reports
    for r in reports:
        words, remedy = r.reading.words, r.reading.remedy
        assert ("Adam and its kin keep each update's size" in words) == adaptive, words
        assert ("and grows with it" in words) == (not adaptive), words
        healthy = r.reading.status.value == "healthy"
        assert ("The run learned all the same" in remedy) == healthy, (r.reading.status, remedy)
        assert (f"restart from {START_WEIGHTS}" in remedy) == (not healthy), remedy
        # the optimiser stepped after every block: no note that blocks are not its steps (W78 walkthrough finding 3)
        assert not any(n.startswith("the steps counted here") for n in r.notes), r.notes


def test_the_cause_stays_said_after_the_loss_turns_nan():
    """W78 walkthrough finding 2: SGD with no zero_grad() read 'the gradients are never zeroed' until its loss went
    NaN; the probes after it compared NaN values, found no sum, and the cause left the headline and the remedy, which
    led with 'if the data changed at training step 75 ... look there first'. A probe that reads a NaN or an inf now
    leaves the finding as it was. Reference: the loop (no zero_grad()), and its own losses (NaN at the end)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
    mon = Monitor(model, every=5, chance_loss=1.0)
    losses, said = [], []
    for _ in range(160):
        x = torch.randn(64, 12)
        with mon.step() as s:
            loss = F.mse_loss(model(x * 10), x[:, :1] * 3)
            loss.backward()
            s.loss = loss
        losses.append(loss.item())
        opt.step()
        said.append(SAID in mon.report().reading.words)
    reading = mon.report().reading
    mon.close()
    assert not math.isfinite(losses[-1]) and any(said)  # the premise: read so, then NaN
    first = said.index(True)
    assert all(said[first:]), said.index(False, first)
    assert reading.status.value == "diverged" and SAID in reading.words, reading.words
    assert reading.remedy.startswith("Call opt.zero_grad() once per optimiser step"), reading.remedy


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_gradient_growing_past_the_old_one_leaves_the_finding_as_it_was(every):
    """W79 walkthrough finding 1: SGD at lr 2 with momentum and no zero_grad() climbed to NaN at step 133; under
    every=1 'never zeroed' left the reading before it (auto kept it): each gradient, 1e4 times the one before, was
    within 1e-4 of both the sum and itself alone, which the probe took for a zeroed .grad. Such a probe is now no
    evidence either way. Reference: the loop (no zero_grad()), its own losses (NaN at the end)."""
    torch.manual_seed(4)
    x = torch.randn(4096, 20)
    y = (x @ torch.randn(20, 5) + 0.3 * torch.randn(4096, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
    opt = torch.optim.SGD(model.parameters(), lr=2.0, momentum=0.9)
    mon = Monitor(model, every=every, chance_loss=math.log(5))
    losses = []
    for _ in range(160):
        i = torch.randint(0, 4096, (64,))
        with mon.step() as s:
            loss = F.cross_entropy(model(x[i]), y[i])
            loss.backward()
            s.loss = loss
        losses.append(loss.item())
        opt.step()
    reading = mon.report().reading
    mon.close()
    assert not math.isfinite(losses[-1])  # the premise: NaN by the end
    assert SAID in reading.words, reading.words
    assert reading.remedy.startswith("Call opt.zero_grad() once per optimiser step"), reading.remedy
