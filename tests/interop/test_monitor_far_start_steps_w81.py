"""W81 walkthrough finding 4: a Huber regression on targets near 1e4 under Adam at 1e-3, chance_loss the best constant
guess's Huber loss. The first loss was 11 times chance, the loss barely lower at step 200, and the reading said 'not
learning ... A loss above chance after this many updates usually means steps too large for the network: lower the
learning rate', where no step had taken the loss up; at 1e-2 the same run comes down, at 1e-4 it stays. And the
starting words promised 1,000 updates where a loss this far up is judged at 200."""

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

N = 4096


def _data():
    torch.manual_seed(2)
    x = torch.randn(N, 8)
    y = 1e4 + 1500 * torch.tanh(x @ torch.randn(8) / 2) + 300 * torch.randn(N)
    return x, y.unsqueeze(1)


def _chance(y) -> float:
    """The best constant guess's Huber loss, by ternary search (the loss is convex in the constant)."""
    loss = nn.HuberLoss()
    lo, hi = float(y.min()), float(y.max())
    for _ in range(100):
        a, b = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if loss(torch.full_like(y, a), y) < loss(torch.full_like(y, b), y):
            hi = b
        else:
            lo = a
    return float(loss(torch.full_like(y, (lo + hi) / 2), y))


def _run(lr, steps=220, chance=None):
    x, y = _data()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses, early = [], None
    g = torch.Generator().manual_seed(1)
    with Monitor(net, every=10, chance_loss=chance) as mon:
        for step in range(1, steps + 1):
            i = torch.randint(0, N, (128,), generator=g)
            with mon.step(sample=step == steps) as s:
                loss = nn.functional.huber_loss(net(x[i]), y[i])
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
            if step == 11:
                early = mon.report()
        return early, mon.report(), losses


def test_a_loss_that_began_far_up_and_never_rose_is_not_told_to_lower_the_learning_rate():
    chance = _chance(_data()[1])
    early, end, losses = _run(1e-3, chance=chance)
    first, mean = losses[0], sum(losses[-50:]) / 50
    # the premise: began past twice chance, its latest mean no higher, still past twice chance
    assert first > 2 * chance and mean <= first and mean > 2 * chance, (first, mean, chance)
    assert end.status == "not_learning", end.reading.words
    assert (f"the first loss, {first:.3g} at training step 1, was already {first / chance:.2g} times chance, and the "
            "loss has not risen from it") in end.reading.words, end.reading.words
    assert "usually means steps too large" not in end.reading.remedy
    assert "raise the learning rate rather than lower it" in end.reading.remedy
    assert end.reading.remedy.startswith("A first loss this far above chance means the outputs start far from the "
                                         "targets: standardise the targets")
    # larger steps do bring it down: the remedy's direction, on the same data and batches
    assert sum(_run(1e-2, chance=chance)[2][-50:]) / 50 < 0.5 * mean
    # and the wait said at the start names the rule that judged it at 200 updates
    assert early.status == "starting" and "or one above 2 times chance that has not come down to half its first " \
        "after 200 reads as not learning" in early.reading.words, early.reading.words



def test_a_fresh_run_that_began_far_below_chance_reads_no_learning_until_it_comes_down_from_there():
    """W81 walkthrough finding 5: the same regression given the targets' variance (1.1e6) as chance_loss, where a
    Huber loss's chance is its best constant guess's (a thousand times less). The first loss, 9.99e3, read '99%
    below chance, as a model trained before begins, so the reading waits' at step 1, then 'healthy ... 99% below
    chance' from step 2 on, the loss at 9.95e3. Learning is read once the loss comes 10% down from its first."""
    _, y = _data()
    variance = float(y.var())
    _, r, losses = _run(1e-3, steps=100, chance=variance)
    first, mean = losses[0], sum(losses[-50:]) / 50
    assert first < variance / 2 and mean >= 0.9 * first, (first, mean)  # the premise: began far under, not down
    assert r.status == "starting", r.reading.words
    # (its first 10 losses flat: their mean stands for where it began, W98 walkthrough finding 3)
    early = sum(losses[:10]) / 10
    assert (f"the mean of its first 10 losses, {early:.3g}, was 99% below chance, as a model trained before (a run "
            "resumed from a checkpoint) begins") in r.reading.words, r.reading.words
    assert ("and it has not come 10% down from there since" in r.reading.words
            and "learning is read once the loss has come 10% down from where it began" in r.reading.words)
    assert "chance_loss is too high for this loss" in r.reading.remedy
    # once it has come 10% down from its first (larger steps), learning is read, with its start said beside it
    end, losses = (lambda run: (run[1], run[2]))(_run(1e-2, steps=100, chance=variance))
    assert sum(losses[-50:]) / 50 < 0.9 * losses[0]
    assert end.status == "healthy" and "it began 99% below chance (the mean of its first 10 losses, " \
        f"{sum(losses[:10]) / 10:.3g})" in end.reading.words, end.reading.words


def test_a_resumed_run_that_begins_below_chance_reads_as_before():
    """Monitor(first_step=N + 1): a run resumed from a checkpoint begins below chance, and is read as learning."""
    x, y = _data()
    y = (y - y.mean()) / y.std()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(300):  # trained before the monitor
        i = torch.randint(0, N, (128,))
        loss = nn.functional.huber_loss(net(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    chance = _chance(y)
    with Monitor(net, every=10, chance_loss=chance, first_step=301) as mon:
        for step in range(301, 401):
            i = torch.randint(0, N, (128,))
            with mon.step(sample=step == 400) as s:
                loss = nn.functional.huber_loss(net(x[i]), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        r = mon.report()
    assert loss.item() < chance / 2  # the premise: it began, and stays, far below chance
    assert r.status == "healthy" and "it began" not in r.reading.words, r.reading.words
