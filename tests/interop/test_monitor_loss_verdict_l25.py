"""L25: a classifier whose loss had plainly fallen read 'starting' to the end of a 400-step run under every="auto".

The Monitor judged learning on its sampled steps' losses alone (under every="auto" or every=10, ten of them spanned
up to 500 steps of a falling loss) with a linear bound that skewed losses kept above chance. It now holds every
training step's loss (a detached tensor, no value read until a sampled step reads them all in one transfer) and judges
the last 50 training steps' batches (JUDGED_STEPS: ten batches of 8 could not tell a loss 66% below chance from
chance, walkthrough W26). References: the script's own loss.item() at every step, and
reading_loss.noise_bound (itself checked against quadrature and Student's t in tests/core/test_loss_bound_l25.py).
"""

from __future__ import annotations

import math
import statistics

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop.torch import JUDGED_STEPS  # noqa: E402
from actlab.reading_loss import MOVED_FRACTION, noise_bound  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CLASSES = 10
CHANCE = math.log(CLASSES)


def _blobs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(CLASSES, 20, generator=g) * 1.2
    y = torch.randint(0, CLASSES, (4096,), generator=g)
    x = centres[y] + torch.randn(4096, 20, generator=g) * 1.5
    return x, y


def _train(every, steps: int = 300):
    """Train a small classifier under Monitor(every=...); return, per sampled step, (step, status, words, the script's
    losses of the last JUDGED_STEPS steps), and the script's losses at every step."""
    torch.manual_seed(0)
    x, y = _blobs()
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, CLASSES))
    opt = torch.optim.SGD(model.parameters(), lr=0.02)
    mon = Monitor(model, every=every, chance_loss=CHANCE)
    losses, seen = [], []
    for i in range(steps):
        b = torch.randint(0, 4096, (64,))
        before = mon.sampled_steps
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x[b]), y[b])
            loss.backward()
            s.loss = loss
        losses.append(loss.item())
        if mon.sampled_steps > before:
            r = mon.report()
            seen.append((i + 1, r.status.value, r.reading.words, losses[-JUDGED_STEPS:]))
        opt.step()
        opt.zero_grad()
    return seen, losses


@pytest.mark.parametrize("every", [10, "auto"])
def test_a_classifier_that_learned_reads_healthy_by_its_last_training_steps(every):
    seen, losses = _train(every, steps=400)
    assert statistics.fmean(losses[-10:]) < 0.6 * CHANCE  # it learned (measured: about 0.9 against 2.30)
    for step, status, words, window in seen:
        # healthy: the mean 10% below chance (MOVED_FRACTION) and its upper noise bound below chance
        below = statistics.fmean(window) < (1 - MOVED_FRACTION) * CHANCE and noise_bound(window, CHANCE) < CHANCE
        assert status == ("healthy" if below else "starting"), (step, status, words)
        if len(window) > 1:
            mean = statistics.fmean(window)
            n = len(window)
            assert f"mean loss of the last {n} training steps' batches {mean:.3g}" in words, (step, words)
    # it reads healthy within one sampling interval of the first judged window whose losses all sit below 60% of chance
    first_low = next(t for t in range(JUDGED_STEPS, len(losses) + 1) if max(losses[t - JUDGED_STEPS:t]) < 0.6 * CHANCE)
    first_healthy = next(t for t, status, *_ in seen if status == "healthy")
    gap = 10 if every == 10 else 50  # every="auto" samples at least every 50 steps
    assert first_healthy <= first_low + gap, (first_healthy, first_low)
    assert all(status == "healthy" for t, status, *_ in seen if t >= first_low + gap)


def test_unsampled_steps_read_no_loss(monkeypatch):
    """Holding an unsampled step's loss reads no value from it (no .item(), .tolist() or float(): on a GPU each is a
    synchronisation); the sampled step reads the held ones in one .tolist()."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=10, chance_loss=math.log(2))
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    reads = []
    for name in ("item", "tolist", "__float__"):
        original = getattr(torch.Tensor, name)

        def counted(self, *a, _original=original, _name=name, **k):
            reads.append((_name, tuple(self.shape)))
            return _original(self, *a, **k)

        monkeypatch.setattr(torch.Tensor, name, counted)
    per_step = []
    for _ in range(20):
        reads.clear()
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        model.zero_grad()
        per_step.append([r for r in reads])
    unsampled = [i + 1 for i, r in enumerate(per_step) if i not in (0, 10)]
    assert all(not per_step[t - 1] for t in unsampled), [(t, per_step[t - 1]) for t in unsampled if per_step[t - 1]]
    # step 11 read the nine held losses of steps 2-10 in one transfer (a stack of nine 0-d tensors)
    assert ("tolist", (9,)) in per_step[10], per_step[10]


def _six_steps(loss_at):
    """Six steps of a small classifier under Monitor(every=5): ``loss_at(i, per_example)`` is what step i + 1 sets as
    s.loss (the backward is the mean's); the report's words and the script's mean loss of each step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=5, chance_loss=math.log(2))
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    script = []
    for i in range(6):
        with mon.step() as s:
            per_example = nn.functional.cross_entropy(model(x), y, reduction="none")
            per_example.mean().backward()
            s.loss = loss_at(i, per_example)
        script.append(per_example.mean().item())
        model.zero_grad()
    return mon.report().reading.words, script


def test_a_nan_loss_on_an_unsampled_step_is_left_out_and_named():
    # step 3 (unsampled) gives a NaN loss
    words, script = _six_steps(lambda i, e: e.mean() * float("nan") if i == 2 else e.mean())
    finite = [v for i, v in enumerate(script) if i != 2]
    assert (f"mean loss of the 5 finite losses of the last 6 training steps' batches (training step 3 had a NaN or "
            f"infinite loss, or none that is one number) {statistics.fmean(finite):.3g}") in words, words


def test_a_loss_of_several_values_on_an_unsampled_step_is_left_out():
    # step 2 (unsampled) gives its 32 examples' losses
    words, script = _six_steps(lambda i, e: e.detach() if i == 1 else e.mean())
    kept = [v for i, v in enumerate(script) if i != 1]
    assert "training step 2 had a NaN or infinite loss, or none that is one number" in words, words
    assert f"{statistics.fmean(kept):.3g}" in words
