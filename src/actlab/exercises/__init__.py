"""Exercises that the software checks: ``from actlab.exercises import ex1``; ``ex1.check(...)``,
``ex1.hint()``, ``ex1.hint(2)``, ``ex1.solution()``. One checker serves Python, the CLI and the web lab.
"""

from __future__ import annotations

from .bank import EX1, EX2, EX3, EX4, EX5, EX6, EX7, EX8, EX9, EX10, EXERCISES
from .checker import CHECKER_VERSION, Exercise, PartResult, Verdict
from .parser import Unreadable, parse_number
from .status import STATUSES, VerdictStatus


def all_exercises() -> tuple[Exercise, ...]:
    """The built-in exercises, then any a teacher put in $ACTLAB_EXERCISES_DIR."""
    from .loader import load_directory

    return EXERCISES + tuple(load_directory())


def get_exercise(key: str) -> Exercise:
    """An exercise by key ('ex2') or number ('2'); ValueError lists the valid keys."""
    k = str(key).strip().lower()
    if k.isdigit():
        k = f"ex{k}"
    exercises = all_exercises()
    for ex in exercises:
        if ex.key == k:
            return ex
    raise ValueError(f"unknown exercise {key!r}; valid: {', '.join(e.key for e in exercises)}")


# notebook-style names: from actlab.exercises import ex1
ex1, ex2, ex3, ex4, ex5, ex6, ex7, ex8, ex9, ex10 = EX1, EX2, EX3, EX4, EX5, EX6, EX7, EX8, EX9, EX10

__all__ = ["CHECKER_VERSION", "EXERCISES", "STATUSES", "Exercise", "PartResult", "Unreadable", "Verdict",
           "VerdictStatus", "all_exercises", "ex1", "ex10", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7", "ex8", "ex9",
           "get_exercise", "parse_number"]
