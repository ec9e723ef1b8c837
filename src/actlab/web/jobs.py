"""Long work as jobs: the few things that take more than a second run off the event loop, one after another.

A request never waits for long work. It gets a job: queued (with its place in the queue), running (with its
progress), done (with the result) or cancelled. The runner holds a bounded queue, so the request after the last
free place gets a clear "busy"; a limit per kind and per learner keeps one page from queueing everything; the
same work asked for twice is one job, and its result is kept in one shared cache for whoever asks next.

A job's function takes a ``step(done, total, message)`` callback: it reports progress, and it is where a cancelled
job stops (it raises Cancelled).
"""

from __future__ import annotations

import secrets
import threading
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
    """A kind of long work: the function, the most jobs of it queued or running at once, and its cache key."""

    run: Callable[..., Any]  # run(step, **params) -> a JSON-ready result
    limit: int = MAX_QUEUED
    params: tuple[str, ...] = ()  # the request fields it takes, all required (the live sentence's "text")


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

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


class JobRunner:
    def __init__(self, kinds: dict[str, Kind], *, workers: int = WORKERS, max_queued: int = MAX_QUEUED,
                 per_owner: int = PER_OWNER):
        self.kinds = kinds
        self.max_queued = max_queued
        self.per_owner = per_owner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="actlab-job")
        self._queue: deque[Job] = deque()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
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
                job = Job(secrets.token_urlsafe(9), kind, owner, key, params, state="done", done=1, total=1,
                          message="done (kept from an earlier run)", result=self._cache[key])
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
        out = {"id": job.id, "kind": job.kind, "state": job.state, "status": status, "position": position,
               "done": job.done, "total": job.total}
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
            job.state = "running"

        def step(done: int, total: int, message: str = "") -> None:
            if job.cancel_requested:
                raise Cancelled
            job.done, job.total, job.message = done, total, message

        try:
            result = self.kinds[job.kind].run(step, **job.params)
        except Cancelled:
            job.state, job.message = "cancelled", "cancelled while it ran"
            return
        except Exception as exc:  # a failed job says so; the runner goes on with the next
            job.state = "failed"  # a core error's words are for people; anything else is named, not quoted
            job.error = str(exc) if isinstance(exc, ValueError) else f"an error inside the job ({type(exc).__name__})"
            return
        with self._lock:
            self._cache[job.key] = result
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            job.result, job.state, job.done, job.message = result, "done", job.total or 1, "done"
            job.total = job.total or 1

    def shutdown(self) -> None:
        with self._lock:
            for job in self._queue:
                job.state = "cancelled"
            self._queue.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
