"""The held-out battery: answers written from the exercise prompts alone by someone who never saw the checker.

The rules were not tuned to it. It guards the two counts that must stay at zero: a wrong answer marked correct,
and feedback that gives away what the learner has not reached. Its other disagreements (a strong free-text
answer read as partly correct, nonsense read as unreadable rather than incorrect) are reported by
`python tests/exercises/battery_counts.py tests/exercises/heldout_battery.json`, not asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import battery_counts

HELDOUT = Path(__file__).with_name("heldout_battery.json")
ROWS = [{"ex": r["exercise"], "answers": r["answers"], "expect": r["expected"], "note": r.get("note", "")}
        for r in json.loads(HELDOUT.read_text(encoding="utf-8"))]


def test_the_heldout_battery_is_big_enough_and_covers_every_exercise():
    assert len(ROWS) >= 60
    assert {r["ex"] for r in ROWS} == {f"ex{i}" for i in range(1, 11)}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['ex']}:{r['note'][:40]}")
def test_no_heldout_answer_is_wrongly_marked_correct_and_nothing_leaks(row):
    judged = battery_counts.judge(row)
    assert judged["wrong_marked_correct"] == 0, (row, judged["got"])
    assert judged["leaks"] == [], judged["leaks"]
