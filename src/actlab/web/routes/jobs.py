"""Long work as jobs (see jobs.py): start one, ask how it is going, cancel it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from ... import experiments
from ..jobs import Busy, JobRunner, Kind
from ..problems import problem

router = APIRouter(tags=["jobs"])


def _dying_relu(step) -> dict:
    return experiments.dying_relu(trials=20_000, on_step=step).to_dict()


def _llm_sentence(step, text: str) -> dict:
    from ...llm import figures  # the optional layer: loaded only when a learner asks for a live run

    return figures.sentence(text, step)


def _reproduce_quick(step) -> dict:
    """Every claim's quick run in turn (a claim with no quick version gives its stored record), as one job."""
    names = experiments.papers.names()
    records = []
    for i, name in enumerate(names):
        def inner(done: int, total: int, message: str, i: int = i, name: str = name) -> None:
            step(100 * i + int(100 * done / max(total, 1)), 100 * len(names), f"{name}: {message}")

        # beside the stored full run: a quick run alone leaves out findings, and its verdict with them (rerun.py)
        records.append(experiments.papers.beside_stored(experiments.reproduce(name, quick=True, on_step=inner))
                       .to_dict())
    return {"claims": records}


KINDS = {
    "dying-relu": Kind(_dying_relu),  # the dead-unit training demo: about 5-10 s
    # a learner's sentence through SmolLM2 (section 4): a few seconds once the model is loaded, which the first
    # run does (the one model stays in memory, shared by every learner)
    "llm-sentence": Kind(_llm_sentence, limit=10, params=("text",)),
    # the papers' quick runs, one at a time: a minute or more. Never kept: the button says "Rerun", and what a
    # learner asks for is this machine measuring now (a kept result would repeat an earlier run's numbers, seeds
    # and all, as if new). A press while a run is under way joins that run, so a class pressing at once runs it once.
    "reproduce-quick": Kind(_reproduce_quick, limit=1, keep=False),
}


def get_jobs(conn: HTTPConnection) -> JobRunner:
    return conn.app.state.jobs


JobsDep = Annotated[JobRunner, Depends(get_jobs)]
UNKNOWN_JOB = {404: problem("No job with that id (finished jobs are forgotten after a while)")}


class JobRequest(BaseModel):
    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    learner: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, max_length=1000, description="The sentence, for llm-sentence only")


@router.post("/jobs", status_code=202, responses={
    429: problem("This learner already has the most jobs queued or running"),
    503: problem("Busy: the queue is full; try again in a minute")})
def start(request: JobRequest, jobs: JobsDep) -> dict:
    """Start a long computation (or join the same one already under way); poll GET /api/jobs/{id} for it.

    The answer says "queued, position N", "running: k of n steps" or "done" (with the result). At most 30 jobs
    wait at once and each learner may have 2 queued or running; past that the answer is 503 or 429."""
    if request.kind not in jobs.kinds:
        raise HTTPException(422, f"kind: unknown job {request.kind!r}; allowed: {', '.join(jobs.kinds)}")
    takes = jobs.kinds[request.kind].params
    params = {"text": request.text} if request.text is not None else {}
    missing, extra = sorted(set(takes) - set(params)), sorted(set(params) - set(takes))
    if missing:
        raise HTTPException(422, f"{missing[0]}: the {request.kind} job needs it")
    if extra:
        raise HTTPException(422, f"{extra[0]}: the {request.kind} job takes no {extra[0]}")
    try:
        job = jobs.submit(request.kind, owner=request.learner or "anonymous", **params)
    except Busy as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers={"Retry-After": "30"})
    return jobs.describe(job)


# a path of its own: a GET beside POST /jobs would be a second route on one path, whose 405 names one method only
@router.get("/jobs/under-way")
def under_way(kind: str, jobs: JobsDep) -> dict:
    """The jobs of one kind queued or running now, oldest first: a page opened or reloaded mid-run shows them."""
    if kind not in jobs.kinds:
        raise HTTPException(422, f"kind: unknown job {kind[:40]!r}; allowed: {', '.join(jobs.kinds)}")
    return {"jobs": [jobs.describe(j) for j in jobs.active(kind)]}


@router.get("/jobs/{job_id}", responses=UNKNOWN_JOB)
def status(job_id: str, jobs: JobsDep) -> dict:
    """Where a job stands, with its result once done."""
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"job_id: no job {job_id[:40]!r}; start one with POST /api/jobs")
    return jobs.describe(job)


@router.post("/jobs/{job_id}/cancel", responses=UNKNOWN_JOB)
def cancel(job_id: str, jobs: JobsDep) -> dict:
    """Cancel a job: a queued one at once, a running one at its next step."""
    job = jobs.cancel(job_id)
    if job is None:
        raise HTTPException(404, f"job_id: no job {job_id[:40]!r}")
    return jobs.describe(job)
