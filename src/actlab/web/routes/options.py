"""GET /api/options: every list the lab's pages offer, from the core, with this lab's own size limits."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from ... import options as core_options
from ..settings import limits, settings

router = APIRouter(tags=["options"])


def lab_limits(app) -> dict:
    """The sizes this lab lets a playground run have (actlab lab --max-layers / --max-width), and its points."""
    return {**limits(app).to_dict(), "max_points": settings(app).max_points}


@router.get("/options", responses={304: {"description": "Not modified: the copy named by If-None-Match is current"}})
def get_options(request: Request) -> Response:
    """Every choice the lab's pages offer, read from the core: the activations (name, title, lesson group, whether
    gated, and each parameter's default, allowed interval and slider steps) with the groups' titles, the data sets
    (with their task: classification or regression, and a title), the input features, initialisers, optimisers,
    losses, regularisers, the learning-rate and regularisation-rate steps, the epochs-per-frame steps, the ranges of
    the playground's sliders, and this lab's limits (hidden layers, neurons per layer, points).

    The answer carries an ETag: send it back as If-None-Match and an unchanged answer is a bodiless 304. It is
    revalidated on every use (Cache-Control: no-cache), since an activation registered while the lab runs changes
    it."""
    body = json.dumps({**core_options.options(), "limits": lab_limits(request.app)}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    asked = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
    if etag in asked or "*" in asked:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.post("/options/check", responses={422: {"description": "The body is not a JSON object"}})
def check_options(request: Request, values: Annotated[dict[str, Any], Body(
        examples=[{"lr": 50, "activations": ["hardtanh(min_val=2,max_val=1)"], "negative_slope": 0.2}])]) -> dict:
    """Check a page's settings without starting anything (the playground's address, before its first run): the
    run settings (RunConfig's fields, as the playground's WebSocket takes them) and the run controls
    (epochs_per_frame, stop_epoch, target_loss); a setting left out takes its default. The core checks each with
    its own words and this lab's size limits (actlab.options.check_settings). The answer: "settings", every
    setting as a run would use it (refused ones at their defaults, old links' flat keys merged into the
    activations), and "problems", one {"setting", "field", "message"} per refused value. Nothing is written."""
    return core_options.check_settings(values, limits(request.app))


@router.post("/options/check-lesson", responses={422: {"description": "The body is not a JSON object"}})
def check_lesson(values: Annotated[dict[str, Any], Body(
        examples=[{"acts": ["relu", "leaky_relu(negative_slope=7)"], "van_depth": 80}])]) -> dict:
    """Check the lesson page's address without starting anything: the explorer's activations ("acts") and the
    vanishing demo's settings (van_act, van_init, van_width, van_depth), each by the core with its own words
    (actlab.options.check_lesson). The answer: "settings", every setting as the lesson will use it (a refused one at
    its default), and "problems", one {"setting", "field", "message"} per refused value. Nothing is written."""
    return core_options.check_lesson(values)


@router.get("/playground/limits", deprecated=True)
def playground_limits(request: Request) -> dict:
    """Deprecated: the same limits as the "limits" field of GET /api/options, which every page reads. Kept so a
    script written against it keeps working; new code reads the options."""
    return lab_limits(request.app)
