"""Results from the papers: the stored table of the last full run (the quick rerun is a job, see jobs.py)."""

from __future__ import annotations

from fastapi import APIRouter

from ...experiments import figures, papers

router = APIRouter(tags=["papers"])


@router.get("/papers")
def stored() -> dict:
    """Each claim's record from the last full run shipped with actlab: its findings beside the paper's numbers,
    the verdict, the run matrix and its time, and its figure (figures.figure: panels with axis titles, drawn by the
    page), with the quick runs' names and which claims have no quick version."""
    table = papers.stored_table()
    claims = [{**c, "figure": [p.to_dict() for p in figures.figure(papers.stored(c["name"]))]}
              for c in table["claims"]]
    return {"claims": claims, "names": papers.names(),
            "stored_only": [n for n in papers.names() if not papers.CLAIMS[n][1]]}
