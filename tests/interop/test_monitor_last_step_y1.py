"""The final report can be of the run's last step (issue 17, W29 walkthrough finding 3): every run's last report was of
its last sampled step ('sampled at step 362 of 400'), with nothing saying the steps after it were never read.
``with mon.step(sample=True)`` samples a step out of turn; a closed monitor whose report is of an earlier step says
so. References: the sampled steps counted by the test, and the gradient reaching the ReLU's output by autograd on the
same step."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _train(steps: int, last: bool, every="auto"):
    torch.manual_seed(0)
    x = torch.randn(512, 8)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    grads, sampled = [], []
    def keep_grad(module, inputs, out):  # the gradient reaching the ReLU's output, by autograd
        if out.requires_grad:
            out.register_hook(grads.append)

    model[1].register_forward_hook(keep_grad)
    with Monitor(model, every=every, chance_loss=math.log(2)) as mon:
        for step in range(1, steps + 1):
            i = torch.randint(0, 512, (64,))
            before = mon.sampled_steps
            with mon.step(sample=last and step == steps) as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            if mon.sampled_steps > before:
                sampled.append(step)
            opt.step()
            opt.zero_grad()
    return mon.report(), sampled, grads[-1]


@pytest.mark.parametrize("every", [50, "auto"])
def test_sample_true_on_the_last_step_makes_the_final_report_the_end(every):
    report, sampled, grad = _train(120, last=True, every=every)
    assert sampled[-1] == 120 and report.step == 120 and report.steps_run == 120
    if every == 50:
        assert sampled == [1, 51, 101, 120]  # the interval's own, and the one asked for
    assert math.isclose(report.layers[0].act_grad_norm, grad.norm().item(), rel_tol=1e-5)
    assert not any("the run ended at step" in n for n in report.notes), report.notes
    assert str(report).startswith("actlab monitor: sampled at step 120, ")


def test_a_closed_monitor_whose_report_is_of_an_earlier_step_says_so():
    report, sampled, _ = _train(120, last=False, every=50)
    assert sampled == [1, 51, 101] and report.step == 101
    note = next(n for n in report.notes if "the run ended at step" in n)
    assert note.startswith("the run ended at step 120; this report is of step 101, the last sampled one, and the 19 "
                           "steps after it were not read: `with mon.step(sample=True)`"), note


def test_one_step_after_the_last_sampled_one_is_said_in_the_singular():
    report, sampled, _ = _train(102, last=False, every=50)  # (W48: 'the 1 step after it were not read')
    assert sampled == [1, 51, 101] and report.step == 101
    note = next(n for n in report.notes if "the run ended at step" in n)
    assert "and the 1 step after it was not read: " in note, note


def test_sample_takes_true_or_false_only():
    mon = Monitor(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)), every=5)
    with pytest.raises(TypeError, match=r"mon.step\(sample=...\): True or False; got"):
        mon.step(sample="yes")
    with pytest.raises(TypeError, match=r"sample=.*True or False"):
        mon.step(sample=1)
    mon.close()
    with pytest.raises(RuntimeError, match="after the monitor was closed"):
        mon.step(sample=True)
