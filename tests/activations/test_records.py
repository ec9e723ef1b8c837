"""What every record says about itself beyond the maths: its lesson group and how its parameters are offered."""

from __future__ import annotations

import math

import pytest

from actlab import activations
from actlab.activations import GATED, LESSON_SIX, MORE, REGISTRY, Activation, Param, Slider


def test_the_lessons_six_form_the_first_group_in_order():
    six = [n for n in activations.names() if REGISTRY[n].group == LESSON_SIX]
    assert six == ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu"]


def test_every_gated_record_is_in_the_gated_group_and_no_other_is():
    for name in activations.names():
        record = REGISTRY[name]
        assert (record.group == GATED) == record.is_gated, name


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_record_names_a_group(name):
    group = REGISTRY[name].describe()["group"]
    assert isinstance(group, str) and group.strip()


def test_groups_come_in_the_lessons_order():
    order = list(dict.fromkeys(REGISTRY[n].group for n in activations.names()))
    assert order == [LESSON_SIX, MORE, GATED]


PARAMS = [(n, k) for n in REGISTRY for k in REGISTRY[n].param_specs]


@pytest.mark.parametrize(("name", "key"), PARAMS)
def test_a_slider_stays_inside_the_allowed_interval_and_steps_evenly(name, key):
    spec = REGISTRY[name].param_specs[key]
    if spec.slider is None:
        assert spec.optional, f"{name}.{key}: only a parameter a slider cannot express (None) goes without one"
        return
    s = spec.slider
    assert s.min < s.max and s.step > 0
    steps = (s.max - s.min) / s.step
    assert abs(steps - round(steps)) < 1e-9, f"{name}.{key}: the slider's ends are not a whole number of steps apart"
    for end in (s.min, s.max):
        spec.check(name, key, end)  # raises when an end is not an allowed value


@pytest.mark.parametrize(("name", "key"), PARAMS)
def test_the_default_is_written_once_and_bound_as_the_records_parameter(name, key):
    record = REGISTRY[name]
    assert record.params[key] == record.param_specs[key].default
    if record.param_specs[key].default is not None:
        record.param_specs[key].check(name, key, record.param_specs[key].default)


def test_describe_carries_each_parameters_interval_and_slider():
    spec = activations.get("leaky_relu").describe()["param_specs"]["negative_slope"]
    assert spec == {"default": 0.01, "allowed": "[0, 1] (finite)", "low": 0.0, "high": 1.0, "low_closed": True,
                    "high_closed": True, "optional": False, "slider": {"min": 0.0, "max": 0.5, "step": 0.01},
                    "doc": spec["doc"]}
    threshold = activations.get("softplus").describe()["param_specs"]["threshold"]
    assert threshold["optional"] is True and threshold["slider"] is None and threshold["high"] == "inf"


def test_bound_parameters_keep_the_slider_and_the_group():
    record = activations.get("silu", beta=2.0)
    assert record.params == {"beta": 2.0} and record.group == LESSON_SIX
    assert record.param_specs["beta"].slider == Slider(0.1, 5.0, 0.1)


def _record(**changes) -> Activation:
    base = dict(name="scaled", fn=lambda x, k: k * x, deriv=lambda x, k: 0 * x + k, formula="kx", deriv_formula="k",
                title="Scaled", output_range=(-math.inf, math.inf), deriv_range=(0.0, 1.0), deriv_max=1.0,
                deriv_argmax=None, deriv_argmax_text="everywhere", zero_centred=True, monotonic=True,
                smoothness="C-inf", self_gated=False, year=2026, paper="a test", used_in=(),
                hf_names=(), strength="", weakness="", param_specs={"k": Param(0.5, 0.0, 1.0)})
    return Activation(**{**base, **changes})


def test_a_record_without_a_group_falls_in_other_and_takes_its_defaults_from_the_specs():
    record = _record()
    assert record.group == activations.OTHER_GROUP and record.params == {"k": 0.5}


def test_params_that_do_not_match_the_specs_are_refused_by_name():
    with pytest.raises(ValueError, match=r"scaled: params \['j'\] must name exactly the parameters of param_specs"):
        _record(params={"j": 0.5})


@pytest.mark.parametrize("name", [n for n in REGISTRY if REGISTRY[n].param_props is not None])
def test_the_typed_properties_are_what_the_parameter_rule_gives_at_the_defaults(name):
    """A record types its properties at the default parameters and param_props recomputes them for others: the two
    must agree at the defaults, or a record would change when get() binds its own default values."""
    record = REGISTRY[name]
    at_defaults = record.param_props(dict(record.params))
    assert {k: getattr(record, k) for k in at_defaults} == at_defaults
    assert activations.get(name, **record.params) == record
