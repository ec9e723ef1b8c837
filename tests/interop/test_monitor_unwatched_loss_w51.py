"""Issue 17 (W51 walkthrough, finding 7): a model whose activation is written by hand (h * (h > 0)), which the monitor
cannot see, read only 'unwatched' while its loss went from 0.528 to 1.58 and every weight's gradient was 0; with
F.relu the same model read 'not learning any more ...; also no gradient'. The loss and the weights' gradients need no
activation hook: they are judged, and the unwatched finding follows. References: the script's own losses and
gradients, and the same model with F.relu."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

N, D, C = 2048, 20, 5


class Net(nn.Module):
    def __init__(self, by_hand: bool):
        super().__init__()
        self.by_hand = by_hand
        self.fc1, self.fc2, self.fc3 = nn.Linear(D, 64), nn.Linear(64, 64), nn.Linear(64, C)

    def act(self, h):
        return h * (h > 0).float() if self.by_hand else F.relu(h)

    def forward(self, x):
        return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))


def _run(by_hand: bool, kill_at: int | None = 300, steps: int = 600, lr: float = 0.05):
    """600 steps of SGD on a 5-class task; at ``kill_at`` every unit of the second layer is turned off (a bias of
    -100). Returns the report at step 250 and at the end, the script's own losses and, per step, whether every
    weight's gradient was exactly 0."""
    torch.manual_seed(0)
    x = torch.randn(N, D)
    y = (x @ torch.randn(D, C)).argmax(1)
    model = Net(by_hand)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(1)
    losses, zero, early = [], [], None
    with Monitor(model, every=10, chance_loss=math.log(C)) as mon:
        for step in range(1, steps + 1):
            if step == kill_at:
                with torch.no_grad():
                    model.fc2.bias.fill_(-100.0)
            idx = torch.randint(0, N, (64,), generator=g)
            with mon.step(sample=step == steps) as s:
                loss = F.cross_entropy(model(x[idx]), y[idx])
                loss.backward()
                s.loss = loss
            zero.append(all(float(p.grad.abs().sum()) == 0 for n, p in model.named_parameters() if "weight" in n))
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
            if step == 250:
                early = mon.report()
        return early, mon.report(), losses, zero


def test_a_hand_written_relu_layer_turned_off_reads_no_gradient_and_not_learning_any_more():
    early, end, losses, zero = _run(by_hand=True)
    assert all(zero[299:]) and not any(zero[:299])  # the premise: every weight's gradient 0 from step 300 on
    assert early.status is Status.UNWATCHED, early.reading.words  # learning: nothing to say beyond unwatched
    # (W52 finding 5: the words named only 'a custom autograd Function, a C++ kernel' as what the monitor cannot see)
    assert "an expression written by hand, such as h * (h > 0) or torch.where" in early.reading.words
    r = end.reading
    assert r.status is Status.NO_GRADIENT, r.words
    # (the status's words in the first clause: W103 walkthrough finding 4)
    assert r.words.startswith("not learning any more, with no gradient: the mean loss had come down to "), r.words
    risen = re.search(r"the loss has risen to (\S+) at training step 600", r.words).group(1)
    assert float(risen) == float(f"{sum(losses[550:]) / 50:.3g}"), (risen, sum(losses[550:]) / 50)
    assert "every weight's gradient is exactly 0 (the weight matrices of 'fc1.weight', 'fc2.weight' and the output " \
           "layer; biases are not read)" in r.words, r.words
    # the checkpoint named is from before the layer was turned off, at the run's low; the bias written by hand, which
    # turned it off, leads the remedy (W102 walkthrough finding 3)
    assert r.remedy.startswith("The weights of 'fc2' were written between optimiser steps"), r.remedy
    best = int(re.search(r"a checkpoint saved (?:before|at or near) training step ([\d,]+)", r.remedy).group(1)
               .replace(",", ""))
    assert 200 <= best < 300, r.remedy
    # and the unwatched finding is still said, after it
    assert [f.status for f in r.findings][-1] is Status.UNWATCHED, [f.status for f in r.findings]
    # the same model with F.relu reads the same status and names the same low
    watched = _run(by_hand=False)[1].reading
    assert watched.status is Status.NO_GRADIENT and f"training step {best:,}" in watched.remedy, watched.remedy


def test_a_hand_written_relu_run_that_learns_stays_unwatched():
    _, end, losses, zero = _run(by_hand=True, kill_at=None)
    assert sum(losses[550:]) / 50 < 0.7 * math.log(C) and not any(zero)  # the premise: it learned
    assert end.status is Status.UNWATCHED and [f.status for f in end.reading.findings] == [Status.UNWATCHED], \
        end.reading.words


def test_a_hand_written_relu_run_that_blows_up_reads_diverged():
    _, end, losses, _ = _run(by_hand=True, kill_at=None, steps=120, lr=40.0)
    assert not math.isfinite(losses[-1]) or losses[-1] > 1000 * math.log(C)  # the premise
    assert end.status is Status.DIVERGED, end.reading.words
    assert end.reading.findings[-1].status is Status.UNWATCHED
