"""The report's header and its reading agree with what happened: '1 step sampled' (not '1 steps'), a report before
any sample says how many steps ran in words, a step that ran nothing is not 'flowing', and a model that is one
nn.Linear (the module named '') is not 'diverged'."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _steps(mon: Monitor, n: int, forward: bool = True) -> None:
    for _ in range(n):
        with mon.step():
            if forward:
                mon.model(torch.randn(4, 3)).pow(2).mean().backward()
        mon.model.zero_grad()


def test_one_sampled_step_is_singular_and_two_plural():
    mon = Monitor(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), every=1)
    _steps(mon, 1)
    head = str(mon.report()).splitlines()[0]
    assert head == "actlab monitor: sampled at step 1, 1 step sampled (every 1)", head
    _steps(mon, 1)
    assert "2 steps sampled" in str(mon.report()).splitlines()[0]


def test_before_any_sample_the_header_and_reading_say_how_many_steps_ran():
    mon = Monitor(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), every="auto")
    report = mon.report()
    assert str(report).splitlines()[0] == "actlab monitor: no step sampled yet, 0 steps run"
    assert report.reading.words == "no step has been sampled yet: none has run"
    _steps(mon, 1)
    report = mon.report()
    assert str(report).splitlines()[0] == "actlab monitor: no step sampled yet, 1 step run"
    assert report.reading.words == ("no step has been sampled yet: 1 step run; every='auto' leaves the first 3 "
                                    "unsampled, to time them")
    assert "(0 run)" not in str(report) and "sampled at step" not in str(report)
    _steps(mon, 2)
    assert mon.report().sampled_steps == 0 and "3 steps run" in mon.report().reading.words
    _steps(mon, 1)  # the fourth step is auto's first sample
    assert mon.report().sampled_steps == 1


def test_a_step_that_runs_nothing_is_not_flowing():
    """The practitioner's Monitor(nn.Linear(3, 3), every=1) with an empty step: 'status: flowing' over 'nothing
    ran'."""
    mon = Monitor(nn.Linear(3, 3), every=1)
    _steps(mon, 1, forward=False)
    text = str(mon.report())
    assert "status: no_gradient" in text, text
    assert "reading: nothing ran: no weighted module of the watched model ran its forward on training step 1 (a " \
           "sampled one), so no gradient was computed" in text, text


def test_a_lone_linear_model_is_read_not_called_diverged():
    """nn.Linear(3, 3) alone is the module named '': its weight gradient was read as missing (NaN), and the report
    said 'diverged: the gradients are NaN or infinite' on a finite step."""
    mon = Monitor(nn.Linear(3, 3), every=1)
    _steps(mon, 1)
    report = mon.report()
    assert report.output_grad_norm > 0 and report.output_grad_norm == report.output_grad_norm  # finite, not NaN
    assert report.reading.status.value == "flowing", report.reading
    assert "diverged" not in str(report) and "NaN" not in report.reading.words
    assert report.reading.words == "a linear model: no hidden layers"
