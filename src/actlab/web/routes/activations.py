"""Registry entries, properties and samples for plotting; conventions and the accuracy table."""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from ... import activations
from ..._json import jsonable
from ..math_render import mathml

router = APIRouter(tags=["activations"])
MAX_SAMPLES = 4001


def _describe(act: activations.Activation) -> dict:
    d = act.describe()
    d["formula_mathml"] = mathml(act.formula)
    d["deriv_formula_mathml"] = mathml(act.deriv_formula)
    return d


def _params_from_query(request: Request, allowed: set[str]) -> dict:
    params = {}
    for key, value in request.query_params.items():
        if key in ("x_min", "x_max", "n"):
            continue
        if key not in allowed:
            raise HTTPException(422, f"{key}: not a parameter of this activation; allowed: "
                                     f"{', '.join(sorted(allowed)) or 'none'}")
        if value.lower() == "none":
            params[key] = None
            continue
        try:
            params[key] = float(value)
        except ValueError:
            raise HTTPException(422, f"{key}: {value[:40]!r} is not a number") from None
    return params


def _get(name: str, params: dict | None = None) -> activations.Activation:
    try:
        return activations.get(name, **(params or {}))
    except ValueError as exc:
        raise HTTPException(404 if "unknown activation" in str(exc) else 422, str(exc)) from None


_described: dict = {"records": (), "body": b""}


def _all_described() -> bytes:
    """Described once per state of the registry (activations.register() can add a record while the lab runs)."""
    records = tuple(activations.REGISTRY.values())
    if tuple(map(id, records)) != tuple(map(id, _described["records"])):
        _described.update(records=records, body=JSONResponse([_describe(r) for r in records]).body)
    return _described["body"]


@router.get("/activations")
async def list_activations() -> Response:
    """Every registry entry with its properties and formulas (LaTeX and MathML)."""
    return Response(_all_described(), media_type="application/json")


@router.get("/activations/{name}")
def get_activation(name: str, request: Request) -> dict:
    record = _get(name)
    return _describe(_get(record.name, _params_from_query(request, set(record.param_specs))))


@router.get("/activations/{name}/samples")
async def samples(name: str, request: Request,
            x_min: Annotated[float, Query(ge=-1e6, le=1e6, allow_inf_nan=False)] = -6.0,
            x_max: Annotated[float, Query(ge=-1e6, le=1e6, allow_inf_nan=False)] = 6.0,
            n: Annotated[int, Query(ge=2, le=MAX_SAMPLES)] = 481) -> JSONResponse:
    """f and f' on an even grid; for gated units, the gate with a = 1 (out = g(b), d out / d b = g'(b)).

    async: the work is well under a millisecond, less than a hop to the thread pool would cost."""
    if not x_min < x_max:
        raise HTTPException(422, f"x_min ({x_min}) must be below x_max ({x_max})")
    record = _get(name)
    act = _get(record.name, _params_from_query(request, set(record.param_specs)))
    x = np.linspace(x_min, x_max, n)
    if act.is_gated:
        pair = np.stack([np.ones_like(x), x], axis=-1)
        value, deriv = act(pair)[:, 0], act.derivative(pair)[:, 1]
    else:
        value, deriv = act(x), act.derivative(x)
    # returned as a ready response: FastAPI's encoder would walk 3n floats one by one
    return JSONResponse({"name": act.name, "params": dict(act.params), "x": x.tolist(), "value": _clean(value),
                         "derivative": _clean(deriv)})


def _clean(a: np.ndarray) -> list:
    """JSON-ready floats in the one wire format (an overflow is "inf", NaN null); all-finite arrays take the
    short way."""
    a = np.asarray(a, dtype=float)
    return a.tolist() if np.isfinite(a).all() else jsonable(a)


@router.get("/conventions")
def get_conventions() -> dict:
    c = activations.conventions()
    relu = activations.get("relu")
    return {"relu_deriv_at_zero": c.relu_deriv_at_zero, "relu_subgradient_at_zero": list(c.relu_subgradient_at_zero),
            "relu_note": relu.note,
            "torch_relu_deriv_at_zero": c.framework_relu_deriv_at_zero["PyTorch"],
            "tensorflow_relu_deriv_at_zero": c.framework_relu_deriv_at_zero["TensorFlow"],
            "gelu_gaps": [g.__dict__ for g in c.gelu_gaps], "gelu_names": c.gelu_names}


@router.get("/accuracy")
def get_accuracy() -> dict:
    """The measured table that scripts/make_docs.py writes (actlab and PyTorch against mpmath)."""
    return json.loads((resources.files("actlab") / "data" / "accuracy.json").read_text())
