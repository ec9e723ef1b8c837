"""Exercises that the software checks: ``from actlab.exercises import ex1``; ``ex1.check(...)``,
``ex1.hint()``, ``ex1.hint(2)``, ``ex1.solution()``. One checker serves Python, the CLI and the web lab.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .bank import EX1, EX2, EX3, EX4, EX5, EX6, EX7, EX8, EX9, EX10, EXERCISES
from .checker import CHECKER_VERSION, Exercise, PartResult, Verdict
from .parser import Unreadable, parse_number
from .status import STATUSES, VerdictStatus

_folder: Path | None = None  # the teacher-written exercises' folder: set once by the CLI or the lab (use_folder)


def use_folder(folder: str | Path | None) -> None:
    """Serve the teacher-written exercises (JSON files) in ``folder`` after the built-in ones, from now on;
    None serves the built-in ones only. The command line and the lab call it once, with --exercises-dir,
    $ACTLAB_EXERCISES_DIR or LabSettings.exercises_dir; a folder that does not exist is refused."""
    global _folder
    if folder is not None and not Path(folder).is_dir():
        raise ConfigError("exercises_dir", f"{str(folder)!r} is not a folder; give a folder of exercise JSON files")
    _folder = None if folder is None else Path(folder)


def exercise_folder() -> Path | None:
    """The folder use_folder set, or None."""
    return _folder


def all_exercises() -> tuple[Exercise, ...]:
    """The built-in exercises, then any a teacher put in the folder given to use_folder()."""
    from .loader import load_directory

    return EXERCISES + (tuple(load_directory(_folder)) if _folder is not None else ())


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
           "exercise_folder", "get_exercise", "parse_number", "use_folder"]
