"""Issue 17, W89 walkthrough findings 1 and 3: a hand-written ReLU recurrence whose weight is 1.15 I grows its state's
std from 0.155 to 808 over 50 calls, 1.19 times a call: under the layers' rule (1.5 times a layer) it was no
explosion. Clipped at 1, the reading said 'not learning: the gradients reach the optimiser cut to 1.2e-4 of their
size' with 'Raise the clipping limit toward 8.73e+03' while the loss fell from 838 to 65; at that limit the run went
NaN at step 2. Unclipped, it diverged at step 2 with 'Lower the learning rate', the loop unsaid. A loop's state
growing by EXPLODING_RATIO over its calls (and by 10 over their second half) now reads exploding through time; its
remedy keeps clipping that is on; a divergence after it leads with clipping and the recurrent weight; and a cut
gradient after it names the loop and keeps the clip. The references: each call's outputs and the script's losses."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

V, H, B, T = 8, 32, 64, 50
CHANCE = math.log(V)


class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.ih, self.hh, self.head = nn.Linear(V, H), nn.Linear(H, H, bias=False), nn.Linear(H, V)
        with torch.no_grad():
            self.hh.weight.copy_(1.15 * torch.eye(H))

    def forward(self, x, kept=None):
        h = torch.zeros(x.shape[0], H)
        for t in range(x.shape[1]):
            h = torch.relu(self.ih(x[:, t]) + self.hh(h))
            if kept is not None:
                kept.append(h.detach())
        return self.head(h)


def _batch(g):
    first = torch.randint(0, V, (B,), generator=g)
    tokens = torch.randint(0, V, (B, T), generator=g)
    tokens[:, 0] = first
    return F.one_hot(tokens, V).float(), first


def _run(clip, steps):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = Loop()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    reports, losses, stds = [], [], []
    with Monitor(model, every=1, chance_loss=CHANCE) as mon:
        for _ in range(steps):
            x, y = _batch(g)
            with mon.step() as s:
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                s.loss = loss
            if not stds:
                kept = []
                with torch.no_grad():
                    model(x, kept)
                stds = [float(h.std()) for h in kept]
            losses.append(loss.item())
            if clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            opt.zero_grad()
            reports.append(mon.report())
            if not math.isfinite(losses[-1]):
                break
    return reports, losses, stds


def test_a_clipped_loop_that_grows_its_state_reads_exploding_and_keeps_its_clip():
    reports, losses, stds = _run(1.0, 40)
    assert stds[-1] / stds[0] > 1e3 and (stds[-1] / stds[0]) ** (1 / (T - 1)) < 1.5  # the premise
    first = reports[0].reading
    assert first.status is Status.EXPLODING, first.words
    assert (f"through the 50 calls of hh>add:relu in one forward, the activations' std grows from {stds[0]:.3g} at "
            f"the first call to {stds[-1]:.3g} at the last") in first.words, first.words
    for report in reports[1:]:
        r = report.reading
        assert r.status is Status.EXPLODING, r.words
        assert "keep the clipping, which is on already (at training step" in r.remedy, r.remedy
        assert "lower its limit" not in r.remedy and "Raise the clipping limit" not in r.remedy, r.remedy
        assert "initialise the recurrent weight 'hh.weight' so that its largest singular value is at most 1" in r.remedy


def test_a_cut_gradient_after_the_loop_grew_keeps_the_clip_and_reads_learning_while_the_loss_falls():
    reports, losses, stds = _run(1.0, 300)
    end = reports[-1].reading
    assert sum(losses[-50:]) / 50 < losses[0] / 2  # the premise: the loss came down
    assert end.status is Status.STARTING, end.words
    m = re.search(r"; it learns, but the gradients reach the optimiser cut to .*; at training step 1 the activations' "
                  r"std grew ([\d.e+]+) times through the calls of hh>add:relu \(exploding through time\), which is "
                  r"what makes them this large", end.words)
    assert m, end.words
    assert float(m[1]) == float(f"{stds[-1] / stds[0]:.2g}")
    assert end.remedy.startswith("Keep the clipping, which holds the run while the loop grows the gradient"), end.remedy
    assert "Raise the clipping limit toward" not in end.remedy


@pytest.mark.parametrize("clip", [0.0])
def test_a_divergence_after_the_loop_grew_leads_with_clipping_and_the_weight(clip):
    reports, losses, stds = _run(clip, 5)
    end = reports[-1].reading
    assert not math.isfinite(losses[-1])  # the premise: it diverged
    assert end.status is Status.DIVERGED, end.words
    assert (f"at training step 1 the activations' std grew {stds[-1] / stds[0]:.2g} times through the calls of "
            "hh>add:relu (exploding through time)") in end.words, end.words
    assert end.remedy.startswith("Clip the gradients' norm"), end.remedy
    assert "'hh.weight'" in end.remedy and end.remedy.lower().count("clip the gradients' norm") == 1, end.remedy


def test_no_note_says_the_loss_sends_no_gradient_while_it_falls_from_a_far_start():
    reports, losses, _ = _run(1.0, 300)
    assert sum(losses[-50:]) / 50 < losses[0] / 100  # the premise: the loss fell from far up
    notes = " ".join(reports[-1].notes)
    assert "the loss sends every layer alike next to no gradient" not in notes, notes
