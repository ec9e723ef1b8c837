"""Walkthrough finding 4 (18:10 UTC): feedback that fits what was written, and a conclusion that denies the
question's claim earns no key point."""

from __future__ import annotations

import pytest

from actlab import activations
from actlab.exercises import CHECKER_VERSION, get_exercise


def _ex7(*answers):
    return get_exercise("ex7").check(list(answers))


def test_the_walkthroughs_slope_of_0_1_is_not_told_about_an_exponent_it_did_not_write():
    leaky = activations.get("leaky_relu")
    assert leaky(-2.0) * 10 == pytest.approx(-0.2) and leaky.derivative(-2.0) * 10 == pytest.approx(0.1)
    verdict = _ex7("-0.2", "0.1")
    assert [p.status for p in verdict.parts] == ["incorrect", "incorrect"]
    for part in verdict.parts:
        assert "exponent" not in part.feedback
        assert "factor of 10" in part.feedback and "decimal point" in part.feedback


@pytest.mark.parametrize("answer", ["-2e-1", "-2 * 10^-1", "-0.2e0"])
def test_a_factor_of_ten_written_with_an_exponent_still_points_at_the_exponent(answer):
    (value, _) = _ex7(answer, "0.01").parts
    assert value.status == "incorrect" and "exponent" in value.feedback


def test_a_right_answer_is_still_right():
    assert [p.status for p in _ex7("-0.02", "0.01").parts] == ["correct", "correct"]


def _ex3(text):
    (part,) = get_exercise("ex3").check([text]).parts
    return part


@pytest.mark.parametrize("text", [
    "ReLU is not smooth, so GELU is NOT better",
    "GELU is smooth, but ReLU is better.",
    "GELU is smooth everywhere, yet it is worse than ReLU.",
    "GELU has no kink at zero; still, GELU is not preferred.",
    "ReLU is better than GELU, even though GELU is smooth.",
])
def test_a_conclusion_that_denies_the_question_earns_no_point(text):
    part = _ex3(text)
    assert part.status == "incorrect" and part.covered == ()
    assert "concludes" in part.feedback and "smooth" not in part.feedback.lower()


@pytest.mark.parametrize(("text", "covers"), [
    ("ReLU is not smooth, so GELU is better.", {"smooth"}),
    ("GELU is not always better, but it is smooth everywhere.", {"smooth"}),
    ("ReLU is better for speed, but GELU is smooth.", {"smooth"}),
    ("GELU is preferred over ReLU because it is smooth and units never die.", {"smooth", "negative_gradient"}),
])
def test_a_hedge_a_qualified_comparison_or_an_agreeing_conclusion_keeps_its_points(text, covers):
    assert set(_ex3(text).covered_keys) == covers


def test_the_checker_version_moved_on():
    assert CHECKER_VERSION >= 6
