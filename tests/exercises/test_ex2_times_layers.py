"""Exercise 2's factor-times-layer-count slip (a walkthrough's "0.2*20", "0.5*20"): both parts name the
multiplication in the same words, and the teacher's summary counts it as one slip made by one learner."""

from __future__ import annotations

import pytest

from actlab.exercises import get_exercise
from actlab.exercises.service import check_and_record
from actlab.store import Store
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


def test_both_parts_name_the_multiplication_in_the_same_words():
    verdict = get_exercise("ex2").check(["0.2*20", "0.5*20"])
    sigmoid, relu = verdict.parts
    assert sigmoid.status == relu.status == "incorrect" and sigmoid.explained and relu.explained
    for part in (sigmoid, relu):
        assert "times the layer count" in part.feedback and "power 20" in part.feedback
    assert sigmoid.feedback == relu.feedback
    # the same values written as sums are the same slip (4 and 10): the words name adding too
    added = get_exercise("ex2").check(["+".join(["0.2"] * 20), "+".join(["0.5"] * 20)])
    assert all("adding" in p.feedback for p in added.parts)


def test_the_teacher_summary_lists_it_once_with_both_parts(db):
    store = Store(db)
    check_and_record(store, "ann", "ex2", ["0.2*20", "0.5*20"])
    check_and_record(store, "bob", "ex2", ["0.2*20", "9.54e-7"])
    (row,) = store.class_summary()
    times = [f for f in row["common_feedback"] if "times the layer count" in f["feedback"]]
    assert len(times) == 1, row["common_feedback"]
    assert times[0]["count"] == 2  # ann made it twice (both parts) and counts once; bob once
    assert times[0]["feedback"].startswith("sigmoid, 0.2 per layer; ReLU, 0.5 per layer: ")


def test_one_factor_short_is_one_slip_in_both_parts(db):
    """0.2^19 and 0.5^19 (a walkthrough's 'counted 19 factors'): the same words in both parts, one summary row."""
    sigmoid, relu = get_exercise("ex2").check(["0.2^19", "0.5^19"]).parts
    assert sigmoid.explained and relu.explained and sigmoid.feedback == relu.feedback
    assert "19 factors for 20 layers" in sigmoid.feedback
    store = Store(db)
    check_and_record(store, "ann", "ex2", ["0.2^19", "0.5^19"])
    (row,) = store.class_summary()
    short = [f for f in row["common_feedback"] if "19 factors" in f["feedback"]]
    assert len(short) == 1 and short[0]["count"] == 1, row["common_feedback"]
