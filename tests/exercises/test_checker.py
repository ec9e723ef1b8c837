"""Every exercise: accepted forms, each misconception branch, hints, the no-leak rule, the rubric."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.exercises import EXERCISES, STATUSES, ex1, ex2, ex3, ex4, ex5, ex6, ex7, ex8, ex9, ex10, get_exercise
from actlab.exercises.checker import NumberPart


def part(verdict, i):
    return verdict.parts[i]


# --- exercise 1 ---------------------------------------------------------------------------

@pytest.mark.parametrize("zero", ["undefined", "not defined", "It does not exist", "any value in [0, 1]",
                                  "any subgradient in [0,1]", "0 by convention", "between 0 and 1"])
def test_ex1_accepts_every_valid_reading_of_relu_prime_at_zero(zero):
    v = ex1.check("1", "0", zero)
    assert v.status == "correct", v


@pytest.mark.parametrize("zero", ["1", "1/2", "0.5", "0.3", "0"])
def test_ex1_a_subgradient_given_as_the_derivative_is_explained(zero):
    p = part(ex1.check("1", "0", zero), 2)
    assert p.status == "partly_correct" and "subgradient" in p.feedback and "PyTorch" in p.feedback


@pytest.mark.parametrize("zero", ["1 by convention", "PyTorch returns 1 there", "undefined, but PyTorch uses 1",
                                  "TensorFlow uses 0.5 at 0"])
def test_ex1_a_convention_frameworks_do_not_follow_is_incorrect(zero):
    p = part(ex1.check("1", "0", zero), 2)
    assert p.status == "incorrect" and "convention" in p.feedback


def test_ex1_value_instead_of_slope():
    assert "value" in part(ex1.check("5", "0", "0"), 0).feedback


def test_ex1_wrong_at_minus_three():
    assert part(ex1.check("1", "-3", "0"), 1).status == "incorrect"


# --- exercise 2 ---------------------------------------------------------------------------

@pytest.mark.parametrize("first", ["1.05e-14", "1.048576e-14", "1.05 x 10^-14", "1.05*10**-14", "0.2^20", "0.2**20",
                                   "1.0486e-14"])
@pytest.mark.parametrize("second", ["9.54e-7", "(1/2)^20", "0.5^20", "9.537e-7", "9.54 × 10^-7"])
def test_ex2_accepted_forms(first, second):
    assert ex2.check(first, second).status == "correct"


def test_ex2_rounding_is_free_when_every_digit_written_is_right():
    assert "every digit" in ex2.prompt  # the prompt states the precision it asks for
    assert ex2.check("1e-14", "9.5e-7").status == "correct"
    assert part(ex2.check("1.1e-14", "9.54e-7"), 0).status == "incorrect"  # 1.048... does not round to 1.1


def test_too_few_figures_where_the_prompt_asks_for_more_is_partly_correct():
    assert "3 significant figures" in ex9.prompt
    p = part(ex9.check("-1.3", "-0.278"), 0)
    assert p.status == "partly_correct" and "3 significant figures" in p.feedback


@pytest.mark.parametrize(("answer", "needle"), [
    ("0.2^19", "19 factors"), ("5.24e-14", "19 factors"), ("0.2*20", "multiplies"), ("4", "multiplies"),
    ("0.25^20", "0.25 is sigmoid's maximal derivative"), ("9.09e-13", "0.25 is sigmoid"),
    ("1.05e-13", "factor of 10"), ("1.05e-15", "factor of 10"), ("0.2^-20", "sign"),
])
def test_ex2_first_part_slips(answer, needle):
    assert needle in part(ex2.check(answer, "9.54e-7"), 0).feedback


@pytest.mark.parametrize(("answer", "needle"), [("0.5^19", "19 factors"), ("1.91e-6", "19 factors"),
                                                ("10", "multiplies"), ("9.09e7", "how many times larger")])
def test_ex2_second_part_slips(answer, needle):
    assert needle in part(ex2.check("1.05e-14", answer), 1).feedback


def test_ex2_one_string_with_a_semicolon_is_two_answers():
    assert ex2.check("1.05e-14; 9.54e-7").status == "correct"


def test_ex2_half_right_is_partly_correct():
    v = ex2.check("1.05e-14", "1")
    assert v.status == "partly_correct" and v.parts[0].status == "correct"


# --- exercise 3 ---------------------------------------------------------------------------

STRONG = ("GELU is smooth everywhere, unlike ReLU with its kink at zero. It keeps a small non-zero gradient for "
          "negative inputs, so units don't die. You can read it as x weighted by the probability Phi(x) that it "
          "is kept. It has a slight non-monotonic dip, and it performs better in practice, e.g. BERT and GPT. "
          "It costs a bit more compute, but the tanh approximation is cheap.")


def test_ex3_strong_answer_covers_every_point():
    p = part(ex3.check(STRONG), 0)
    assert p.status == "correct" and len(p.covered) == 6 and not p.remaining


def test_ex3_partial_answer_counts_what_is_missing():
    p = part(ex3.check("It is smooth, so the optimisation is easier."), 0)
    assert p.status == "partly_correct" and len(p.covered) == 1 and p.remaining == 5
    assert p.to_dict()["remaining"] == 5 and "missing" not in p.to_dict()


@pytest.mark.parametrize("text", ["GELU does not avoid dead units.", "It is not smooth.",
                                  "GELU is never better in practice."])
def test_ex3_negated_sentence_does_not_count(text):
    p = part(ex3.check(text), 0)
    assert not p.covered


def test_ex3_never_says_wrong_about_an_honest_attempt():
    for text in ["I think ReLU is simpler so it is faster", "because transformers are big", "no idea, sorry"]:
        feedback = ex3.check(text).feedback.lower()
        assert "wrong" not in feedback and "incorrect" not in feedback


# --- the other exercises -------------------------------------------------------------------

@pytest.mark.parametrize(("exercise", "answers"), [
    (ex4, ["9"]), (ex5, ["0.25"]), (ex5, ["1/4"]), (ex6, ["4"]), (ex7, ["-0.02", "0.01"]), (ex8, ["4.7e-4"]),
    (ex8, ["0.00047"]), (ex9, ["-1.28", "-0.278"]), (ex10, ["10"]),
])
def test_more_exercises_accept_the_library_value(exercise, answers):
    assert exercise.check(*answers).status == "correct"


@pytest.mark.parametrize(("exercise", "answers", "needle"), [
    (ex4, ["4"], "misses the first layer"), (ex4, ["5"], "adds b2 too"), (ex5, ["0.5"], "sigma(0), the value"),
    (ex6, ["0.25"], "other way"),
    (ex7, ["0", "0.01"], "That is ReLU(-2)"), (ex7, ["-0.02", "0"], "ReLU's slope"), (ex10, ["9"], "still above"),
    (ex9, ["1.28", "-0.278"], "sign"), (ex8, ["0.0203"], "sigmoid approximation"),
])
def test_more_exercises_recognise_their_slips(exercise, answers, needle):
    v = exercise.check(*answers)
    assert any(needle in p.feedback for p in v.parts), v


# --- for every exercise ------------------------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_no_answer_is_not_attempted(exercise):
    assert exercise.check().status == "not_attempted"
    assert exercise.check("", "  ").status == "not_attempted"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_hints_are_tiered_and_the_last_repeats(exercise):
    hints = [exercise.hint(k) for k in range(1, len(exercise.hints) + 1)]
    assert len(set(hints)) == len(hints) >= 2
    assert exercise.hint(99) == hints[-1]
    with pytest.raises(ValueError):
        exercise.hint(0)


def _value_spellings(v: float) -> set[str]:
    out = {f"{v:.3g}", f"{v:.4g}", f"{v:.6g}", repr(v)}
    return {s for s in out if len(s.strip("-0.")) > 1}  # "0" or "1" alone would match anything


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_feedback_never_leaks_the_expected_value(exercise):
    numeric = [p for p in exercise.parts if isinstance(p, NumberPart)]
    leaks = set()
    for p in numeric:
        leaks |= _value_spellings(p.expected())
    probes = ["0", "1", "-1", "0.5", "2", "1e-14", "abc", "0.2^19", "0.25^20", "0.2*20", "1.05e-13", "4", "9", "10",
              "-0.278", "1.28", "0.0203", "1/2", "undefined", "smooth", "1e-3"]
    texts = [exercise.prompt, *exercise.hints]
    for probe in probes:
        v = exercise.check(*[probe] * len(exercise.parts))
        texts += [v.feedback, *(p.feedback for p in v.parts)]
    for text in texts:
        for leak in leaks:
            assert not re.search(rf"(?<![\d.]){re.escape(leak)}(?![\d])", text), (leak, text)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_solution_contains_the_library_value(exercise):
    text = exercise.solution()
    for p in exercise.parts:
        if isinstance(p, NumberPart):
            v = p.expected()
            assert any(s in text for s in (f"{v:g}", f"{v:.3g}", f"{v:.4f}", f"{v:.6g}", f"{abs(v):.3f}")), (v, text)


@settings(max_examples=150)
@given(st.lists(st.text(max_size=200), min_size=0, max_size=4))
def test_any_strings_give_a_verdict(answers):
    for exercise in EXERCISES:
        v = exercise.check(answers)
        assert v.status in STATUSES and v.feedback


def test_huge_and_odd_inputs_give_verdicts():
    for text in ["x" * 1_000_000, "\u202e\u0000\u0007", "nan", "inf", "1e999", "1/0", "2^^3", "é" * 50]:
        for exercise in EXERCISES:
            assert exercise.check(*[text] * len(exercise.parts)).status in STATUSES


def test_get_exercise_by_number_and_unknown_key():
    assert get_exercise("2") is ex2 and get_exercise("EX3") is ex3
    with pytest.raises(ValueError, match="valid: ex1"):
        get_exercise("ex99")


def test_verdict_renders_for_notebooks_and_json():
    v = ex2.check("0.2^19", "9.54e-7")
    assert "19 factors" in v._repr_html_() and "19 factors" in str(v)
    assert v.to_dict()["parts"][0]["status"] == "incorrect"


# --- exercise 3 before hints: nothing of a missing key point ---------------------------------

@pytest.mark.parametrize("text", ["asdf", "I don't know", "GELU is smooth everywhere.", "no idea, sorry",
                                  "ReLU is simpler, but GELU is preferred.", "smooth probabilistic dip bert cost",
                                  "GELU doesn't have the dying ReLU problem, and it is slower than ReLU."])
def test_ex3_never_names_a_key_point_the_answer_did_not_cover(text):
    from .battery_counts import REVEALING

    v = ex3.check(text)
    (p,) = v.parts
    shown = (str(v.to_dict()) + str(v) + v._repr_html_()).lower()
    for key in p.missed_keys:
        assert not [w for w in REVEALING[key] if w in shown and w not in text.lower()], (key, shown)
    assert p.remaining == len(p.missed_keys) == 6 - len(p.covered)


def test_ex3_solution_puts_the_zero_of_gelus_derivative_at_its_dip():
    from actlab import activations

    text = ex3.solution()
    match = re.search(r"vanishes only at the single point x = (-?\d+\.\d+)", text)
    assert match and match.group(1) == "-0.75"
    gelu = activations.get("gelu")
    assert abs(float(gelu.derivative(-0.7518))) < 1e-4 < abs(float(gelu.derivative(-0.74)))


@pytest.mark.parametrize("hostile", ["gelu " * 1000, "not " * 1250, "gradient " * 600 + "negative", "(" * 5000,
                                     "it is not smooth, " * 300])
def test_free_text_of_the_longest_length_read_takes_no_longer_than_prose_of_that_length(hostile):
    import random
    import time

    rng = random.Random(0)
    words = ("gelu relu is not smooth kink dead neurons gradient for negative inputs no or and the probability "
             "gate dips below zero costs more better results in practice , . ; but").split()
    prose = " ".join(rng.choice(words) for _ in range(1200))[:5000]

    def best_of_three(text: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            ex3.check(text)
            times.append(time.perf_counter() - start)
        return min(times)

    # repeated subjects once made each mention search the whole text before it (quadratic: 1.2 s for "gelu " * 1000)
    assert best_of_three(hostile[:5000]) < 5 * best_of_three(prose)


@pytest.mark.parametrize("answer", ["not undefined", "never undefined", "undefined? no, it is 1",
                                    "It is not undefined: it is 0"])
def test_relu_kink_denying_undefined_is_incorrect(answer):
    from actlab.exercises import get_exercise

    assert get_exercise("ex1").check(["1", "0", answer]).parts[2].status == "incorrect"


def test_one_digit_far_off_is_not_very_close():
    from actlab.exercises import get_exercise

    part = get_exercise("ex2").check(["2e-14", "9.54e-7"]).parts[0]  # one digit off, 90% wrong
    assert part.status == "incorrect" and "Very close" not in part.feedback
    near = get_exercise("ex2").check(["1.04e-14", "9.54e-7"]).parts[0]  # the last of three digits one off
    assert "Very close" in near.feedback
