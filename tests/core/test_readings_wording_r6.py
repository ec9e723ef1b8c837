"""Issue 17 (W12 item 11): a ratio above 1 is said as 'times', not as a share; a loss far below chance is never
rounded up to '100% below chance'."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary, Status, diagnose, percent_below, share


def healthy(first: float, out: float = 1.0, loss: float = 0.1, chance: float = 0.693) -> str:
    s = RunSummary((LayerSummary("relu", 8, first, label="'0'", weights="'0.weight'"),), out, loss=loss,
                   chance_loss=chance, steps=50)
    r = diagnose(s)
    assert r.status is Status.HEALTHY, r.words
    return r.words


def test_a_first_layer_with_47_times_the_output_layers_gradient_is_said_as_times():
    words = healthy(47.0)
    assert "'0.weight' gets 47 times the output layer's" in words and "47 of" not in words


def test_a_share_below_one_and_an_equal_gradient_keep_their_words():
    assert "'0.weight' gets 0.9 of the output layer's" in healthy(0.9)
    assert "'0.weight' gets as much as the output layer's" in healthy(1.0)


def test_w12s_tiny_loss_is_not_100_percent_below_chance():
    words = healthy(0.9, loss=0.000545, chance=0.693)
    assert "99.9% below chance" in words and "100%" not in words
    assert "0.000545" in words and "0.693" in words  # both numbers are given too


def test_percent_below_keeps_whole_percentages_and_only_a_zero_loss_is_100():
    assert percent_below(0.5, 1.0) == "50%" and percent_below(0.11 * 0 + 0.89, 1.0) == "11%"
    assert percent_below(0.0, 0.693) == "100%"
    assert percent_below(1e-9, 1.0) == "99.9999999%"


@given(loss=st.floats(min_value=-1e3, max_value=-1e-6), chance=st.floats(min_value=1e-3, max_value=1e3))
def test_a_loss_below_zero_is_said_past_100_percent_as_it_is(loss, chance):
    """W94 walkthrough finding 6 (and W92's 5): a loss below 0 read 'just under 100%' below chance; a Gaussian NLL at
    -1.76 against 1.13 is 256% below it."""
    words = percent_below(loss, chance)
    assert words.endswith("%") and float(words[:-1].replace(",", "")) == round(100 * (1 - loss / chance))
    assert float(words[:-1].replace(",", "")) >= 100


@given(ratio=st.floats(min_value=1e-3, max_value=1e3))
def test_share_says_times_exactly_when_the_number_shown_is_above_1(ratio):
    words = share(ratio, "x's")
    number = re.match(r"([\d.e+-]+) (times|of) x's", words)
    if number is None:
        assert words == "as much as x's"
    else:
        assert (number.group(2) == "times") == (ratio > 1), words


@given(loss=st.floats(min_value=0.0, max_value=0.9), chance=st.floats(min_value=0.01, max_value=10.0))
def test_percent_below_is_never_100_for_a_positive_loss(loss, chance):
    loss *= chance
    text = percent_below(loss, chance)
    if loss == 0:
        assert text == "100%"
    elif text != "just under 100%":  # a loss below 1e-10 of chance
        assert float(text.rstrip("%")) < 100, text
        assert abs(float(text.rstrip("%")) - 100 * (1 - loss / chance)) <= 0.5 + 1e-9, text
