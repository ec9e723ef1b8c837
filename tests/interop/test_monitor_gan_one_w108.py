"""One monitor over both models of a GAN (W108 walkthrough finding 1): the discriminator's block zeroes its
gradients and steps, the generator's block zeroes its own and steps, and the generator's backward runs through the
discriminator, adding to its .grad, which the discriminator's next block zeroes before its own backward. That loop
read 'the gradients are never zeroed ... restart from the weights the run began with', and 'the optimiser stepped the
watched weights 1,498 times' of 2,996 blocks, 'accumulated over micro-batches'. The reference: what each optimiser
steps with, against the gradient of its own block's loss alone (torch.autograd.grad before the backward)."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _gan_run(zero_generator: bool, iterations: int = 60):
    """Alternating discriminator and generator blocks under one Monitor(every=1); per optimiser step, whether the
    gradient it stepped with was its block's loss's own (compared with torch.autograd.grad of that loss)."""
    torch.manual_seed(0)
    g_net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 4))
    d_net = nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt_g = torch.optim.Adam(g_net.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_net.parameters(), 1e-3, betas=(0.5, 0.999))
    mon = Monitor(nn.ModuleDict({"G": g_net, "D": d_net}), every=1)
    own = {"D": [], "G": []}
    ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
    for _ in range(iterations):
        with mon.step() as s:
            opt_d.zero_grad()
            fake = g_net(torch.randn(64, 4)).detach()
            loss = F.binary_cross_entropy_with_logits(d_net(torch.randn(64, 4) + 2), ones) + \
                F.binary_cross_entropy_with_logits(d_net(fake), zeros)
            alone = torch.autograd.grad(loss, d_net[0].weight, retain_graph=True)[0]
            loss.backward()
            s.loss = loss
        own["D"].append(torch.allclose(d_net[0].weight.grad, alone))
        opt_d.step()
        with mon.step() as s:
            if zero_generator:
                opt_g.zero_grad()
            loss = F.binary_cross_entropy_with_logits(d_net(g_net(torch.randn(64, 4))), ones)
            alone = torch.autograd.grad(loss, g_net[0].weight, retain_graph=True)[0]
            loss.backward()  # (and into the discriminator's .grad, which its next block zeroes)
            s.loss = loss
        own["G"].append(torch.allclose(g_net[0].weight.grad, alone))
        opt_g.step()
    return mon.report(), own


def test_one_monitor_over_a_gans_two_models_does_not_call_a_zeroed_loop_unzeroed():
    report, own = _gan_run(zero_generator=True)
    assert all(own["D"]) and all(own["G"])  # the premise: each optimiser stepped its own block's gradient alone
    words = report.reading.words
    assert "never zeroed" not in words and "zero_grad" not in (report.reading.remedy or ""), words
    # every block is followed by an optimiser step of watched weights: the blocks are the updates
    assert not any("times over them" in n or "accumulated over micro-batches" in n for n in report.notes), \
        report.notes


def test_the_generators_missing_zero_grad_is_still_found_under_one_monitor():
    report, own = _gan_run(zero_generator=False)
    assert all(own["D"]) and not any(own["G"][1:])  # the premise: the generator steps with sums from its second on
    assert "the gradients are never zeroed" in report.reading.words, report.reading.words
    assert "opt.zero_grad()" in report.reading.remedy

