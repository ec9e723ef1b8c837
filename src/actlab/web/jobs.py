"""Long work as jobs: the few things that take more than a second run off the event loop, one after another.

A request never waits for long work. It gets a job: queued (with its place in the queue), running (with its
progress), done (with the result) or cancelled. The runner holds a bounded queue, so the request after the last
free place gets a clear "busy"; a limit per kind and per learner keeps one page from queueing everything; the
same work asked for twice while it is under way is one job. A kind whose result does not change from run to run
(``Kind.keep``) keeps it in one shared cache for whoever asks next; a kind whose point is the run itself (the papers'
quick rerun, which measures this machine now) runs again each time it is asked for.

Each job records when it started and finished (wall clock), so a page that joins or reloads mid-run can say since
when it has been running, and a result can say when it was made.

A job's function takes a ``step(done, total, message)`` callback: it reports progress, and it is where a cancelled
job stops (it raises Cancelled).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

MAX_QUEUED = 30
WORKERS = 1  # the machine has two cores and the event loop (which also trains playground networks) needs one
PER_OWNER = 2
KEEP_FINISHED = 256
CACHE_SIZE = 32


class Cancelled(Exception):
    """Raised inside a job's step() once the job was cancelled."""


class Busy(Exception):
    """The job cannot be taken now; ``status`` is the HTTP status that says why (503 full, 429 too many of yours)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Kind:
    """A kind of long work: the function, the most jobs of it queued or running at once, its request fields, and
    whether a finished result is kept for the same request."""

    run: Callable[..., Any]  # run(step, **params) -> a JSON-ready result
    limit: int = MAX_QUEUED
    params: tuple[str, ...] = ()  # the request fields it takes, all required (the live sentence's "text")
    keep: bool = True  # False: every request after the last one finished runs afresh (nothing is cached)


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    key: tuple
    params: dict = field(default_factory=dict)
    state: str = "queued"  # queued, running, done, failed, cancelled
    done: int = 0
    total: int = 0
    message: str = ""
    result: Any = None
    error: str | None = None
    cancel_requested: bool = False
    started_at: float | None = None  # time.time() when it started running
    finished_at: float | None = None  # time.time() when it ended (done, failed or cancelled while running)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def seconds(self, now: float | None = None) -> float | None:
        """How long it has run (up to now while running); None before it starts."""
        if self.started_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else (now if now is not None else time.time())
        return max(end - self.started_at, 0.0)


class JobRunner:
    def __init__(self, kinds: dict[str, Kind], *, workers: int = WORKERS, max_queued: int = MAX_QUEUED,
                 per_owner: int = PER_OWNER):
        self.kinds = kinds
        self.max_queued = max_queued
        self.per_owner = per_owner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="actlab-job")
        self._queue: deque[Job] = deque()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._cache: OrderedDict[tuple, Job] = OrderedDict()  # the finished job kept for each request
        self._lock = threading.Lock()

    # --- asking -------------------------------------------------------------------------------------------------

    def submit(self, kind: str, owner: str = "anonymous", **params) -> Job:
        """The job for this work: a finished one from the cache, the one already under way, or a new one queued."""
        if kind not in self.kinds:
            raise KeyError(kind)
        key = (kind, tuple(sorted(params.items())))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                earlier = self._cache[key]
                job = Job(secrets.token_urlsafe(9), kind, owner, key, params, state="done", done=1, total=1,
                          message="done (kept from an earlier run)", result=earlier.result,
                          started_at=earlier.started_at, finished_at=earlier.finished_at)
                return self._remember(job)
            for job in self._jobs.values():
                if job.key == key and job.active:
                    return job  # the same work asked for again: one job
            active = [j for j in self._jobs.values() if j.active]
            if len(self._queue) >= self.max_queued:
                raise Busy(503, f"busy: {len(self._queue)} jobs are already waiting, the most the lab queues; try "
                                "again in a minute")
            if sum(j.kind == kind for j in active) >= self.kinds[kind].limit:
                raise Busy(503, f"busy: {self.kinds[kind].limit} {kind} jobs are already queued or running; try "
                                "again in a minute")
            if sum(j.owner == owner for j in active) >= self.per_owner:
                raise Busy(429, f"you already have {self.per_owner} jobs queued or running; wait for one to finish "
                                "or cancel it")
            job = self._remember(Job(secrets.token_urlsafe(9), kind, owner, key, params))
            self._queue.append(job)
        self._pool.submit(self._run_next)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def active(self, kind: str) -> list[Job]:
        """The jobs of ``kind`` queued or running now, oldest first (a page reloaded mid-run finds its run here)."""
        with self._lock:
            return [j for j in self._jobs.values() if j.kind == kind and j.active]

    def cancel(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state == "queued":
                self._queue.remove(job)
                job.state, job.message = "cancelled", "cancelled before it started"
            elif job.state == "running":
                job.cancel_requested = True  # it stops at its next step
        return job

    def position(self, job: Job) -> int | None:
        """1 for the next job to start; None when the job is not waiting."""
        with self._lock:
            for i, queued in enumerate(self._queue, start=1):
                if queued is job:
                    return i
        return None

    def describe(self, job: Job) -> dict:
        position = self.position(job)
        if job.state == "queued":
            status = f"queued, position {position}"
        elif job.state == "running":
            status = "cancelling" if job.cancel_requested else \
                f"running: {job.done} of {job.total} steps" + (f" ({job.message})" if job.message else "")
        else:
            status = job.state if not job.error else f"failed: {job.error}"
        seconds = job.seconds()
        out = {"id": job.id, "kind": job.kind, "state": job.state, "status": status, "position": position,
               "done": job.done, "total": job.total,
               # the job's own clock, so that every page showing it counts from when it started, not from a click
               "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
               "seconds": None if seconds is None else round(seconds, 1),
               "kept": job.message == "done (kept from an earlier run)"}
        if job.state == "done":
            out["result"] = job.result
        return out

    # --- running ------------------------------------------------------------------------------------------------

    def _remember(self, job: Job) -> Job:
        self._jobs[job.id] = job
        while len(self._jobs) > KEEP_FINISHED:  # forget the oldest finished job first
            oldest = next((j for j in self._jobs.values() if not j.active), None)
            if oldest is None:
                break
            del self._jobs[oldest.id]
        return job

    def _run_next(self) -> None:
        with self._lock:
            if not self._queue:
                return  # cancelled while it waited
            job = self._queue.popleft()
            job.state, job.started_at = "running", time.time()

        def step(done: int, total: int, message: str = "") -> None:
            if job.cancel_requested:
                raise Cancelled
            job.done, job.total, job.message = done, total, message

        try:
            result = self.kinds[job.kind].run(step, **job.params)
        except Cancelled:
            job.state, job.message, job.finished_at = "cancelled", "cancelled while it ran", time.time()
            return
        except Exception as exc:  # a failed job says so; the runner goes on with the next
            job.state, job.finished_at = "failed", time.time()
            # a core error's words are for people; anything else is named, not quoted
            job.error = str(exc) if isinstance(exc, ValueError) else f"an error inside the job ({type(exc).__name__})"
            return
        with self._lock:
            job.finished_at = time.time()
            if self.kinds[job.kind].keep:
                self._cache[job.key] = job
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            job.result, job.state, job.done, job.message = result, "done", job.total or 1, "done"
            job.total = job.total or 1

    def shutdown(self) -> None:
        """Take no more work: the queued jobs are cancelled, and a running one stops at its next step."""
        with self._lock:
            for job in self._queue:
                job.state, job.message = "cancelled", "cancelled before it started"
            self._queue.clear()
            for job in self._jobs.values():
                if job.state == "running":
                    job.cancel_requested = True
        self._pool.shutdown(wait=False, cancel_futures=True)


def _iso(when: float | None) -> str | None:
    """A wall-clock time as ISO 8601 UTC to the second (a page shows it in the learner's own time zone)."""
    if when is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
