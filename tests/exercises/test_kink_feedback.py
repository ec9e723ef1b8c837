"""Fresh-eyes walkthrough (20:57 UTC), finding 6: `exercise check 1 -a 1 -a 0 -a 0.5` marked x = 0 "partly
correct" while its feedback opened with "0.5 is a valid subgradient", so the words read as a full mark.

The facts (the seed lesson asks for ReLU's derivative at 0; ReLU's one-sided slopes there are 0 and 1, so there is
no derivative, only subgradients, and frameworks return 0 by convention) make a bare value partial, as the held-out
battery says. The feedback must say why the verdict is partial and what a full answer says, and the answers it
names must then be marked correct."""

from __future__ import annotations

import re

import pytest

from actlab.exercises import get_exercise

EX = get_exercise("1")


def _kink(answer: str):
    return EX.check("1", "0", answer).parts[2]


@pytest.mark.parametrize("value", ["0.5", "0", "1", "0.25"])
def test_a_bare_value_at_the_kink_is_partial_and_the_feedback_says_why(value):
    part = _kink(value)
    assert part.status == "partly_correct"
    words = part.feedback
    assert words.startswith("Partly: there is no derivative at the kink"), words
    assert "not the derivative" in words or "by convention" in words, words
    # the feedback names what a full answer says; each of those answers is marked correct
    named = re.findall(r"\"([^\"]+)\"", words)
    assert named, words
    for full in named:
        assert _kink(full).status == "correct", (full, _kink(full).feedback)


def test_a_value_outside_the_subgradients_stays_incorrect():
    assert _kink("2").status == "incorrect" and _kink("-0.5").status == "incorrect"
