"""The lesson's demonstrations, computed by the core and cached per argument set."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from ... import activations, experiments
from ...network import INITS
from ...options import VANISHING_MAX_DEPTH

router = APIRouter(tags=["demonstrations"])


@lru_cache(maxsize=1)
def _collapse() -> bytes:
    result = experiments.linear_collapse()
    data = result.to_dict()
    # the ReLU net's output is straight between kinks: its outline draws it exactly with a few dozen points
    # (the 20,001-point grid it was measured on was 700 KB of the page's first load)
    x, y = result.pieces.outline()
    data["pieces"].update(x=x.tolist(), y=y.tolist(), kink_y=result.pieces.kink_heights().tolist())
    for fit in data["fits"]:  # a surface is drawn as pixels: 4 decimals are plenty, and halve the payload
        fit["surface"] = [[round(v, 4) for v in row] for row in fit["surface"]]
        fit["points"] = [[round(v, 4) for v in p] for p in fit["points"]]
    return JSONResponse(data).body


@router.get("/demos/linear-collapse")
def linear_collapse() -> Response:
    """Deep linear net vs its composed map; linear vs tanh on circle and xor; ReLU pieces."""
    return Response(_collapse(), media_type="application/json")


_FLOWS: dict[tuple, bytes] = {}  # the whole response per setting: the slider revisits the same depths often
_MAX_FLOWS = 1024


def _flow(activation: str, depth: int, width: int, init: str) -> bytes:
    return JSONResponse({"flow": experiments.measure_flow(activation, depth, width, init, seeds=5, n=64).to_dict(),
                         "lesson": experiments.lesson_numbers().to_dict(),
                         "maxima": [m.to_dict() for m in experiments.derivative_maxima()]}).body


@router.get("/demos/vanishing")
async def vanishing(activation: str = "sigmoid", depth: Annotated[int, Query(ge=1, le=VANISHING_MAX_DEPTH)] = 10,
              width: Annotated[int, Query(ge=2, le=128)] = 32,
              init: Annotated[str, Query(json_schema_extra={"enum": list(INITS)})] = "xavier_normal") -> Response:
    """Per-layer gradient norms at initialisation (mean of 5 seeds) beside the analytic bound."""
    try:
        name = activations.resolve(activation)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None
    if init not in INITS:
        raise HTTPException(422, f"init: unknown initialiser {init!r}; allowed: {', '.join(INITS)}")
    key = (name, depth, width, init)
    body = _FLOWS.get(key)
    if body is None:  # a new setting is computed off the event loop (up to ~0.1 s for depth 50)
        body = await run_in_threadpool(_flow, *key)
        if len(_FLOWS) < _MAX_FLOWS:
            _FLOWS[key] = body
    return Response(body, media_type="application/json")


# the dead-unit training demo (several seconds) is a job: POST /api/jobs {"kind": "dying-relu"} (routes/jobs.py)


@lru_cache(maxsize=1)
def _gelu() -> bytes:
    return JSONResponse(experiments.gelu_approx(timing=True).to_dict()).body


@router.get("/demos/gelu-approx")
def gelu_approx() -> Response:
    return Response(_gelu(), media_type="application/json")


@router.get("/demos/census")
def census() -> list[dict]:
    return [r.to_dict() for r in experiments.census()]


# The Monte Carlo count draws about trials x depth x (width (width + 2) + 4) numbers; this many take about half a
# second on a 2-core laptop, so no request runs much past a second
DEAD_PROBABILITY_BUDGET = 15_000_000
DEFAULT_TRIALS = 5000


def _dead_cost(width: int, depth: int) -> int:
    return depth * (width * (width + 2) + 4)


@router.get("/demos/dead-probability", responses={422: {"description": "a parameter out of range, or a width, "
                                                                       "depth and trials too costly together"}})
def dead_probability(width: Annotated[int, Query(ge=1, le=64)] = 4, depth: Annotated[int, Query(ge=1, le=200)] = 10,
                     trials: Annotated[int | None, Query(ge=100, le=20_000)] = None,
                     seed: Annotated[int | None, Query(ge=0, lt=2**32)] = None) -> dict:
    """The formula 1 - (1 - 2^-N)^L beside a fresh Monte Carlo estimate with its 95% interval.

    Cost cap: trials x depth x (width x (width + 2) + 4) may be at most 15,000,000 (about half a second on a
    2-core laptop); a request over it is refused with 422 naming trials (or depth when even 100 trials cost too
    much). Without trials, the count uses 5,000 networks or as many as the cap allows. Without a seed, each
    request draws a fresh one and returns it: passing it back repeats the count exactly."""
    unit = _dead_cost(width, depth)
    most = DEAD_PROBABILITY_BUDGET // unit
    if most < 100:
        deepest = max(1, DEAD_PROBABILITY_BUDGET // (100 * _dead_cost(width, 1)))
        raise HTTPException(422, f"depth: {depth} layers of width {width} cost too much to count even with 100 "
                                 f"networks; at width {width}, depth may be at most {deepest} (the cost cap is "
                                 f"trials x depth x (width x (width + 2) + 4) <= {DEAD_PROBABILITY_BUDGET:,})")
    if trials is None:
        trials = min(DEFAULT_TRIALS, most)
    elif trials > most:
        raise HTTPException(422, f"trials: at most {most:,} for width {width} and depth {depth}; got {trials:,} "
                                 f"(the cost cap is trials x depth x (width x (width + 2) + 4) <= "
                                 f"{DEAD_PROBABILITY_BUDGET:,})")
    return experiments.monte_carlo(width, depth, trials=trials, seed=seed).to_dict()
