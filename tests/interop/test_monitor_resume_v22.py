"""A run resumed from a checkpoint (W21 finding 6): Monitor(first_step=N + 1) numbers its steps on from N, samples
the steps a fixed interval would have sampled, and read_log's warning about a log holding two runs names the path
it was given and says what a resumed run should do."""

from __future__ import annotations

import json
import warnings

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.monitor_log import LogWarning, read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _train(mon: Monitor, model: nn.Module, steps: int) -> None:
    for _ in range(steps):
        with mon.step() as s:
            loss = model(torch.randn(16, 4)).square().mean()
            loss.backward()
            s.loss = loss
        model.zero_grad()


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def test_a_resumed_run_continues_the_step_numbers(tmp_path):
    model = _model()
    with Monitor(model, every=5, log=tmp_path / "a.jsonl") as mon:
        _train(mon, model, 12)
    with Monitor(model, every=5, log=tmp_path / "b.jsonl", first_step=13) as mon:
        _train(mon, model, 10)
        report = mon.report()
    first = [r["step"] for r in read_log(tmp_path / "a.jsonl").reports]
    second = read_log(tmp_path / "b.jsonl").reports
    assert first == [1, 6, 11]  # every=5 samples steps 1, 6, 11, ...
    # steps 13..22: those among 1, 6, 11, 16, 21, as one monitor over 22 steps would have sampled
    assert [r["step"] for r in second] == [16, 21]
    assert [r["sampled_steps"] for r in second] == [1, 2]  # this monitor's own sampled steps
    assert report.step == 21 and report.steps_run == 22
    end = json.loads((tmp_path / "b.jsonl").read_text().splitlines()[-1])
    assert end["event"] == "end" and end["steps_run"] == 22


def test_first_step_before_any_step_says_none_has_run():
    mon = Monitor(_model(), every=5, first_step=101)
    assert mon.report().steps_run == 100
    assert "none has run" in mon.report().reading.findings[0].words


def test_auto_still_warms_up_on_its_own_steps():
    model = _model()
    mon = Monitor(model, first_step=1001)  # every="auto": its first steps are left unsampled, to time them
    _train(mon, model, 2)
    assert mon.sampled_steps == 0 and mon.step_count == 1002


@pytest.mark.parametrize("bad", [0, -3, 1.5, "10", True])
def test_a_first_step_that_is_not_a_step_number_is_refused(bad):
    with pytest.raises(ValueError, match="first_step"):
        Monitor(_model(), first_step=bad)


def test_the_two_runs_warning_names_the_path_given(tmp_path):
    log = tmp_path / "runs" / "resume.jsonl"
    model = _model()
    for first in (1, 13):
        with Monitor(model, every=5, log=log, first_step=first) as mon:
            _train(mon, model, 12)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read_log(log)
    said = " ".join(str(w.message) for w in caught if issubclass(w.category, LogWarning))
    assert [r["step"] for r in got.reports] == [16, 21]  # the latest run, its steps going on from 12
    assert f"read_log({str(log)!r})" in said  # was read_log('resume.jsonl') at faa7e5d
    assert "first_step=N + 1" in said
