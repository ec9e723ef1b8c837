"""The answer battery (battery.json): every row's expected verdict, per part, and nothing leaked.

A slip found later is one more row in battery.json. battery_counts.py sums the mistakes, for comparing checkers.
"""

from __future__ import annotations

import pytest

from actlab.exercises import get_exercise

from .battery_counts import _covered_keys, judge, leaks, load

ROWS = load()


def _id(row: dict) -> str:
    return f"{row['ex']}-{row['note']}"


def test_the_battery_covers_every_exercise_with_enough_rows():
    assert len(ROWS) >= 150
    assert {r["ex"] for r in ROWS} == {f"ex{k}" for k in range(1, 11)}


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_battery_row_gets_its_expected_verdict(row):
    verdict = get_exercise(row["ex"]).check(list(row["answers"]))
    assert [p.status for p in verdict.parts] == row["expect"], verdict
    for needle, p in zip(row.get("feedback", []), verdict.parts, strict=False):
        assert needle is None or needle.lower() in p.feedback.lower(), (needle, p.feedback)
    if "covers" in row:
        assert _covered_keys(verdict) == set(row["covers"]), verdict


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_battery_row_leaks_nothing(row):
    exercise = get_exercise(row["ex"])
    assert leaks(exercise, exercise.check(list(row["answers"]))) == []


def test_battery_counts_are_zero():
    mistakes = [judge(r) for r in ROWS]
    assert sum(m["wrong_marked_correct"] for m in mistakes) == 0
    assert sum(m["right_marked_wrong"] for m in mistakes) == 0
