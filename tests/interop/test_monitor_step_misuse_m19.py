"""Issue 17, M19 item 1: each way of misusing mon.step() reads as what happened.

`s = mon.step()` made once and never entered, then report(), read 'no step has been sampled yet: none has run', with
no word of the step made and never entered. report() inside `with mon.step()` read the same on the first step (and
gave the step before's report on later ones, silently). The same step entered twice ran as two steps (a forward in
one block and its backward in another were read as two halves), and every='auto' timed the second from the first's
mon.step() call. A nested step and an exception inside the block are checked here too."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop.test_monitor_misuse_r16 import _model, _steps  # noqa: E402  (the same small model and loop)


def _backward(model) -> None:
    F.cross_entropy(model(torch.randn(16, 4)), torch.arange(16) % 2).backward()


# -- made and never entered -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 10, "auto"])
def test_a_step_never_entered_is_named_in_the_report(every):
    model = _model()
    mon = Monitor(model, every=every)
    s = mon.step()  # noqa: F841  (the `with` forgotten)
    _backward(model)
    report = mon.report()
    words = report.reading.findings[0].words
    assert words.startswith("no step has been sampled yet")
    assert "step 1, but that step was never entered" in words and "with mon.step() as s:" in words
    assert "every='auto' leaves" not in words  # not the reason here
    assert report.steps_run == 0 and report.sampled_steps == 0


def test_a_step_never_entered_after_sampled_steps_gets_a_note_and_the_latest_reading_stays():
    model = _model()
    mon = Monitor(model, every=1)
    _steps(mon, model, 3)
    before = mon.report()
    assert not any("never entered" in n for n in before.notes)
    made = mon.step()
    after = mon.report()
    assert after.step == before.step == 3 and after.reading == before.reading
    said = [n for n in after.notes if "never entered" in n]
    assert len(said) == 1 and "step 4" in said[0] and "with mon.step() as s:" in said[0]
    # the next mon.step() still refuses; the step made, entered at last, runs, and the note goes
    with pytest.raises(RuntimeError, match="never entered"):
        mon.step()
    with made:
        _backward(model)
    report = mon.report()
    assert report.step == 4 and not any("never entered" in n for n in report.notes)


# -- report() inside the block --------------------------------------------------------------------------------------


def test_report_inside_the_first_step_says_the_step_is_open():
    model = _model()
    mon = Monitor(model, every=1)
    with mon.step():
        _backward(model)
        words = mon.report().reading.findings[0].words
    assert words.startswith("no step has been sampled yet")
    assert "inside `with mon.step()`: step 1, open now, is read when its block ends" in words
    after = mon.report()  # after the block the step is read
    assert after.step == 1 and after.sampled_steps == 1 and not any("open now" in n for n in after.notes)


def test_report_inside_a_later_step_is_the_step_before_and_says_so():
    model = _model()
    mon = Monitor(model, every=1)
    _steps(mon, model, 2)
    with mon.step():
        _backward(model)
        inside = mon.report()
    assert inside.step == 2 and inside.sampled_steps == 2
    assert [n for n in inside.notes if "open now" in n] == [
        "report() was called inside `with mon.step()`: step 3, open now, is read when its block ends, so this "
        "report leaves it out; call report() after the block"]
    assert mon.report().step == 3


# -- entered twice --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 3, "auto"])
def test_one_step_entered_twice_raises_and_counts_one_step(every):
    model = _model()
    mon = Monitor(model, every=every)
    s = mon.step()
    with s:  # the forward in one block ...
        out = model(torch.randn(16, 4))
    with pytest.raises(RuntimeError, match=r"step 1\) was entered before.*anew on each training step"):
        with s:  # ... and its backward in another: the same step entered again
            F.cross_entropy(out, torch.arange(16) % 2).backward()
    assert mon.step_count == 1
    _steps(mon, model, 1)  # a step made as it should be runs
    assert mon.step_count == 2


def test_a_step_made_once_outside_the_loop_raises_on_the_second_iteration():
    model = _model()
    mon = Monitor(model, every=1)
    s = mon.step()
    with s:
        _backward(model)
    with pytest.raises(RuntimeError, match="entered before"):
        with s:
            _backward(model)
    assert mon.step_count == 1 and mon.report().sampled_steps == 1


# -- nested, and an exception inside ---------------------------------------------------------------------------------


def test_a_nested_step_says_steps_do_not_nest_and_the_report_after_reads_the_outer_step_as_raised():
    model = _model()
    mon = Monitor(model, every=1)
    with pytest.raises(RuntimeError, match="do not nest"):
        with mon.step():
            _backward(model)
            with mon.step():
                pass
    report = mon.report()
    assert report.steps_run == 1
    said = [n for n in report.notes if n.startswith("an exception inside `with mon.step()`")]
    assert len(said) == 1 and "RuntimeError" in said[0] and "do not nest" in said[0]
    assert not any("never entered" in n or "open now" in n for n in report.notes)


def test_an_exception_inside_the_first_step_reads_as_one_step_run_and_a_note():
    model = _model()
    mon = Monitor(model, every=1)
    with pytest.raises(ValueError):
        with mon.step():
            raise ValueError("boom")
    report = mon.report()
    assert report.reading.findings[0].words == "no step has been sampled yet: 1 step run"
    said = [n for n in report.notes if n.startswith("an exception inside `with mon.step()`")]
    assert len(said) == 1 and "step 1 raised ValueError: boom" in said[0] and "dropped" in said[0]
