"""The Monitor's report says when trained weights never change although they get gradients (W14 finding 5, R9's
detection and words, joined in the report's RunSummary): W14's loop without opt.step() read 'not learning ... raise
the learning rate' for 1,200 steps. References: copies of the weights compared with torch.equal, and the loop's own
count of updates."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import WEIGHTS_STILL_STEPS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(lr: float, step_opt: bool, steps: int, every=5):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    first = [p.detach().clone() for p in model.parameters()]
    with Monitor(model, every=every, chance_loss=float(torch.log(torch.tensor(3.0)))) as mon:
        for _ in range(steps):
            monitored_step(mon, model, x, y)
            if step_opt:
                opt.step()
            opt.zero_grad()
        report = mon.report()
    unchanged = all(torch.equal(a, b) for a, b in zip(first, model.parameters(), strict=True))
    return report, unchanged


def test_a_loop_that_never_steps_the_optimiser_reads_weights_not_changing():
    report, unchanged = _run(0.1, step_opt=False, steps=WEIGHTS_STILL_STEPS + 60)
    assert unchanged
    assert report.status == "not_learning", report.reading.words
    # R11: still since the first sampled step, and the weights are equal to their first copies: never changed
    words = report.reading.words
    assert "have not changed at any sampled step from the first" in words and "opt.step()" in words
    assert "raise the learning rate" not in (report.reading.words + " " + report.reading.remedy).lower()


def test_a_training_loop_never_reads_weights_not_changing():
    report, unchanged = _run(0.5, step_opt=True, steps=WEIGHTS_STILL_STEPS + 60)
    assert not unchanged
    assert "have not changed" not in report.reading.words
