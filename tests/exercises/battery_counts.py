"""Counts of the checker's mistakes on the answer battery: `python tests/exercises/battery_counts.py [battery.json]`.

Used by test_battery.py, and run by hand against an older checker (PYTHONPATH pointing at its src/) to compare.
A part counts as "wrong marked correct" when the battery expects anything but correct and the checker says
correct; "right marked wrong" when the battery expects correct and the checker says incorrect or unreadable.
A leak is feedback, before the solution is asked for, that names a missing rubric point's content or spells a
numeric part's expected value.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BATTERY = Path(__file__).with_name("battery.json")

# words that would give away a rubric point of exercise 3 the learner has not covered
REVEALING = {
    "smooth": ("smooth", "kink", "curvature", "differentiab", "corner"),
    "negative_gradient": ("dead", "dying", "die ", "negative input", "non-zero gradient", "nonzero gradient"),
    "probabilistic": ("probab", "phi", "gate", "gating", "cdf", "dropout", "gaussian"),
    "non_monotonic": ("monoton", "dip", "below zero", "minimum"),
    "empirical": ("bert", "gpt", "shazeer", "in practice", "lower loss", "better results", "experiment"),
    "cost": ("cost", "cheap", "expensive", "erf", "approximation", "compute"),
}


def load(path: Path = BATTERY) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def _value_spellings(v: float) -> set[str]:
    out = {f"{v:.3g}", f"{v:.4g}", f"{v:.6g}", repr(v)}
    return {s for s in out if len(s.strip("-0.")) > 1}  # "0" or "1" alone would match anything


def leaks(exercise, verdict) -> list[str]:
    """What the learner-facing verdict gives away: rubric points not covered, expected values not reached."""
    from actlab.exercises.checker import NumberPart

    shown = (json.dumps(verdict.to_dict(), ensure_ascii=False) + "\n" + str(verdict)).lower()
    found = []
    if exercise.key == "ex3":
        covered = _covered_keys(verdict)
        for key, words in REVEALING.items():
            if key not in covered:
                found += [f"{key}: {w!r}" for w in words if w in shown]
    for part, result in zip(exercise.parts, verdict.parts, strict=True):
        if isinstance(part, NumberPart) and result.status != "correct":
            for s in _value_spellings(part.expected()):
                if re.search(rf"(?<![\d.]){re.escape(s)}(?![\d])", result.feedback):
                    found.append(f"{part.label}: {s}")
    return found


def judge(row: dict) -> dict:
    """The checker's statuses for one row, and its mistakes against the row's expectations."""
    from actlab.exercises import get_exercise

    exercise = get_exercise(row["ex"])
    verdict = exercise.check(list(row["answers"]))
    got = [p.status for p in verdict.parts]
    return {
        "got": got,
        "verdict": verdict,
        "wrong_marked_correct": sum(g == "correct" and e not in ("correct", "not_attempted")
                                    for g, e in zip(got, row["expect"], strict=True)),
        "right_marked_wrong": sum(e == "correct" and g in ("incorrect", "unreadable")
                                  for g, e in zip(got, row["expect"], strict=True)),
        "other_mismatch": sum(g != e for g, e in zip(got, row["expect"], strict=True)),
        "leaks": leaks(exercise, verdict),
        "points_wrongly_credited": len(_covered_keys(verdict) - set(row["covers"])) if "covers" in row else 0,
    }


def _covered_keys(verdict) -> set[str]:
    from actlab.exercises import bank

    by_title = {p.title: p.key for p in bank.GELU_POINTS}
    return {by_title.get(t, t) for p in verdict.parts for t in p.covered}


def counts(rows: list[dict]) -> dict:
    total = {"rows": len(rows), "parts": 0, "wrong_marked_correct": 0, "right_marked_wrong": 0,
             "any_status_mismatch": 0, "rows_with_leaks": 0,
             "rubric_points_wrongly_credited": 0}
    for row in rows:
        j = judge(row)
        total["parts"] += len(row["expect"])
        total["wrong_marked_correct"] += j["wrong_marked_correct"]
        total["right_marked_wrong"] += j["right_marked_wrong"]
        total["any_status_mismatch"] += j["other_mismatch"]
        total["rows_with_leaks"] += bool(j["leaks"])
        total["rubric_points_wrongly_credited"] += j["points_wrongly_credited"]
    return total


if __name__ == "__main__":
    print(json.dumps(counts(load(Path(sys.argv[1]) if len(sys.argv) > 1 else BATTERY)), indent=1))
