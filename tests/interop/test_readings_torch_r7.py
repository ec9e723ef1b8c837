"""Issue 17 (W13 items 1, 3 and 5) through the PyTorch monitor: the readings tell a failure's whole story.

A tanh MLP under SGD at lr 1 climbs from 2e3 to 4e33 and then reaches inf: the reading says the loss grew first,
from and to the losses the script itself recorded. A loss with a sqrt at 0 (finite value, NaN gradient) is not said
to be NaN. A deep sigmoid stack stuck at chance reads 'vanishing' with 'not learning' in the same headline. The
references are the script's own losses (loss.item()), gradients (.grad) and the chance loss ln 2.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from climb_reference import climb_start  # noqa: E402
from interop._steps import monitored_step, squared_error  # noqa: E402


def test_a_loss_that_climbs_then_becomes_inf_says_it_grew_first_from_the_losses_it_had():
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    y = x @ torch.randn(8, 1) * 3 + 1
    chance = float(((y - y.mean()) ** 2).mean())
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    mon = Monitor(model, every=1, chance_loss=chance)
    losses = []
    for _ in range(100):
        loss = monitored_step(mon, model, x, y, loss_fn=squared_error)
        losses.append(loss.item())
        opt.step()
        opt.zero_grad()
        if not math.isfinite(losses[-1]):
            break
    assert not math.isfinite(losses[-1]) and losses[-2] > 1e3 * chance  # the run did climb, then blow up
    kept = losses[-11:-1]  # the monitor's last 10 finite sampled losses
    start = climb_start(losses[:-1])  # the test's own date (tests/climb_reference.py)
    r = mon.report().reading
    assert r.status is Status.DIVERGED
    assert r.words.startswith(f"diverged at step {len(losses)}: the loss became NaN or infinite")
    assert f"the loss grew first, from {losses[start]:.3g} to {kept[-1]:.3g}" in r.words, r.words
    assert f"between steps {start + 1} and {len(losses) - 1} (each update's batch loss)" in r.words, r.words
    assert "Adam" not in r.remedy and "clip_grad_norm_" in r.remedy


def test_a_finite_loss_whose_gradient_is_nan_is_said_as_such():
    torch.manual_seed(0)
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    for i in range(4):
        with mon.step() as s:
            out = model(x)
            loss = nn.functional.cross_entropy(out, y)
            if i == 3:  # sqrt at 0: the value adds 0, the gradient is NaN
                loss = loss + torch.sqrt(((out - out.detach()) ** 2).sum())
            loss.backward()
            s.loss = loss
        value, bad = loss.item(), bool(model[0].weight.grad.isnan().any())
        model.zero_grad()
    assert math.isfinite(value) and bad
    r = mon.report().reading
    assert r.status is Status.DIVERGED
    assert f"the gradients became NaN or infinite while the loss is finite ({value:.3g})" in r.words
    assert "loss became NaN" not in r.words and "sqrt" in r.remedy


def test_a_deep_sigmoid_stack_stuck_at_chance_reads_vanishing_and_not_learning_in_one_headline():
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    y = (x[:, 0] * x[:, 1] > 0).long()
    layers, width = [], 8
    for _ in range(12):
        layers += [nn.Linear(width, 16), nn.Sigmoid()]
        width = 16
    model = nn.Sequential(*layers, nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=50, chance_loss=math.log(2))
    losses = []
    for _ in range(1001):
        loss = monitored_step(mon, model, x, y)
        losses.append(loss.item())
        opt.step()
        opt.zero_grad()
    assert abs(sum(losses[-100:]) / 100 - math.log(2)) < 0.05 * math.log(2)  # it never left chance
    r = mon.report().reading
    assert r.status is Status.VANISHING
    assert "; and the network is not learning: after 1,001 updates the loss is not 10% below chance" in r.words


def test_a_run_that_learned_and_is_then_thrown_far_above_chance_reads_not_learning_any_more():
    # /tmp/r7/repro6.py: the circle learned to 0.024 at lr 0.5; at step 561 the learning rate is raised to 40
    torch.manual_seed(0)
    x = torch.randn(512, 2)
    y = ((x ** 2).sum(1) > 1.4).long()
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    mon = Monitor(model, every=5, chance_loss=math.log(2))
    sampled, statuses = [], {}
    for i in range(600):
        if i == 560:
            for g in opt.param_groups:
                g["lr"] = 40.0
        loss = monitored_step(mon, model, x, y, opt)
        if i % 5 == 0:  # the steps every=5 samples (1, 6, 11, ...)
            sampled.append(loss.item())
            statuses[i + 1] = mon.report().reading.status
    before = sampled[:112]  # sampled steps 1-556, at lr 0.5
    assert sum(before[-10:]) / 10 < 0.1 * math.log(2)  # it had learned
    for step, status in statuses.items():
        recent = sampled[max(0, (step - 1) // 5 - 9):(step - 1) // 5 + 1]  # the monitor's last 10
        if len(recent) >= 3 and min(recent[-2:]) > 2 * math.log(2) and sum(v < 0.9 * math.log(2) for v in recent) >= 2:
            assert status is Status.NOT_LEARNING, (step, recent)
    assert statuses[571] is Status.NOT_LEARNING
