"""`actlab watch FILE`: a practitioner's monitor log, read as it grows. The file is fixed when the lab starts
(app.state.watch); no request can name another."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from ...monitor_log import LogTail

router = APIRouter(tags=["watch"])
MAX_REPORTS = 200  # per answer: the page asks again for the rest


@router.get("/watch", responses={404: {"description": "The lab was started without a log to watch"}})
def watch(request: Request, since: Annotated[int, Query(ge=0, le=10**9, description="first report index")] = 0,
          ) -> dict:
    """The log's header and its reports from index ``since`` (at most 200 per answer; the newest 2,000 are kept).
    Reading costs at most 4 MB of the file per request. Every report passed on was checked against the log's format
    (monitor_log.check_record); lines that were not are counted in ``bad_lines`` and the first few named in
    ``problems``. ``run`` goes up by one each time the log is started again (``restarted`` says how it was seen);
    ``not_log`` says why the file is not a Monitor log; ``exists`` and ``size`` tell a page that waits what for."""
    tail: LogTail | None = getattr(request.app.state, "watch", None)
    if tail is None:
        raise HTTPException(404, "no log is being watched: start the lab with `actlab watch FILE`")
    tail.poll()
    reports = tail.since(since, MAX_REPORTS)
    first_kept = tail.total - len(tail.reports)
    first = max(since, first_kept)
    # whether the run ended: the monitor's end line, or how long the file has not changed (a killed script writes
    # no end line; the page says how long it has been quiet)
    idle = None if tail.mtime is None else max(time.time() - tail.mtime, 0.0)
    return {"path": tail.path.name, "shown_path": str(tail.path), "header": tail.header, "reports": reports,
            "next": first + len(reports), "total": tail.total, "first_kept": first_kept, "ended": tail.ended,
            "idle_s": idle, "run": tail.run, "restarted": tail.restarted, "not_log": tail.not_log,
            "bad_lines": tail.bad_lines, "problems": tail.problems, "exists": tail.size is not None,
            "size": tail.size}
