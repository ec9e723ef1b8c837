"""Leftovers of a walkthrough of the checker: answers in another language, a ratio the other way round, a hint
copied back as the answer. The battery (battery.json) holds a row for each; these test the rules themselves."""

from __future__ import annotations

import pytest

from actlab.exercises import ex3, ex6, parse_number
from actlab.exercises.checker import NOT_ENGLISH
from actlab.exercises.claims import COPIED_RUN, mask_copied
from actlab.exercises.language import is_english


@pytest.mark.parametrize("text", [
    "GELU ist nicht monoton und hat keine toten Neuronen.",
    "GELU n'est pas monotone et n'a pas de neurones morts.",
    "GELU no es monotónica y no tiene neuronas muertas.",
    "GELU is niet monotoon en heeft geen dode neuronen.",
    "GELU não é monotônica e não tem neurônios mortos.",
    "ГЕЛУ — гладкая функция без мёртвых нейронов.",
    "GELU 在所有地方都是平滑的，没有死神经元。",
])
def test_other_languages_are_recognised(text):
    assert not is_english(text)


@pytest.mark.parametrize("text", [
    "ReLU units die; GELU units do not.",  # "die" is English here
    "GELU(x) = xΦ(x) is smooth, à la Hendrycks; naïve ReLU dies.",  # a phrase and a Greek letter
    "Non-monotonic, smooth, no dead units: GELU beats ReLU per layer at a small cost.",
    "",
    "σ'(0) = 0.25, so 0.25^10 ≈ 9.5e-7",
])
def test_english_answers_stay_english(text):
    assert is_english(text)


def test_an_answer_in_another_language_is_unreadable_and_never_told_it_contradicts_itself():
    verdict = ex3.check("GELU ist überall glatt und hat keine toten Neuronen, anders als ReLU.")
    (part,) = verdict.parts
    assert part.status == "unreadable" and part.feedback == NOT_ENGLISH and not part.explained
    assert "opposite" not in verdict.feedback and part.covered == ()


def test_a_ratio_is_read_as_a_quotient_in_either_order():
    assert parse_number("1:4").value == 0.25 and parse_number("3 : 4").value == 0.75
    assert parse_number("4:1").value == 4.0 and parse_number("4:1").sig_figs == 1  # as before: "4:1" is 4
    turned = ex6.check("1:4")
    assert turned.status == "incorrect" and "other way round" in turned.feedback
    assert ex6.check("4 : 1").status == "correct"
    assert ex6.check("1: 4").status == "unreadable"  # a numbered item, not a ratio: spaces differ


def test_a_hint_copied_back_earns_nothing_and_says_why():
    for copied in (ex3.hint(3), "It comes down to " + ex3.hint(3).removeprefix("Think about ")):
        verdict = ex3.check(copied)
        assert verdict.status == "incorrect" and verdict.parts[0].covered == ()
        assert "copied from a hint" in verdict.feedback


def test_the_hint_turned_into_claims_is_the_learners_answer():
    """Hint 3 names six topics and not which way each cuts; a learner who asserts each of them of GELU, the right
    way round, has answered the question ("why might GELU be preferred"), so the points count."""
    verdict = ex3.check("GELU has smoothness, no dead units, a probabilistic reading, a small dip below zero, "
                        "better results in practice, and a small cost.")
    assert verdict.status == "correct" and len(verdict.parts[0].covered) == 6
    wrong_way = ex3.check("GELU has kinks, dead units, no probabilistic reading and no dip below zero.")
    assert wrong_way.status == "incorrect"


def test_mask_copied_blanks_only_long_runs():
    hint = "think about smoothness, dead units, the probabilistic reading and cost"
    text = "GELU: smoothness, dead units, the probabilistic reading. It is cheap."
    masked, copied = mask_copied(text, (hint,))
    assert copied and masked == "gelu:           ,           ,                          . it is cheap."
    assert len(masked) == len(text)  # blanked, not removed: the clauses keep their places
    short = " ".join(hint.split()[:COPIED_RUN - 1])
    assert mask_copied(f"Yes: {short}.", (hint,)) == (f"yes: {short}.", False)


def test_the_cli_says_it_could_not_read_another_language_and_lists_no_points():
    from typer.testing import CliRunner

    from actlab.cli import app

    out = CliRunner().invoke(app, ["exercise", "check", "ex3", "--answer", "GELU n'a pas de neurones morts."])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert text.startswith("unreadable: This answer seems to be written in another language.")
    assert "covered" not in text and "opposite" not in text
