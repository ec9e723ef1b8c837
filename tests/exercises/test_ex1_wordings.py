"""Exercise 1 as learners word it: the seed lesson asks for ReLU's derivative at 5, at -3 and at 0. At 0 there is
none (the one-sided slopes are 0 and 1); a full answer says so, names the interval of subgradients, or gives the
frameworks' 0 as a convention. Each row is one learner's three answers and the verdict of the third; a full answer
must be reachable in many wordings (a class where nobody could solve it read "solved by 0 of 3"), and the box's
prompt must say that words are welcome."""

from __future__ import annotations

import pytest

from actlab.exercises import ex1
from actlab.store import Store

# (answer at x = 0, its verdict): correct wordings first, then the ones that must not pass as full answers
ROWS = [
    ("undefined", "correct"),
    ("there is none", "correct"),
    ("None", "correct"),
    ("no single value: the left slope is 0 and the right slope is 1", "correct"),
    ("not unique", "correct"),
    ("any value in 0..1", "correct"),
    ("0 <= g <= 1", "correct"),
    ("0 ≤ ReLU'(0) ≤ 1", "correct"),
    ("anything between zero and one", "correct"),
    ("0, by convention in PyTorch", "correct"),
    ("it's not differentiable there; frameworks return 0", "correct"),
    ("0", "partly_correct"),
    ("0.5", "partly_correct"),
    ("0 or 1", "partly_correct"),
    ("0 <= g <= 2", "incorrect"),
    ("-1..1", "incorrect"),
    ("infinite", "incorrect"),
    ("1 by convention", "incorrect"),
    # a claim that a derivative exists or is one number is wrong, not partly right (checker 8)
    ("it exists and equals 1", "incorrect"),
    ("not 0, it is 1", "incorrect"),
    ("the derivative is defined and is 0.5", "incorrect"),
    ("undefined, not 0", "correct"),
]


@pytest.mark.parametrize("answer", ["it exists and equals 1", "not 0, it is 1", "not 0 but 1"])
def test_a_claimed_derivative_is_told_the_slope_is_one_sided(answer):
    feedback = ex1.check(["1", "0", answer]).parts[2].feedback
    assert "1 is the slope on the right only" in feedback and "does not exist" in feedback
    assert "Those are the one-sided slopes" not in feedback  # the old words read "not 0, it is 1" as naming both


@pytest.mark.parametrize(("answer", "status"), ROWS)
def test_relu_at_its_kink_is_read_as_a_learner_words_it(answer, status):
    verdict = ex1.check(["1", "0", answer])
    assert [p.status for p in verdict.parts] == ["correct", "correct", status], verdict
    if status == "correct":
        assert verdict.status == "correct"


def test_the_third_box_says_words_are_welcome():
    prompt = ex1.describe()["parts"][2]["prompt"]
    assert prompt.startswith("ReLU'(0)") and "words" in prompt


def test_three_learners_with_three_wordings_all_count_as_solved(tmp_path):
    from actlab.exercises.service import check_and_record

    store = Store(tmp_path / "class.sqlite3")
    klass, _ = store.create_class("physics 2a")
    for name, answer in (("ana", "there is none"), ("bo", "0..1"), ("cy", "0 by convention")):
        store.join(klass.id, name)
        check_and_record(store, name, "ex1", ["1", "0", answer], class_id=klass.id)
    row = next(r for r in store.class_summary(klass.id) if r["exercise"] == "ex1")
    assert row["solved"] == row["learners"] == 3
