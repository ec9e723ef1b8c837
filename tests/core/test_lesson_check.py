"""The lesson page's address, checked once by the core (options.check_lesson): each refusal in the words of the
rule it breaks (activation_spec for the explorer's activations), its default used, the rest kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab import activations, options
from actlab.activation_spec import spec
from actlab.errors import ConfigError
from actlab.network import INITS


def test_nothing_given_is_the_defaults_and_they_pass_their_own_check():
    answer = options.check_lesson({})
    assert answer["problems"] == []
    assert answer["settings"] == options.options()["lesson"]["defaults"]
    assert options.check_lesson(answer["settings"]) == answer  # the defaults are allowed values


def test_an_activation_is_refused_in_activation_specs_words_and_the_others_stand():
    answer = options.check_lesson({"acts": ["relu", "leaky_relu(negative_slope=7)"], "van_depth": 20})
    with pytest.raises(ConfigError) as exc:
        spec("leaky_relu(negative_slope=7)", "acts (item 2)")
    assert answer["problems"] == [{"setting": "acts", "field": "acts (item 2)", "message": exc.value.message}]
    assert \
        [a["name"] for a in answer["settings"]["acts"]] == list(options.LESSON_DEFAULTS["acts"])
    assert answer["settings"]["van_depth"] == 20


@pytest.mark.parametrize(("key", "value", "words"), [
    ("van_depth", 0, "a whole number from 1 to 50; got 0"), ("van_depth", 51, "from 1 to 50"),
    ("van_depth", True, "got True"), ("van_depth", 2.5, "got 2.5"), ("van_width", 20, "one of 16, 32, 64"),
    ("van_init", "bogus", "allowed: " + ", ".join(INITS)), ("van_act", "swiglu", "gated unit"),
    ("van_act", "nope", "nope"), ("acts", [], "a list of 1 to 12"), ("acts", ["relu"] * 13, "got"),
    ("acts", "relu", "a list"), ("zz", 1, "unknown setting 'zz'")])
def test_each_bad_value_is_named_with_what_is_allowed(key, value, words):
    (problem,) = options.check_lesson({key: value})["problems"]
    assert problem["setting"] == key and words in problem["message"]


def test_aliases_and_parameters_come_back_canonical():
    answer = options.check_lesson({"acts": ["SiLU(beta=2)", {"name": "elu", "params": {"alpha": 0.5}}],
                                   "van_act": "swish"})
    assert answer["problems"] == []
    assert answer["settings"]["acts"] == [{"name": "silu", "params": {"beta": 2.0}},
                                          {"name": "elu", "params": {"alpha": 0.5}}]
    assert answer["settings"]["van_act"] == activations.resolve("swish")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(options.LESSON_DEFAULTS) + ["x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(-100, 100), st.floats(allow_nan=True),
                                 st.text(max_size=20), st.lists(st.text(max_size=12), max_size=14))))
def test_any_body_gets_an_answer_whose_settings_all_pass_the_check(values):
    answer = options.check_lesson(values)
    assert options.check_lesson(answer["settings"])["problems"] == []
    assert {p["setting"] for p in answer["problems"]} <= set(values)
