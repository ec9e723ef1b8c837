"""Issue 17 (R15 items 1 and 2): Trainer.run(rule) with a limit already reached, and frames()'s one StopRule.

A StopRule's max_epochs and max_steps count from the trainer's first update (rule.check reads a frame's own epoch
and step, and the lab's "stop at epoch" is the same number). run() on a trainer already at that limit used to yield
nothing and say nothing; it now raises a ConfigError naming the limit and the epoch or step reached, at the call.
frames(n) trains n more epochs and builds its rule once. The references are the trainer's own counters and the frames
of the first run, never the message's words copied from the output.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab.errors import ConfigError
from actlab.network import NetworkConfig
from actlab.optim import OptimConfig
from actlab.training import StopRule, Trainer


def trainer(n: int = 25, batch: int = 10) -> Trainer:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    return Trainer(NetworkConfig(2, (3,), ("tanh",)), OptimConfig(lr=0.1), x, (x[:, 0] > 0).astype(float),
                   batch_size=batch)


def test_a_second_run_to_the_same_epoch_raises_naming_max_epochs_and_the_epoch_reached():
    t = trainer()
    first = list(t.run(StopRule(max_epochs=4)))
    reached = first[-1].epoch  # 4, from the first run's own last frame
    steps = t.step_count
    with pytest.raises(ConfigError) as err:
        t.run(StopRule(max_epochs=4))  # raised at the call: the old run() yielded nothing, silently
    assert err.value.field == "max_epochs"
    assert f"epoch {reached}" in err.value.message and "frames(n)" in err.value.message
    assert t.step_count == steps  # nothing was trained


def test_a_step_budget_already_spent_raises_naming_max_steps_and_the_step_reached():
    t = trainer()
    t.run_updates(7)
    with pytest.raises(ConfigError) as err:
        t.run(StopRule(max_steps=5))
    assert err.value.field == "max_steps" and f"step {t.step_count}" in err.value.message


def test_a_later_limit_goes_on_from_where_the_trainer_stands():
    t = trainer()
    list(t.frames(3))
    assert [f.epoch for f in t.run(StopRule(max_epochs=5))] == [4, 5]


def test_a_rule_that_never_stops_is_refused_at_the_call_not_at_the_first_frame():
    t = trainer()
    with pytest.raises(ConfigError, match="never stop"):
        t.run(StopRule())


def test_run_given_a_number_instead_of_a_rule_names_the_argument():
    with pytest.raises(ConfigError) as err:
        trainer().run(50)
    assert err.value.field == "rule"


@pytest.mark.parametrize("epochs", [-1, None, 1.5, True, "3"])
def test_frames_refuses_a_bad_epoch_count_naming_its_own_argument(epochs):
    # the old frames() named StopRule's max_epochs for -1, and frames(None) fell over adding None to an int
    with pytest.raises(ConfigError) as err:
        trainer().frames(epochs)
    assert err.value.field == "epochs"


def test_frames_checks_the_target_at_the_call():
    # the old frames() was a generator: `actlab train` built it inside its try and met the error after the bar began
    with pytest.raises(ConfigError) as err:
        trainer().frames(3, target_loss=float("nan"))
    assert err.value.field == "target_loss"


def test_frames_builds_one_stop_rule(monkeypatch):
    built = []
    check = StopRule.__post_init__
    monkeypatch.setattr(StopRule, "__post_init__", lambda rule: (built.append(rule), check(rule))[1])
    t = trainer()
    list(t.frames(2, target_loss=0.0))
    assert len(built) == 1 and built[0].max_epochs == 2  # the old frames() built one to check, then the total


def test_frames_zero_trains_nothing_and_yields_nothing():
    t = trainer()
    t.run_updates(2)
    assert list(t.frames(0)) == [] and (t.step_count, t.epoch_count) == (2, 0)


def test_actlab_train_with_zero_epochs_shows_the_untrained_network():
    from actlab.cli import app

    result = CliRunner().invoke(app, ["train", "--epochs", "0", "--n-points", "40", "--json"])
    assert result.exit_code == 0, result.output
    frame = json.loads(result.output.strip().splitlines()[-1])
    assert (frame["step"], frame["epoch"]) == (0, 0)
