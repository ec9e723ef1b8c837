"""Issue 17 (W18 finding 7): Trainer.run(rule) again after it stopped at its target says so.

After `run(StopRule(target_loss=T))` stopped at the target, calling it again trained one more epoch and stopped, on
every call, and said nothing (a limit already reached raised since R15; a target already met did not). The
reference: the trainer's own frame, whose watched loss is compared with the target."""

from __future__ import annotations

import pytest

from actlab.errors import ConfigError
from actlab.session import RunConfig, build_trainer
from actlab.training import StopRule


def test_run_with_a_target_already_met_says_so_and_trains_nothing():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("tanh",), lr=0.1))
    rule = StopRule(target_loss=0.2, max_epochs=500)
    last = list(t.run(rule))[-1]
    assert rule.check(last).reason == "target"  # the premise: it stopped at its target
    epoch, step = t.epoch_count, t.step_count
    with pytest.raises(ConfigError) as e:
        t.run(rule)
    which, loss = rule.watched_loss(t.frame())
    assert e.value.field == "target_loss" and f"{which} loss is {loss:.4g} already" in str(e.value)
    assert (t.epoch_count, t.step_count) == (epoch, step)  # nothing trained
    assert list(t.run(StopRule(target_loss=loss / 2, max_epochs=epoch + 2)))  # a lower target trains on


def test_frames_with_a_target_still_trains_at_least_one_epoch():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("tanh",), lr=0.1))
    list(t.run(StopRule(target_loss=0.2, max_epochs=500)))
    epoch = t.epoch_count
    assert len(list(t.frames(5, target_loss=0.2))) == 1 and t.epoch_count == epoch + 1
