"""Checking with progress: the one path the CLI and the web lab use to check and record.

The recorder is any object with the progress store's two recording methods (actlab.store.Store has them). This
module does not import the store: the store re-grades stored answers with the checker, so the arrow points from
the store to the exercises, never back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from . import get_exercise
from .checker import Verdict
from .status import VerdictStatus


class Recorder(Protocol):
    """What checking with progress needs from a store (actlab.store.Store)."""

    def record_attempt(self, learner: str, exercise: str, answers: list, verdict: dict, *,
                       class_id: int | None = None, attempt_id: str | None = None) -> int: ...

    def record_event(self, learner: str, exercise: str, kind: str, level: int | None = None, *,
                     class_id: int | None = None) -> None: ...


def check_and_record(store: Recorder | None, learner: str | None, key: str, answers: Sequence[str | None], *,
                     class_id: int | None = None, attempt_id: str | None = None) -> Verdict:
    """Check ``answers`` and, when a store and learner are given, commit the attempt (into ``class_id``'s
    records; None is the local lab) before returning. An ``attempt_id`` sent again records nothing new."""
    exercise = get_exercise(key)
    verdict = exercise.check(list(answers))
    if store is not None and learner and verdict.status != VerdictStatus.NOT_ATTEMPTED:
        store.record_attempt(learner, exercise.key, list(answers), verdict.to_record(), class_id=class_id,
                             attempt_id=attempt_id)
    return verdict


def hint_and_record(store: Recorder | None, learner: str | None, key: str, level: int, *,
                    class_id: int | None = None) -> str:
    exercise = get_exercise(key)
    text = exercise.hint(level)
    if store is not None and learner:
        store.record_event(learner, exercise.key, "hint", min(level, len(exercise.hints)), class_id=class_id)
    return text


def solution_and_record(store: Recorder | None, learner: str | None, key: str, *,
                        class_id: int | None = None) -> str:
    exercise = get_exercise(key)
    text = exercise.solution()
    if store is not None and learner:
        store.record_event(learner, exercise.key, "solution", class_id=class_id)
    return text
