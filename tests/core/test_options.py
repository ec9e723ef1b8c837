"""The choices catalogue (actlab.options): every list is the core's, and every range it offers the core accepts."""

from __future__ import annotations

import pytest

from actlab import activations, options
from actlab.datasets import CLASSIFICATION, DATASETS, FEATURES, REGRESSION, make_dataset
from actlab.errors import ConfigError
from actlab.network import INITS
from actlab.optim import OPTIMIZERS, REGULARIZERS, OptimConfig
from actlab.playground import MAX_EPOCHS_PER_FRAME
from actlab.session import LOSSES, RunConfig


def names(rows):
    return tuple(r["name"] for r in rows)


def test_every_list_is_the_cores_in_its_order():
    got = options.options()
    assert names(got["activations"]) == tuple(activations.names())
    assert names(got["datasets"]) == DATASETS
    assert names(got["features"]) == FEATURES
    assert names(got["initializers"]) == INITS
    assert names(got["optimizers"]) == OPTIMIZERS
    assert names(got["losses"]) == LOSSES
    assert names(got["regularizers"]) == REGULARIZERS


def test_each_data_set_carries_the_task_the_core_trains_it_as(rng):
    for row in options.options()["datasets"]:
        assert row["task"] == ("classification" if row["name"] in CLASSIFICATION else "regression")
        assert row["task"] == make_dataset(row["name"], 20, rng=rng).task
    assert {r["name"] for r in options.options()["datasets"] if r["task"] == "regression"} == set(REGRESSION)


def test_titles_name_only_real_choices():
    # a title for a name the core does not know would be a copy that drifted
    assert set(options.DATASET_TITLES) <= set(DATASETS)
    assert set(options.FEATURE_TITLES) <= set(FEATURES)
    assert set(options.INIT_TITLES) <= set(INITS)
    assert set(options.OPTIMIZER_TITLES) <= set(OPTIMIZERS)
    assert set(options.REGULARIZER_TITLES) <= set(REGULARIZERS)
    assert set(options.LOSS_TITLES) <= set(LOSSES)


@pytest.mark.parametrize("name", activations.names())
def test_each_activations_parameters_are_the_registrys(name):
    record = activations.get(name)
    row = options.activation_options(record)
    assert (row["title"], row["gated"]) == (record.title, record.is_gated)
    assert set(row["params"]) == set(record.param_specs)
    for key, spec in record.param_specs.items():
        got = row["params"][key]
        assert (got["default"], got["allowed"], got["low_closed"], got["high_closed"]) == \
               (spec.default, spec.interval(), spec.low_closed, spec.high_closed)
        if got["slider"]:  # the slider's ends are values the record accepts
            for end in ("min", "max"):
                assert spec.check(name, key, got["slider"][end]) == pytest.approx(got["slider"][end])
            assert got["slider"]["step"] > 0


def test_the_groups_are_the_records_own_in_the_lessons_order():
    got = options.options()
    assert got["activation_groups"][0] == activations.get("sigmoid").group  # the lesson's six come first
    assert set(got["activation_groups"]) == {activations.get(n).group for n in activations.names()}
    assert all(a["group"] == activations.get(a["name"]).group for a in got["activations"])
    gated = {activations.get(n).group for n in activations.names() if activations.get(n).is_gated}
    assert len(gated) == 1 and gated.isdisjoint(a["group"] for a in got["activations"] if not a["gated"])


def test_every_learning_rate_and_regularisation_rate_offered_is_accepted():
    for lr in options.LEARNING_RATES:
        OptimConfig("sgd", lr)
    for rate in options.REG_RATES:
        OptimConfig("sgd", 0.03, reg="l2", reg_rate=rate)
    assert list(options.LEARNING_RATES) == sorted(options.LEARNING_RATES)


def test_the_epochs_per_frame_steps_end_at_the_playgrounds_cap():
    assert max(options.EPOCHS_PER_FRAME) == MAX_EPOCHS_PER_FRAME and min(options.EPOCHS_PER_FRAME) == 1


@pytest.mark.parametrize("key", ["noise", "train_fraction", "batch_size"])
def test_each_sliders_ends_are_accepted_and_one_step_past_is_refused_where_the_core_limits_it(key, rng):
    slider = options.SLIDERS[key]
    for end in (slider["min"], slider["max"]):
        cfg = RunConfig(**{key: end})
        make_dataset(cfg.dataset, cfg.n_points, cfg.noise, rng=rng).split(cfg.train_fraction, rng)
    if key == "batch_size":  # the core takes any batch up to the points; the slider stops at the playground's 30
        return
    for beyond in (slider["min"] - slider["step"], slider["max"] + slider["step"]):
        cfg = RunConfig(**{key: beyond})
        with pytest.raises(ConfigError) as err:
            make_dataset(cfg.dataset, cfg.n_points, cfg.noise, rng=rng).split(cfg.train_fraction, rng)
        assert err.value.field == key


def test_the_run_defaults_are_runconfigs_and_make_a_valid_run():
    defaults = options.run_defaults()
    assert RunConfig.from_dict(defaults) == RunConfig()
    assert defaults["init"] == RunConfig().init and defaults["layers"] == list(RunConfig().layers)
