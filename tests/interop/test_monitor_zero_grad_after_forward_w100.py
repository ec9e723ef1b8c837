"""W100 walkthrough finding 1: opt.zero_grad() called after the forward and before loss.backward() (a correct loop)
read 'gradients accumulate across steps: when step 11's forward began, every weight ... already held a nonzero
gradient from before, and backward adds to it: zero_grad() is missing from the loop'. What .grad holds as backward
reaches the weight now decides it. References: torch.autograd.grad of the same loss (the test's own check that
nothing accumulates), and a loop with no zero_grad() at all, which still gets the note."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

NOTE = "gradients accumulate across steps"


def _run(zero: str):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    fresh = []
    with Monitor(model, every=1) as mon:
        for _ in range(20):
            # (the step's own gradient, from a forward of its own outside the monitored step)
            own = torch.autograd.grad(F.cross_entropy(model(x), y), model[0].weight)[0]
            with mon.step() as s:
                loss = F.cross_entropy(model(x), y)
                if zero == "between":
                    opt.zero_grad()
                loss.backward()
                s.loss = loss
            fresh.append(torch.allclose(model[0].weight.grad, own))
            opt.step()
            if zero == "after":
                opt.zero_grad()
        return mon.report(), fresh


def test_zero_grad_between_the_forward_and_backward_is_no_accumulation():
    report, fresh = _run("between")
    assert all(fresh)  # the premise: each step's .grad is that step's gradient alone
    assert not any(NOTE in n for n in report.notes), report.notes


def test_a_loop_with_no_zero_grad_still_gets_the_note():
    report, fresh = _run("never")
    assert not all(fresh)  # the premise: gradients pile up
    assert any(NOTE in n and "zero_grad() is missing" in n for n in report.notes), report.notes
    assert not any(NOTE in n for n in _run("after")[0].notes)
