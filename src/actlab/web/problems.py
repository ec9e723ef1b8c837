"""The one shape of every error the API answers, and where the published schema says so.

Each error is ``{"detail": "<what was wrong and what is allowed>", "field": "<the setting to blame>"}`` (field may
be absent). FastAPI's default schema documents a 422 whose detail is a list of pydantic records; the lab answers in
words instead, so the schema documents this model for 422 and the 404s the routes really give.
"""

from __future__ import annotations

from pydantic import BaseModel


class Problem(BaseModel):
    detail: str
    field: str | None = None


def problem(description: str) -> dict:
    return {"model": Problem, "description": description}


INVALID = {400: problem("The body could not be read: not UTF-8 JSON, or a broken multipart form"),
           422: problem("A value out of range or of the wrong kind; the detail names the field and what is allowed")}
NOT_FOUND = {404: problem("No activation or exercise of that name; the detail lists the valid names")}


def without_body_errors_on_reads(app) -> None:
    """A 400 (an unreadable body) is only possible where a body is read: drop it from operations that read none."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            for item in make()["paths"].values():
                for op in item.values():
                    if "requestBody" not in op:
                        op.get("responses", {}).pop("400", None)
        return app.openapi_schema

    app.openapi = openapi
