"""The safe arithmetic parser: accepted forms, clear refusals, and no exception on any string."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.exercises import Unreadable, parse_number


@pytest.mark.parametrize(("text", "value", "sig"), [
    ("1.05e-14", 1.05e-14, 3), ("1.05 x 10^-14", 1.05e-14, 3), ("1.05*10**-14", 1.05e-14, 3),
    ("1.05×10⁻¹⁴", 1.05e-14, 3), ("0.2^20", 0.2**20, None), ("0.2**20", 0.2**20, None),
    ("(1/4)^10", 0.25**10, None), ("9.54e-7", 9.54e-7, 3), ("50%", 0.5, 1), ("−3", -3.0, 1),
    ("sqrt(2)/2", math.sqrt(2) / 2, None), ("exp(1)", math.e, None), ("2*pi", 2 * math.pi, None),
    ("0.00120", 0.0012, 3), ("2^-3", 0.125, None), ("-2^2", -4.0, None),
])
def test_accepted_forms(text, value, sig):
    parsed = parse_number(text)
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.sig_figs == sig


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("   ", "empty"), ("nan", "not a number"), ("inf", "not a number"), ("1e999", "too large"),
    ("1/0", "division by zero"), ("2^^3", "two power signs"), ("abc", "cannot read"), ("(1+2", "ends too early"),
    ("1 2", "unexpected"), ("x" * 300, "characters long"), ("1\x00", "control characters"), ("10^400", "finite"),
    ("sqrt(-1)", "negative"), ("(" * 60 + "1" + ")" * 60, "nested too deeply"), ("__import__('os')", "cannot read"),
])
def test_refusals_say_why(text, reason):
    with pytest.raises(Unreadable, match=reason):
        parse_number(text)


@settings(max_examples=400)
@given(st.text(max_size=80))
def test_any_text_gives_a_value_or_unreadable(text):
    try:
        parsed = parse_number(text)
    except Unreadable:
        return
    assert math.isfinite(parsed.value)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789.e+-*/^()% x", max_size=40))
def test_arithmetic_looking_text_never_raises_anything_else(text):
    try:
        parse_number(text)
    except Unreadable:
        pass


@pytest.mark.parametrize(("text", "value", "sig"), [
    ("≈ 1.05e-14", 1.05e-14, 3), ("~1.05e-14", 1.05e-14, 3), ("about 1e-14", 1e-14, 1),
    ("approximately 9.54e-7", 9.54e-7, 3), ("1.05e-14.", 1.05e-14, 3), ("0.2^20 = 1.05e-14", 1.05e-14, 3),
    ("0.2^20 ≈ 1.0486e-14", 1.0486e-14, 5), ("c = 9", 9.0, 1), ("x = -1.28", -1.28, 3), ("n ≥ 10", 10.0, 1),
    ("10 layers", 10.0, 1), ("4x", 4.0, 1), ("4 times larger", 4.0, 1), ("it's 0", 0.0, 1), ("zero", 0.0, 1),
    ("one", 1.0, 1), ("four", 4.0, 1), ("ten", 10.0, 1), ("minus two", -2.0, 1), ("a quarter", 0.25, None),
    ("¼", 0.25, None), ("[9]", 9.0, 1), ("0.25 (at x = 0)", 0.25, 2),
    ("9.54e-7 (about 9.1e7 times larger)", 9.54e-7, 3),
    ("0.2 to the power 20", 0.2**20, None), ("1.05 e-14", 1.05e-14, 3),
])
def test_words_around_a_number_are_read_away(text, value, sig):
    parsed = parse_number(text)
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.sig_figs == sig


@pytest.mark.parametrize("text", ["10^-14 * 1.05", "10**-14 x 1.05", "1.05 / 10^14"])
def test_a_power_of_ten_times_a_number_keeps_the_precision_written(text):
    assert parse_number(text).sig_figs == 3


@pytest.mark.parametrize("text", ["x", "layers", ".", "about", "it's", "= ", "c ="])
def test_words_without_a_number_are_unreadable(text):
    with pytest.raises(Unreadable):
        parse_number(text)
