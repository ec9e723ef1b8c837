"""`actlab watch FILE`: a practitioner's monitor log, read as it grows. The file is fixed when the lab starts
(app.state.watch); no request can name another."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from ...log_format import BAD_KINDS
from ...monitor_log import LogTail, missing_folder, strict
from ...run_history import HELD_OUT_POINTS, RATE_POINTS
from ...run_points import PARTS_MOST, RATE_GROUPS_MOST

router = APIRouter(tags=["watch"])
MAX_POINT_BYTES = 200_000  # per answer, the history's points as JSON: the page asks again for the rest


def _missing_text(path) -> str | None:
    missing, _ = missing_folder(path)
    return None if missing is None else str(missing)


def _unit_counts(tail: LogTail) -> tuple[int, int]:
    """The latest report's saturated (or rarely active) units and its dead ones, over its layers that count both:
    units gone silent are counted with the dead (the dead share: a dying layer), not with the saturated ones that the
    log counts them among (W29: 39 of 64 units gone silent opened the page on "saturated or rarely active")."""
    latest = tail.reports[-1] if tail.reports else tail.preview
    counted = [layer for layer in (latest or {}).get("layers", []) if isinstance(layer.get("dead"), int)
               and isinstance(layer.get("saturated"), int)]
    silent = sum(min(max(layer.get("silent") if type(layer.get("silent")) is int else 0, 0), layer["saturated"])
                 for layer in counted)
    return (sum(layer["saturated"] for layer in counted) - silent, sum(layer["dead"] for layer in counted) + silent)


def _by_counts(tail: LogTail) -> str | None:
    """The measure the latest report's counts pick, "saturated" or "dead" (more units of that kind than of the
    other), or None where they tie (none counted, at a NaN step, or as many of each): the page offers a measure "as
    more units are now ..." only where this names it (W80 walkthrough finding 4: at a NaN step, every count '—', the
    page said 'More units are now dead or gone silent than saturated or rarely active')."""
    saturated, dead = _unit_counts(tail)
    return "saturated" if saturated > dead else "dead" if dead > saturated else None


def _health_measure(tail: LogTail) -> str:
    """The unit-health measure the page shows first: "saturated" where the latest report counts more saturated (or
    rarely active) units than dead ones, those gone silent counted with the dead (R15: after a divergence every tanh
    unit was saturated while the chart opened on the ReLU layers' 0% dead); else "dead" where a layer's activation
    has a region where f' is exactly 0 (ReLU, ReLU6, hardtanh: only there can a unit die), else "saturated", which a
    squashing or smooth function's flat tail can make nonzero (an all-sigmoid net's dead units are always 0%). An
    activation the lab does not know counts as one that can die. The reader's or the address's pick is kept by the
    page whatever this says."""
    from ...activations import get

    saturated, dead = _unit_counts(tail)
    if saturated > dead:
        return "saturated"
    latest = tail.reports[-1] if tail.reports else tail.preview
    names = [layer.get("activation") for layer in (latest or {}).get("layers", [])] \
        or list(tail.header.get("activations") or [])
    if not names:
        return "dead"
    for name in names:
        try:
            if get(str(name)).has_zero_region:
                return "dead"
        except (KeyError, ValueError):
            return "dead"
    return "saturated"


def _picked(request: Request, tail: LogTail, run: int | None) -> LogTail:
    """The tail that shows run ``run`` of the log: the lab's own for the latest run (or where ``run`` is None), else
    one tail for an earlier run, kept while the page keeps asking for that run, read from where its stretch of the
    file begins (log_runs)."""
    if run is None or run == tail.shown or tail.runs.find(run) is None:
        return tail
    kept = getattr(request.app.state, "watch_pick", None)
    key = (tail.restarts, run)
    if kept is None or kept[0] != key:
        kept = (key, LogTail(tail.path, pick=run, start=tail.runs.find(run)["from"]))
        request.app.state.watch_pick = kept
    return kept[1]


@router.get("/watch", responses={404: {"description": "The lab was started without a log to watch"}})
def watch(request: Request, since: Annotated[int, Query(ge=0, le=10**9, description="first report index")] = 0,
          run: Annotated[int | None, Query(ge=1, le=10**9, description="the run to show (1: the file's first); "
                                           "the latest where left out")] = None,
          ) -> dict:
    """The log's header and the run's history from report index ``since``: the points the server keeps of the whole
    run (every report before report ``head``, every ``every``-th report from it to report ``recent_from``, every
    report from that on; run_history.RunHistory), each with its step, loss, gradients and unit health per layer, at
    most 200,000 bytes of them per answer (one point when a single point is larger). A point between ``head`` and
    ``recent_from`` carries its ``band``: the range of the reports it stands for, up to the next point kept;
    ``grown`` is the band of the point before ``since`` whose stretch reaches past it, as it is now (the page had it
    smaller). ``latest`` is the newest report whole, and ``latest_finite`` the newest that held no NaN or inf, sent
    once the answer reaches the newest point; ``spans`` are the stretches of steps that held one, and ``first_seen``
    the step of the first report that held one with the step of the report before it. Besides the points an answer
    carries the header, at most those two reports, at most 64 spans and 5 named bad lines, so its size is bounded by
    the model's width, never by the run's length. Reading costs at most 4 MB of the file per request (``unread``
    says how much is left); while more is left, the first answer (``since`` 0) carries ``preview``, the newest
    report at the file's end, so the page shows the run's latest step before it has read the steps before it.

    Every report passed on was checked against the log's format (monitor_log.check_record); lines that were not are
    counted in ``bad_lines`` and the first few named in ``problems``. A file may hold several runs (appended one after
    the other, or two monitors writing it at once: log_runs tells them apart); ``runs`` lists them (the newest 100;
    ``runs_total`` counts all), ``latest_run`` is the newest and ``shown`` the one this answer is of: the latest,
    or ``run`` where that names another (an unknown one is answered with the latest and named in ``unknown_run``).
    ``run`` goes up by one each time the log is started again or the latest run changes (``restarted`` says how it
    was seen; ``restarts`` counts only the first); ``warnings`` says, in words, what the file holds and which run
    is drawn (``mixed``: where two monitors' lines first interleave); ``ended`` is the run's end line, whose
    ``exception`` names what stopped a run that crashed; ``not_log`` says why the file is not a Monitor log;
    ``exists``, ``size`` and ``folder_missing`` (the first folder of its path that does not exist yet) tell a page
    that waits what for; ``limits`` are the bounds the page keeps as the server does (the parts a point holds, the
    held-out losses kept)."""
    tail: LogTail | None = getattr(request.app.state, "watch", None)
    if tail is None:
        raise HTTPException(404, "no log is being watched: start the lab with `actlab watch FILE`")
    with tail.lock:  # two pages asking at once must not read the file, nor the history, over each other
        tail.poll()
        log, tail = tail, _picked(request, tail, run)
        if tail is not log:
            tail.poll()
        history = tail.history
        points = history.since(since, MAX_POINT_BYTES)
        grown = history.grown(since)
        # while a backlog is read, the newest report at the file's end, for the page's first paint (once: from 0)
        preview = strict(tail.preview) if since == 0 and tail.preview is not None and tail.unread else None
        following = points[-1]["index"] + 1 if points else history.total
        # the newest report, once the page has every point: a page that catches up draws the latest step once
        is_new = since < history.total and following == history.total
        latest = strict(tail.reports[-1]) if is_new and tail.reports else None
        latest_finite = strict(tail.latest_finite) if latest is not None and latest.get("non_finite") else None
        spans = [list(span) for span in history.spans]
        state = {"total": tail.total, "head": history.head_cap, "every": history.every,
                 "recent_from": history.recent_from,
                 "non_finite": history.non_finite, "header": strict(tail.header), "ended": tail.ended,
                 # the charts' series, one per place, and the latest sampled step each ran on (a place that did not
                 # run on the latest step, an MoE expert given no token, has no row of its own in its report)
                 "places": history.places, "last_ran": history.last_ran,
                 # the places in the forward order the reports record: the order the page lists layers in
                 "order": history.order,
                 "run": tail.run, "restarted": tail.restarted, "not_log": log.not_log, "bad_lines": log.bad_lines,
                 "problems": list(log.problems), "exists": log.size is not None, "size": log.size,
                 "unread": tail.unread, "mtime": log.mtime, "first_seen": history.first_seen,
                 # every held-out loss kept, on the first answer (since 0); later answers carry the new ones in
                 # their points' held_out_given, which the page adds
                 "held_out": history.held_out if since == 0 else None,
                 # and every learning-rate change kept, per parameter group, the same way (points carry "rates")
                 "rates": history.rates if since == 0 else None,
                 # the losses of the steps after the last sampled one, from the end line (run_points.tail_of)
                 "loss_tail": history.tail,
                 # where the reading's status changed, on every answer (at most run_changes.MAX_CHANGES of them)
                 "changes": [list(c) for c in history.status.changes], "changes_left_out": history.status.left_out,
                 "folder_missing": _missing_text(log.path), "warnings": log.said("page", tail.shown),
                 # the lines skipped per kind, in words, where some are not simply lines that are no record (a
                 # report written twice, one no run could take, an end line of two runs)
                 "skipped_words": log.skipped_words() if set(log.skipped) - set(BAD_KINDS) else None,
                 # end lines that carry no run id and fit no single open run (two monitors wrote the log at once)
                 "unowned_ends": log.skipped.get("unowned_end", {}).get("count", 0),
                 # the file's unfinished last line and its bytes so far (a writer in the middle of it; said once the
                 # file has gone quiet: W68 walkthrough finding 4)
                 "cut": log.cut, "cut_bytes": log.cut_bytes,
                 "health_measure": _health_measure(tail), "health_by_counts": _by_counts(tail),
                 # the server's own bounds, which the page keeps too: the named parts a point holds, and the
                 # held-out losses a history keeps (past it, every other one goes but the lowest and the latest)
                 "limits": {"parts_most": PARTS_MOST, "held_out_points": HELD_OUT_POINTS,
                            "rate_points": RATE_POINTS, "rate_groups_most": RATE_GROUPS_MOST},
                 "mixed": log.mixed, "runs": log.runs.listed(), "runs_total": log.runs.total, "shown": tail.shown,
                 "latest_run": log.shown, "restarts": log.restarts,
                 # a run not found once the whole file was read (while it is read, a later run may be the one asked)
                 "unknown_run": run if run is not None and not log.unread and log.runs.find(run) is None else None}
    # whether the run ended: the monitor's end line, or how long the file has not changed (a killed script writes
    # no end line; the page says how long it has been quiet)
    mtime = state.pop("mtime")
    idle = None if mtime is None else max(time.time() - mtime, 0.0)
    return {"path": tail.path.name, "shown_path": str(tail.path), "points": points, "next": following, "grown": grown,
            "preview": preview,
            "spans": spans, "latest": latest, "latest_finite": latest_finite, "idle_s": idle, **state}
