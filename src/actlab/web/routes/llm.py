"""Section 4's "inside a real model" panel: the shipped figures (no model is loaded to answer).

The learner's own sentence runs as a job (kind llm-sentence, routes/jobs.py).
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, HTTPException

router = APIRouter(tags=["llm"])


@lru_cache(maxsize=1)
def _figures() -> dict:
    from ...llm import figures

    return figures.load()


@router.get("/llm/figures", responses={503: {"description": "The figures file is missing from this install"}})
def llm_figures() -> dict:
    """SmolLM2's gate inputs per layer (histograms, shares), the swap table, MiniLM's GELU result and the LSTM's
    gates, as measured by ``python -m actlab.llm.figures`` and shipped in the package."""
    try:
        return _figures()
    except FileNotFoundError:
        raise HTTPException(503, "the precomputed figures are missing; run python -m actlab.llm.figures") from None
