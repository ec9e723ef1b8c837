"""Issue 17, R17: the step handle's misuse says what to write.

1: `s = mon.step()` without `with` made steps the monitor never entered, and the report said only that none had been
sampled. 2: s.los = loss raised "'_StepHandle' object has no attribute 'los'". 3: a refused s.loss silenced, for the
rest of the run, the note for a sampled step that set no s.loss while chance_loss was given."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop.test_monitor_misuse_r16 import _model, _steps  # noqa: E402  (the same small model and loop)


def _loss(model: nn.Module) -> torch.Tensor:
    return F.cross_entropy(model(torch.randn(16, 4)), torch.arange(16) % 2)


def _step(mon: Monitor, model: nn.Module, loss: object = "tensor") -> None:
    _steps(mon, model, 1, loss)


# -- 1: a step made and never entered -------------------------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 10, "auto"])
def test_a_step_never_entered_raises_at_the_next_step_and_says_to_write_with(every):
    model = _model()
    mon = Monitor(model, every=every)
    mon.step()  # the `with` forgotten: the block below is not the step's
    _loss(model).backward()
    with pytest.raises(RuntimeError, match=r"never entered.*with mon\.step\(\) as s:"):
        mon.step()
    assert mon.step_count == 0  # no step ran


def test_setting_the_loss_on_a_step_never_entered_says_to_write_with():
    model = _model()
    mon = Monitor(model, every=1)
    s = mon.step()
    loss = _loss(model)
    loss.backward()
    with pytest.raises(AttributeError, match=r"does not enter it.*with mon\.step\(\) as s:"):
        s.loss = loss


def test_steps_entered_as_usual_raise_nothing():
    model = _model()
    mon = Monitor(model, every=2)
    for _ in range(5):
        _step(mon, model)
    context = mon.step()  # made here and entered on the next line: also a step
    with context as s:
        value = _loss(model)
        value.backward()
        s.loss = value
    assert mon.step_count == 6 and mon.report().sampled_steps == 3


def test_a_nested_step_still_says_steps_do_not_nest():
    model = _model()
    mon = Monitor(model, every=1)
    with pytest.raises(RuntimeError, match="do not nest"):
        with mon.step():
            with mon.step():
                pass
    _step(mon, model)  # the outer step ended: the next one runs
    assert mon.step_count == 2


# -- 2: a misspelt name on the handle -------------------------------------------------------------------------------


def test_a_misspelt_loss_names_what_the_handle_takes_and_what_was_given():
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    with pytest.raises(AttributeError) as caught:
        with mon.step() as s:
            s.los = 0.6931
    words = str(caught.value)
    assert "_StepHandle" not in words
    assert "s.loss" in words and "'los'" in words and "0.6931" in words
    assert caught.value.name == "los"


def test_a_long_value_given_to_a_misspelt_name_is_cut_to_one_short_line():
    model = _model()
    mon = Monitor(model, every=1)
    with pytest.raises(AttributeError) as caught:
        with mon.step() as s:
            s.Loss = torch.zeros(1000)
    words = str(caught.value)
    assert "\n" not in words and len(words) < 400 and "'Loss'" in words


# -- 3: each loss note said on its own ------------------------------------------------------------------------------


def _said(mon: Monitor) -> tuple[list[str], list[str]]:
    notes = mon.report().notes
    return [n for n in notes if n.startswith("s.loss was")], [n for n in notes if "chance_loss was given" in n]


# the no-loss note asks whether this step set s.loss, not whether any step's s.loss was refused
@pytest.mark.parametrize("bad", ["0.7", True, torch.ones(3)])
def test_a_step_with_no_loss_after_a_refused_loss_still_gets_its_note(bad):
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    _step(mon, model, loss=bad)
    refused, unset = _said(mon)
    assert len(refused) == 1 and unset == []  # that step set one: "set no s.loss" would be wrong there
    _step(mon, model, loss=None)
    refused, unset = _said(mon)
    assert len(refused) == 1 and len(unset) == 1 and "training step 2 (a sampled one)" in unset[0]


def test_a_refused_loss_after_a_step_with_none_gets_its_own_note():
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    _step(mon, model, loss=None)
    _step(mon, model, loss="0.7")
    refused, unset = _said(mon)
    assert len(refused) == 1 and unset == []
