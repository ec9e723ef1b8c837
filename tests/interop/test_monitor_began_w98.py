"""W98 walkthrough finding 3, and a false 'began' that the first-losses rule of W96 brought: where a run's first
10 losses are known, their mean stands for where it began unless they fall beyond their noise, and a chance_loss
that fits the targets read back says the model was trained before.

- A fine-tune not given first_step had read 'not learning ... its first loss, 0.237' from one lucky batch, its
  first 10 losses' mean 0.321, and was told first to check chance_loss (ln 10, which fits its classes).
- A fresh network at a learning rate of 0.03, its first 10 losses falling from 2.3, had read 'healthy ... it began
  22% below chance (the mean of its first 10 losses, 1.8), as a model trained before does'.

References: the test's own losses, a least-squares line through them (numpy.polyfit), and the entropy of the targets
of the batches the monitor read, with Miller and Madow's correction."""

from __future__ import annotations

import math

import numpy as np

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_lossread import READ_EVERY  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

C = 10


def _data(n=6000):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 20, generator=g)
    w1 = torch.randn(20, 64, generator=g) / math.sqrt(20)
    y = (torch.tanh(x @ w1) @ (torch.randn(64, C, generator=g) / 8)).argmax(1)
    return x, y


def _mlp():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, C))


def _run(model, opt, x, y, steps, seed, **kw):
    """``steps`` monitored steps at every=1; the losses, the batches' targets and the report."""
    g = torch.Generator().manual_seed(seed)
    losses, targets = [], []
    with Monitor(model, every=1, chance_loss=math.log(C), **kw) as mon:
        for _ in range(steps):
            i = torch.randint(0, len(x), (64,), generator=g)
            losses.append(monitored_step(mon, model, x[i], y[i], opt).item())
            targets.append(y[i])
        return losses, targets, mon.report()


def _falls(values) -> bool:
    """A least-squares line through ``values`` falls beyond 2 of its standard errors (numpy's own fit)."""
    (slope, _), cov = np.polyfit(np.arange(len(values)), values, 1, cov=True)
    return slope + 2 * math.sqrt(cov[0, 0]) < 0


def test_a_fresh_network_that_learns_from_its_first_steps_did_not_begin_below_chance():
    x, y = _data()
    model = _mlp()
    losses, _, report = _run(model, torch.optim.Adam(model.parameters(), 3e-2), x, y, 200, seed=0)
    first = losses[:10]
    # the premises: the first loss near chance, the first 10 losses' mean past the learning line, and falling
    assert abs(first[0] - math.log(C)) < 0.15 and np.mean(first) < 0.9 * math.log(C) and _falls(first), first
    assert report.status == "healthy", report.reading.words
    assert "began" not in report.reading.words and "trained before" not in report.reading.words, report.reading.words


def test_a_fine_tune_that_stays_where_it_began_reads_from_its_first_losses_mean_and_says_it_was_trained():
    x, y = _data()
    model = _mlp()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    g = torch.Generator().manual_seed(5)
    for _ in range(800):  # trained before the monitor is made, as a checkpoint's weights are
        i = torch.randint(0, len(x), (64,), generator=g)
        nn.functional.cross_entropy(model(x[i]), y[i]).backward()
        opt.step()
        opt.zero_grad()
    losses, targets, report = _run(model, torch.optim.SGD(model.parameters(), 1e-9), x, y, 1001, seed=1)
    mean = float(np.mean(losses[:10]))
    assert mean < 0.5 * math.log(C) and not _falls(losses[:10])  # the premise: a trained model, its loss flat
    words = report.reading.words
    assert report.status == "not_learning", words
    assert f"the mean of its first 10 losses, {mean:.3g}, was already" in words, words
    assert "its first loss" not in words, words
    # the guess: the entropy of the 192 targets of the last 3 batches read (a monitor reads the loss back on
    # every READ_EVERY-th sampled step, and every step is sampled here)
    read = [targets[t] for t in range(len(targets)) if t % READ_EVERY == 0][-3:]
    counts = torch.bincount(torch.cat(read), minlength=C).double()
    p = counts[counts > 0] / counts.sum()
    entropy = float(-(p * p.log()).sum()) + (len(p) - 1) / (2 * 192)  # with Miller and Madow's correction
    assert (f"a constant guess of the 192 read back from the outputs' gradient gets a loss of {entropy:.3g}), "
            "and a fresh model, which knows nothing of them, begins near it: this one was trained before") in words
    assert report.reading.remedy.startswith("A model trained before begins below chance: give it "
                                            "Monitor(first_step=...)"), report.reading.remedy
    # given first_step, the same run is read from chance, as a resumed one
    resumed = _run(model, torch.optim.SGD(model.parameters(), 1e-9), x, y, 1001, seed=1, first_step=801)[2]
    assert resumed.status == "healthy", resumed.reading.words
