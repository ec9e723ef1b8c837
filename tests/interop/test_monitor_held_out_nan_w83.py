"""W83 walkthrough finding 1: a run whose weights went NaN at step 5 gave held_out() a NaN validation loss at step 50,
and held_out raised ValueError, ending the script's loop; the guide says a NaN or an inf never makes the monitor
raise. A NaN or infinite held-out loss is now kept apart: the held-out reading leaves it out (the finite ones before
still read as they did), and the reports after it say so in a note, with the steps. References: the test's own
held-out losses and their steps."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

TAIL = ("left out of the held-out reading. A held-out loss is NaN or infinite where the weights hold a NaN or an inf "
        "(the training reading says whether its loss went so too) or the outputs overflow on the held-out data, or "
        "where that data holds one: check torch.isfinite() on a held-out batch")


def test_a_diverged_runs_nan_validation_loss_is_taken_and_said():
    """Weights x10 and lr 5 with momentum (the walkthrough's init and a rate that finishes it off): the training loss
    goes NaN; the validation every 20 steps then reads NaN too, and the loop runs to its end."""
    torch.manual_seed(0)
    x, y = torch.randn(512, 16), torch.randint(0, 4, (512,))
    xv, yv = torch.randn(256, 16), torch.randint(0, 4, (256,))
    model = nn.Sequential(nn.Linear(16, 64), nn.LeakyReLU(0.1), nn.Linear(64, 64), nn.LeakyReLU(0.1), nn.Linear(64, 4))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(10)
    opt = torch.optim.SGD(model.parameters(), lr=5.0, momentum=0.9)
    given = []
    with Monitor(model, every=10, chance_loss=math.log(4)) as mon:
        for step in range(1, 101):
            monitored_step(mon, model, x, y, opt)
            if step % 20 == 0:
                with torch.no_grad():
                    value = F.cross_entropy(model(xv), yv)
                mon.held_out(value)  # no raise
                given.append((step, float(value)))
        report = mon.report()
    bad = [(t, v) for t, v in given if not math.isfinite(v)]
    assert len(bad) >= 2, given  # the premise: the validation went NaN
    assert report.status == "diverged", report.reading.words
    assert f"{len(bad)} held-out losses were NaN or infinite (given after training steps {bad[0][0]} to " \
           f"{bad[-1][0]}): {TAIL}" in report.notes, report.notes


def test_a_nan_held_out_loss_leaves_the_finite_ones_reading_as_they_did():
    """Finite held-out losses that stay at chance while training learns (not_generalising), then one NaN: the reading
    is the finite ones', the NaN one said in a note of report() at once (given after the last sampled step), and an
    inf after the next sample is counted with it."""
    torch.manual_seed(0)
    X, Xv = torch.randn(256, 20), torch.randn(256, 20)
    y, yv = torch.randint(0, 10, (256,)), torch.randint(0, 10, (256,))  # random labels: nothing to generalise
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    with Monitor(model, every=10, chance_loss=math.log(10)) as mon:
        for t in range(1, 302):
            i = torch.randint(0, 256, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, X[i], y[i], opt)
            if t % 10 == 0:
                with torch.no_grad():
                    mon.held_out(F.cross_entropy(model(Xv), yv))
        before = mon.report()
        mon.held_out(float("nan"))
        after = mon.report()
        assert before.status == after.status == "not_generalising", after.reading.words
        assert after.reading.words == before.reading.words
        assert f"the held-out loss given after training step 301 was nan: {TAIL}" in after.notes, after.notes
        assert not any(TAIL in n for n in before.notes)
        for _ in range(302, 312):  # no update: the reading stays the finite held-out losses'
            monitored_step(mon, model, X[:64], y[:64])
            opt.zero_grad()
        mon.held_out(torch.tensor(math.inf))
        last = mon.report()
    assert "2 held-out losses were NaN or infinite (given after training steps 301 to 311): " + TAIL in last.notes, \
        last.notes
