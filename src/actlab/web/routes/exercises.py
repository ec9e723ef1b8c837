"""Exercises: list, check (recorded before the verdict returns), hints, solutions, progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ...classroom import ScopedStore
from ...errors import ConfigError
from ...exercises import all_exercises, get_exercise
from ...exercises.service import check_and_record, hint_and_record, solution_and_record
from ...exercises.status import rank
from ...store import AttemptIdReused
from ..deps import StoreDep

router = APIRouter(tags=["exercises"])


class Attempt(BaseModel):
    answers: list[str | None] = Field(default_factory=list, max_length=10)
    learner: str | None = Field(default=None, max_length=64)


def _who(store, named: str | None) -> str | None:
    """The learner an event is recorded for: in class mode the joined learner, whatever the request names (a
    request that names nobody is still recorded: leaving the field out must not hide a solution seen); in the
    local lab the name the request gives, and nothing is recorded without one."""
    return getattr(store, "learner", None) if isinstance(store, ScopedStore) and store.learner else named


def _exercise(key: str):
    try:
        return get_exercise(key)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/exercises")
def list_exercises() -> list[dict]:
    return [e.describe() for e in all_exercises()]


@router.post("/exercises/{key}/check")
async def check(key: str, attempt: Attempt, store: StoreDep,
                idempotency_key: Annotated[str | None, Header(max_length=64)] = None) -> dict:
    """Check the answers, record the attempt, return the verdict. An `Idempotency-Key` header (the lesson page
    sends one per answer) makes a retry of the same request record nothing new, in a class and in the local lab."""
    # Looking the exercise up, grading and recording run as one call in the thread pool: a free-text exercise with
    # ten 10,000-character answers takes a few tenths of a second to check, a teacher's exercises are files, and a
    # write may wait for the database. One hop to a thread and back per check: as a plain def, the route also had
    # its dependency and its answer's validation run in the pool, three hops, each a wait for a thread and the GIL
    # while 30 learners' frames pass through the lab (measured with bench/classroom.py).
    answers = [a if a is None else a[:10_000] for a in attempt.answers]
    return await run_in_threadpool(_check, key, answers, store, _who(store, attempt.learner), idempotency_key)


def _check(key: str, answers: list, store, learner: str | None, attempt_id: str | None = None) -> dict:
    ex = _exercise(key)
    try:  # in a class, ScopedStore carries the same id (deps.get_store reads the header)
        return check_and_record(store, learner, ex.key, answers, attempt_id=attempt_id).to_dict()
    except AttemptIdReused as exc:
        raise HTTPException(409, str(exc)) from None
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None


class HelpRequest(BaseModel):
    learner: str | None = Field(default=None, max_length=64)


class HintRequest(HelpRequest):
    level: int = Field(default=1, ge=1, le=20)


# hints and solutions are POSTs: showing one is recorded in the learner's progress, and a GET that writes could be
# sent by any page (an <img> pointing here marked a solution as seen)
@router.post("/exercises/{key}/hint")
def hint(key: str, store: StoreDep, request: HintRequest | None = None) -> dict:
    request = request or HintRequest()
    ex = _exercise(key)
    try:
        text = hint_and_record(store, _who(store, request.learner), ex.key, request.level)
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"level": min(request.level, len(ex.hints)), "of": len(ex.hints), "text": text}


@router.post("/exercises/{key}/solution")
def solution(key: str, store: StoreDep, request: HelpRequest | None = None) -> dict:
    ex = _exercise(key)
    try:
        return {"text": solution_and_record(store, _who(store, (request or HelpRequest()).learner), ex.key)}
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None


def _help_seen(row) -> dict:
    """The hint and solution a learner has already been shown, so a reloaded lesson page shows them again (it lost
    them, and its Hint button began again at hint 1): the highest hint's text, and the solution's if seen. Read
    only: nothing is recorded, and nothing the learner has not seen is given."""
    try:
        ex = _exercise(row.exercise)
    except HTTPException:
        return {"hint_text": None, "hints_of": 0, "solution_text": None}
    level = min(row.hints_seen, len(ex.hints))
    return {"hint_text": ex.hint(level) if level else None, "hints_of": len(ex.hints),
            "solution_text": ex.solution() if row.solution_seen else None}


@router.get("/progress")
def progress(store: StoreDep, learner: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> list[dict]:
    """A learner's progress per exercise. In a class a joined learner reads their own (no name needed, and another
    name reads their own too); outside a class, ?learner=NAME names whose."""
    try:
        return [{**r.__dict__, "best_rank": rank(r.best_status), **_help_seen(r)} for r in store.progress(learner)]
    except ConfigError as exc:
        if learner is None:
            raise HTTPException(422, "learner: whose progress? add ?learner=NAME, the name the answers were checked "
                                     "under (a learner who joined a class needs none)") from None
        raise HTTPException(422, str(exc)) from None


@router.get("/class-summary")
def class_summary(store: StoreDep) -> list[dict]:
    """For a teacher running the lab for a class: per exercise, share correct and the commonest slips."""
    return store.class_summary()
