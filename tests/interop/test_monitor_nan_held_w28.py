"""A blow-up between two sampled steps, told from every step's loss (issue 17, walkthrough W28 finding 1).

The walkthrough's run: an MLP learning a regression at lr 0.01, the rate raised to 5 at step 150, sampled every 50
steps. Its losses went 0.08, 24, 6.8e5, ..., 1.3e34 and inf at an unsampled step; the NaN was first seen at the next
sampled step, and the reading said 'the samples show no climb ... the loss may have climbed there' with a remedy that
began 'A climb in the steps that were not sampled is as likely as bad data'. The monitor holds every step's s.loss
until the next sampled step, so it knows the climb and the step: the reference is the script's own record of each
step's loss."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _run(every_loss: bool):
    torch.manual_seed(1)
    x = torch.randn(256, 8)
    y = x @ torch.randn(8, 1) + 0.1 * torch.randn(256, 1)
    model = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = Monitor(model, every=50, chance_loss=y.var().item())
    losses = []
    for step in range(1, 211):
        if step == 150:
            for g in opt.param_groups:
                g["lr"] = 5.0
        i = torch.randint(0, 256, (32,))
        with mon.step() as s:
            loss = ((model(x[i]) - y[i]) ** 2).mean()
            loss.backward()
            if every_loss or step % 50 == 1:
                s.loss = loss
        losses.append(loss.item())
        opt.step()
        opt.zero_grad()
    return mon.report(), losses


def test_the_climb_and_the_step_come_from_every_steps_loss():
    report, losses = _run(every_loss=True)
    nan_at = next(t for t, v in enumerate(losses, 1) if not math.isfinite(v))
    assert nan_at % 50 != 1  # the premise: the loss turned non-finite on a step that was not sampled
    last = losses[nan_at - 2]  # the step before it, finite
    assert math.isfinite(last) and last > 1e6 * losses[148]  # it climbed from where it was before the raise
    words = report.reading.words
    assert report.reading.status == Status.DIVERGED
    assert words.startswith(f"diverged at step {nan_at}: the loss became NaN or infinite"), words
    assert f"to {last:.3g} (" in words and "(each update's batch loss)" in words, words
    assert "may have climbed" not in words and "it was first seen in the loss, on a step not sampled" in words, words
    # the raise the script made before the climb is named, then the remedy for a climb
    assert report.reading.remedy.startswith("The learning rate went from 0.01 to 5 at the optimiser's step of training "
                                            "step 150, before the jump: the likeliest cause"), report.reading.remedy
    assert "Lower the learning rate" in report.reading.remedy, report.reading.remedy
    assert report.first_non_finite["step"] == nan_at and report.last_finite_step == nan_at - 1
    assert words.count(f"step {nan_at}") == 1, words  # said once (W28 finding 2: five times on one screen)
    assert not any("first seen" in n or "first appeared" in n for n in report.notes), report.notes


def test_without_the_steps_between_the_samples_it_says_what_it_could_not_see():
    report, losses = _run(every_loss=False)  # s.loss on the sampled steps only: the climb between them is unseen
    nan_at = next(t for t, v in enumerate(losses, 1) if not math.isfinite(v))
    seen = min(t for t in range(1, 211, 50) if t >= nan_at)
    words = report.reading.words
    assert f"first seen at training step {seen} (a sampled one; the last finite sample was step {seen - 50})" in words
    assert "diverged at step" not in words and "(the losses of 3 sampled steps)" in words, words


def _nan_batch(nan_at: int, log=None):
    """A 5-class ReLU MLP under every=10; a NaN in one input of step ``nan_at``'s batch, whose update the script skips
    (the run goes on finite). Returns the report and the script's own losses."""
    torch.manual_seed(0)
    x_all = torch.randn(2000, 20)
    y_all = (x_all @ torch.randn(20, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    with Monitor(model, every=10, chance_loss=math.log(5), log=log) as mon:
        for step in range(1, 201):
            i = torch.randint(0, 2000, (64,))
            x = x_all[i].clone()
            if step == nan_at:
                x[3, 5] = math.nan
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x), y_all[i])
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            if step != nan_at:
                opt.step()
            opt.zero_grad()
    return mon.report(), losses


def test_a_nan_loss_between_two_samples_stays_on_record_when_the_run_goes_on():
    """W28 (second walkthrough, finding 1): a NaN batch at unsampled step 157, its update skipped, left the final
    report 'healthy' with no note and first_non_finite None, where one at sampled step 161 kept its note."""
    report, losses = _nan_batch(157)
    assert [t for t, v in enumerate(losses, 1) if not math.isfinite(v)] == [157]  # the premise, from the script
    assert report.status == "healthy", report.reading.words
    assert report.first_non_finite == {"step": 157, "place": "the loss", "unsampled": True}
    assert "a NaN or an inf first appeared at step 157, in the loss of a step not sampled" in report.notes
    sampled, _ = _nan_batch(161)  # the same on a sampled step: on record as before
    assert sampled.first_non_finite["step"] == 161 and "unsampled" not in sampled.first_non_finite
