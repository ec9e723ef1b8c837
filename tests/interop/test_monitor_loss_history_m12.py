"""Issue 17 (M12 item 1): the monitor tells the readings the step of each recent loss and the lowest judged loss.

R7 gave RunSummary the sampled step of each recent loss and the lowest mean loss the run was judged at; the monitor
filled neither, so a climb was counted ('over the last 10 sampled losses') instead of dated, and a run that had
learned and was then thrown far above chance read 'starting' once its low losses left the window of 10. Every
monitor here samples every 5th step, so a sampled step's number differs from its index among the samples. The
references are the script's own losses (loss.item()) at the steps it knows were sampled (steps 1, 6, 11, ...), and
the lowest mean of up to 10 of them computed here.
"""

from __future__ import annotations

import math
import statistics

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from actlab.interop.torch import JUDGED_STEPS  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from climb_reference import climb_start  # noqa: E402
from interop._steps import monitored_step, squared_error  # noqa: E402

EVERY = 5


def _run(model, opt, loss_of, steps, chance, lr_at=None, every_loss=None):
    """Train under Monitor(every=5); return the monitor and the script's own (step, loss) of each sampled step (and
    of every step, in ``every_loss`` where given)."""
    mon = Monitor(model, every=EVERY, chance_loss=chance)
    sampled = []
    for i in range(steps):
        if lr_at is not None and i == lr_at[0]:
            for g in opt.param_groups:
                g["lr"] = lr_at[1]
        with mon.step() as s:
            loss = loss_of()
            loss.backward()
            s.loss = loss
        if i % EVERY == 0:  # a fixed interval samples steps 1, 6, 11, ... (1-based)
            sampled.append((i + 1, loss.item()))
        if every_loss is not None:
            every_loss.append(loss.item())
        opt.step()
        opt.zero_grad()
        if not math.isfinite(loss.item()):
            break
    return mon, sampled


def test_a_climb_to_inf_is_dated_by_the_sampled_steps_of_the_losses_it_climbed_through():
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    y = x @ torch.randn(8, 1) * 3 + 1
    chance = float(((y - y.mean()) ** 2).mean())
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    every = []
    mon, sampled = _run(model, opt, lambda: ((model(x) - y) ** 2).mean(), 300, chance, every_loss=every)
    assert not math.isfinite(sampled[-1][1])  # the run blew up on a sampled step (every=5: the loss stays inf)
    # every step's loss is held until the next sampled step (W28): the climb is read from the last 10 finite ones,
    # each update's, and the NaN dated by its own step, the step before it finite
    nan_at = next(t for t, v in enumerate(every, 1) if not math.isfinite(v))
    finite = [(t, v) for t, v in enumerate(every, 1) if math.isfinite(v) and t < nan_at][-10:]
    assert finite[-1][1] > 1e3 * chance  # it climbed
    (_, _), (last_step, last) = finite[0], finite[-1]
    first_step = climb_start(every[:nan_at - 1]) + 1  # the test's own date (tests/climb_reference.py)
    r = mon.report().reading
    assert r.status is Status.DIVERGED
    assert r.words.startswith(f"diverged at step {nan_at:,}: ") and last_step == nan_at - 1, r.words
    grew = f"the loss grew first, from {every[first_step - 1]:.3g} to {last:.3g} ("
    assert grew in r.words, r.words
    dated = f" between steps {first_step:,} and {last_step:,} (each update's batch loss)"
    assert r.words.split(grew)[1].split(")", 1)[1].startswith(dated)
    assert "over the last" not in r.words


def test_a_run_that_learned_and_was_thrown_above_chance_says_so_after_its_low_losses_left_the_window():
    torch.manual_seed(0)
    x = torch.randn(512, 2)
    y = ((x ** 2).sum(1) > 1.4).long()
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    chance = math.log(2)
    # 300 steps to learn the circle, then lr 40 for 100 steps: 20 sampled losses, twice the window of 10
    every = []
    mon, sampled = _run(model, opt, lambda: nn.functional.cross_entropy(model(x), y), 400, chance, lr_at=(300, 40.0),
                        every_loss=every)
    losses = [v for _, v in sampled]
    assert all(math.isfinite(v) for v in losses)
    assert min(losses[-10:]) > 0.9 * chance  # no low loss is left among the latest 10
    assert min(losses[-2:]) > 2 * chance  # and the last two are over twice chance
    # at each sampled step, the mean of the latest (up to) 10 training steps' losses (L25: every step's, sampled or
    # not, as the script computed them), over two or more, whose upper noise bound is lowest, and its step: this test
    # is about which losses and steps the monitor keeps and says; the bound itself is checked against independent
    # computations in tests/core/test_loss_bound_l25.py
    from actlab.reading_loss import noise_bound

    def bound(w):
        return noise_bound(w, chance)

    # and, between two sampled steps, the window ending at the step not sampled whose mean is lowest (W82: every
    # step's loss held, the windows between samples are judged too), taken before the sampled step's own
    windows = []
    steps = [t for t, _ in sampled]
    for previous, t in zip([0, *steps], steps, strict=False):
        between = [(every[max(0, u - JUDGED_STEPS):u], u) for u in range(previous + 1, t) if u > 1]
        if between:
            windows.append(min(between, key=lambda p: statistics.fmean(p[0])))
        if t > 1:
            windows.append((every[max(0, t - JUDGED_STEPS):t], t))
    w, low_step = min(windows, key=lambda p: bound(p[0]))
    low = statistics.fmean(w)
    assert bound(w) < chance  # clearly below chance, beyond its batches' noise
    assert low < 0.9 * chance  # the run had learned
    r = mon.report().reading
    # lr 40 may also saturate the tanh layers (a vanishing headline then leads): the not-learning finding is there
    assert r.status not in (Status.STARTING, Status.HEALTHY), r.words
    found = [f for f in r.findings if f.status is Status.NOT_LEARNING]
    assert len(found) == 1, r.words
    said = "(a sampled one), " if low_step in steps else ", "
    assert found[0].words.startswith(
        f"not learning any more: the mean loss had come down to {low:.3g} at training step {low_step:,} {said}"
        .replace(" , ", ", ")), found[0].words
    # the loss judged: the mean of the last 10 training steps', not the last batch's (L22, L25)
    last = sampled[-1][0]  # the report is the last sampled step's
    assert (f"the loss has risen to {statistics.fmean(every[last - JUDGED_STEPS:last]):.3g} at training step "
            f"{last:,} (a sampled one; the mean of the last {JUDGED_STEPS} training steps' batches)") in found[0].words


def test_one_low_first_loss_is_not_a_judged_low():
    """The lowest judged loss is a mean over two or more losses: a first sampled loss far below chance alone (a
    chance_loss set too high) is not kept as one, and once the losses are all above twice chance nothing says the
    run had learned."""
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = x.sum(1, keepdim=True)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # the weights never move
    scale = {"k": 1e-3}  # the first sampled loss is far below chance, every later one far above
    mon = Monitor(model, every=EVERY, chance_loss=1.0)
    sampled = []
    for i in range(60):
        loss = monitored_step(mon, model, x, y, loss_fn=lambda out, y: squared_error(out, y) * scale["k"])
        if i % EVERY == 0:
            sampled.append(loss.item())
        opt.step()
        opt.zero_grad()
        scale["k"] = 100.0
    assert len(sampled) == 12 and sampled[0] < 0.9 and min(sampled[1:]) > 2  # chance_loss is 1
    r = mon.report().reading
    assert "not learning any more" not in r.words
    assert "mean loss had come down" not in r.words
