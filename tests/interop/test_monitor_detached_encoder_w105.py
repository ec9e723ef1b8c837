"""Issue 17, W105 walkthrough finding 8: an encoder's output detached by mistake read 'healthy: only the output layer
trains: every hidden layer is left out (..., which got no gradient ...)' with no remedy, at 0.60 accuracy where the
control reached 0.85; what to do stood in a note alone. The reading now says it in its remedy; an encoder frozen on
purpose (requires_grad_(False)) is called frozen and told nothing. Reference: the script's own .grad of the
encoder's weights."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import batch_at, separable  # noqa: E402


class _Probe(nn.Module):
    def __init__(self, detach: bool, deep_head: bool = False):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 4)) if deep_head else nn.Linear(64, 4)
        self.detach = detach

    def forward(self, x):
        h = self.enc(x)
        return self.head(h.detach() if self.detach else h)


def _run(detach: bool, freeze: bool = False, deep_head: bool = False):
    x, y = separable()
    torch.manual_seed(0)
    model = _Probe(detach, deep_head)
    if freeze:
        model.enc.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 1e-3)
    with Monitor(model, every=2, chance_loss=math.log(4)) as mon:
        for t in range(200):
            i = batch_at(t)
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            grads = [p.grad for p in model.enc.parameters()]
            opt.step()
            opt.zero_grad()
    return mon.report().reading, grads


def test_a_detached_encoder_is_told_how_to_let_the_gradient_reach_it():
    r, grads = _run(detach=True)
    assert all(g is None for g in grads)  # the premise: no gradient reached the encoder
    assert "only the output layer trains" in r.words and "which got no gradient" in r.words, r.words
    assert "If the hidden layers should learn" in r.remedy and ".detach()" in r.remedy, r.remedy


def test_a_frozen_encoder_is_told_nothing_of_detaching():
    r, _ = _run(detach=False, freeze=True)
    assert "frozen" in r.words and "If the hidden layers should learn" not in r.remedy, (r.words, r.remedy)


def test_a_detached_encoder_before_a_head_with_a_hidden_layer_is_named_in_the_headline_and_the_remedy():
    """W106 walkthrough finding 1: where the head has a hidden layer of its own, the reading said 'healthy: gradients
    reach every trained layer' with no remedy, at 0.67 accuracy against its control's 0.85."""
    r, grads = _run(detach=True, deep_head=True)
    assert all(g is None for g in grads)  # the premise
    assert r.status.value == "healthy", r.words
    assert r.words.startswith("healthy where it trains, but 2 hidden layers (module 'enc.1' (ReLU) and module "
                              "'enc.3' (ReLU)) get no gradient, though not frozen: "), r.words
    assert r.remedy.startswith("If module 'enc.1' (ReLU) and module 'enc.3' (ReLU) (and the weights before them) "
                               "should learn, the loss does not reach their weights"), r.remedy
    # frozen on purpose: neither
    r, _ = _run(detach=False, freeze=True, deep_head=True)
    assert r.words.startswith("healthy: ") and "should learn" not in r.remedy, (r.words, r.remedy)


def test_a_loss_cut_off_from_the_outputs_is_not_said_to_have_had_no_backward():
    """W105 walkthrough finding 11: a loss on out.detach().requires_grad_() read 'backward did not run inside this
    sampled step's block', where backward had run, on a loss the model's outputs do not reach."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))
    g = torch.Generator().manual_seed(0)
    with Monitor(model, every=1, chance_loss=math.log(4)) as mon:
        for _ in range(5):
            x, y = torch.randn(64, 20, generator=g), torch.randint(0, 4, (64,), generator=g)
            with mon.step() as s:
                out = model(x).detach().requires_grad_()
                loss = F.cross_entropy(out, y)
                loss.backward()
                s.loss = loss
            assert out.grad is not None and all(p.grad is None for p in model.parameters())  # backward ran, cut off
    said = [n for n in mon.report().notes if "no gradient reached a watched activation" in n]
    assert len(said) == 1 and "or it ran on a loss cut off from the model's outputs (a .detach()" in said[0], said
