"""A step whose `with mon.step()` block raises and the script catches and goes on (an out-of-memory batch skipped, a
bad batch, a loss check): the report says which step raised, the exception in words, and what the monitor kept or
dropped of it. Before M11 a sampled step that raised in its forward was read as a finished step: 'no_gradient ...
call loss.backward() inside the block', though the script did; an unsampled one was never mentioned."""

from __future__ import annotations

import json
import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.interop import _monitor_step  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))


def _run(every, raise_at: int | None, where: str, steps: int = 13, log=None):
    """Trains the model `steps` steps; on step index raise_at the block raises (in the forward, after the first
    layer; or after backward), the script catches it and goes on. Returns the monitor, a snapshot of the report
    after each step, and the weight-gradient norms autograd left on each step (None where backward did not run)."""
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=every, log=log)
    g = torch.Generator().manual_seed(1)
    reports, norms = [], []
    for i in range(steps):
        x, y = torch.randn(32, 4, generator=g), torch.randint(0, 3, (32,), generator=g)
        got = None
        try:
            with mon.step() as s:
                if i == raise_at and where == "forward":
                    model[1](model[0](x))
                    raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                got = {n: model[k].weight.grad.norm().item() for n, k in (("0", 0), ("2", 2), ("4", 4))}
                if i == raise_at and where == "after":
                    raise FloatingPointError("loss check failed")
                s.loss = loss
        except (RuntimeError, FloatingPointError):
            pass
        opt.step()
        opt.zero_grad()
        reports.append(mon.report())
        norms.append(got)
    return mon, reports, norms


def _rows(report):
    return [(r.name, r.act_grad_norm, r.weight_grad_norm, r.mean, r.std, r.dead, r.window) for r in report.layers]


def test_a_sampled_step_that_raises_in_its_forward_is_dropped_and_said():
    mon, reports, _ = _run(5, raise_at=10, where="forward")
    report = reports[-1]
    # steps 1 and 6 were sampled and ended; step 11 was sampled and raised: the report is still step 6's, the
    # counts and the dead history leave step 11 out
    assert report.step == 6 and report.sampled_steps == 2 and report.steps_run == 13
    assert _rows(report) == _rows(reports[5])
    assert all(r.window == 2 for r in report.layers)
    assert report.reading.status.value == "flowing", report.reading
    note = next(n for n in report.notes if "inside `with mon.step()`" in n)
    assert ("step 11 raised RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB; it was a sampled step, "
            "and it raised before its backward had ended: the monitor dropped") in note, note
    assert note.endswith("2 steps ran after it"), note
    # the step after is read as any: step 16 would be the next sample; the history goes on from step 6
    assert "call loss.backward() inside the block" not in str(report)


def test_a_sampled_step_that_raises_after_its_backward_is_kept():
    mon, reports, norms = _run(5, raise_at=10, where="after")
    report = reports[-1]
    assert report.step == 11 and report.sampled_steps == 3
    # the numbers are that step's: autograd's weight-gradient norms of step 11
    for row, name in zip(report.layers, ("0", "2"), strict=True):
        assert row.weight_grad_norm == pytest.approx(norms[10][name], rel=1e-5)
    assert report.reading.status.value == "flowing"
    note = next(n for n in report.notes if "inside `with mon.step()`" in n)
    assert "step 11 raised FloatingPointError: loss check failed; it was a sampled step, and it raised after its " \
           "backward had ended: the monitor kept its measurements" in note, note


def test_an_unsampled_step_that_raises_changes_nothing_but_is_said():
    _, plain, _ = _run(5, raise_at=None, where="forward")
    mon, reports, _ = _run(5, raise_at=7, where="forward")
    report = reports[-1]
    assert report.step == 11 and report.sampled_steps == 3
    note = next(n for n in report.notes if "inside `with mon.step()`" in n)
    assert "step 8 raised RuntimeError: CUDA out of memory" in note and "it was not a sampled step, so the " \
           "monitor had measured nothing of it; 5 steps ran after it" in note, note
    # the same sampled steps as a run where nothing raised, up to step 8's missing update: steps 1 and 6 agree
    assert _rows(reports[5]) == _rows(plain[5])
    assert not any("inside `with mon.step()`" in n for n in plain[-1].notes)


def test_several_steps_that_raise_are_counted_and_the_log_carries_the_note(tmp_path):
    model = _model()
    log = tmp_path / "run.jsonl"
    mon = Monitor(model, every=4, log=log)
    for i in range(10):
        try:
            with mon.step():
                out = model(torch.randn(8, 4))
                if i in (2, 4, 5):
                    raise ValueError(f"bad batch {i}")
                out.sum().backward()
        except ValueError:
            pass
    report = mon.report()
    # sampled: steps 1, 5 (raised in the forward: dropped), 9; unsampled and raising: 3, 6
    assert report.sampled_steps == 2 and report.step == 9
    note = next(n for n in report.notes if "inside `with mon.step()`" in n)
    assert note.startswith("exceptions inside `with mon.step()`: 3 steps raised one (2 not sampled, 1 sampled, "
                           "measurements dropped); the latest, step 6, raised ValueError: bad batch 5"), note
    assert note.endswith("the first, step 3, raised ValueError: bad batch 2"), note
    mon.close()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    step9 = next(r for r in lines if r.get("step") == 9)
    assert any(n.startswith("exceptions inside `with mon.step()`: 3 steps raised one") for n in step9["notes"])


def test_before_any_sampled_step_the_note_is_there_too():
    model = _model()
    mon = Monitor(model, every=10)
    try:
        with mon.step():
            model[0](torch.randn(8, 4))
            raise KeyError("features")
    except KeyError:
        pass
    report = mon.report()
    assert report.sampled_steps == 0 and "no step has been sampled yet" in report.reading.words
    assert any("step 1 raised KeyError: 'features'; it was a sampled step, and it raised before its backward had "
               "ended: the monitor dropped" in n for n in report.notes), report.notes
    # the next sampled step (11) learns the structure from its own whole forward: every layer and the output's ratio
    for _ in range(10):
        with mon.step():
            model(torch.randn(8, 4)).square().mean().backward()
    report = mon.report()
    assert report.step == 11 and [r.name for r in report.layers] == ["1", "3"]
    assert report.layers[-1].weight_grad_ratio_to_output == pytest.approx(
        model[2].weight.grad.norm().item() / model[4].weight.grad.norm().item(), rel=1e-5)


def test_a_raising_step_is_not_timed_for_auto(monkeypatch):
    """every='auto' times unsampled steps as its base: a step that raised (after an hour-long hang, say) is no
    step's cost. On a fake clock the raising step lasts 1000 s; no base time or fixed cost holds it."""
    now = [0.0]
    monkeypatch.setattr(_monitor_step.time, "perf_counter", lambda: now[0])
    model = _model()
    mon = Monitor(model, every="auto")
    for i in range(40):
        try:
            with mon.step():
                model(torch.randn(8, 4)).sum().backward()
                now[0] += 1000.0 if i == 4 else 0.001
                if i == 4:
                    raise TimeoutError("the data loader hung")
        except TimeoutError:
            pass
    # timed, it was the base of step 6's sample: an extra of 0.001 / 1000 - 1, a sampled step 'free'
    extras = list(mon._times["extra"])
    assert extras and all(abs(e) < 0.5 for e in extras), extras
    assert mon.sampled_extra is not None and math.isfinite(mon.sampled_extra)
